"""DNS resource record data beside tshark: every record type whose data tshark 4.0 decodes
(MX, SRV, NAPTR, HINFO, TXT, SOA, LOC, RP, AFSDB, DNAME, URI, CERT, DHCID, NSEC3, NSEC3PARAM,
SSHFP, TLSA, CAA, SVCB/HTTPS and the rest), and types it does not know, each in a response of
its own: every -V line we print must be one of tshark's, the Info column must be tshark's,
and filters on the record fields must select what tshark selects."""
import struct

import pytest

from tests.cli.test_capture_hostile import pcap
from tests.cli.test_verbose_tshark import DATA, columns_by_both, lines_not_tsharks, selected_by_both


def name(text: str) -> bytes:
    if text in ("", "."):
        return b"\0"
    return b"".join(bytes([len(label)]) + label.encode() for label in text.split(".")) + b"\0"


def cstr(text) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return bytes([len(data)]) + data


def udp_frame(payload: bytes, sport: int = 53, dport: int = 40000) -> bytes:
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes([192, 0, 2, 2]),
                     bytes([192, 0, 2, 1]))
    return bytes.fromhex("020000000001020000000002") + b"\x08\x00" + ip + udp


def response(owner: str, rtype: int, rdata: bytes, mdns: bool = False) -> bytes:
    """A response to one question with one answer of the type, its owner a pointer to the question's
    name; in mDNS (port 5353) the answer's class has the cache flush bit."""
    message = (struct.pack("!HHHHHH", 0x1234, 0x8400 if mdns else 0x8180, 1, 1, 0, 0) + name(owner)
               + struct.pack("!HH", rtype, 1) + b"\xc0\x0c"
               + struct.pack("!HHIH", rtype, 0x8001 if mdns else 1, 3600, len(rdata)) + rdata)
    return udp_frame(message, 5353, 5353) if mdns else udp_frame(message)


def bitmap(*types: int) -> bytes:
    """An NSEC/NSEC3/CSYNC type bit map (RFC 4034 4.1.2)."""
    windows: dict[int, bytearray] = {}
    for rtype in types:
        block = windows.setdefault(rtype >> 8, bytearray(32))
        block[(rtype & 0xFF) >> 3] |= 0x80 >> (rtype & 7)
    out = b""
    for window, block in sorted(windows.items()):
        block = bytes(block).rstrip(b"\0")
        out += bytes([window, len(block)]) + block
    return out


def svc_params(*params: tuple[int, bytes]) -> bytes:
    return b"".join(struct.pack("!HH", key, len(value)) + value for key, value in params)


