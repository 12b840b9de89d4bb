"""Capture link types other than Ethernet, and 802.2 LLC.

NULL/LOOP (BSD loopback), RAW/IPV4/IPV6 (no link header), LINUX_SLL and
LINUX_SLL2 (Linux "cooked" captures, as `tcpdump -i any` writes), keyed
``("linktype", N)`` with N from the tcpdump.org link-type list; and the
802.2 LLC header that follows an 802.3 length field, keyed ``("llc", 0)``.
"""
import struct

from .dissect import F, Hidden, Node, dissector, named
from .ethernet import ETHERTYPE_NAMES, mac_to_str

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_RAW_BSD = (12, 14)             # DLT_RAW's value on some BSDs, seen in old files
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
MAX_LENGTH_FIELD = 1500                 # a protocol value up to this is not an ethertype

# --- NULL / LOOP: a 4-byte address family ------------------------------------------

NULL_HEADER_LEN = 4
AF_INET = 2
AF_INET6 = (24, 28, 30)                 # NetBSD/OpenBSD, FreeBSD, Darwin
# tshark's names: one "IPv6" for the three systems' numbers (NetBSD/OpenBSD, FreeBSD, Darwin)
FAMILY_NAMES = {AF_INET: "IP", 7: "OSI", 16: "Appletalk", 23: "Netware IPX/SPX", 24: "IPv6", 28: "IPv6", 30: "IPv6"}
FAMILY_ETHERTYPES = {AF_INET: ETH_P_IP, 24: ETH_P_IPV6, 28: ETH_P_IPV6, 30: ETH_P_IPV6}


def _family_text(value: int) -> str:
    return f"{FAMILY_NAMES.get(value, 'Unknown')} ({value})"


def null_family(buf, off: int) -> int:
    """The family of a NULL header, written in the capturing host's byte order.

    Families are small, so a value with any of its upper 16 bits set was
    read in the wrong order (what tcpdump and Wireshark also conclude).
    """
    value = int.from_bytes(buf[off:off + 4], "little")
    return int.from_bytes(buf[off:off + 4], "big") if value & 0xFFFF0000 else value


@dissector("linktype", LINKTYPE_NULL)
def dissect_null(d, off: int, end: int):
    return _family_header(d, off, end, null_family(d.buf, off) if end - off >= 4 else 0)


@dissector("linktype", LINKTYPE_LOOP)
def dissect_loop(d, off: int, end: int):
    """OpenBSD's loopback: the same family, always in network byte order."""
    return _family_header(d, off, end, int.from_bytes(d.buf[off:off + 4], "big"))


def _family_header(d, off: int, end: int, family: int):
    layer = d.layer("null", "Null/Loopback", off, max(0, min(NULL_HEADER_LEN, end - off)))
    if d.short(layer, NULL_HEADER_LEN, end - off, "loopback header"):
        return None
    layer.text("null.family", "Family", _family_text(family), off, NULL_HEADER_LEN, value=family)
    ethertype = FAMILY_ETHERTYPES.get(family)
    if ethertype is None:
        d.info = d.info or "Null/Loopback"
        return ("null.family", family, off + NULL_HEADER_LEN, end)
    return ("ethertype", ethertype, off + NULL_HEADER_LEN, end)


# --- RAW / IPV4 / IPV6: no link header ---------------------------------------------

VERSION_ETHERTYPES = {4: ETH_P_IP, 6: ETH_P_IPV6}


@dissector("linktype", LINKTYPE_RAW, *LINKTYPE_RAW_BSD)
def dissect_raw(d, off: int, end: int):
    """The first nibble, the IP version, says which network layer starts the frame."""
    layer = d.layer("raw", "Raw packet data", off, 0)
    if d.short(layer, 1, end - off, "IP version"):
        return None
    version = d.buf[off] >> 4
    if version in VERSION_ETHERTYPES:
        return ("ethertype", VERSION_ETHERTYPES[version], off, end)
    d.info = d.info or "Raw packet data"
    return ("raw.version", version, off, end)


@dissector("linktype", LINKTYPE_IPV4)
def dissect_linktype_ipv4(d, off: int, end: int):
    return ("ethertype", ETH_P_IP, off, end)


