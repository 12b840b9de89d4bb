"""`capture show N -V` beside `tshark -V` on the same frame: for these frames every line we
print is one of tshark's (brackets aside: tshark brackets generated fields, we do not), tshark
run with -2 so a request shows the link to its response, as ours does.
tshark prints more (expert info, [Time shift], [Frame is marked], conversation
completeness, its own tunnels of fields we do not dissect): those are not required."""
import json
import subprocess
from pathlib import Path

import pytest

from netsh.cli import main
from tests.tools import need

DATA = Path(__file__).resolve().parents[1] / "data"
FRAMES = [("accecn_handshake.pcap", 1), ("print-flags.pcap", 1), ("print-flags.pcap", 3),
          ("print-flags.pcap", 5), ("802.1ad_QinQ.pcap", 1), ("802.1ad_QinQ.pcap", 2),
          ("dns_udp.pcap", 2),
          # IPv6 extension headers, NDP options, MLD, checksums with tshark's verdicts
          ("icmpv6.pcap", 2), ("icmpv6.pcap", 3), ("icmpv6.pcap", 4), ("icmpv6_opt24.pcap", 1),
          ("icmpv6-ns-nonce.pcap", 1),
          ("ipv6-routing-header.pcap", 1), ("ipv6-srh-ext-header.pcap", 1),
          # LLC and spanning tree BPDUs
          ("802.1D_spanning_tree.pcap", 1), ("802.1w_rapid_STP.pcap", 1),
          # DHCP: options named and shown by their typed fields, the raw value hidden
          ("dhcp-rfc3004.pcap", 1), ("dhcp-rfc3004.pcap", 2), ("dhcp-rfc3004.pcap", 4),
          ("dhcp-mud.pcap", 1), ("dhcp-mud.pcap", 2), ("dhcp-option-33.pcap", 5),
          ("dhcp-rfc4388.pcap", 10),
          # EDNS options: client subnet, cookies, DAU/DHU/N3U, keepalive, padding, chain, unknown codes
          ("edns-opts.pcap", 5), ("edns-opts.pcap", 6), ("edns-opts.pcap", 11), ("edns-opts.pcap", 15),
          ("edns-opts.pcap", 17), ("edns-opts.pcap", 19), ("edns-opts.pcap", 21), ("edns-opts.pcap", 37),
          ("edns-opts.pcap", 39), ("edns-opts.pcap", 41),
          # the lab's own traffic, with the conversation analysis: relative SACK blocks, a
          # retransmission (no payload dissected), a cut segment (payload counted whole),
          # a reassembled ping (its data's timestamp), HTTP and DNS over TCP reassembled
          # (headers as written, the segment of a message, bit fields of the message's bytes)
          ("kernel_tcp_loss.pcap", 103), ("kernel_tcp_loss.pcap", 104), ("kernel_tcp_loss.pcap", 106),
          ("kernel_ping_fragments.pcap", 8), ("kernel_ping_fragments.pcap", 23),
          ("kernel_tcp_http_dns.pcap", 24), ("kernel_tcp_http_dns.pcap", 26), ("kernel_tcp_http_dns.pcap", 74),
          ("kernel_tcp_http_dns.pcap", 32),
          ("print-flags.pcap", 6), ("dhcp-rfc4388.pcap", 9),
          # DNSSEC signatures (RRSIG), every type named in tshark's words
          ("dnssec.pcap", 4), ("edns-opts.pcap", 14), ("edns-opts.pcap", 42),
          # padding that is not all zeros is a trailer; retransmitted SYN/ACK, data and FIN; GRE's flags
          ("pptp.pcap", 3), ("pptp.pcap", 9), ("pptp.pcap", 12), ("pptp.pcap", 20),
          ("erspan-type-i-1.pcap", 1),
          # MPTCP options: join (SYN, SYN/ACK, ACK), add and remove address, DSS with a 64-bit data ACK
          ("mptcp-v0.pcap", 8), ("mptcp-v0.pcap", 9), ("mptcp-v0.pcap", 10), ("mptcp-v0.pcap", 210),
          ("mptcp-aa-v1.pcap", 3), ("mptcp-aa-v1.pcap", 4), ("mptcp-aa-v1.pcap", 13), ("mptcp-aa-v1.pcap", 8),
          # a reset's payload is its cause, dissected by no one; a one-byte payload is "1 byte"
          ("tcp_rst_diag_payload.pcap", 1)]


def plain(line: str) -> str:
    return line.strip().replace("[", "").replace("]", "")