HASH = bytes(range(0x10, 0x24))
# (what, owner, type, record data)
RECORDS = [
    ("mx", "example.com", 15, struct.pack("!H", 10) + name("mail.example.com")),
    ("ptr", "1.2.0.192.in-addr.arpa", 12, name("host.example.com")),
    ("hinfo", "host.example.com", 13, cstr("INTEL-386") + cstr("UNIX")),
    ("txt, two strings", "example.com", 16, cstr("v=spf1 -all") + cstr("") + cstr("hello world")),
    ("srv", "_sip._udp.example.com", 33, struct.pack("!HHH", 0, 5, 5060) + name("sip.example.com")),
    ("srv, no service label", "example.com", 33, struct.pack("!HHH", 1, 2, 3) + name(".")),
    ("naptr", "example.com", 35, struct.pack("!HH", 100, 10) + cstr("U") + cstr("E2U+sip")
     + cstr("!^.*$!sip:info@example.com!") + name(".")),
    ("naptr, replacement", "example.com", 35, struct.pack("!HH", 1, 2) + cstr("S") + cstr("SIP+D2U") + cstr("")
     + name("_sip._udp.example.com")),
    ("soa", "example.com", 6, name("ns1.example.com") + name("hostmaster.example.com")
     + struct.pack("!IIIII", 2024010101, 7200, 3600, 1209600, 300)),
    ("loc", "example.com", 29,
     bytes([0, 0x12, 0x16, 0x13]) + struct.pack("!III", 2**31 + 187345000, 2**31 - 300000000, 10000000 + 5000)),
    ("loc, version 1", "example.com", 29, bytes([1, 0x12, 0x16, 0x13]) + bytes(12)),
    ("rp", "example.com", 17, name("admin.example.com") + name("info.example.com")),
    ("afsdb", "example.com", 18, struct.pack("!H", 1) + name("afs.example.com")),
    ("dname", "example.com", 39, name("example.net")),
    ("uri", "_http._tcp.example.com", 256, struct.pack("!HH", 10, 1) + b"http://www.example.com/"),
    ("cert", "example.com", 37, struct.pack("!HHB", 1, 12345, 8) + bytes(range(40))),
    ("dhcid", "example.com", 49, bytes.fromhex("000101") + bytes(range(32))),
    ("nsec3", "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example.com", 50,
     bytes([1, 1]) + struct.pack("!H", 12) + cstr(bytes.fromhex("aabbccdd")) + cstr(HASH)
     + bitmap(1, 2, 6, 46, 48, 51)),
    ("nsec3, no salt, no opt-out", "example.com", 50,
     bytes([1, 0]) + struct.pack("!H", 0) + cstr(b"") + cstr(HASH) + bitmap(1, 16, 28, 46)),
    ("nsec3param", "example.com", 51, bytes([1, 0]) + struct.pack("!H", 10) + cstr(bytes.fromhex("aabbccdd"))),
    ("nsec3param, no salt", "example.com", 51, bytes([1, 0]) + struct.pack("!H", 0) + cstr(b"")),
    ("sshfp sha1", "host.example.com", 44, bytes([1, 1]) + bytes(range(20))),
    ("sshfp sha256", "host.example.com", 44, bytes([4, 2]) + bytes(range(32))),
    ("tlsa", "_443._tcp.example.com", 52, bytes([3, 1, 1]) + bytes(range(32))),
    ("caa", "example.com", 257, bytes([0]) + cstr("issue") + b"letsencrypt.org"),
    ("caa, critical iodef", "example.com", 257, bytes([128]) + cstr("iodef") + b"mailto:sec@example.com"),
    ("caa, unknown tag", "example.com", 257, bytes([0]) + cstr("tbs") + b"Unknown"),
    ("svcb", "_dns.example.com", 64, struct.pack("!H", 1) + name("dns.example.com")
     + svc_params((1, cstr("dot") + cstr("h2")), (3, struct.pack("!H", 853)), (4, bytes([192, 0, 2, 1])),
                  (6, bytes(15) + b"\x01"))),
    ("https", "example.com", 65, struct.pack("!H", 1) + name(".") + svc_params((1, cstr("h3")), (2, b""))),
    ("https, alias", "example.com", 65, struct.pack("!H", 0) + name("cdn.example.net")),
    ("minfo", "example.com", 14, name("list.example.com") + name("errors.example.com")),
    ("mb", "example.com", 7, name("mail.example.com")),
    ("mg", "example.com", 8, name("mail.example.com")),
    ("mr", "example.com", 9, name("mail.example.com")),
    ("md", "example.com", 3, name("mail.example.com")),
    ("mf", "example.com", 4, name("mail.example.com")),
    ("null", "example.com", 10, b"\x01\x02\x03"),
    ("wks", "example.com", 11, bytes([192, 0, 2, 1, 6]) + bytes([0, 0, 0, 0x40 | 0x02 | 0x01, 0, 0, 0, 0, 0, 0x40])),
    ("x25", "example.com", 19, cstr("311061700956")),
    ("isdn", "example.com", 20, cstr("150862028003217") + cstr("004")),
    ("rt", "example.com", 21, struct.pack("!H", 10) + name("relay.example.com")),
    ("nsap", "example.com", 22, bytes.fromhex("47000580ffff000000321000010000000000000000")),
    ("px", "example.com", 26, struct.pack("!H", 10) + name("net2.it") + name("PRMD-net2.ADMD-p400.C-it")),
    ("gpos", "example.com", 27, cstr("-32.6882") + cstr("116.8652") + cstr("10.0")),
    ("kx", "example.com", 36, struct.pack("!H", 10) + name("kx.example.com")),
    ("a6", "example.com", 38, bytes([0]) + bytes(16)),
    ("a6, prefix", "example.com", 38, bytes([64]) + bytes(range(8)) + name("prefix.example.com")),
    ("apl", "example.com", 42, struct.pack("!HBB", 1, 24, 3) + bytes([192, 0, 2])
     + struct.pack("!HBB", 2, 32, 0x84) + bytes.fromhex("20010db8")),
    ("ipseckey", "example.com", 45, bytes([10, 1, 2]) + bytes([192, 0, 2, 38]) + bytes(range(20))),
    ("hip", "example.com", 55, bytes([4, 2]) + struct.pack("!H", 8) + bytes(range(4)) + bytes(range(8))
     + name("rvs.example.com")),
    ("openpgpkey", "example.com", 61, bytes(range(24))),
    ("csync", "example.com", 62, struct.pack("!IH", 66, 3) + bitmap(1, 2, 28)),
    ("zonemd", "example.com", 63, struct.pack("!IBB", 2018031900, 1, 1) + bytes(range(48))),
    ("spf", "example.com", 99, cstr("v=spf1 -all")),
    ("eui48", "example.com", 108, bytes.fromhex("00005e0053ff")),
    ("eui64", "example.com", 109, bytes.fromhex("00005e0000001234")),
    ("nid", "example.com", 104, struct.pack("!H", 10) + bytes.fromhex("0014fffe4f1c2f0a")),
    ("l32", "example.com", 105, struct.pack("!H", 10) + bytes([10, 1, 2, 0])),
    ("l64", "example.com", 106, struct.pack("!H", 10) + bytes.fromhex("2001db8114e10000")),
    ("lp", "example.com", 107, struct.pack("!H", 10) + name("l64-subnet.example.com")),
    ("key", "example.com", 25, struct.pack("!HBB", 0x0100, 3, 5) + bytes(range(20))),
    ("sig", "example.com", 24, struct.pack("!HBBIIIH", 1, 5, 2, 3600, 1700003600, 1700000000, 12345)
     + name("example.com") + bytes(range(20))),
    ("nxt", "example.com", 30, name("next.example.com") + bytes([0x40, 0x01, 0x00, 0x00])),
    ("cds", "example.com", 59, struct.pack("!HBB", 12345, 8, 2) + bytes(range(32))),
    ("cdnskey", "example.com", 60, struct.pack("!HBB", 0x0101, 3, 8) + bytes(range(20))),
    ("dlv", "example.com", 32769, struct.pack("!HBB", 12345, 8, 2) + bytes(range(32))),
    ("ta", "example.com", 32768, struct.pack("!HBB", 12345, 8, 2) + bytes(range(32))),
    ("tkey", "example.com", 249, name("dh") + struct.pack("!IIHHH", 1700000000, 1700003600, 2, 17, 4)
     + bytes(range(4)) + struct.pack("!H", 0)),
    ("tsig", "example.com", 250, name("hmac-sha256") + struct.pack("!HIH", 0, 1700000000, 300)
     + struct.pack("!H", 32) + bytes(range(32)) + struct.pack("!HHH", 0x1234, 0, 0)),
    # edges: owners SRV splits otherwise, odd hash lengths, values past tshark's tables, empty data
    ("srv, one label", "com", 33, struct.pack("!HHH", 0, 0, 0) + name("a.com")),
    ("srv, instance", "My Printer._ipp._tcp.dns-sd.example.com", 33, struct.pack("!HHH", 0, 0, 631) + name("p.local")),
    ("srv, root owner", "", 33, struct.pack("!HHH", 0, 0, 0) + name("a.com")),
    ("txt, not ascii", "example.com", 16, cstr(b"caf\xc3\xa9 \x01tab\there") + cstr(b"nul\x00after")),
    ("txt, no data", "example.com", 16, b""),
    ("mx, no data", "example.com", 15, b""),
    ("loc, south west below sea", "example.com", 29,
     bytes([0, 0x00, 0x99, 0x25]) + struct.pack("!III", 2**31 - 1000, 2**31 - 648000000, 9990000)),
    ("loc, out of range", "example.com", 29,
     bytes([0, 0x12, 0x16, 0x13]) + struct.pack("!III", 2**31 + 324000001, 0, 0)),
    ("nsec3, short hash", "example.com", 50,
     bytes([0, 0xfe]) + struct.pack("!H", 1) + cstr(b"\xff") + cstr(b"\xab\xcd\xef") + bitmap(1, 1234, 65280)),
    ("sshfp, unknown", "host.example.com", 44, bytes([9, 9]) + bytes(range(3))),
    ("tlsa, unknown", "_25._tcp.example.com", 52, bytes([9, 9, 9]) + bytes(range(3))),
    ("caa, issuewild with parameters", "example.com", 257, bytes([1]) + cstr("issuewild") + b"ca.example; account=1"),
    ("svcb, mandatory, ech, unknown key", "_dns.example.com", 64, struct.pack("!H", 2) + name(".")
     + svc_params((0, struct.pack("!HH", 1, 3)), (5, b"\x00\x01\x02hello"), (7, b"abc"), (65535, b""),
                  (32769, b"\x01\x02"))),
    ("ipseckey, no gateway", "example.com", 45, bytes([1, 0, 1]) + bytes(range(8))),
    ("ipseckey, ipv6 gateway", "example.com", 45, bytes([1, 2, 2]) + bytes(15) + b"\x01" + bytes(range(8))),
    ("ipseckey, dns gateway", "example.com", 45, bytes([1, 3, 9]) + name("gw.example.com") + bytes(range(8))),
    ("key, no key", "example.com", 25, struct.pack("!HBB", 0xC000, 3, 1) + b"\x01\x02\x03"),
    ("key, every bit", "example.com", 25, struct.pack("!HBB", 0x26CF, 3, 99) + bytes(range(5))),
    ("apl, unknown family", "example.com", 42, struct.pack("!HBB", 9, 8, 2) + b"\x01\x02"),
    ("wks, udp", "example.com", 11, bytes([192, 0, 2, 1, 17]) + bytes([0x80, 0, 0, 0, 0, 0, 0, 0, 0x01])),
    ("a6, whole address", "example.com", 38, bytes([128]) + name("prefix.example.com")),
    ("cert, unknown type", "example.com", 37, struct.pack("!HHB", 99, 1, 200) + b"\x01"),
    ("hinfo, empty", "host.example.com", 13, cstr("") + cstr("")),
    ("openpgpkey, text", "example.com", 61, b"mQENBFZ"),
    ("zonemd, unknown", "example.com", 63, struct.pack("!IBB", 1, 9, 9) + bytes(range(4))),
    ("tsig, other data", "example.com", 250, name("hmac-md5.sig-alg.reg.int") + struct.pack("!HIH", 0, 1700000000, 300)
     + struct.pack("!H", 0) + struct.pack("!HHH", 0x1234, 18, 6) + bytes(6)),
    ("unknown 1234", "example.com", 1234, b"\x01\x02\x03\x04"),
    ("unknown private", "example.com", 65280, b"abc"),
    ("unknown, empty", "example.com", 65535, b""),
]
# mDNS service discovery (RFC 6763): the instance's SRV and TXT (UTF-8 there), the service's PTR
MDNS_RECORDS = [
    ("mdns srv", "My Printer._ipp._tcp.local", 33, struct.pack("!HHH", 0, 0, 631) + name("printer.local")),
    ("mdns txt", "My Printer._ipp._tcp.local", 16, cstr("txtvers=1") + cstr("ty=Caf\u00e9 printer") + cstr("")),
    ("mdns ptr", "_ipp._tcp.local", 12, name("My Printer._ipp._tcp.local")),
    ("mdns hinfo", "printer.local", 13, cstr("ARM") + cstr("Linux")),
]
FRAMES = [response(owner, rtype, rdata) for _, owner, rtype, rdata in RECORDS] + \
    [response(owner, rtype, rdata, mdns=True) for _, owner, rtype, rdata in MDNS_RECORDS]
