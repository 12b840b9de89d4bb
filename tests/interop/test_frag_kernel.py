"""IPv4 fragments between our stack and the Linux kernel over a veth.

Pings of 3000 and 9000 bytes both ways (each side fragments and reassembles the
other's), tshark on the Linux side reading the fragments we send, and attack trains
from a raw socket in the Linux namespace (overlapping, tiny first, never completed, a
bounded flood) that are dropped and counted while the stack keeps answering.
"""
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stack.capfile import read
from stack.l3.reassembly import FRAG_OVERHEAD, HIGH_THRESH, QUEUE_OVERHEAD
from stack.wire.dissect import dissect
from stack.wire.ethernet import ETH_P_IP, mac_from_str
from stack.wire.ipv4 import PROTO_TCP, addr_from_str
from tests.checker import echo_packet, ethernet, ipv4, ipv4_fragment
from tests.netns import send_raw
from tests.tools import need
from tests.tshark import CHECKSUM_PREFS, compare, our_fields, tshark_fields

from .stackrun import stack_on, wait_for

pytestmark = pytest.mark.usefixtures("checksums_on")   # checksums verified, as tshark with CHECKSUM_PREFS

STACK_IP = "192.0.2.1"
ROOT = Path(__file__).resolve().parents[2]


def snmp(peer) -> dict:
    """The peer namespace's /proc/net/snmp as {"Ip": {...}, "Icmp": {...}, ...}."""
    lines = peer.run("cat", "/proc/net/snmp").stdout.splitlines()
    out = {}
    for names, values in zip(lines[::2], lines[1::2]):
        group = names.split(":")[0]
        out[group] = dict(zip(names.split()[1:], map(int, values.split()[1:])))
    return out


def grew(before: dict, after: dict, group: str, name: str) -> int:
    return after[group][name] - before[group][name]