@dissector("linktype", LINKTYPE_IPV6)
def dissect_linktype_ipv6(d, off: int, end: int):
    return ("ethertype", ETH_P_IPV6, off, end)


# --- LINUX_SLL and LINUX_SLL2: the "cooked" header of Linux's any-device capture ---------

SLL_HEADER = struct.Struct("!HHH8sH")     # packet type, ARPHRD, address length, address, protocol
SLL_HEADER_LEN = 16
SLL2_HEADER = struct.Struct("!HHIHBB8s")  # protocol, reserved, ifindex, ARPHRD, packet type, addr len, addr
SLL2_HEADER_LEN = 20
SLL_ADDR_LEN = 8

ARPHRD_ETHER = 1
ARPHRD_LOOPBACK = 772
ARPHRD_IPGRE = 778
LINUX_SLL_P_802_2 = 4                   # protocol value: an 802.2 LLC header follows

# tshark's names (sll.pkttype, sll.hatype, sll.ltype, sll.gretype)
PKTTYPE_NAMES = {0: "Unicast to us", 1: "Broadcast", 2: "Multicast", 3: "Unicast to another host", 4: "Sent by us"}
HATYPE_NAMES = {0: "NET/ROM pseudo", 1: "Ethernet", 2: "Experimental Ethernet", 3: "AX.25", 4: "ProNET",
                5: "Chaos", 6: "IEEE 802", 7: "ARCNET", 8: "Hyperchannel", 9: "Lanstar",
                10: "Autonet Short Address", 11: "Localtalk", 12: "LocalNet", 13: "Ultra link", 14: "SMDS",
                15: "Frame Relay DLCI", 16: "ATM", 17: "HDLC", 18: "Fibre Channel", 19: "ATM (RFC 2225)",
                20: "Serial Line", 21: "ATM", 22: "MIL-STD-188-220", 23: "Metricom STRIP",
                24: "IEEE 1394.1995", 25: "MAPOS", 26: "Twinaxial", 27: "EUI-64", 28: "HIPARP",
                29: "IP and ARP over ISO 7816-3", 30: "ARPSec", 31: "IPsec tunnel", 32: "InfiniBand",
                33: "TIA-102 Project 25 CAI", 34: "Wiegand Interface", 35: "Pure IP", 36: "Experimental 1",
                37: "HFI", 256: "Experimental 2", 257: "AEthernet", 260: "Notional KISS type", 264: "ADAPT",
                270: "ROSE", 271: "CCITT X.25", 272: "Boards with X.25 in firmware",
                280: "Controller Area Network", 512: "PPP", 513: "Cisco HDLC", 516: "LAPB",
                517: "Digital's DDCMP protocol", 518: "Raw HDLC", 519: "Raw IP", 768: "IPIP tunnel",
                769: "IP6IP6 tunnel", 770: "Frame Relay Access Device", 771: "SKIP vif", 772: "Loopback",
                774: "Fiber Distributed Data Interface", 775: "AP1000 BIF", 776: "sit0 device - IPv6-in-IPv4",
                777: "IP over DDP tunneller", 778: "GRE over IP", 779: "PIMSM register interface",
                780: "High Performance Parallel Interface", 781: "Nexus 64Mbps Ash", 782: "Acorn Econet",
                783: "Linux-IrDA", 784: "Point to point fibrechannel", 785: "Fibrechannel arbitrated loop",
                786: "Fibrechannel public loop", 787: "Fibrechannel fabric", 800: "Magic type ident for TR",
                801: "IEEE 802.11", 802: "IEEE 802.11 + Prism2 header", 803: "IEEE 802.11 + radiotap header",
                804: "IEEE 802.15.4", 805: "IEEE 802.15.4 network monitor", 820: "PhoNet media type",
                821: "PhoNet pipe header", 822: "CAIF media type", 823: "GRE over IPv6", 824: "Netlink",
                825: "IPv6 over LoWPAN", 826: "Vsock monitor header", 65534: "zero header length",
                65535: "Void type, nothing is known"}
