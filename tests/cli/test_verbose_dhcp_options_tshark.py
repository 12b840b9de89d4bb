"""DHCP options that hold structures, beside `tshark -V`: every line we print for them is one of
tshark's (tests/cli/test_verbose_tshark.py's rule).  Client FQDN (flags bit by bit, results, the
name in either encoding), V-I vendor class and vendor-specific information (enterprises and their
suboptions), option 43 read by the vendor class (PXE's suboptions, a vendor tshark reads by its
own rules), SIP servers, client architectures, UNDI, UUIDs, auto-configuration, relay agent
suboptions, domain search with pointers, option overload with the options sname and file carry,
and a BOOTP message (no magic cookie).  No public capture holds most of them: each is crafted in
a Discover of its own."""
import struct
from pathlib import Path

import pytest

from netsh.cli import main
from tests.cli.test_capture_hostile import pcap
from tests.cli.test_verbose_tshark import lines_not_tsharks, selected_by_both

DATA = Path(__file__).resolve().parents[1] / "data"
PXE = b"PXEClient:Arch:00000:UNDI:002001".hex()


def option(code: int, value: str) -> str:
    raw = bytes.fromhex(value.replace(" ", ""))
    return f"{code:02x}{len(raw):02x}{raw.hex()}"


# (name, options after the message type, sname, file)
CASES = [
    ("fqdn, binary", option(81, "05 00 00 03666f6f 03636f6d 00"), b"srv", b""),
    ("fqdn, ascii", option(81, "01 00 00 6d79686f73742e636f6d"), b"srv", b""),
    ("fqdn, every flag, results", option(81, "1a ff 80 6d79686f7374"), b"srv", b""),
    ("fqdn, no name", option(81, "00 00 00"), b"srv", b""),
    ("sip servers, names with a pointer", option(120, "00 03666f6f 076578616d706c65 03636f6d 00 03626172 c004"),
     b"srv", b""),
    ("sip servers, addresses", option(120, "01 c0000201 c0000202"), b"srv", b""),
    ("client architectures", option(93, "0000 0007 000b"), b"srv", b""),
    ("undi", option(94, "01 02 01"), b"srv", b""),
    ("undi, another type", option(94, "02 03 04"), b"srv", b""),
    ("uuid", option(97, "00 00112233445566778899aabbccddeeff"), b"srv", b""),
    ("uuid option with a hardware address", option(97, "01 020000000001"), b"srv", b""),
    ("client identifier, uuid", option(61, "00 00112233445566778899aabbccddeeff"), b"srv", b""),
    ("client identifier, ieee 802", option(61, "06 020000000002"), b"srv", b""),
    ("auto-configuration", option(116, "01"), b"srv", b""),
    ("rapid commit, subnet selection, ntp servers",
     option(80, "") + option(118, "c0000201") + option(42, "c0000201 c0000202"), b"srv", b""),
    ("v-i vendor class", option(124, "0000118b 09 034d4f44 0341424300") + option(124, "00000009 03 616263"),
     b"srv", b""),
    ("v-i vendor class, two enterprises", option(124, "0000000a 03 616263 00000009 02 6465"), b"srv", b""),
    ("v-i vendor class, address mode", option(124, "01"), b"srv", b""),
    ("v-i vendor-specific, cablelabs",
     option(125, "0000118b 16 0104 00000001 0208 c0000201c0000202 0302 abcd 0b00"), b"srv", b""),
    ("v-i vendor-specific, tr-111", option(125, "00000de9 0e 0203 313233 0303 414243 0402 4142"), b"srv", b""),
    ("v-i vendor-specific, two enterprises",
     option(125, "0000000a 06 0102 0304 0500 00000009 03 0101 41"), b"srv", b""),
    ("vendor-specific, no vendor class", option(43, "0104deadbeef"), b"srv", b""),
    ("vendor-specific, a vendor class tshark has no rules for",
     option(60, b"MSFT 5.0".hex()) + option(43, "0104deadbeef"), b"srv", b""),
    ("vendor-specific, cablelabs' (not read)", option(60, b"docsis3.0".hex()) + option(43, "0104deadbeef"),
     b"srv", b""),
    ("vendor-specific, pxe", option(60, PXE) + option(43, "0104c0000201 0202 1f90 0401 05 0601 0b"
                                                          " 0807 0001 01 c0000201 090d 0000 0a 4c6f63616c20626f6f74"
                                                          " 0a05 0a 4d656e75 4704 0001 0000 00 ff"), b"srv", b""),
    ("vendor-specific, pxe lcm", option(60, PXE) + option(43, "0d02abcd 0c02abcd b304 41424300 bf0101"
                                                              " c10400000001 ff00"), b"srv", b""),
    ("relay agent suboptions", option(82, "0000 0304aabbccdd 040400000001 0504c0000201 0603616263 0702aabb"
                                          " 0802ccdd 0a0101 0b04c0000202 0c02eeff 9604c0000203 970100"
                                          " 9707000001 00000002 9703616263 9804c0000204"), b"srv", b""),
    ("relay agent, access network suboptions", option(82, "0d0112 0e03616263 0f03646566 1006020000000001"
                                                          " 1102aabb 1203676869 1300 1400 c802abcd"), b"srv", b""),
    ("relay agent, vendor-specific", option(82, "0908 0000000903 010203"), b"srv", b""),
    ("domain search with a pointer", option(119, "03666f6f 076578616d706c65 00 03626172 c004"), b"srv", b""),
    ("domain search over two options", option(119, "03666f6f00") + option(119, "03626172c000"), b"srv", b""),
    ("overload, file", option(52, "01"), b"mysrv", bytes.fromhex(option(15, b"example".hex())
                                                                 + option(3, "c0000201") + "ff")),
    ("overload, sname", option(52, "02"), bytes.fromhex(option(12, b"abc".hex()) + "ff"), b""),
    ("overload, both", option(52, "03"), bytes.fromhex(option(12, b"abc".hex()) + "ff"),
     bytes.fromhex(option(3, "c0000201") + "ff")),
]


