"""IPv6 fragments between our stack and the Linux kernel over a veth.

Pings of 3000 and 9000 bytes both ways (each side fragments and reassembles the
other's), tshark on the Linux side reading the fragments we send, `-M do` refused
locally, attack trains from a raw socket in the Linux namespace (overlapping, tiny
first, not whole 8-byte blocks, never completed, a bounded flood) dropped and counted
while the stack keeps answering, and the same trains judged alike by Linux and by us.
"""
import time

import pytest

from stack.capfile import read
from stack.l3.reassembly import FRAG_OVERHEAD, HIGH_THRESH, QUEUE_OVERHEAD
from stack.wire import icmpv6
from stack.wire.dissect import dissect
from stack.wire.ethernet import ETH_P_IPV6, mac_from_str
from stack.wire.ipv6 import addr_from_str as a6
from tests.checker import ethernet, ipv6_fragment
from tests.netns import VethPeer, send_raw, sysctl
from tests.tools import need
from tests.tshark import compare, our_fields, tshark_fields

from .stackrun import stack_on, wait_for
from .test_cli_kernel import netsh

pytestmark = [pytest.mark.veth_ipv6, pytest.mark.usefixtures("checksums_on")]   # checksums verified, as tshark with CHECKSUM_PREFS

STACK_IP6 = "2001:db8::1"
BLOCK = 1448                        # the data a 1500-byte MTU's fragment holds: 1500 - 40 - 8, in 8-byte blocks


def snmp6(peer) -> dict:
    """The peer namespace's /proc/net/snmp6 as {"Ip6ReasmOKs": 3, ...}."""
    rows = (line.split() for line in peer.run("cat", "/proc/net/snmp6").stdout.splitlines())
    return {row[0]: int(row[1]) for row in rows if len(row) == 2}


def grew(before: dict, after: dict, name: str) -> int:
    return after[name] - before[name]


