"""``ping``: ICMP echo from the stack, with iputils ping's output and exit status.

Exit status 0 when any reply came, 1 when none did, 2 on any other error
(no route, a bad device).  Without ``-c`` it runs until Ctrl-C, which ends it
with the summary, as ping does.
"""
from __future__ import annotations

import math
import queue
import time
from dataclasses import dataclass, field

from netsh.argtypes import COUNT, INTERVAL, LINK, MARK, SCOPED_ADDR, SIZE, TIMEOUT, Choice
from netsh.errors import EXIT_FAIL, EXIT_INTERNAL, EXIT_OK, CommandError
from netsh.grammar import Node, flag, leaf, opt, pos
from netsh.render import Result, View, renderer
from stack.errors import StackError

DEFAULT_SIZE = 56
DEFAULT_INTERVAL = 1.0
DEFAULT_LINGER = 10.0         # iputils' MAXWAIT: how long to wait for a lost last reply
IP_ICMP_HEADERS = 28
TIMESTAMP_LEN = 16            # payloads shorter than a timeval carry no time
WAIT_SLICE = 0.25             # longest wait between two looks for an interrupt
PMTUDISC = Choice(("do", "want", "dont", "probe"), "PMTUDISC_OPT",
                  "do: never fragment (too big: local error), want: DF when it fits, "
                  "fragment locally when not (the default), dont: no DF, probe: DF")


