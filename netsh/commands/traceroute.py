"""``traceroute``: the hops to a host, as traceroute(8) prints them: UDP probes to ports from
33434 up (the default, -U), or ICMP echo requests (-I), each hop's probes with one more TTL
(hop limit, over IPv6: `-6`, or an IPv6 address)."""
from __future__ import annotations

import queue
import time

from netsh.argtypes import IP_ADDR, Integer, Seconds
from netsh.errors import EXIT_INTERNAL, EXIT_OK, CommandError
from netsh.grammar import Node, flag, leaf, opt, pos
from netsh.render import Result, View, renderer
from stack.errors import StackError

DATA_LEN = 32                     # traceroute's default: 60 byte packets (IPv4), 80 (IPv6)
HEADERS = {4: 28, 6: 48}          # the IP header and the UDP or ICMP header


class Icmp:
    """One family's ICMP: the types and codes traceroute reads, and its marks for destination
    unreachable codes (port unreachable from the host is the end)."""

    def __init__(self, time_exceeded: int, dest_unreach: int, port_unreach: int, marks: dict):
        self.time_exceeded, self.dest_unreach, self.port_unreach = time_exceeded, dest_unreach, port_unreach
        self.marks = marks


ICMP = {4: Icmp(11, 3, 3, {0: "!N", 1: "!H", 2: "!P", 4: "!F", 5: "!S", 6: "!N", 7: "!H", 9: "!N",
                           10: "!H", 13: "!X", 14: "!V", 15: "!C"}),
        6: Icmp(3, 1, 4, {0: "!N", 1: "!X", 2: "!S", 3: "!H", 5: "!X", 6: "!X"})}   # traceroute.c's

MAX_TTL = Integer(1, 255, "MAX_TTL", "the largest TTL probed, 1..255 (default 30)")
FIRST_TTL = Integer(1, 255, "FIRST_TTL", "the TTL probed first (default 1)")
QUERIES = Integer(1, 10, "NQUERIES", "probes per hop, 1..10 (default 3)")
WAIT = Seconds(0.05, 60, "WAIT", "seconds to wait for a probe's answer (default 5)")
PORT = Integer(1, 65535, "PORT", "the first destination port of UDP probes (default 33434)")


class Probing:
    """One way to probe (UDP or ICMP echo): open, send one probe with a TTL, close."""

    def __init__(self, stack, dst, icmp: bool, port: int):
        self.stack, self.icmp = stack, icmp
        data = DATA_LEN
        self.session = stack.ping_open(dst.packed, data) if icmp else stack.probe_open(
            dst.packed, data, port)

    def send(self, seq: int, ttl: int) -> None:
        if self.icmp:
            self.stack.ping_send(self.session, seq, ttl)
        else:
            self.stack.probe_send(self.session, seq, ttl)

    def close(self) -> None:
        (self.stack.ping_close if self.icmp else self.stack.probe_close)(self.session)


def answer(event, dst: str, icmp: bool) -> tuple[str, bool]:
    """(the mark traceroute prints after the time, whether the trace ends at this hop)."""
    if event.kind == "reply":
        return "", True                                   # an echo reply: the host itself
    family = ICMP[6 if ":" in dst else 4]
    if event.type == family.time_exceeded:
        return "", False
    if event.type == family.dest_unreach:
        if event.code == family.port_unreach and event.src == dst:
            return ("!P" if icmp else ""), True
        return family.marks.get(event.code, f"!<{event.code}>"), True
    return "", False


def hop(probing: Probing, dst: str, ttl: int, first_seq: int, queries: int, wait: float) -> dict:
    """Send a hop's probes and wait for their answers (or `wait` seconds after the last)."""
    sent = {}
    for n in range(queries):
        sent[first_seq + n] = time.monotonic()
        probing.send(first_seq + n, ttl)
    answers: dict[int, dict] = {}
    deadline = time.monotonic() + wait
    while len(answers) < queries:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            event = probing.session.replies.get(timeout=left)
        except queue.Empty:
            break
        if event.seq not in sent or event.seq in answers:
            continue                                      # a late answer to an earlier hop
        mark, last = answer(event, dst, probing.icmp)
        answers[event.seq] = {"addr": event.src, "rtt": (time.monotonic() - sent[event.seq]) * 1000,
                              "mark": mark, "last": last}
    probes = [answers.get(seq) for seq in sorted(sent)]
    return {"ttl": ttl, "probes": [{k: v for k, v in p.items() if k != "last"} if p else None
                                   for p in probes],
            "last": any(p and p["last"] for p in probes)}