def pieces(size: int) -> int:
    return -(-(size + 8) // BLOCK)


def ipv6_packet(src, dst, nxt, payload) -> bytes:
    return bytes((0x60, 0, 0, 0)) + len(payload).to_bytes(2, "big") + bytes((nxt, 64)) + src + dst + payload


def echo6(src, dst, size: int = 3000, ident: int = 0x4242) -> bytes:
    body = ident.to_bytes(2, "big") + (1).to_bytes(2, "big") + bytes(i & 0xFF for i in range(size))
    return ipv6_packet(src, dst, 58, icmpv6.build(128, 0, body, src, dst))


@pytest.fixture
def pair(veth_peer):
    """Our stack with 2001:db8::1/64 (no DAD) and Linux with ::2, each knowing the other's MAC."""
    with stack_on(veth_peer, address=None) as (proxy, runtime):
        proxy.addr_add(veth_peer.stack_dev, a6(STACK_IP6), 64, nodad=True)
        ours = proxy.link_list(veth_peer.stack_dev)[0]["address"]
        veth_peer.ip("-6", "neigh", "replace", STACK_IP6, "lladdr", ours, "dev", veth_peer.peer_dev,
                     "nud", "permanent")
        proxy.neigh_add(veth_peer.stack_dev, a6(veth_peer.peer_ip6), mac_from_str(veth_peer.peer_mac),
                        mode="replace")
        yield proxy, runtime


def frag_drops(proxy) -> dict:
    return {k: v for k, v in proxy.stats("Drop")["Drop"].items() if "FRAG" in k}


@pytest.mark.parametrize("size", [3000, 9000])
def test_linux_pings_us_over_ipv6_with_fragments_and_takes_our_fragmented_replies(veth_peer, pair, size):
    proxy, _ = pair
    before = snmp6(veth_peer)
    out = veth_peer.run("ping", "-6", "-c", "3", "-i", "0.3", "-W", "3", "-s", str(size), STACK_IP6).stdout
    assert "3 packets transmitted, 3 received, 0% packet loss" in out, out
    assert f"{size + 8} bytes from {STACK_IP6}" in out
    after = snmp6(veth_peer)
    assert grew(before, after, "Ip6FragCreates") == 3 * pieces(size)     # Linux fragmented its requests
    assert grew(before, after, "Ip6ReasmOKs") == 3                        # and reassembled our replies
    assert grew(before, after, "Ip6ReasmReqds") == 3 * pieces(size)      # cut as it cuts them
    ip6 = proxy.stats("Ip6")["Ip6"]
    assert (ip6["ReasmReqds"], ip6["ReasmOKs"], ip6["ReasmFails"]) == (3 * pieces(size), 3, 0)
    assert (ip6["FragOKs"], ip6["FragCreates"], ip6["FragFails"]) == (3, 3 * pieces(size), 0)
    assert frag_drops(proxy) == {}


@pytest.mark.parametrize("size", [3000, 9000])
def test_we_ping_linux_over_ipv6_and_tshark_reads_our_fragments_as_we_wrote_them(veth_peer, pair, size, tmp_path):
    need("tcpdump")
    proxy, _ = pair
    path = tmp_path / "ours.pcap"
    ours = proxy.link_list(veth_peer.stack_dev)[0]["address"]
    dump = veth_peer.popen("tcpdump", "-i", veth_peer.peer_dev, "-w", str(path), "-U", "-s", "0",
                           "--immediate-mode", "ip6", "and", "ether", "src", ours, "and", "ip6[6] == 44")
    time.sleep(1.0)
    before = snmp6(veth_peer)
    session = proxy.ping_open(a6(veth_peer.peer_ip6), size)
    events = []
    for seq in (1, 2):
        proxy.ping_send(session, seq)
        events.append(session.replies.get(timeout=5))
    assert [(e.kind, e.seq, e.size) for e in events] == [("reply", 1, size + 8), ("reply", 2, size + 8)]
    after = snmp6(veth_peer)
    time.sleep(1.0)
    dump.terminate()
    _, err = dump.communicate(timeout=10)
    n = pieces(size)
    assert grew(before, after, "Ip6ReasmOKs") == 2 and grew(before, after, "Ip6FragCreates") == 2 * n
    frames = [rec.data for rec in read(path)]
    assert len(frames) == 2 * n, err
    theirs = tshark_fields(path, ("ipv6.defragment:FALSE",))
    failures = []
    for i, (frame, fields) in enumerate(zip(frames, theirs)):
        diffs = compare(our_fields(dissect(frame)), fields, ignore={"data.data", "data.len"})
        if diffs:
            failures.append(f"frame {i}: " + "; ".join(diffs[:4]))
    assert not failures, "\n".join(failures)
    first = theirs[:n]
    assert [int(f["ipv6.fraghdr.offset"][0]) for f in first] == [BLOCK // 8 * i for i in range(n)]
    assert [f["ipv6.fraghdr.more"][0] for f in first] == ["1"] * (n - 1) + ["0"]
    assert [int(f["ipv6.plen"][0]) for f in first] == [8 + BLOCK] * (n - 1) + [8 + size + 8 - BLOCK * (n - 1)]
    idents = [f["ipv6.fraghdr.ident"][0] for f in theirs]
    assert len(set(idents[:n])) == 1 and idents[0] != idents[n]        # one per datagram, a new one each


def test_ping6_m_do_refuses_a_big_ping_locally(veth_peer, pair):
    proxy, _ = pair
    session = proxy.ping_open(a6(veth_peer.peer_ip6), 3000, pmtudisc="do")
    assert proxy.ping_send(session, 1) is False
    event = session.replies.get(timeout=2)
    assert event.message == "local error: message too long, mtu=1500"
    assert proxy.stats("Ip6")["Ip6"]["FragCreates"] == 0


def _to_us(peer, proxy, packets):
    ours = mac_from_str(proxy.link_list(peer.stack_dev)[0]["address"])
    return [ethernet(ours, mac_from_str(peer.peer_mac), ETH_P_IPV6, bytes(p)) for p in packets]


def test_overlapping_tiny_unaligned_and_never_completed_trains_are_dropped_and_counted(veth_peer, pair):
    proxy, _ = pair
    src, dst = a6(veth_peer.peer_ip6), a6(STACK_IP6)
    sniffer = veth_peer.sniffer(timeout=75)
    before = snmp6(veth_peer)
    never = echo6(src, dst)
    veth_peer.send_raw(_to_us(veth_peer, proxy, [ipv6_fragment(never, 0, BLOCK, ident=0x0101)]))
    started = time.monotonic()
    overlap = echo6(src, dst)
    tiny = ipv6_packet(src, dst, 6, bytes(40))                         # TCP: 16 bytes do not hold its header
    veth_peer.send_raw(_to_us(veth_peer, proxy, [
        ipv6_fragment(overlap, 0, BLOCK, ident=0x0202), ipv6_fragment(overlap, 1440, 1000, more=False, ident=0x0202),
        ipv6_fragment(tiny, 0, 16, ident=0x0303), ipv6_fragment(tiny, 16, more=False, ident=0x0303),
        ipv6_fragment(overlap, 0, 1444, ident=0x0404)]))               # more to follow, not 8-byte blocks
    assert wait_for(lambda: frag_drops(proxy).get("FRAG_UNALIGNED"), 5)
    assert frag_drops(proxy) == {"FRAG_OVERLAP": 2, "FRAG_TINY": 1, "FRAG_UNALIGNED": 1}
    out = veth_peer.run("ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", STACK_IP6).stdout
    assert "2 received" in out                                         # answering meanwhile
    time.sleep(max(0.0, started + 61 - time.monotonic()))
    assert wait_for(lambda: proxy.stats("Ip6")["Ip6"]["ReasmTimeout"] >= 2, 5)
    ip6 = proxy.stats("Ip6")["Ip6"]
    # the never-completed first fragment, and the tiny train's later fragment left alone
    assert (ip6["ReasmTimeout"], ip6["ReasmOKs"], ip6["ReasmReqds"]) == (2, 0, 6)
    assert ip6["ReasmFails"] == 3                                      # the overlap, two time-outs
    assert ip6["InHdrErrors"] == 2                                     # tiny, unaligned
    assert frag_drops(proxy)["FRAG_REASM_TIMEOUT"] == 2
    frames = [f for f in sniffer.stop() if f[12:14] == b"\x86\xdd" and f[20] == 58]
    errors = [(f[54], f[55], int.from_bytes(f[58:62], "big")) for f in frames if f[54] < 128]
    assert sorted(errors) == [(3, 1, 0), (4, 0, 4), (4, 3, 0)], errors
    (exceeded,) = [f for f in frames if f[54] == 3]
    assert exceeded[62 + 44:62 + 48] == (0x0101).to_bytes(4, "big")    # quoting the first fragment
    after = snmp6(veth_peer)
    assert grew(before, after, "Icmp6InTimeExcds") == 1 and grew(before, after, "Icmp6InParmProblems") == 2


def test_a_bounded_fragment_flood_keeps_memory_under_the_bound_and_the_stack_answering(veth_peer, pair):
    proxy, runtime = pair
    reasm = runtime.stack.ip6frag.reasm             # read only, for the gauge Linux shows in sockstat6
    src, dst = a6(veth_peer.peer_ip6), a6(STACK_IP6)
    count = 6000                                    # 6000 first fragments of 1448 bytes: 9 MB, twice the bound
    packet = echo6(src, dst)
    frames = _to_us(veth_peer, proxy, [ipv6_fragment(packet, 0, BLOCK, ident=i + 1) for i in range(count)])
    ping = veth_peer.popen("ping", "-6", "-c", "10", "-i", "0.2", "-W", "2", STACK_IP6)
    highest = 0
    for chunk in range(0, count, 1000):
        veth_peer.send_raw(frames[chunk:chunk + 1000])
        highest = max(highest, reasm.mem)
    out, _ = ping.communicate(timeout=30)
    settled = wait_for(lambda: proxy.stats("Ip6")["Ip6"]["ReasmReqds"] >= count * 0.9, 10)
    assert settled, proxy.stats("Ip6")      # (a few may be lost to the capture buffer, not to us)
    highest = max(highest, reasm.mem)
    charge = QUEUE_OVERHEAD + FRAG_OVERHEAD + BLOCK
    assert 0 < highest <= HIGH_THRESH + charge
    taken = len(reasm.queues)
    assert taken == HIGH_THRESH // charge + 1
    ip6 = proxy.stats("Ip6")["Ip6"]
    assert frag_drops(proxy)["FRAG_MEM_LIMIT"] == ip6["ReasmReqds"] - taken == ip6["ReasmFails"]
    received = int(out.split(" received")[0].rsplit(" ", 1)[1])
    assert received >= 8, out                      # answering through the flood
    out = veth_peer.run("ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", STACK_IP6).stdout
    assert "3 received" in out


def steady(read, pause: float = 0.2, timeout: float = 5.0) -> dict:
    """`read()` once two readings `pause` apart agree."""
    last, end = read(), time.monotonic() + timeout
    while time.monotonic() < end:
        time.sleep(pause)
        now = read()
        if now == last:
            return now
        last = now
    return last


COUNTED = ("Ip6ReasmReqds", "Ip6ReasmOKs", "Ip6ReasmFails", "Ip6InHdrErrors", "Icmp6OutEchoReplies")


def trains(src: bytes, dst: bytes) -> dict:
    """Fragment trains whose fate the kernel and we must agree on (one identification each)."""
    out = {}

    def cut(ident, *places):
        p = echo6(src, dst, 3000, ident)
        return [ipv6_fragment(p, offset, length, more, ident=ident) for offset, length, more in places]
    out["in order"] = cut(0xa01, (0, BLOCK, True), (BLOCK, BLOCK, True), (2 * BLOCK, None, False))
    out["reversed"] = cut(0xa02, (2 * BLOCK, None, False), (BLOCK, BLOCK, True), (0, BLOCK, True))
    out["duplicate"] = cut(0xa03, (0, BLOCK, True), (0, BLOCK, True), (BLOCK, BLOCK, True), (2 * BLOCK, None, False))
    out["inside a run"] = cut(0xa04, (0, BLOCK, True), (BLOCK, BLOCK, True), (8, 1000, True),
                              (2 * BLOCK, None, False))
    out["across two runs"] = cut(0xa05, (BLOCK, BLOCK, True), (0, BLOCK, True), (8, BLOCK, True),
                                 (2 * BLOCK, None, False))
    out["overlap at the tail"] = cut(0xa06, (0, BLOCK, True), (1440, 1000, False))
    out["two ends"] = cut(0xa07, (2 * BLOCK, None, False), (2 * BLOCK, 16, False))
    out["not 8-byte blocks"] = cut(0xa08, (0, 1444, True))
    tiny = ipv6_packet(src, dst, 6, bytes(40))
    out["tiny first"] = [ipv6_fragment(tiny, 0, 16, ident=0xa09)]
    far = ipv6_packet(src, dst, 58, b"") + bytes(66000)
    out["past 65535"] = [ipv6_fragment(far, 64528, BLOCK, ident=0xa0a)]
    return out


def test_the_kernel_and_we_judge_the_same_trains_alike(veth_peer, pair):
    """Each train goes to Linux (from the stack side's raw socket) and to us (from the peer's):
    Ip6 Reasm*, InHdrErrors and the echo replies move the same way on both."""
    proxy, _ = pair
    ours_mac = mac_from_str(proxy.link_list(veth_peer.stack_dev)[0]["address"])
    peer_mac = mac_from_str(veth_peer.peer_mac)
    us, linux = a6(STACK_IP6), a6(veth_peer.peer_ip6)
    to_linux, to_us = trains(us, linux), trains(linux, us)

    def ours_now():
        ip6, icmp6 = proxy.stats("Ip6")["Ip6"], proxy.stats("Icmp6")["Icmp6"]
        return {"Ip6" + k: ip6[k] for k in ("ReasmReqds", "ReasmOKs", "ReasmFails", "InHdrErrors")} | \
            {"Icmp6OutEchoReplies": icmp6["OutEchoReplies"]}
    differ, seen = [], {}
    for name in to_linux:
        before_k = snmp6(veth_peer)
        send_raw(veth_peer.stack_ns, veth_peer.stack_dev,
                 [ethernet(peer_mac, ours_mac, ETH_P_IPV6, bytes(f)) for f in to_linux[name]])
        time.sleep(0.3)
        after_k = snmp6(veth_peer)
        kernel = tuple(grew(before_k, after_k, c) for c in COUNTED)
        before_s = steady(ours_now)                 # Linux's fragmented replies to us taken in first
        veth_peer.send_raw([ethernet(ours_mac, peer_mac, ETH_P_IPV6, bytes(f)) for f in to_us[name]])
        wait_for(lambda: ours_now()["Ip6ReasmReqds"] - before_s["Ip6ReasmReqds"] >= len(to_us[name]), 5)
        time.sleep(0.1)
        after_s = steady(ours_now)
        ours = tuple(grew(before_s, after_s, c) for c in COUNTED)
        time.sleep(0.2)                             # our replies reach Linux before its next count
        seen[name] = kernel
        if kernel != ours:
            differ.append(f"{name}: kernel (Reqds, OKs, Fails, InHdrErrors, replies) {kernel}, ours {ours}")
    assert not differ, "\n".join(differ)
    assert seen == {"in order": (3, 1, 0, 0, 1), "reversed": (3, 1, 0, 0, 1), "duplicate": (4, 1, 0, 0, 1),
                    "inside a run": (4, 1, 0, 0, 1), "across two runs": (4, 0, 1, 0, 0),
                    "overlap at the tail": (2, 0, 1, 0, 0), "two ends": (2, 0, 1, 0, 0),
                    "not 8-byte blocks": (1, 0, 0, 1, 0), "tiny first": (1, 0, 0, 1, 0),
                    "past 65535": (1, 0, 0, 1, 0)}, seen


def test_the_netsh_program_pings_linux_over_ipv6_with_9000_bytes_and_counts_the_fragments(veth_peer, tmp_path):
    """`ping -6 -s 9000` as a person types it, `-M do` refused as iputils refuses it, `stats Ip6`."""
    dev = veth_peer.stack_dev
    batch = (f"link attach {dev} name {dev}\nlink set {dev} up\naddr add {STACK_IP6}/64 dev {dev} nodad\n"
             f"ping -6 -c 2 -i 0.3 -s 9000 {veth_peer.peer_ip6}\n"
             f"ping -6 -c 1 -M do -s 3000 {veth_peer.peer_ip6}\nstats Ip6\n")
    run = netsh(veth_peer, "-force", batch=batch, tmp_path=tmp_path)
    out = run.stdout
    assert f"PING {veth_peer.peer_ip6}({veth_peer.peer_ip6}) 9000 data bytes" in out, out + run.stderr
    assert out.count(f"9008 bytes from {veth_peer.peer_ip6}: icmp_seq=") == 2, out
    assert "ping: local error: message too long, mtu=1500" in out
    stats = dict(line.split() for line in out.splitlines() if line.startswith("Ip6") and len(line.split()) == 2)
    assert (stats["Ip6FragOKs"], stats["Ip6FragCreates"], stats["Ip6ReasmOKs"], stats["Ip6FragFails"]) == \
        ("2", "14", "2", "1"), stats
    assert "Traceback" not in out + run.stderr


def frag6_policy(peer, ns: str, dev: str, src: str, dst: str, dst_mac: str) -> list[str]:
    """ipv6toolkit's `frag6 -p` (five trains of overlapping fragments, each with an echo
    request inside) against `dst`: its verdict line for each train."""
    need("frag6")
    run = peer.popen("timeout", "110", "frag6", "-i", dev, "-s", src, "-d", dst, "-D", dst_mac, "-p", ns=ns)
    out, err = run.communicate(timeout=120)
    verdicts = [line.strip() for line in out.splitlines() if line.startswith("Test #")]
    assert len(verdicts) == 5, out + err
    return verdicts


@pytest.mark.timeout(300)
def test_frag6_finds_our_reassembly_policy_to_be_the_kernels(veth_peer, pair):
    """frag6's overlapping trains sent to us from Linux's side, and the same to a Linux host
    from another Linux (a pair of namespaces of its own): the same verdicts (RFC 5722:
    discarded, no answer), and here every train counted."""
    from concurrent.futures import ThreadPoolExecutor
    proxy, _ = pair
    ours = proxy.link_list(veth_peer.stack_dev)[0]["address"]
    before = proxy.stats("Ip6")["Ip6"]
    with VethPeer(ipv6=True) as kernels:            # Linux on both ends: the kernel as frag6 finds it
        sysctl(kernels.stack_ns, "net.ipv6.conf.all.disable_ipv6=0", f"net.ipv6.conf.{kernels.stack_dev}.disable_ipv6=0")
        kernels.ip_stack("-6", "addr", "add", f"{STACK_IP6}/64", "dev", kernels.stack_dev, "nodad")
        time.sleep(2.5)                             # the link-locals pass DAD
        with ThreadPoolExecutor(2) as both:         # each takes frag6 a minute: side by side
            us = both.submit(frag6_policy, veth_peer, veth_peer.peer_ns, veth_peer.peer_dev,
                             veth_peer.peer_ip6, STACK_IP6, ours)
            linux = both.submit(frag6_policy, kernels, kernels.stack_ns, kernels.stack_dev, STACK_IP6,
                                kernels.peer_ip6, kernels.peer_mac)
            on_us, on_linux = us.result(), linux.result()
    ip6 = proxy.stats("Ip6")["Ip6"]
    assert ip6["ReasmOKs"] == before["ReasmOKs"] and ip6["ReasmFails"] > before["ReasmFails"]
    assert frag_drops(proxy).get("FRAG_OVERLAP", 0) > 0
    assert on_us == on_linux, (on_us, on_linux)