def discover(options: str, sname: bytes, file: bytes, cookie: bool = True) -> bytes:
    bootp = struct.pack("!BBBBIHH16s16s64s128s", 1, 1, 6, 0, 0x1234, 0, 0x8000, bytes(16),
                        bytes.fromhex("020000000001") + bytes(10), sname, file)
    bootp += bytes.fromhex("63825363" "350101" + options + "ff") if cookie else bytes(64)
    udp = struct.pack("!HHHH", 68, 67, 8 + len(bootp), 0) + bootp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes([192, 0, 2, 1]),
                     bytes([192, 0, 2, 2]))
    return bytes.fromhex("ffffffffffff020000000001") + b"\x08\x00" + ip + udp


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    path = tmp_path_factory.mktemp("dhcp") / "options.pcap"
    frames = [discover(*case[1:]) for case in CASES] + [discover("", b"", b"", cookie=False)]
    path.write_bytes(pcap(frames))
    return path


# tshark names DHCP twice in frame.protocols when a vendor's rules read option 43 (its
# heuristic dissectors): so does netsh (netsh/inspect.py counts the option's hidden "dhcp")
VENDOR_RULES = {n for n, case in enumerate(CASES, 1) if "pxe" in case[0] or "cablelabs' (not" in case[0]}


@pytest.mark.parametrize("number", range(1, len(CASES) + 2),
                         ids=[case[0] for case in CASES] + ["bootp, no magic cookie"])
def test_every_line_we_print_is_one_of_tsharks(capture, tmp_path, capsys, number):
    assert lines_not_tsharks(tmp_path, capsys, capture, number) == []


@pytest.mark.parametrize("number", sorted(VENDOR_RULES))
def test_option_43_read_by_a_vendors_rules_is_dhcp_again(capture, tmp_path, capsys, number):
    batch = tmp_path / "b"
    batch.write_text(f"capture read {capture}\ncapture show {number} -V\n")
    assert main(["-b", str(batch)]) == 0
    assert "    [Protocols in frame: eth:ethertype:ip:udp:dhcp:dhcp]" in capsys.readouterr().out.splitlines()