@pytest.mark.parametrize("name,number", FRAMES, ids=[f"{n}:{i}" for n, i in FRAMES])
def test_every_line_we_print_is_one_of_tsharks(tmp_path, capsys, name, number):
    assert lines_not_tsharks(tmp_path, capsys, DATA / name, number) == []


def lines_not_tsharks(tmp_path, capsys, path, number: int, shortest: int = 26) -> list[str]:
    """Our -V lines of frame `number` that are not among tshark -2's (at least `shortest` of ours)."""
    batch = tmp_path / "b"
    batch.write_text(f"capture read {path}\ncapture show {number} -V\n")
    assert main(["-b", str(batch)]) == 0
    ours = capsys.readouterr().out.splitlines()[1:]
    proc = subprocess.run([need("tshark"), "-n", "-2", "-r", str(path), "-V", "-Y", f"frame.number == {number}"],
                          capture_output=True, text=True, timeout=120)
    theirs = {plain(line) for line in proc.stdout.splitlines()}
    assert len(ours) >= shortest
    return [line for line in ours if plain(line) not in theirs]


def columns_by_both(tmp_path, capsys, path) -> tuple[list[tuple], list[tuple]]:
    """(number, Protocol, Info) of every frame, as `capture show -j` gives them and as tshark's columns."""
    batch = tmp_path / "b"
    batch.write_text(f"capture read {path}\ncapture show\n")
    assert main(["-j", "-b", str(batch)]) == 0
    ours = [(str(row["number"]), row["protocol"], row["info"])
            for row in json.loads(capsys.readouterr().out.splitlines()[1])]
    proc = subprocess.run([need("tshark"), "-n", "-r", str(path), "-T", "fields", "-e", "frame.number",
                           "-e", "_ws.col.Protocol", "-e", "_ws.col.Info"], capture_output=True, text=True,
                          timeout=120)
    return ours, [tuple(line.split("\t")) for line in proc.stdout.splitlines()]


