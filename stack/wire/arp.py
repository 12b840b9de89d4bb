"""ARP for IPv4 over Ethernet (RFC 826): the 28-byte body after the Ethernet header."""
import struct

BODY = struct.Struct("!HHBBH6s4s6s4s")
BODY_LEN = 28
HTYPE_ETHER = 1
PTYPE_IP = 0x0800
OP_REQUEST = 1
OP_REPLY = 2


def parse(buf, off: int, end: int):
    """(op, sha, spa, tha, tpa), or a drop-reason string when the body is unusable."""
    if end - off < BODY_LEN:
        return "PKT_TOO_SMALL"
    htype, ptype, hlen, plen, op, sha, spa, tha, tpa = BODY.unpack_from(buf, off)
    if htype != HTYPE_ETHER or ptype != PTYPE_IP or hlen != 6 or plen != 4:
        return "ARP_UNSUPPORTED"
    return op, sha, spa, tha, tpa


def build(op: int, sha: bytes, spa: bytes, tha: bytes, tpa: bytes) -> bytes:
    return BODY.pack(HTYPE_ETHER, PTYPE_IP, 6, 4, op, sha, spa, tha, tpa)


# --- dissection ------------------------------------------------------------------

from .dissect import F, Node, dissector, named  # noqa: E402
from .ethernet import mac_to_str, show_ethertype  # noqa: E402

# tshark's names (arp.hw.type, arp.opcode), and the Protocol column of the opcodes that are not ARP's
HW_TYPES = {0: "NET/ROM pseudo", 1: "Ethernet", 2: "Experimental Ethernet", 3: "AX.25", 4: "ProNET", 5: "Chaos",
            6: "IEEE 802", 7: "ARCNET", 8: "Hyperchannel", 9: "Lanstar", 10: "Autonet Short Address",
            11: "Localtalk", 12: "LocalNet", 13: "Ultra link", 14: "SMDS", 15: "Frame Relay DLCI", 16: "ATM",
            17: "HDLC", 18: "Fibre Channel", 19: "ATM (RFC 2225)", 20: "Serial Line", 21: "ATM",
            22: "MIL-STD-188-220", 23: "Metricom STRIP", 24: "IEEE 1394.1995", 25: "MAPOS", 26: "Twinaxial",
            27: "EUI-64", 28: "HIPARP", 29: "IP and ARP over ISO 7816-3", 30: "ARPSec", 31: "IPsec tunnel",
            32: "InfiniBand", 33: "TIA-102 Project 25 CAI", 34: "Wiegand Interface", 35: "Pure IP",
            36: "Experimental 1", 37: "HFI", 256: "Experimental 2", 257: "AEthernet", 512: "PPP", 772: "Loopback",
            801: "IEEE 802.11", 65535: "Void type, nothing is known", 65534: "zero header length"}
OPCODES = {1: "request", 2: "reply", 3: "reverse request", 4: "reverse reply", 5: "drarp request",
           6: "drarp reply", 7: "drarp error", 8: "inverse request", 9: "inverse reply", 10: "arp nak",
           11: "mars request", 12: "mars multi", 13: "mars mserv", 14: "mars join", 15: "mars leave",
           16: "mars nak", 17: "mars unserv", 18: "mars sjoin", 19: "mars sleave", 20: "mars grouplist request",
           21: "mars grouplist reply", 22: "mars redirect map", 23: "mapos unarp", 24: "experimental 1",
           25: "experimental 2", 0: "reserved", 65535: "reserved"}
DRARP_ERROR = 7
DRARP_ERRORS = {1: "restricted", 2: "no address", 3: "serverdown", 4: "moved", 5: "failure"}
COLUMN_PROTOCOLS = {3: "RARP", 4: "RARP", 5: "DRARP", 6: "DRARP", 7: "DRARP", 8: "Inverse ARP", 9: "Inverse ARP"}
ETHER_HW, IPV4_PROTOS = (1, 6), (PTYPE_IP, 0xCC)    # addresses shown as MAC and IPv4 (hardware size 6, protocol size 4)

# the generated Booleans tshark shows (only when true) for each kind
GENERATED = {"gratuitous": (("arp.isgratuitous", "Is gratuitous"),),
             "announcement": (("arp.isgratuitous", "Is gratuitous"), ("arp.isannouncement", "Is announcement")),
             "probe": (("arp.isprobe", "Is probe"),)}

HTYPE = F("arp.hw.type", "Hardware type", 0, 2, show=named(HW_TYPES))
PTYPE = F("arp.proto.type", "Protocol type", 2, 2, show=show_ethertype)
HLEN = F("arp.hw.size", "Hardware size", 4, 1)
PLEN = F("arp.proto.size", "Protocol size", 5, 1)
OPCODE = F("arp.opcode", "Opcode", 6, 2, show=named(OPCODES))