LTYPE_NAMES = {1: "Raw 802.3", 3: "Ethernet", LINUX_SLL_P_802_2: "802.2 LLC", 7: "PPP (HDLC)", 0x000C: "CAN",
               0x000D: "CAN FD", 0x0017: "IrDA LAP", 0x00F5: "ISI", 0x00F6: "IEEE 802.15.4"}
GRETYPE_NAMES = {0x0000: "Possible GRE keepalive packet", 0x880B: "PPP", 0x0800: "IP", 0x0806: "ARP", 0x00FE: "OSI",
                 0x883E: "WCCP", 0x2000: "CDP (Cisco)", 0x2001: "NHRP", 0x88BE: "ERSPAN", 0x22EB: "ERSPAN III",
                 0x6400: "MIKROTIK EoIP", 0xFEAE: "AIROHIVE AP AP", 0x8137: "IPX",
                 0x6558: "Transparent Ethernet bridging",
                 0x6559: "Frame Relay", 0x86DD: "IPv6", 0x8847: "MPLS label switched packet",
                 0x894F: "Network Service Header", 0x8881: "CDMA2000 A10 Unstructured byte stream",
                 0x88D2: "CDMA2000 A10 3GPP2 Packet", 0x8909: "CiscoMetaData", 0xB7EA: "Huawei GRE bonding",
                 **{0x8200 + 0x10 * i: "ARUBA WLAN" for i in range(0x18)}, 0x9000: "ARUBA WLAN"}

SLL_PKTTYPE = F("sll.pkttype", "Packet type", 0, 2, show=named(PKTTYPE_NAMES))
SLL_HATYPE = F("sll.hatype", "Link-layer address type", 2, 2,
               show=named(HATYPE_NAMES))
SLL_HALEN = F("sll.halen", "Link-layer address length", 4, 2)
SLL_ADDR_OFFSET = 6
SLL_PROTOCOL_OFFSET = 14

SLL2_PROTOCOL_OFFSET = 0
SLL2_RESERVED = F("sll.reserved", "Reserved", 2, 2)
SLL2_IFINDEX = F("sll.ifindex", "Interface index", 4, 4)
SLL2_HATYPE = F("sll.hatype", SLL_HATYPE.label, 8, 2, show=SLL_HATYPE.show)
SLL2_PKTTYPE = F("sll.pkttype", SLL_PKTTYPE.label, 10, 1, show=SLL_PKTTYPE.show)
SLL2_HALEN = F("sll.halen", SLL_HALEN.label, 11, 1)
SLL2_ADDR_OFFSET = 12


def _sll_address(layer, buf, at: int, hatype: int, halen: int) -> str:
    """The source address (up to 8 bytes); the rest of the 8-byte slot is unused."""
    used = min(halen, SLL_ADDR_LEN)
    addr = bytes(buf[at:at + used])
    if used == 6 and hatype in (ARPHRD_ETHER, ARPHRD_LOOPBACK):
        name, text = "sll.src.eth", mac_to_str(addr)
    elif used == 4 and hatype == ARPHRD_IPGRE:
        name, text = "sll.src.ipv4", ".".join(str(b) for b in addr)
    else:
        name, text = "sll.src.other", addr.hex()
    if used:
        layer.text(name, "Source", text, at, used, value=addr)
    if used < SLL_ADDR_LEN:
        unused = bytes(buf[at + used:at + SLL_ADDR_LEN])
        layer.text("sll.unused", "Unused", unused.hex(), at + used, len(unused), value=unused)
    return text if used else ""


def _sll_protocol(d, layer, buf, at: int, hatype: int, off: int, end: int):
    """The protocol word: an ethertype, a GRE protocol type, or a small Linux protocol number."""
    value = (buf[at] << 8) | buf[at + 1]
    if hatype == ARPHRD_IPGRE:                  # GRE's protocol type: ethertypes too
        layer.text("sll.gretype", "Protocol", f"{GRETYPE_NAMES.get(value, 'Unknown')} (0x{value:04x})", at, 2,
                   value=value)
        return ("ethertype", value, off, end)
    if value <= MAX_LENGTH_FIELD:
        layer.text("sll.ltype", "Protocol", f"{LTYPE_NAMES.get(value, 'Unknown')} (0x{value:04x})", at, 2,
                   value=value)
        return ("llc", 0, off, end) if value == LINUX_SLL_P_802_2 else ("sll.ltype", value, off, end)
    layer.text("sll.etype", "Protocol", f"{ETHERTYPE_NAMES.get(value, 'Unknown')} (0x{value:04x})", at, 2,
               value=value)
    d.protocol = ETHERTYPE_NAMES.get(value, f"0x{value:04x}")
    return ("ethertype", value, off, end)