def traceroute(ctx, args):
    dst = args["address"]
    wanted = args["family"]
    if wanted is not None and wanted != dst.version:
        raise CommandError(f"{dst}: Address family for hostname not supported", token=str(dst))
    max_ttl, first = args["max_ttl"] or 30, args["first_ttl"] or 1
    if first > max_ttl:
        raise CommandError(f"first hop out of range (max {max_ttl})", token=str(first))
    icmp = bool(args["icmp"])
    queries, wait = args["queries"] or 3, args["wait"] if args["wait"] is not None else 5.0
    try:
        probing = Probing(ctx.stack, dst, icmp, args["port"] or 33434)
    except StackError as exc:
        raise CommandError(str(exc), EXIT_INTERNAL) from None
    ctx.emit(Result("traceroute-start", {"dst": str(dst), "max_ttl": max_ttl,
                                         "size": HEADERS[dst.version] + DATA_LEN}))
    hops = []
    try:
        seq = 1
        for ttl in range(first, max_ttl + 1):
            found = hop(probing, str(dst), ttl, seq, queries, wait)
            seq += queries
            hops.append(found)
            ctx.emit(Result("traceroute-hop", dict(found, numeric=bool(args["numeric"]))))
            if found.pop("last"):
                break
    except KeyboardInterrupt:
        pass
    finally:
        probing.close()
    return Result("traceroute", {"dst": str(dst), "hops": hops}, EXIT_OK)


def register(root: Node) -> None:
    leaf(root, ("traceroute",),
         [flag("-4", "family", 4, help="IPv4 only"),
          flag("-6", "family", 6, help="IPv6 only (an IPv6 address implies it)"),
          flag("-I", "icmp", True, help="probe with ICMP echo requests"),
          flag("-U", "icmp", False, help="probe with UDP datagrams (the default)"),
          flag("-n", "numeric", help="print addresses only (no name is ever looked up)"),
          opt("-q", "queries", QUERIES, help="probes per hop (default 3)"),
          opt("-w", "wait", WAIT, help="seconds to wait for an answer (default 5)"),
          opt("-m", "max_ttl", MAX_TTL, help="the largest TTL (default 30)"),
          opt("-f", "first_ttl", FIRST_TTL, help="the first TTL (default 1)"),
          opt("-p", "port", PORT, help="the first UDP port (default 33434)"),
          pos("address", IP_ADDR)],
         "the routers on the way to ADDRESS, as traceroute(8)", traceroute,
         details="Each hop's probes go out together with one more TTL; a hop answers with "
                 "time exceeded, the host with port unreachable (UDP) or an echo reply (-I); "
                 "over IPv6 the same with ICMPv6 and a hop limit. "
                 "Marks after a time: !H !N !P !X as traceroute(8).")


@renderer("traceroute-start")
def start_text(data: dict, view: View) -> str:
    return (f"traceroute to {data['dst']} ({data['dst']}), {data['max_ttl']} hops max, "
            f"{data['size']} byte packets")


@renderer("traceroute-hop")
def hop_text(data: dict, view: View) -> str:
    """`` 1  192.0.2.1  0.123 ms  0.051 ms  0.049 ms``; a lost probe is `` *``."""
    text = f"{data['ttl']:2d} "
    shown = None
    for probe in data["probes"]:
        if probe is None:
            text += " *"
            continue
        if probe["addr"] != shown:
            shown = probe["addr"]
            text += f" {shown}" if data["numeric"] else f" {shown} ({shown})"
        text += f"  {probe['rtt']:.3f} ms" + (f" {probe['mark']}" if probe["mark"] else "")
    return text


@renderer("traceroute")
def done_text(data: dict, view: View):
    return None


def _silent(data, view):
    return None


renderer("traceroute-start", "json")(_silent)      # under -j: one document, the hops
renderer("traceroute-hop", "json")(_silent)