def test_the_structures_are_shown(capture, tmp_path, capsys):
    """Not only a subset: the lines that show what the options hold are there."""
    batch = tmp_path / "b"
    batch.write_text(f"capture read {capture}\n" + "".join(f"capture show {n} -V\n" for n in range(1, len(CASES) + 1)))
    assert main(["-b", str(batch)]) == 0
    out = {line.strip() for line in capsys.readouterr().out.splitlines()}
    for line in [".... .1.. = Encoding: Binary encoding", "Client name: foo.com", "Client name: myhost.com",
                 "Flags: 0x1a, Server DDNS, Server overrides", "A-RR result: 255", "PTR-RR result: 128",
                 "SIP Server Name: bar.example.com", "SIP Server Address: 192.0.2.2",
                 "Client System Architecture: ARM 64-bit UEFI (11)", "Major Version: 2", "Minor Version: 1",
                 "Client Identifier (UUID): 33221100-5544-7766-8899-aabbccddeeff",
                 "Hardware type: IEEE 802 (0x06)", "DHCP Auto-Configuration: AutoConfigure (1)",
                 "Enterprise: Cable Television Laboratories, Inc. (4491)", "NetInfo Parent Server Tag: abc",
                 "Option 125 Suboption: (1) Option Request", "Option Request: 00 00 00 01",
                 "TFTP Server Addresses: 192.0.2.2", "DeviceProductClass: ABC", "Option 125 Suboption: 1",
                 "Data: 0304", "Value: 0104deadbeef", "Option: (43) Vendor-Specific Information (CableLabs)",
                 "Option: (43) Vendor-Specific Information (PXEClient)", "mtftp client port: 36895",
                 "discovery control: 0x0b, Disable Broadcast, Disable Multicast, Bootstrap override",
                 "Type: Microsoft Windows NT Boot Server (1)", "Description: Local boot", "Prompt: Menu",
                 "LCM Server Name: ABC", "Discovery: Yes", "PXE Client End: 255",
                 "Option 82 Suboption: (5) Link selection (192.0.2.1)", "Subscriber ID: abc",
                 "VRF name/VPN ID Index: 0x00000002", "Access Point BSSID: 02:00:00:00:00:01",
                 "Option 82 Suboption: (200) Unknown", "FQDN: bar.example", "Boot file name option overload",
                 "Server host name option overload", "Server name option overloaded by DHCP", "Host Name: abc"]:
        assert line in out, line


# an empty client identifier; the fixed header only (a vendor area cut short: tshark's exception);
# a length not a multiple of 8 (the note hidden as tshark's expert items are); options cut by the
# capture (tshark's first pass stops before any field is shown); a leasequery
PUBLIC = [("dhcpv4v6-rfc5970-rfc8572.pcap", 6), ("dhcpv4v6-rfc5970-rfc8572.pcap", 8), ("dhcp-rfc4388.pcap", 43),
          ("dhcp-option-33.pcap", 4), ("bootp_asan.pcap", 1), ("rx_serviceid_oobr.pcap", 1), ("dhcp-rfc4388.pcap", 1),
          ("dhcp-rfc4388.pcap", 3)]


@pytest.mark.parametrize("name,number", PUBLIC, ids=[f"{n}:{i}" for n, i in PUBLIC])
def test_public_captures(tmp_path, capsys, name, number):
    assert lines_not_tsharks(tmp_path, capsys, DATA / name, number) == []


@pytest.mark.parametrize("expression", [
    "dhcp.fqdn.e", "dhcp.fqdn.name == \"foo.com\"", "dhcp.fqdn.rcode1 == 255", "dhcp.option.sip_server.encoding == 1",
    "dhcp.option.client_system_architecture == 11", "dhcp.option.vi.enterprise == 4491",
    "dhcp.option.vi_class.enterprise == 9", "dhcp.option.vendor.pxeclient.boot_servers.ip == 192.0.2.1",
    "dhcp.option.agent_information_option.link_selection == 192.0.2.1", "dhcp.option.vendor.value",
    "dhcp.server_name_overloaded_by_dhcp", "dhcp.option.hostname == \"abc\"", "dhcp.bootp",
    "dhcp.option.dhcp_dns_domain_search_list_fqdn == \"bar.example\""])
def test_filters_select_what_tshark_selects(capture, tmp_path, capsys, expression):
    ours, theirs = selected_by_both(tmp_path, capsys, capture, expression)
    assert ours == theirs and ours