@dissector("linktype", LINKTYPE_LINUX_SLL)
def dissect_sll(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("sll", "Linux cooked capture v1", off, max(0, min(SLL_HEADER_LEN, end - off)))
    if d.short(layer, SLL_HEADER_LEN, end - off, "Linux cooked header"):
        return None
    for f in (SLL_PKTTYPE, SLL_HATYPE, SLL_HALEN):
        layer.field(f, buf, off)
    hatype, halen = SLL_HATYPE.read(buf, off), SLL_HALEN.read(buf, off)
    d.source = _sll_address(layer, buf, off + SLL_ADDR_OFFSET, hatype, halen)
    return _sll_protocol(d, layer, buf, off + SLL_PROTOCOL_OFFSET, hatype, off + SLL_HEADER_LEN, end)


@dissector("linktype", LINKTYPE_LINUX_SLL2)
def dissect_sll2(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("sll", "Linux cooked capture v2", off, max(0, min(SLL2_HEADER_LEN, end - off)))
    if d.short(layer, SLL2_HEADER_LEN, end - off, "Linux cooked v2 header"):
        return None
    hatype, halen = SLL2_HATYPE.read(buf, off), SLL2_HALEN.read(buf, off)
    step = _sll_protocol(d, layer, buf, off + SLL2_PROTOCOL_OFFSET, hatype, off + SLL2_HEADER_LEN, end)
    reserved = Node(SLL2_RESERVED.name, SLL2_RESERVED.label, SLL2_RESERVED.read(buf, off), off + SLL2_RESERVED.offset,
                    SLL2_RESERVED.size)
    layer.add(Hidden.of(reserved))             # tshark has no field for it: kept for filters, not shown
    for f in (SLL2_IFINDEX, SLL2_HATYPE, SLL2_PKTTYPE, SLL2_HALEN):
        layer.field(f, buf, off)
    d.source = _sll_address(layer, buf, off + SLL2_ADDR_OFFSET, hatype, halen)
    return step


# --- 802.2 LLC ---------------------------------------------------------------------

SAP_SNAP = 0xAA
LLC_UI = 0x03

# tshark's names of the SAPs (read from tshark 4.0): the DSAP/SSAP line names the whole byte,
# the SAP line the address without its IG/CR bit
SAP_NAMES = {0x00: "NULL LSAP", 0x02: "LLC Sub-Layer Management", 0x04: "SNA Path Control", 0x06: "TCP/IP",
             0x08: "SNA", 0x0C: "SNA", 0x0E: "PROWAY (IEC955) Network Management and Initialization",
             0x10: "NetWare (unofficial?)", 0x14: "ISO Network Layer (OSLAN 1)", 0x18: "Texas Instruments",
             0x20: "ISO Network Layer (unofficial?)", 0x34: "ISO Network Layer (unofficial?)",
             0x42: "Spanning Tree BPDU", 0x4E: "EIA RS-511 Manufacturing Message Service",
             0x54: "ISO Network Layer (OSLAN 2)", 0x7E: "ISO 8208 (X.25 over 802.2)", 0x80: "XNS", 0x82: "BACnet",
             0x86: "Nestar", 0x8E: "PROWAY (IEC955) Active Station List Maintenance", 0x98: "ARP", 0xAA: "SNAP",
             0xB4: "HP JetDirect Printer", 0xBA: "Banyan Vines", 0xBC: "Banyan Vines", 0xE0: "NetWare",
             0xF0: "NetBIOS", 0xF4: "IBM Net Management", 0xF8: "HP Extended LLC", 0xFA: "Ungermann-Bass",
             0xFC: "Remote Program Load", 0xFE: "ISO Network Layer"}
# the few organisations tshark names here, as its manuf file words them (tshark cuts the first
# at "but", where a newline follows in its table; Wireshark's window shows it whole, as we do)
OUI_NAMES = {0x000000: "Officially Xerox, but 0:0:0:0:0:0 is more common", 0x00000C: "Cisco Systems, Inc", 0x000142: "Cisco Systems, Inc",
             0x0080C2: "IEEE"}
CISCO_PIDS = {0x2000: "CDP", 0x2004: "DTP", 0x010B: "PVSTP+", 0x2003: "VTP", 0x0111: "UDLD",
              0x0109: "RLQ BPDUs (response)", 0x200A: "STP Uplink Fast", 0x2001: "CGMP"}


def _sap_text(value: int) -> str:
    return f"{SAP_NAMES.get(value, 'Unknown')} (0x{value:02x})"


def _oui_text(oui: int) -> str:
    text = ":".join(f"{b:02x}" for b in oui.to_bytes(3, "big"))
    return f"{text} ({OUI_NAMES[oui]})" if oui in OUI_NAMES else text


DSAP = F("llc.dsap", "DSAP", 0, 1, show=_sap_text)
DSAP_SAP = F("llc.dsap.sap", "SAP", 0, 1, mask=0xFE, show=lambda v: SAP_NAMES.get(v << 1, "Unknown"))
DSAP_IG = F("llc.dsap.ig", "IG Bit", 0, 1, mask=0x01, show=lambda v: "Group" if v else "Individual")
SSAP = F("llc.ssap", "SSAP", 1, 1, show=_sap_text)
SSAP_SAP = F("llc.ssap.sap", "SAP", 1, 1, mask=0xFE, show=lambda v: SAP_NAMES.get(v << 1, "Unknown"))
SSAP_CR = F("llc.ssap.cr", "CR Bit", 1, 1, mask=0x01, show=lambda v: "Response" if v else "Command")
# the U format's modifier functions, by the control byte's modifier bits (0xEC) as tshark names
# them; 0x0C is SARM sent as a command, DM as a response
_U_FUNCTIONS = {0x00: ("UI", "Unnumbered Information"), 0x40: ("DISC", "Disconnect"),
                0x60: ("UA", "Unnumbered Acknowledge"), 0x6C: ("SABME", "Set Asynchronous Balanced Mode Extended"),
                0x84: ("FRMR", "Frame reject"), 0xAC: ("XID", "Exchange identification"), 0xE0: ("TEST", "Test")}
U_COMMANDS = {**_U_FUNCTIONS, 0x0C: ("SARM", "Set Asynchronous Response Mode")}
U_RESPONSES = {**_U_FUNCTIONS, 0x0C: ("DM", "Disconnected mode")}
U_MODIFIER_CMD = F("llc.control.u_modifier_cmd", "Command", 2, 1, mask=0xEC,
                   show=lambda v: f"{U_COMMANDS.get(v << 2, ('', 'Unknown'))[1]} (0x{v:02x})")
U_MODIFIER_RESP = F("llc.control.u_modifier_resp", "Response", 2, 1, mask=0xEC,
                    show=lambda v: f"{U_RESPONSES.get(v << 2, ('', 'Unknown'))[1]} (0x{v:02x})")
U_FTYPE = F("llc.control.ftype", "Frame type", 2, 1, mask=0x03, show=lambda v: f"Unnumbered frame (0x{v:x})")
SNAP_OUI = F("llc.oui", "Organization Code", 0, 3, show=_oui_text)
SNAP_TYPE = F("llc.type", "Type", 3, 2, show=lambda v: f"{ETHERTYPE_NAMES.get(v, 'Unknown')} (0x{v:04x})")
SNAP_PID = F("llc.pid", "PID", 3, 2, show=lambda v: f"{CISCO_PIDS.get(v, 'Unknown')} (0x{v:04x})")
SNAP_LEN = 5


@dissector("llc", 0)
def dissect_llc(d, off: int, end: int):
    buf = d.buf
    layer = d.layer("llc", "Logical-Link Control", off, max(0, min(3, end - off)))
    if d.short(layer, 3, end - off, "LLC header"):
        return None
    for parent, subs in ((DSAP, (DSAP_SAP, DSAP_IG)), (SSAP, (SSAP_SAP, SSAP_CR))):
        node = layer.field(parent, buf, off)
        for f in subs:
            node.field(f, buf, off)
    dsap, ssap, ctl = buf[off], buf[off + 1], buf[off + 2]
    if ctl & 0x03 == 0x03:                              # U format: one byte
        node = layer.text("llc.control", "Control field", _control_u_text(ctl, ssap & 0x01), off + 2, 1, value=ctl)
        node.field(U_MODIFIER_RESP if ssap & 0x01 else U_MODIFIER_CMD, buf, off)
        node.field(U_FTYPE, buf, off)
        pos = off + 3
    else:
        if d.short(layer, 4, end - off, "LLC control field"):
            return None
        _control_is(layer, buf, off + 2)
        pos = off + 4
    layer.length = pos - off
    d.protocol = "LLC"
    if dsap == SAP_SNAP and ssap == SAP_SNAP and ctl == LLC_UI:
        return _snap(d, layer, buf, pos, end)
    return ("llc.dsap", dsap, pos, end)


def _control_u_text(ctl: int, response: int) -> str:
    """`U, func=UI (0x03)`; with the poll/final bit set, `U P, ...` for a command, `U F, ...` for a response."""
    short = (U_RESPONSES if response else U_COMMANDS).get(ctl & 0xEC, ("Unknown",))[0]
    poll_final = (" F" if response else " P") if ctl & 0x10 else ""
    return f"U{poll_final}, func={short} (0x{ctl:02X})"


SUPERVISORY = {0x00: ("RR", "Receiver ready"), 0x04: ("RNR", "Receiver not ready"), 0x08: ("REJ", "Reject")}


def _control_is(layer, buf, at: int) -> None:
    """I and S formats: a two-byte control field, sent low byte first (as tshark reads it)."""
    value = buf[at] | (buf[at + 1] << 8)
    text = (f"I, N(R)={value >> 9}, N(S)={(value >> 1) & 0x7F} (0x{value:04x})" if value & 0x01 == 0
            else f"S, func={SUPERVISORY.get(value & 0x0C, ('Unknown',))[0]}, N(R)={value >> 9} (0x{value:04x})")
    node = layer.text("llc.control", "Control field", text, at, 2, value=value)
    if value & 0x01 == 0:                               # I format: N(R), N(S)
        node.text("llc.control.n_r", "N(R)", str(value >> 9), at, 2, value=value >> 9)
        node.text("llc.control.n_s", "N(S)", str((value >> 1) & 0x7F), at, 2, value=(value >> 1) & 0x7F)
        node.text("llc.control.ftype", "Frame type", "Information frame (0x0)", at, 2, value=0)
    else:                                               # S format: N(R), supervisory function
        node.text("llc.control.n_r", "N(R)", str(value >> 9), at, 2, value=value >> 9)
        kind = (value & 0x0C) >> 2
        node.text("llc.control.s_ftype", "Supervisory frame type",
                  f"{SUPERVISORY.get(value & 0x0C, ('', 'Unknown'))[1]} (0x{kind:x})", at, 2, value=kind)
        node.text("llc.control.ftype", "Frame type", "Supervisory frame (0x1)", at, 2, value=0x01)


def _snap(d, layer, buf, pos: int, end: int):
    """SubNetwork Access Protocol: an OUI, then an ethertype when the OUI is zero."""
    if d.short(layer, pos + SNAP_LEN - layer.offset, end - layer.offset, "SNAP header"):
        return None
    layer.length += SNAP_LEN
    oui = layer.field(SNAP_OUI, buf, pos).value
    if oui == 0:
        kind = layer.field(SNAP_TYPE, buf, pos).value
        return ("ethertype", kind, pos + SNAP_LEN, end)
    pid = layer.field(SNAP_PID, buf, pos).value
    return ("llc.snap", (oui << 16) | pid, pos + SNAP_LEN, end)