@pytest.mark.parametrize("size", [3000, 9000])
def test_linux_pings_us_with_fragments_and_takes_our_fragmented_replies(veth_peer, size):
    with stack_on(veth_peer) as (proxy, _):
        before = snmp(veth_peer)
        out = veth_peer.run("ping", "-c", "3", "-i", "0.3", "-W", "3", "-s", str(size), STACK_IP).stdout
        assert "3 packets transmitted, 3 received, 0% packet loss" in out, out
        assert f"{size + 8} bytes from {STACK_IP}" in out
        after = snmp(veth_peer)
        pieces = -(-(size + 8) // 1480)
        assert grew(before, after, "Ip", "FragCreates") == 3 * pieces     # Linux fragmented its requests
        assert grew(before, after, "Ip", "ReasmOKs") == 3                 # and reassembled our replies
        ip = proxy.stats("Ip")["Ip"]
        assert (ip["ReasmReqds"], ip["ReasmOKs"], ip["ReasmFails"]) == (3 * pieces, 3, 0)
        assert (ip["FragOKs"], ip["FragCreates"], ip["FragFails"]) == (3, 3 * pieces, 0)
        assert proxy.stats("Drop")["Drop"] == {}


@pytest.mark.parametrize("size", [3000, 9000])
def test_we_ping_linux_with_fragments_and_tshark_reads_them_as_we_wrote_them(veth_peer, size, tmp_path):
    need("tcpdump")
    with stack_on(veth_peer) as (proxy, _):
        path = tmp_path / "ours.pcap"
        ours = proxy.link_list("veth0")[0]["address"]
        dump = veth_peer.popen("tcpdump", "-i", veth_peer.peer_dev, "-w", str(path), "-U", "-s", "0",
                               "--immediate-mode", "ip", "and", "ether", "src", ours)
        time.sleep(1.0)
        before = snmp(veth_peer)
        session = proxy.ping_open(addr_from_str(veth_peer.peer_ip), size)
        events = []
        for seq in (1, 2):
            proxy.ping_send(session, seq)
            events.append(session.replies.get(timeout=5))
        assert [(e.kind, e.seq, e.size) for e in events] == [("reply", 1, size + 8), ("reply", 2, size + 8)]
        after = snmp(veth_peer)
        time.sleep(1.0)
        dump.terminate()
        _, err = dump.communicate(timeout=10)
        pieces = -(-(size + 8) // 1480)
        assert grew(before, after, "Ip", "ReasmOKs") == 2 and grew(before, after, "Ip", "FragCreates") == 2 * pieces
        frames = _frames(path)
        assert len(frames) == 2 * pieces, err
        theirs = tshark_fields(path, CHECKSUM_PREFS + ("ip.defragment:FALSE",))
        failures = []
        for i, (frame, fields) in enumerate(zip(frames, theirs)):
            diffs = compare(our_fields(dissect(frame)), fields, ignore={"data.data", "data.len"})
            if diffs:
                failures.append(f"frame {i}: " + "; ".join(diffs[:4]))
            assert fields["ip.checksum.status"] == ["1"], fields.get("ip.checksum.status")   # good
        assert not failures, "\n".join(failures)
        first = [theirs[i] for i in range(pieces)]
        assert [int(f["ip.frag_offset"][0]) for f in first] == [185 * i for i in range(pieces)]
        assert [f["ip.flags.mf"][0] for f in first] == ["1"] * (pieces - 1) + ["0"]
        assert [int(f["ip.len"][0]) for f in first] == [1500] * (pieces - 1) + [20 + (size + 8) - 1480 * (pieces - 1)]
        assert {f["ip.flags.df"][0] for f in first} == {"0"} and len({f["ip.id"][0] for f in first}) == 1


def test_ping_m_do_refuses_a_big_ping_locally(veth_peer):
    with stack_on(veth_peer) as (proxy, _):
        session = proxy.ping_open(addr_from_str(veth_peer.peer_ip), 3000, pmtudisc="do")
        assert proxy.ping_send(session, 1) is False
        event = session.replies.get(timeout=2)
        assert event.message == "local error: message too long, mtu=1500"
        assert proxy.stats("Ip")["Ip"]["FragFails"] == 1


def _frames(path):
    return [rec.data for rec in read(path)]


def _to_us(peer, proxy, packets):
    ours = mac_from_str(proxy.link_list("veth0")[0]["address"])
    theirs = mac_from_str(peer.peer_mac)
    return [ethernet(ours, theirs, ETH_P_IP, bytes(p)) for p in packets]


def test_overlapping_tiny_and_never_completed_trains_are_dropped_and_counted(veth_peer):
    with stack_on(veth_peer) as (proxy, _):
        src, dst = addr_from_str(veth_peer.peer_ip), addr_from_str(STACK_IP)
        before = snmp(veth_peer)
        sniffer = veth_peer.sniffer(timeout=40)
        never = echo_packet(src, dst, bytes(3000), ip_ident=0x0101)
        veth_peer.send_raw(_to_us(veth_peer, proxy, [ipv4_fragment(never, 0, 1480)]))
        started = time.monotonic()
        overlap = echo_packet(src, dst, bytes(3000), ip_ident=0x0202)
        tiny = ipv4(src, dst, PROTO_TCP, bytes(40), ident=0x0303)
        veth_peer.send_raw(_to_us(veth_peer, proxy, [
            ipv4_fragment(overlap, 0, 1480), ipv4_fragment(overlap, 1472, 1000, more=False),
            ipv4_fragment(tiny, 0, 8), ipv4_fragment(tiny, 8, more=False)]))
        assert wait_for(lambda: proxy.stats("Drop")["Drop"].get("FRAG_TINY"), 5)
        drops = proxy.stats("Drop")["Drop"]
        assert drops["FRAG_OVERLAP"] == 2 and drops["FRAG_TINY"] == 1
        assert proxy.stats("IpExt")["IpExt"]["ReasmOverlaps"] == 1
        out = veth_peer.run("ping", "-c", "2", "-i", "0.2", "-W", "2", STACK_IP).stdout
        assert "2 received" in out                                   # answering meanwhile
        time.sleep(max(0.0, started + 31 - time.monotonic()))
        assert wait_for(lambda: proxy.stats("Ip")["Ip"]["ReasmTimeout"] >= 2, 5)
        ip = proxy.stats("Ip")["Ip"]
        # the never-completed first fragment, and the tiny train's later fragment left alone
        assert (ip["ReasmTimeout"], ip["ReasmOKs"]) == (2, 0)
        assert ip["ReasmFails"] == 4                                  # overlap, tiny, two time-outs
        assert proxy.stats("Drop")["Drop"]["FRAG_REASM_TIMEOUT"] == 2
        frames = sniffer.stop()
        exceeded = [f for f in frames if f[12:14] == b"\x08\x00" and f[23] == 1 and f[34] == 11]
        assert len(exceeded) == 1 and exceeded[0][35] == 1         # fragment reassembly time exceeded
        assert exceeded[0][34 + 8 + 4:34 + 8 + 6] == (0x0101).to_bytes(2, "big")   # quoting the datagram
        assert grew(before, snmp(veth_peer), "Icmp", "InTimeExcds") == 1


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_a_bounded_fragment_flood_keeps_memory_under_the_bound_and_the_stack_answering(veth_peer):
    with stack_on(veth_peer) as (proxy, runtime):
        reasm = runtime.stack.ipfrag.reasm          # read only, for the gauge Linux shows in sockstat
        src, dst = addr_from_str(veth_peer.peer_ip), addr_from_str(STACK_IP)
        count = 6000                                # 6000 first fragments of 1480 bytes: 9 MB, twice the bound
        frames = _to_us(veth_peer, proxy, [ipv4_fragment(echo_packet(src, dst, bytes(1480), ip_ident=i), 0, 1480)
                                           for i in range(count)])
        rss = _rss_kib()
        ping = veth_peer.popen("ping", "-c", "10", "-i", "0.2", "-W", "2", STACK_IP)
        highest = 0
        for chunk in range(0, count, 1000):
            veth_peer.send_raw(frames[chunk:chunk + 1000])
            highest = max(highest, reasm.mem)
        out, _ = ping.communicate(timeout=30)
        settled = wait_for(lambda: proxy.stats("Ip")["Ip"]["ReasmReqds"] >= count * 0.9, 10)
        assert settled, proxy.stats("Ip")      # (a few may be lost to the capture buffer, not to us)
        highest = max(highest, reasm.mem)
        bound = HIGH_THRESH + QUEUE_OVERHEAD + FRAG_OVERHEAD + 1480
        assert 0 < highest <= bound
        taken = len(reasm.queues)
        assert taken == HIGH_THRESH // (QUEUE_OVERHEAD + FRAG_OVERHEAD + 1480) + 1
        drops = proxy.stats("Drop")["Drop"]
        ip = proxy.stats("Ip")["Ip"]
        assert drops["FRAG_MEM_LIMIT"] == ip["ReasmReqds"] - taken == ip["ReasmFails"]
        assert _rss_kib() - rss < 64 * 1024, "memory grew past the bound's worth"
        received = int(out.split(" received")[0].rsplit(" ", 1)[1])
        assert received >= 8, out                  # answering through the flood
        out = veth_peer.run("ping", "-c", "3", "-i", "0.2", "-W", "2", STACK_IP).stdout
        assert "3 received" in out


def test_the_netsh_program_pings_linux_with_9000_bytes_and_counts_the_fragments(veth_peer, tmp_path):
    """`ping -s 9000` as a person types it, `-M do` refused as iputils refuses it, `stats Ip`."""
    setup = (f"link attach {veth_peer.stack_dev} name {veth_peer.stack_dev}\n"
             f"link set {veth_peer.stack_dev} up\naddr add {STACK_IP}/24 dev {veth_peer.stack_dev}\n")
    batch = tmp_path / "frag.batch"
    batch.write_text(setup + f"ping -c 2 -i 0.3 -s 9000 {veth_peer.peer_ip}\n"
                     f"ping -c 1 -M do -s 3000 {veth_peer.peer_ip}\nstats Ip\n")
    proc = subprocess.run([sys.executable, "-m", "netsh", "-force", "-netns", veth_peer.stack_ns,
                           "-b", str(batch)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    out = proc.stdout
    assert f"PING {veth_peer.peer_ip} ({veth_peer.peer_ip}) 9000(9028) bytes of data." in out, proc.stderr
    assert out.count(f"9008 bytes from {veth_peer.peer_ip}: icmp_seq=") == 2
    assert "ping: local error: message too long, mtu=1500" in out
    stats = dict(line.split() for line in out.splitlines() if line.startswith("Ip") and len(line.split()) == 2)
    assert (stats["IpFragOKs"], stats["IpFragCreates"], stats["IpReasmOKs"], stats["IpFragFails"]) == \
        ("2", "14", "2", "1")
    assert "Traceback" not in out + proc.stderr


def netstat_ipext(peer) -> dict:
    lines = [line.split() for line in peer.run("cat", "/proc/net/netstat").stdout.splitlines()
             if line.startswith("IpExt:")]
    return dict(zip(lines[0][1:], map(int, lines[1][1:])))


def reasm_counts(snmp_ip: dict, ipext: dict) -> tuple:
    return (snmp_ip["ReasmReqds"], snmp_ip["ReasmOKs"], snmp_ip["ReasmFails"], ipext["ReasmOverlaps"])


def trains(src: bytes, dst: bytes) -> dict:
    """Fragment trains whose fate the kernel and we must agree on (one datagram id each)."""
    def echo(ident):
        return echo_packet(src, dst, bytes(range(256)) * 12, ip_ident=ident)
    out = {}
    p = echo(0x0a01)
    out["in order"] = [ipv4_fragment(p, 0, 1480), ipv4_fragment(p, 1480, 1480), ipv4_fragment(p, 2960, more=False)]
    p = echo(0x0a02)
    out["reversed"] = [ipv4_fragment(p, 2960, more=False), ipv4_fragment(p, 1480, 1480), ipv4_fragment(p, 0, 1480)]
    p = echo(0x0a03)
    out["duplicate"] = [ipv4_fragment(p, 0, 1480), ipv4_fragment(p, 0, 1480), ipv4_fragment(p, 1480, 1480),
                        ipv4_fragment(p, 2960, more=False)]
    p = echo(0x0a04)
    out["inside a run"] = [ipv4_fragment(p, 0, 1480), ipv4_fragment(p, 1480, 1480), ipv4_fragment(p, 8, 1000),
                           ipv4_fragment(p, 2960, more=False)]
    p = echo(0x0a05)
    out["across two runs"] = [ipv4_fragment(p, 1480, 1480), ipv4_fragment(p, 0, 1480), ipv4_fragment(p, 8, 1480),
                              ipv4_fragment(p, 2960, more=False)]
    p = echo(0x0a06)
    out["overlap at the tail"] = [ipv4_fragment(p, 0, 1480), ipv4_fragment(p, 1472, 1000, more=False)]
    p = echo(0x0a07)
    out["two ends"] = [ipv4_fragment(p, 2960, more=False), ipv4_fragment(p, 2960, 16, more=False)]
    return out


def test_the_kernel_and_we_judge_the_same_trains_alike(veth_peer):
    """Each train goes to Linux (from the stack side's raw socket) and to us (from the peer's):
    the Reasm counters and the echo replies move the same way on both."""
    with stack_on(veth_peer) as (proxy, _):
        ours_mac = mac_from_str(proxy.link_list("veth0")[0]["address"])
        peer_mac = mac_from_str(veth_peer.peer_mac)
        us, linux = addr_from_str(STACK_IP), addr_from_str(veth_peer.peer_ip)
        veth_peer.neigh(STACK_IP, proxy.link_list("veth0")[0]["address"])
        to_linux, to_us = trains(us, linux), trains(linux, us)
        differ, seen = [], {}
        for name in to_linux:
            before_k = reasm_counts(snmp(veth_peer)["Ip"], netstat_ipext(veth_peer))
            replies_k = snmp(veth_peer)["Icmp"]["OutEchoReps"]
            send_raw(veth_peer.stack_ns, veth_peer.stack_dev,
                     [ethernet(peer_mac, ours_mac, ETH_P_IP, bytes(f)) for f in to_linux[name]])
            time.sleep(0.3)
            kernel = tuple(a - b for a, b in zip(reasm_counts(snmp(veth_peer)["Ip"], netstat_ipext(veth_peer)),
                                                 before_k)) + (snmp(veth_peer)["Icmp"]["OutEchoReps"] - replies_k,)
            before_s = reasm_counts(proxy.stats("Ip")["Ip"], proxy.stats("IpExt")["IpExt"])
            replies_s = proxy.stats("Icmp")["Icmp"]["OutEchoReps"]
            veth_peer.send_raw([ethernet(ours_mac, peer_mac, ETH_P_IP, bytes(f)) for f in to_us[name]])
            wait_for(lambda: proxy.stats("Ip")["Ip"]["ReasmReqds"] - before_s[0] >= len(to_us[name]), 5)
            time.sleep(0.1)
            ours = tuple(a - b for a, b in zip(reasm_counts(proxy.stats("Ip")["Ip"], proxy.stats("IpExt")["IpExt"]),
                                               before_s)) + (proxy.stats("Icmp")["Icmp"]["OutEchoReps"] - replies_s,)
            seen[name] = kernel
            if kernel != ours:
                differ.append(f"{name}: kernel (Reqds, OKs, Fails, Overlaps, replies) {kernel}, ours {ours}")
        assert not differ, "\n".join(differ)
        assert seen == {"in order": (3, 1, 0, 0, 1), "reversed": (3, 1, 0, 0, 1), "duplicate": (4, 1, 0, 0, 1),
                        "inside a run": (4, 1, 0, 0, 1), "across two runs": (4, 0, 1, 1, 0),
                        "overlap at the tail": (2, 0, 1, 1, 0), "two ends": (2, 0, 1, 0, 0)}, seen
