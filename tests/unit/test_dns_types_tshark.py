"""DNS record types and DNSSEC record data in tshark's words: every type's -V line (read from
tshark 4.0's own output, one query per type), and the fields of DS records."""
import struct
import subprocess

import stack.wire.protocols  # noqa: F401  (every dissector)
from stack.wire.dissect import dissect
from stack.wire.dns import type_line
from tests.tools import need
from tests.tshark import write_pcap

TYPES = list(range(0, 270)) + [32768, 32769, 65280, 65535]


def udp_frame(payload: bytes, sport: int = 40000, dport: int = 53) -> bytes:
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes([192, 0, 2, 1]),
                     bytes([192, 0, 2, 2]))
    return bytes.fromhex("020000000002020000000001") + b"\x08\x00" + ip + udp


def query(rtype: int) -> bytes:
    return udp_frame(struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\x07example\x00" + struct.pack("!HH", rtype, 1))


def ds_answer(key_tag: int, algorithm: int, digest_type: int, digest: bytes) -> bytes:
    rdata = struct.pack("!HBB", key_tag, algorithm, digest_type) + digest
    message = (struct.pack("!HHHHHH", 1, 0x8180, 1, 1, 0, 0) + b"\x07example\x00" + struct.pack("!HH", 43, 1)
               + b"\xc0\x0c" + struct.pack("!HHIH", 43, 1, 3600, len(rdata)) + rdata)
    return udp_frame(message, 53, 40000)


def tshark_verbose(path) -> str:
    proc = subprocess.run([need("tshark"), "-n", "-r", str(path), "-V"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_every_record_type_is_written_as_tshark_writes_it(tmp_path):
    path = tmp_path / "types.pcap"
    write_pcap(path, [query(rtype) for rtype in TYPES])
    theirs = [line.strip().removeprefix("Type: ") for line in tshark_verbose(path).splitlines()
              if line.startswith("            Type: ")]
    assert len(theirs) == len(TYPES)
    assert [type_line(rtype) for rtype in TYPES] == theirs


def test_ds_records_read_as_tsharks(tmp_path):
    frames = [ds_answer(20326, 8, 2, bytes(range(32))), ds_answer(31, 13, 1, bytes(20)), ds_answer(7, 200, 9, b"\x01\x02")]
    path = tmp_path / "ds.pcap"
    write_pcap(path, frames)
    wanted = ("Key id:", "Algorithm:", "Digest Type:", "Digest:")
    theirs = [line.strip() for line in tshark_verbose(path).splitlines() if line.strip().startswith(wanted)]
    ours = []
    for frame in frames:
        for node in dissect(frame).layers[-1].walk():
            if node.name.startswith("dns.ds."):
                ours.append(f"{node.label}: {node.display}")
    assert ours == theirs and len(ours) == 12


def answer(rtype: int, rdata: bytes) -> bytes:
    message = (struct.pack("!HHHHHH", 1, 0x8180, 1, 1, 0, 0) + b"\x07example\x00" + struct.pack("!HH", rtype, 1)
               + b"\xc0\x0c" + struct.pack("!HHIH", rtype, 1, 3600, len(rdata)) + rdata)
    return udp_frame(message, 53, 40000)


def test_dnskey_and_nsec_records_read_as_tsharks(tmp_path):
    """Flags bit by bit, the key tag of RFC 4034 appendix B (RSA/MD5's from the modulus),
    the next name and the types of an NSEC bitmap."""
    from netsh.inspect import packet_view, tree_lines
    from stack.capture import from_record
    from stack.capfile import read
    key = bytes(range(1, 40))
    frames = [answer(48, struct.pack("!HBB", flags, protocol, algorithm) + key)
              for flags, protocol, algorithm in ((0x0101, 3, 8), (0x0100, 3, 13), (0xFFFF, 3, 1), (0, 2, 5))]
    frames.append(answer(47, b"\x01a\x07example\x00" + bytes([0, 6, 0x40, 0x01, 0, 0, 0, 0x03, 1, 1, 0x40])))
    path = tmp_path / "keys.pcap"
    write_pcap(path, frames)
    theirs = tshark_verbose(path).split("\nFrame ")
    for number, rec in enumerate(read(str(path)), 1):
        row = packet_view(from_record(rec, number), 0, True)
        answers = row["layers"][-1]["fields"][-1]["fields"][0]
        ours = [line.strip() for line in tree_lines(answers, 0, rec.data)]
        their_lines = {line.strip().strip("[]") for line in theirs[number - 1].splitlines()}
        assert [line for line in ours if line not in their_lines] == [], number
        assert len(ours) > 8
