"""pcapng's epb_flags word (a packet's direction, reception type, FCS length and link-layer
errors), field by field as tshark names them under frame.packet_flags."""
from __future__ import annotations

from typing import NamedTuple


class FlagField(NamedTuple):
    name: str               # tshark's field name
    mask: int
    label: str
    names: dict | None      # value names; None: a number; {}: a bit (Set / Not set)

    def value(self, flags: int) -> int:
        return (flags & self.mask) >> ((self.mask & -self.mask).bit_length() - 1)

    def shown(self, flags: int) -> str:
        value = self.value(flags)
        if self.names is None:
            return str(value)
        if not self.names:
            return "Set" if value else "Not set"
        return self.names.get(value, f"Unknown ({value})")


FIELDS = (
    FlagField("frame.packet_flags_direction", 0x3, "Direction",
              {0: "Unknown (0x0)", 1: "Inbound (0x1)", 2: "Outbound (0x2)", 3: "Unknown (0x3)"}),
    FlagField("frame.packet_flags_reception_type", 0x1C, "Reception type",
              {0: "Not specified (0)", 1: "Unicast (1)", 2: "Multicast (2)", 3: "Broadcast (3)",
               4: "Promiscuous (4)"}),
    FlagField("frame.packet_flags_fcs_length", 0x1E0, "FCS length", None),
    FlagField("frame.packet_flags_reserved", 0xFE00, "Reserved", None),
    FlagField("frame.packet_flags_crc_error", 1 << 24, "CRC error", {}),
    FlagField("frame.packet_flags_packet_too_error", 1 << 25, "Packet too long error", {}),
    FlagField("frame.packet_flags_packet_too_short_error", 1 << 26, "Packet too short error", {}),
    FlagField("frame.packet_flags_wrong_inter_frame_gap_error", 1 << 27, "Wrong interframe gap error", {}),
    FlagField("frame.packet_flags_unaligned_frame_error", 1 << 28, "Unaligned frame error", {}),
    FlagField("frame.packet_flags_start_frame_delimiter_error", 1 << 29, "Start frame delimiter error", {}),
    FlagField("frame.packet_flags_preamble_error", 1 << 30, "Preamble error", {}),
    FlagField("frame.packet_flags_symbol_error", 1 << 31, "Symbol error", {}),
)


def bits32(value: int, mask: int) -> str:
    """A 32-bit value's bits under `mask` as tshark draws them: `.... ..01` in groups of four."""
    chars = [str(value >> bit & 1) if mask >> bit & 1 else "." for bit in range(31, -1, -1)]
    return " ".join("".join(chars[i:i + 4]) for i in range(0, 32, 4))
