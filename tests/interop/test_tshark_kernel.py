"""Real kernel traffic, captured in our namespaces, dissected by us and by tshark: every field agrees.

Two Linux stacks talk over the test veth (the stack-side namespace gets kernel
addresses for this test): ARP, NDP, ping and fragmented ping over IPv4 and
IPv6, UDP, a TCP connection (SACK, timestamps, window scaling), and 802.1Q /
802.1ad tagged frames from a raw socket.  tcpdump writes what crossed; both
dissectors read that file.
"""
import textwrap
import time

import pytest

from stack.capfile import read
import stack.wire.protocols  # noqa: F401  (every protocol's dissectors)
from stack.wire.dissect import dissect
from tests.tools import need
from tests.tshark import compare, our_fields, tshark_fields

pytestmark = pytest.mark.usefixtures("checksums_on")   # checksums verified, as tshark with CHECKSUM_PREFS


# Fields where we knowingly differ from tshark 4.0, each with its reason.
KNOWN = {
    "data.data",            # tshark attaches trailing data to different layers
    "data.len",             # (a first fragment's: tshark's data is the fragment, ours the echo's)
    "ip.opt.type", "ip.opt.len",
}

TRAFFIC = textwrap.dedent("""
    import socket, time
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(3):
        u.sendto(b"hello %d" % i, ("192.0.2.1", 9999))
    srv = socket.create_connection(("192.0.2.1", 7777), timeout=5)
    srv.sendall(b"x" * 50000)
    srv.shutdown(socket.SHUT_WR)
    while srv.recv(65536):
        pass
    srv.close()
    u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u6.sendto(b"six", ("2001:db8::1", 9999))
""")

SERVER = textwrap.dedent("""
    import socket
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("192.0.2.1", 7777)); s.listen(1); s.settimeout(20)
    c, _ = s.accept()
    while True:
        d = c.recv(65536)
        if not d:
            break
    c.sendall(b"done"); c.close()
""")


def vlan_frames(dst: bytes, src: bytes) -> list[bytes]:
    inner = bytes.fromhex("4500001c00010000400100000c0000020c000001") + bytes(8)
    q = dst + src + b"\x81\x00" + (0x2000 | 100).to_bytes(2, "big") + b"\x08\x00" + inner
    qinq = (dst + src + b"\x88\xa8" + (200).to_bytes(2, "big") + b"\x81\x00"
            + (0xE000 | 300).to_bytes(2, "big") + b"\x08\x06"
            + bytes.fromhex("0001080006040001") + src + bytes([192, 0, 2, 2]) + bytes(6)
            + bytes([192, 0, 2, 1]))
    return [q, qinq]


@pytest.fixture(scope="module")
def kernel_capture(veth_peer_module, tmp_path_factory):
    peer = veth_peer_module
    need("tcpdump")
    s = peer.stack_ns
    peer.run_stack("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0",
                   "net.ipv6.conf.default.disable_ipv6=0", f"net.ipv6.conf.{peer.stack_dev}.disable_ipv6=0")
    peer.run("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0",
             f"net.ipv6.conf.{peer.peer_dev}.disable_ipv6=0")
    peer.ip_stack("addr", "add", "192.0.2.1/24", "dev", peer.stack_dev)
    peer.ip_stack("-6", "addr", "add", "2001:db8::1/64", "dev", peer.stack_dev, "nodad")
    peer.ip("-6", "addr", "add", "2001:db8::2/64", "dev", peer.peer_dev, "nodad")
    path = tmp_path_factory.mktemp("kernel") / "kernel.pcap"
    dump = peer.popen("tcpdump", "-i", peer.peer_dev, "-w", str(path), "-U", "-s", "0")
    time.sleep(1.0)
    server = peer.popen_stack("python3", "-c", SERVER)
    time.sleep(0.5)
    peer.run("ping", "-c", "2", "-i", "0.2", "192.0.2.1")
    peer.run("ping", "-c", "1", "-s", "3000", "192.0.2.1")
    peer.run("ping", "-6", "-c", "2", "-i", "0.2", "2001:db8::1")
    peer.run("ping", "-6", "-c", "1", "-s", "3000", "2001:db8::1")
    peer.run("python3", "-c", TRAFFIC)
    server.wait(timeout=20)
    peer.send_raw(vlan_frames(b"\xff" * 6, bytes.fromhex(peer.peer_mac.replace(":", ""))))
    time.sleep(1.0)
    dump.terminate()
    dump.wait(timeout=10)
    return path


def test_every_kernel_frame_agrees_with_tshark(kernel_capture):
    records = list(read(kernel_capture))
    assert len(records) > 60, len(records)
    theirs = tshark_fields(kernel_capture)
    assert len(theirs) == len(records)
    protocols = set()
    failures = []
    for i, (rec, fields) in enumerate(zip(records, theirs), start=1):
        d = dissect(rec.data, rec.linktype, orig_len=rec.orig_len, ts_ns=rec.ts_ns)
        protocols.update(layer.name for layer in d.layers)
        diffs = compare(our_fields(d), fields, ignore=KNOWN)
        if diffs:
            failures.append(f"frame {i} ({d.summary()['info']}): " + "; ".join(diffs[:4]))
    assert not failures, "\n".join(failures[:20])
    assert {"eth", "arp", "ip", "ipv6", "icmp", "icmpv6", "udp", "tcp", "vlan"} <= protocols, protocols