def selected_by_both(tmp_path, capsys, path, expression: str) -> tuple[list[int], list[int]]:
    """The frame numbers `capture show filter EXPRESSION` lists, and those `tshark -Y` selects."""
    batch = tmp_path / "b"
    batch.write_text(f"capture read {path}\ncapture show filter '{expression}'\n")
    assert main(["-b", str(batch)]) == 0
    ours = [int(line.split()[0]) for line in capsys.readouterr().out.splitlines()[1:]]
    proc = subprocess.run([need("tshark"), "-n", "-r", str(path), "-Y", expression, "-T", "fields",
                           "-e", "frame.number"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return ours, [int(n) for n in proc.stdout.split()]


# DHCP options of each kind, as (code, value): a Discover carries each, then End
DHCP_OPTIONS = [
    (1, "ffffff00"), (2, "fffffff0"), (3, "c0000201c0000202"), (12, "6d792d686f7374"), (12, "c3a90a"),
    (15, "6578616d706c652e636f6d00"), (19, "05"), (27, "00"), (21, "c00002010affffff"),
    (25, "02400580"), (26, "05dc"), (33, "c0000201c0000202"), (43, "0104deadbeef"), (46, "08"),
    (51, "ffffffff"), (51, "00015181"), (55, "01ff00e0"), (58, "00000000"),
    (61, "01020000000001"), (61, "00616263"), (77, "036162630164"), (82, "0104616263640206020000000001"),
    (84, "00"), (119, "03666f6f076578616d706c6500"), (121, "18c00002c000020100c0000201"), (145, "01"),
    (224, "0102"), (249, "18c00002c0000201"), (60, ""),
]


def test_dhcp_options_of_every_kind_read_as_tsharks(tmp_path, capsys):
    import struct

    from tests.cli.test_capture_hostile import pcap
    frames = []
    for code, value in DHCP_OPTIONS:
        bootp = struct.pack("!BBBBIHH16s16s64s128s", 1, 1, 6, 0, 0x1234, 0, 0x8000, bytes(16),
                            bytes.fromhex("020000000001") + bytes(10), b"srv", bytes(128))
        bootp += bytes.fromhex("63825363" "350101") + bytes([code, len(bytes.fromhex(value))]) + \
            bytes.fromhex(value) + b"\xff"
        udp = struct.pack("!HHHH", 68, 67, 8 + len(bootp), 0) + bootp
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes([192, 0, 2, 1]),
                         bytes([192, 0, 2, 2]))
        frames.append(bytes.fromhex("ffffffffffff020000000001") + b"\x08\x00" + ip + udp)
    path = tmp_path / "options.pcap"
    path.write_bytes(pcap(frames))
    wrong = {DHCP_OPTIONS[n - 1]: lines_not_tsharks(tmp_path, capsys, path, n) for n in range(1, len(frames) + 1)}
    assert {option: lines for option, lines in wrong.items() if lines} == {}


# TCP options beyond the everyday ones, as (name, option bytes): each goes in a SYN of its own
TCP_OPTIONS = [
    ("echo", "0606aabbccdd"), ("echo reply", "0706aabbccdd"), ("md5", "1312000102030405060708090a0b0c0d0e0f"),
    ("user timeout, minutes", "1c048005"), ("user timeout, seconds", "1c040030"), ("tcp-ao", "1d0601020304"),
    ("tfo cookie", "220a0102030405060708"), ("tfo request", "2202"), ("unknown", "45040102"),
    ("accecn, empty", "ac02"), ("accecn order 0", "ac08000001000002"), ("accecn order 1", "ae05000001"),
    ("experimental accecn", "fd0dacc0000001000002000003"), ("experimental accecn order 1", "fd07acc1000005"),
    ("experimental tfo", "fd0cf98901020304050607"), ("experimental, unknown", "fe061234abcd"),
    ("mptcp capable v0, a key", "1e0c00810102030405060708"), ("mptcp capable v1", "1e0401010000"),
    ("mptcp capable, both keys", "1e1400010102030405060708a1a2a3a4a5a6a7a8"),
    ("mptcp join, syn", "1e0c1001aabbccdd11223344"), ("mptcp join, syn/ack", "1e10110201020304050607081a2b3c4d"),
    ("mptcp dss, 4-byte ack and mapping", "1e14200500000001000000020000000300100000"),
    ("mptcp dss, data fin", "1e08201100000001"), ("mptcp add address v1, port", "1e0a3003c000020100500000"),
    ("mptcp add address v1, ipv6", "1e14300520010db8000000000000000000000001"),
    ("mptcp add address v0, ipv4", "1e0834040a010202"), ("mptcp remove address", "1e0640010203"),
    ("mptcp priority", "1e045101"), ("mptcp fast close", "1e0c70000102030405060708"),
    ("mptcp reset, transient", "1e048103"),
]


def test_tcp_options_of_every_kind_read_as_tsharks(tmp_path, capsys):
    import struct

    from tests.cli.test_capture_hostile import pcap
    frames = []
    for _, option in TCP_OPTIONS:
        opts = bytes.fromhex(option)
        opts += bytes(-len(opts) % 4)
        tcp = struct.pack("!HHIIBBHHH", 40000, 80, 1000, 0, (20 + len(opts)) // 4 << 4, 0x02, 65535, 0, 0) + opts
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, bytes([192, 0, 2, 1]),
                         bytes([192, 0, 2, 2]))
        frames.append(bytes.fromhex("020000000002020000000001") + b"\x08\x00" + ip + tcp)
    path = tmp_path / "options.pcap"
    path.write_bytes(pcap(frames))
    wrong = {TCP_OPTIONS[n - 1][0]: lines_not_tsharks(tmp_path, capsys, path, n) for n in range(1, len(frames) + 1)}
    assert {option: lines for option, lines in wrong.items() if lines} == {}


def test_one_byte_is_one_byte(tmp_path, capsys):
    """tshark's plurals: `TCP payload (1 byte)`, `UDP payload (1 byte)`, `Data (1 byte)`."""
    import struct

    from stack.wire.checksum import checksum

    from tests.cli.test_capture_hostile import pcap

    def ip(proto: int, payload: bytes) -> bytes:
        return bytes.fromhex("020000000002020000000001") + b"\x08\x00" + struct.pack(
            "!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, bytes([192, 0, 2, 1]),
            bytes([192, 0, 2, 2])) + payload
    echo = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"x"
    echo = echo[:2] + struct.pack("!H", checksum(echo)) + echo[4:]
    frames = [ip(6, struct.pack("!HHIIHHHH", 40000, 4444, 1, 1, (5 << 12) | 0x18, 100, 0, 0) + b"x"),
              ip(17, struct.pack("!HHHH", 40000, 4444, 9, 0) + b"x"), ip(1, echo),
              ip(99, b"x")]
    path = tmp_path / "one.pcap"
    path.write_bytes(pcap(frames))
    for number in range(1, len(frames) + 1):
        assert lines_not_tsharks(tmp_path, capsys, path, number) == []
    batch = tmp_path / "b"
    batch.write_text(f"capture read {path}\ncapture show 1 -V\n")
    assert main(["-b", str(batch)]) == 0
    assert "    TCP payload (1 byte)" in capsys.readouterr().out.splitlines()
