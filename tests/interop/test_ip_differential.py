"""netsh beside iproute2, line by line: tests/interop/ip_differential.txt is given to Linux's
`ip` (or `bridge`) in one namespace and to netsh attached to veths in another namespace set up
alike (tests/interop/iptwin.py). For each line the exit statuses must be the same, and on
success the text (or the `-j` JSON, parsed, key by key) too, after only the accepted
differences below, each with its reason."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tests.interop.iptwin import Twin
from tests.netns import require_netns

SCRIPT = Path(__file__).resolve().parent / "ip_differential.txt"


@dataclass(frozen=True)
class Accepted:
    name: str
    reason: str
    text: Callable[[str], str] = lambda text: text
    json: Callable[[object], object] = lambda doc: doc


def _drop_keys(*keys):
    def drop(doc):
        if isinstance(doc, list):
            return [drop(item) for item in doc]
        if isinstance(doc, dict):
            return {k: drop(v) for k, v in doc.items() if k not in keys}
        return doc
    return drop


def _set_key(key, value):
    def put(doc):
        if isinstance(doc, list):
            return [put(item) for item in doc]
        if isinstance(doc, dict):
            return {k: (value if k == key else put(v)) for k, v in doc.items()}
        return doc
    return put


def _no_peer(match: re.Match) -> str:
    name, peer, colon = match.groups()
    return name + colon if colon else name + " " * len(peer)      # -br pads to a column


ACCEPTED = (
    Accepted("veth peer",
             "Linux's links are veths, whose far end is in another namespace (`eth0@if2`, "
             "`link-netns NS`, link_index/link_netnsid); ours are host NICs seen through pcap "
             "(`wan0@eth1` once renamed: the NIC it is)",
             text=lambda t: re.sub(r" link-netns \S+", "", re.sub(r"(\w+)(@if\d+|@eth\d)(:?)", _no_peer, t)),
             json=_drop_keys("link_index", "link_netnsid", "link")),
    Accepted("qdisc",
             "a veth has no queue (noop, noqueue); our pcap link queues as a NIC does (pfifo_fast)",
             text=lambda t: re.sub(r"qdisc (noop|noqueue|pfifo_fast)", "qdisc Q", t),
             json=_set_key("qdisc", "Q")),
    Accepted("message",
             "an error is said in our words (with the caret in the shell); the exit status is ip's"),
    Accepted("neighbour times",
             "-s neigh's seconds since an entry was used, confirmed, updated depend on when "
             "each side ran the line",
             text=lambda t: re.sub(r" used \d+/\d+/\d+", " used T/T/T", t),
             json=lambda d: _drop_keys("used", "confirmed", "updated")(d)),
    Accepted("bridge port cost",
             "the kernel derives a port's cost from its speed (a veth says 10 Gb/s: 2); we do "
             "not read a host NIC's speed and give 100, 802.1D's for 10 Mb/s",
             text=lambda t: re.sub(r" cost \d+ ", " cost C ", t),
             json=_set_key("cost", "C")),
    Accepted("bridge fdb self entries",
             "the kernel lists each device's own multicast addresses (`self permanent`); we "
             "keep no multicast lists; and it lists by device, we by address",
             text=lambda t: "".join(sorted(line for line in t.splitlines(keepends=True)
                                           if " self " not in line)) if " master " in t else t,
             json=lambda d: sorted((row for row in d if "self" not in row.get("flags", ())),
                                   key=json.dumps) if _fdb_rows(d) else d),
    Accepted("neighbour order",
             "the kernel lists neighbours in its hash table's order; we list them as made",
             text=lambda t: "".join(sorted(t.splitlines(keepends=True))) if _neigh_lines(t) else t,
             json=lambda d: sorted(d, key=json.dumps) if _neigh_rows(d) else d),
)

# Lines whose exit status differs on purpose: we check a value while parsing (255, ip's bad
# syntax) where ip sends it and the kernel refuses it (2).
STATUS_ACCEPTED = {
    "link set eth0 mtu 99999999": "the MTU's range is checked by the grammar",
    "addr add dev eth0": "an address is required by the grammar",
    "neigh add 192.0.2.8 dev eth0": "lladdr is required by the grammar",
    "bridge fdb show dev eth9": "bridge(8) exits 255 on any failure; we keep ip's 1 and 2",
    "bridge fdb del 02:00:00:00:00:aa dev eth0 master":
        "bridge(8) exits 255 on any failure; we keep ip's 1 and 2",
}


def _fdb_rows(doc) -> bool:
    return isinstance(doc, list) and bool(doc) and all(isinstance(r, dict) and "mac" in r
                                                      for r in doc)


def _neigh_lines(text: str) -> bool:
    lines = text.splitlines()
    return bool(lines) and all(re.match(r"\d+\.\d+\.\d+\.\d+ ", line) and (
        re.search(r"( |^)([0-9a-f]{2}:){5}[0-9a-f]{2}( |$)", line) or "FAILED" in line
        or "INCOMPLETE" in line) for line in lines)


def _neigh_rows(doc) -> bool:
    return isinstance(doc, list) and bool(doc) and all(isinstance(r, dict) and "dst" in r
                                                      and "state" in r for r in doc)


def script() -> list[str]:
    """The lines to compare, `far LINE` lines (`ip LINE` on both worlds' far ends) and
    `sysctl NAME=VALUE` lines (set on both worlds: Linux's sysctl(8), our sysctl call)."""
    return [line.strip() for line in SCRIPT.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def _is_json(line: str) -> bool:
    words = line.split()
    for word in words[1:] if words[0] in ("ip", "bridge") else words:
        if not word.startswith("-"):
            return False
        if word in ("-j", "-json") or (word.startswith("-") and "j" in word[1:] and len(word) <= 4
                                        and word not in ("-br",)):
            return True
    return False


def _normalise(kind: str, value):
    for accepted in ACCEPTED:
        value = getattr(accepted, kind)(value)
    return value


def compare(twin: Twin, line: str) -> tuple[str, str]:
    """("equal" | "accepted" | "diff", what differed)."""
    tool, _, rest = line.partition(" ")
    linux = twin.linux(rest, tool) if tool in ("ip", "bridge") else twin.linux(line)
    ours = twin.ours(line)
    detail = f"linux: {linux!r}\nnetsh: {ours!r}"
    if linux[0] != ours[0]:
        if line in STATUS_ACCEPTED and linux[0] and ours[0] and ours[2].strip():
            return "accepted", detail
        return "diff", detail
    if linux[0]:
        if not ours[2].strip():
            return "diff", detail + "\n(netsh failed without a word)"
        return ("equal" if linux[1:] == ours[1:] else "accepted"), detail
    if _is_json(line):
        try:
            a, b = json.loads(linux[1] or "null"), json.loads(ours[1] or "null")
        except json.JSONDecodeError as exc:
            return "diff", f"{detail}\n{exc}"
        if a == b:
            return "equal", ""
        return ("accepted" if _normalise("json", a) == _normalise("json", b) else "diff"), detail
    if linux[1] == ours[1]:
        return "equal", ""
    return ("accepted" if _normalise("text", linux[1]) == _normalise("text", ours[1])
            else "diff"), detail


def test_netsh_answers_as_ip_does_line_by_line():
    require_netns()
    lines = [line for line in script() if not line.startswith(("far ", "sysctl "))]
    assert len(lines) >= 150
    verdicts = {"equal": 0, "accepted": 0, "diff": 0}
    differing = []
    with Twin() as twin:
        for line in script():
            if line.startswith("far "):
                twin.far(line.removeprefix("far "))
                continue
            if line.startswith("sysctl "):
                twin.sysctl(line.removeprefix("sysctl "))
                continue
            verdict, detail = compare(twin, line)
            verdicts[verdict] += 1
            if verdict == "diff":
                differing.append(f"{line}\n{detail}")
    print(f"\nip differential: {len(lines)} lines compared, {verdicts['equal']} equal, "
          f"{verdicts['accepted']} equal after an accepted difference "
          f"({', '.join(a.name for a in ACCEPTED)}), {verdicts['diff']} different")
    assert not differing, "\n\n".join(differing)