def _ip(b) -> str:
    return ".".join(str(x) for x in b)


def _address(raw: bytes, known: bool, show) -> str:
    """An address as the Info column words it."""
    if not raw:
        return "<No address>"
    return show(raw) if known else raw.hex()


def _info(op: int, sha: str, spa: str, tha: str, tpa: str, kind: str | None) -> str:
    """tshark's Info column for each opcode."""
    if op == OP_REQUEST:
        return {"announcement": f"ARP Announcement for {tpa}", "gratuitous": f"Gratuitous ARP for {tpa} (Request)",
                "probe": f"Who has {tpa}? (ARP Probe)"}.get(kind, f"Who has {tpa}? Tell {spa}")
    if op == OP_REPLY:
        return f"Gratuitous ARP for {spa} (Reply)" if kind == "gratuitous" else f"{spa} is at {sha}"
    if op in (3, 5, 8):
        return f"Who is {tha}? Tell {sha}"
    if op in (4, 6):
        return f"{tha} is at {tpa}"
    if op == 9:
        return f"{sha} is at {spa}"
    return {7: "DRARP Error", 10: "ARP NAK", 0: "Reserved opcode 0", 24: "Experimental 1 ( opcode 24 )",
            25: "Experimental 2 ( opcode 25 )"}.get(op, f"Unknown ARP opcode 0x{op:04x}")


@dissector("ethertype", 0x0806)
def dissect_arp(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("arp", "Address Resolution Protocol", off, min(BODY_LEN, end - off))
    d.protocol = "ARP"
    if d.short(layer, 8, end - off, "ARP fixed header"):
        return None
    for f in (HTYPE, PTYPE, HLEN, PLEN, OPCODE):
        layer.field(f, buf, off)
    htype, ptype, hlen, plen, op = BODY.unpack_from(buf[off:off + 8] + bytes(20))[:5]
    d.protocol = COLUMN_PROTOCOLS.get(op, "ARP")
    need = 8 + 2 * (hlen + plen)
    if d.short(layer, need, end - off, "ARP addresses"):
        return None
    layer.length = need
    mac_like, ipv4 = htype in ETHER_HW and hlen == 6, ptype in IPV4_PROTOS and plen == 4
    pos = off + 8
    raw = []
    for size in (hlen, plen, hlen, plen):
        raw.append(bytes(buf[pos:pos + size]))
        pos += size
    sha, spa, tha, tpa = raw
    kind = None                         # what tshark calls a request or reply with these addresses
    if plen and spa == tpa and op in (OP_REQUEST, OP_REPLY):
        kind = "announcement" if op == OP_REQUEST and not any(tha) else "gratuitous"
    elif op == OP_REQUEST and not any(spa) and not any(tha):
        kind = "probe"
    for name, label in GENERATED.get(kind, ()):
        layer.add(Node(name, label, True, off, 0, text="True"))
    pos = off + 8
    words = []
    for side, (hw, proto) in (("src", (sha, spa)), ("dst", (tha, tpa))):
        who = "Sender" if side == "src" else "Target"
        if hw:
            if mac_like:
                layer.text(f"arp.{side}.hw_mac", f"{who} MAC address", mac_to_str(hw), pos, hlen, value=hw)
            else:
                layer.text(f"arp.{side}.hw", f"{who} hardware address", hw.hex(), pos, hlen, value=hw)
        if proto and op == DRARP_ERROR and side == "dst":     # the target's address is the error's status
            layer.add(Node("arp.dst.drarp_error_status", "DRARP error status", proto[0], pos + hlen, 1,
                           text=f"{DRARP_ERRORS.get(proto[0], 'Unknown')} ({proto[0]})"))
        elif proto:
            if ipv4:
                layer.text(f"arp.{side}.proto_ipv4", f"{who} IP address", _ip(proto), pos + hlen, plen, value=proto)
            else:
                layer.text(f"arp.{side}.proto", f"{who} protocol address", proto.hex(), pos + hlen, plen, value=proto)
        words += [_address(hw, mac_like, mac_to_str), _address(proto, ipv4, _ip)]
        pos += hlen + plen
    d.info = _info(op, *words, kind)
    if kind in ("gratuitous", "announcement") and op in (OP_REQUEST, OP_REPLY):
        layer.label = ("Address Resolution Protocol (ARP Announcement)" if kind == "announcement" else
                       f"Address Resolution Protocol ({OPCODES[op]}/gratuitous ARP)")
    elif kind == "probe":
        layer.label = "Address Resolution Protocol (ARP Probe)"
    else:
        layer.label = f"Address Resolution Protocol ({OPCODES.get(op, f'opcode 0x{op:04x}')})"
    return None
