"""Our Ethernet/ARP/IPv4/ICMP dissection against tshark, field by field."""
import subprocess

import pytest

from stack.wire import ipv4 as ipwire
from stack.wire.checksum import checksum
import stack.wire.protocols  # noqa: F401  (every protocol's dissectors)
from stack.wire.dissect import dissect
from stack.wire.ethernet import header
from tests.checker import echo_packet, icmp
from tests.tools import need
from tests.tshark import compare, our_fields, tshark_fields, write_pcap

pytestmark = pytest.mark.usefixtures("checksums_on")   # checksums verified, as tshark with CHECKSUM_PREFS

MAC_A, MAC_B = b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02"
A, B = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])


def ip_frame(payload: bytes, proto: int = 1, flags_frag: int = 0, ttl: int = 64, options: bytes = b"",
             corrupt: bool = False) -> bytes:
    ihl = 20 + len(options)
    ip = bytearray(ihl)
    ipwire.write_header(ip, 0, ihl + len(payload), 0x1234, flags_frag, ttl, proto, A, B)
    ip[0] = 0x40 | (ihl // 4)
    ip[20:] = options
    ip[10:12] = b"\0\0"
    ip[10:12] = checksum(ip).to_bytes(2, "big")
    if corrupt:
        ip[10] ^= 0xFF
    return header(MAC_B, MAC_A, 0x0800) + bytes(ip) + payload


def claiming_more(frame: bytes, extra: int) -> bytes:
    """The frame with an IPv4 total length `extra` bytes longer than the frame holds (checksum kept right)."""
    out = bytearray(frame)
    out[16:18] = (int.from_bytes(out[16:18], "big") + extra).to_bytes(2, "big")
    out[24:26] = b"\0\0"
    out[24:26] = checksum(bytes(out[14:34])).to_bytes(2, "big")
    return bytes(out)


FRAMES = {
    "echo": header(MAC_B, MAC_A, 0x0800) + bytes(echo_packet(payload=b"abcd" * 14)),
    "echo-df": ip_frame(icmp(8, 0, b"\x00\x07\x00\x02", b"x" * 20), flags_frag=0x4000),
    "reply-padded": ip_frame(icmp(0, 0, b"\x00\x07\x00\x02", b"x" * 4)) + b"\0" * 10,
    "bad-ip-csum": ip_frame(icmp(8, 0, b"\x00\x07\x00\x02"), corrupt=True),
    "bad-icmp-csum": ip_frame(icmp(8, 0, b"\x00\x07\x00\x02")[:-1] + b"\xff"),
    "fragment-first": ip_frame(b"\x08\x00" + b"y" * 30, flags_frag=0x2000),
    "fragment-later": ip_frame(b"z" * 24, flags_frag=0x0000 | 185),
    "options-rr": ip_frame(icmp(8, 0, b"\x00\x01\x00\x01"), options=b"\x07\x07\x04" + b"\0" * 4 + b"\x01"),
    "unreach": ip_frame(icmp(3, 1, b"\0\0\0\0", bytes(ip_frame(b"\x08\x00\0\0\0\0\0\0")[14:42]))),
    "arp-request": header(b"\xff" * 6, MAC_A, 0x0806) + bytes.fromhex(
        "0001080006040001") + MAC_A + A + bytes(6) + B,
    "arp-reply": header(MAC_A, MAC_B, 0x0806) + bytes.fromhex("0001080006040002") + MAC_B + B + MAC_A + A,
    "ttl-1": ip_frame(icmp(8, 0, b"\x00\x01\x00\x09"), ttl=1),
    "options-router-alert-nops": ip_frame(icmp(8, 0, b"\x00\x01\x00\x01"), options=b"\x94\x04\x00\x00\x01\x01\x01\x00"),
    # an option that does not fit ends the list, as tshark reads it
    "options-too-short": ip_frame(icmp(8, 0, b"\x00\x01\x00\x01"), options=b"\x07\x01\x04\x00"),
    "options-past-end": ip_frame(icmp(8, 0, b"\x00\x01\x00\x01"), options=b"\x01\x44\x09\x05\x00\x00\x00\x00"),
    "options-length-byte-past-end": ip_frame(icmp(8, 0, b"\x00\x01\x00\x01"), options=b"\x01\x01\x01\x07"),
    "options-route-without-pointer": ip_frame(icmp(8, 0, b"\x00\x01\x00\x01"), options=b"\x83\x02\x01\x00"),
    # a TCP option whose kind is the header's last byte (tshark notes it, lists no kind)
    "tcp-option-kind-past-end": ip_frame(bytes.fromhex("9c40005000000001000000006002" "03e800000000" "0101011e"),
                                         proto=6),
    # an IPv4 total length that claims more than the frame holds: tshark counts what is there
    "tcp-ip-length-claims-more": claiming_more(ip_frame(bytes.fromhex("9c40005000000001000000005018" "03e800000000")
                                                        + b"hello world!", proto=6), 28),
    "tcp-option-past-end": ip_frame(bytes.fromhex("9c40005000000001000000007002" "03e800000000" "0101080a00000001"),
                                    proto=6),
}

# Fields where we knowingly differ from tshark 4.0, and why.
KNOWN = {
    "data.data",          # tshark splits data across layers differently for quoted packets
    "data.len",           # (and so counts them differently)
}


@pytest.fixture(scope="module")
def theirs(tmp_path_factory):
    path = tmp_path_factory.mktemp("tshark") / "core.pcap"
    write_pcap(path, FRAMES.values())
    return dict(zip(FRAMES, tshark_fields(path)))


@pytest.mark.parametrize("name", list(FRAMES))
def test_fields_agree_with_tshark(name, theirs):
    ours = our_fields(dissect(FRAMES[name]))
    shared = set(ours) & set(theirs[name])
    assert len(shared) >= 3, f"too few shared fields: {sorted(shared)}"
    assert compare(ours, theirs[name], ignore=KNOWN) == []


def test_icmp_info_agrees_with_tshark(tmp_path):
    """Every type's name and every named code, as tshark words them in the Info column
    (the type padded to 20 characters, then the code's name)."""
    quoted = ip_frame(b"\x08\x00\0\0\0\0\0\0")[14:42]
    cases = [(kind, code) for kind, codes in ((3, 17), (5, 4), (11, 3), (12, 4), (4, 1), (6, 2)) for code in range(codes)]
    frames = [ip_frame(icmp(kind, code, b"\0\0\0\0", quoted)) for kind, code in cases]
    frames += [ip_frame(icmp(kind, 0, b"\x00\x07\x00\x02")) for kind in (0, 8, 15, 16, 7, 19, 30, 200)]
    path = tmp_path / "icmp.pcap"
    write_pcap(path, frames)
    proc = subprocess.run([need("tshark"), "-n", "-r", str(path), "-T", "fields", "-e", "_ws.col.Info",
                           "-e", "icmp.code"], capture_output=True, text=True, timeout=120)
    theirs = [line.split("\t")[0] for line in proc.stdout.splitlines()]
    assert len(theirs) == len(frames)
    assert [dissect(frame).summary()["info"] for frame in frames] == theirs