IDS = [what for what, *_ in RECORDS + MDNS_RECORDS]


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    path = tmp_path_factory.mktemp("dns") / "records.pcap"
    path.write_bytes(pcap(FRAMES))
    return path


@pytest.mark.parametrize("number", range(1, len(FRAMES) + 1), ids=IDS)
def test_every_line_we_print_is_one_of_tsharks(capture, tmp_path, capsys, number):
    assert lines_not_tsharks(tmp_path, capsys, capture, number) == []


def test_info_column_is_tsharks(capture, tmp_path, capsys):
    ours, theirs = columns_by_both(tmp_path, capsys, capture)
    assert ours == theirs and len(ours) == len(FRAMES)


@pytest.mark.parametrize("expression", [
    "dns.srv.port == 5060", "dns.srv.weight == 5", "dns.srv.priority == 1",
    "dns.mx.preference == 10", "dns.naptr.order == 100", "dns.nsec3.flags.opt_out", "dns.nsec3.iterations == 12",
    "dns.sshfp.algorithm == 4", "dns.tlsa.matching_type == 1", "dns.caa.flags.issuer_critical",
    "dns.loc.version == 1", "dns.resp.type == 51", "dns.key.flags.authentication", "dns.svcb.svcparam.key == 1",
    "dns.hinfo.cpu_length == 3", "dns.txt.length == 0", "dns.resp.cache_flush", "dns.csync.flags.immediate",
    "dns.wks.protocol == 17", "dns.apl.negation", "dns.soa.refresh_interval == 7200"])
def test_filters_select_what_tshark_selects(capture, tmp_path, capsys, expression):
    ours, theirs = selected_by_both(tmp_path, capsys, capture, expression)
    assert ours == theirs and ours


# record data in the public captures: SSHFP (dnssec.pcap), SOA (dns-badcookie.pcap)
@pytest.mark.parametrize("name,number", [("dnssec.pcap", 2), ("dnssec.pcap", 6), ("dns-badcookie.pcap", 2)])
def test_captured_records_read_as_tsharks(tmp_path, capsys, name, number):
    assert lines_not_tsharks(tmp_path, capsys, DATA / name, number) == []