@dataclass
class PingStats:
    """iputils' counters; times in whole microseconds, as it keeps them."""

    dst: str
    size: int
    transmitted: int = 0
    received: int = 0
    duplicates: int = 0
    errors: int = 0
    tmin: int = 0
    tmax: int = 0
    tsum: int = 0
    tsum2: int = 0
    start: float = 0.0
    last: float = 0.0             # the last send or receive (iputils' cur_time)
    answered: set = field(default_factory=set)

    @property
    def timing(self) -> bool:
        return self.size >= TIMESTAMP_LEN

    def add_rtt(self, micros: int) -> None:
        if not self.received or micros < self.tmin:
            self.tmin = micros
        self.tmax = max(self.tmax, micros)
        self.tsum += micros
        self.tsum2 += micros * micros

    def summary(self) -> dict:
        loss = (self.transmitted - self.received) * 100.0 / self.transmitted if self.transmitted else 0.0
        data = {"dst": self.dst, "transmitted": self.transmitted, "received": self.received,
                "duplicates": self.duplicates, "errors": self.errors, "loss": loss,
                "time_ms": int((self.last - self.start) * 1000), "rtt": None}
        total = self.received + self.duplicates
        if self.received and self.timing:
            avg = self.tsum // total
            var = (self.tsum2 - self.tsum * self.tsum // total) // total
            data["rtt"] = {"min": self.tmin / 1000, "avg": avg / 1000, "max": self.tmax / 1000,
                           "mdev": math.isqrt(max(var, 0)) / 1000}
        return data


# --- the handler ------------------------------------------------------------------------

def ping(ctx, args):
    dst, dev = args["address"], args["dev"]
    wanted = 6 if args["ipv6"] else 4 if args["ipv4"] else None
    if wanted is not None and dst.version != wanted:
        raise CommandError(f"{dst}: Address family for hostname not supported", EXIT_INTERNAL,
                           token=str(dst))
    scope = getattr(dst, "scope_id", None)
    dev = dev or scope
    size = DEFAULT_SIZE if args["size"] is None else args["size"]
    count, interval = args["count"], args["interval"] or DEFAULT_INTERVAL
    linger = args["timeout"] or DEFAULT_LINGER
    stack = ctx.stack
    family = "inet6" if dst.version == 6 else "inet"
    try:
        source = source_address(stack, dev, family, dst) if args["dev"] else None   # -I: "from"
        marked = {"mark": args["mark"]} if args["mark"] else {}
        session = stack.ping_open(dst.packed, size, dev, pmtudisc=args["pmtudisc"] or "want", **marked)
    except StackError as exc:
        raise CommandError(str(exc), EXIT_INTERNAL, token=dev) from None
    text = str(dst) if scope or not dev or dst.version == 4 or not dst.is_link_local else f"{dst}%{dev}"
    stats = PingStats(text, size)
    ctx.emit(Result("ping-start", {"dst": text, "size": size, "dev": dev, "source": source,
                                   "family": family}))
    try:
        run(ctx, stack, session, stats, count, interval, linger)
    except KeyboardInterrupt:
        pass
    finally:
        stack.ping_close(session)
    return Result("ping", stats.summary(), EXIT_OK if stats.received else EXIT_FAIL)


def source_address(stack, dev: str, family: str = "inet", dst=None) -> str | None:
    """The address `ping -I DEV` says it sends from: for IPv6, a usable one of the right scope."""
    scope = "link" if family == "inet6" and dst.is_link_local else "global"
    for row in stack.addr_list(dev):
        for ifa in row.get("addr_info", []):
            if ifa.get("family") != family:
                continue
            if family == "inet" or (ifa.get("scope") == scope and not ifa.get("tentative")):
                return ifa["local"]
    return None


def run(ctx, stack, session, stats: PingStats, count, interval: float, linger: float) -> None:
    """Send on schedule and report what comes back; stop as iputils does."""
    stats.start = stats.last = next_send = time.monotonic()
    deadline = None
    while True:
        now = time.monotonic()
        if (count is None or stats.transmitted < count) and now >= next_send:
            stack.ping_send(session, stats.transmitted + 1)
            stats.transmitted += 1          # after the send: Ctrl-C inside it sent nothing
            stats.last = now
            next_send += interval
            if count is not None and stats.transmitted >= count:
                # iputils' schedule_exit: two RTTs (at least an interval) once anything came back
                wait = max(2 * stats.tmax / 1e6, interval) if stats.received else linger
                deadline = now + wait
        if count is not None and len(stats.answered) >= count:
            return
        if deadline is not None and now >= deadline:
            return
        until = deadline if deadline is not None else next_send
        ctx.checkpoint()
        try:    # in slices, so an interrupt from a served face is seen within one
            event = session.replies.get(timeout=min(WAIT_SLICE, max(0.0, until - time.monotonic())))
        except queue.Empty:
            continue
        stats.last = time.monotonic()
        ctx.emit(Result("ping-event", account(stats, event)))


def account(stats: PingStats, event) -> dict:
    """Count one PingEvent; return what its output line needs."""
    line = {"kind": event.kind, "seq": event.seq, "src": event.src, "ttl": event.ttl,
            "size": event.size, "message": event.message, "time_us": None, "dup": False}
    if event.kind != "reply":
        stats.errors += 1
        stats.answered.add(event.seq)
        return line
    if event.message == "DUP!":
        stats.duplicates += 1
        line["dup"] = True
    else:
        stats.answered.add(event.seq)
    if stats.timing and event.rtt_ms is not None:
        micros = int(round(event.rtt_ms * 1000))
        if not line["dup"]:
            stats.add_rtt(micros)
        line["time_us"] = micros
    if not line["dup"]:
        stats.received += 1
    return line


def register(root: Node) -> None:
    leaf(root, ("ping",),
         [opt("-c", "count", COUNT, help="stop after COUNT replies sent"),
          opt("-i", "interval", INTERVAL, help="seconds between requests (default 1)"),
          opt("-s", "size", SIZE, help="payload bytes (default 56)"),
          opt("-W", "timeout", TIMEOUT, help="seconds to wait for a reply when none came (default 10)"),
          opt("-I", "dev", LINK, help="send through this link"),
          opt("-m", "mark", MARK, help="the requests' firewall mark (policy rules by fwmark read it)"),
          opt("-M", "pmtudisc", PMTUDISC, help="path MTU discovery: do, want (default), dont or probe"),
          flag("-4", "ipv4", help="IPv4 only"),
          flag("-6", "ipv6", help="IPv6 only (ICMPv6 echo)"),
          pos("address", SCOPED_ADDR)],
         "send ICMP or ICMPv6 echo requests from the stack, like iputils ping", ping,
         details="Without -c it runs until Ctrl-C. A link-local IPv6 address needs its link: "
                 "-I DEV or ADDR%DEV. A payload too big for the link's MTU goes out in fragments "
                 "(IPv4, -M want, the default, or dont); -M do refuses it with 'local error: "
                 "message too long'. Exit status: 0 if any reply came, 1 if none, 2 on another error.")


# --- rendering: iputils ping's lines ----------------------------------------------------

def format_time(micros: int) -> str:
    """iputils' precision: 3 decimals under 1 ms, 2 under 10, 1 under 100, then none."""
    if micros >= 100000 - 50:
        return f"{(micros + 500) // 1000}"
    if micros >= 10000 - 5:
        return f"{(micros + 50) // 1000}.{((micros + 50) % 1000) // 100}"
    if micros >= 1000:
        return f"{(micros + 5) // 1000}.{((micros + 5) % 1000) // 10:02d}"
    return f"{micros // 1000}.{micros % 1000:03d}"


@renderer("ping-start")
def start_text(data: dict, view: View) -> str:
    via = f"from {data['source']} {data['dev']}: " if data.get("source") else ""
    if data.get("family") == "inet6":           # ping6's own first line
        return f"PING {data['dst']}({data['dst']}) {via}{data['size']} data bytes"
    return (f"PING {data['dst']} ({data['dst']}) {via}"
            f"{data['size']}({data['size'] + IP_ICMP_HEADERS}) bytes of data.")


@renderer("ping-event")
def event_text(line: dict, view: View) -> str:
    if line["kind"] != "reply":
        if line["src"]:
            return f"From {line['src']} icmp_seq={line['seq']} {line['message']}"
        return f"ping: {line['message']}"
    text = f"{line['size']} bytes from {line['src']}: icmp_seq={line['seq']} ttl={line['ttl']}"
    if line["time_us"] is not None:
        text += f" time={format_time(line['time_us'])} ms"
    return text + (" (DUP!)" if line["dup"] else "")


@renderer("ping")
def summary_text(data: dict, view: View) -> str:
    text = (f"\n--- {data['dst']} ping statistics ---\n"
            f"{data['transmitted']} packets transmitted, {data['received']} received")
    if data["duplicates"]:
        text += f", +{data['duplicates']} duplicates"
    if data["errors"]:
        text += f", +{data['errors']} errors"
    if data["transmitted"]:
        text += f", {data['loss']:g}% packet loss, time {data['time_ms']}ms"
    text += "\n"
    rtt = data["rtt"]
    if rtt:
        text += "rtt min/avg/max/mdev = " + "/".join(
            f"{rtt[k]:.3f}" for k in ("min", "avg", "max", "mdev")) + " ms"
    return text + "\n"


def _silent(data, view):
    return None


# Under -j only the summary is printed: one JSON document.
renderer("ping-start", "json")(_silent)
renderer("ping-event", "json")(_silent)
