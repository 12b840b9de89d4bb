"""netsh beside iproute2, line by line: tests/data/ip_differential.txt is given to Linux's
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

SCRIPT = Path(__file__).resolve().parents[1] / "data" / "ip_differential.txt"


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
             "`link-netns NS`, link_index/link_netnsid); ours are host NICs seen through pcap",
             text=lambda t: re.sub(r" link-netns \S+", "", re.sub(r"(eth\d)(@if\d+)(:?)", _no_peer, t)),
             json=_drop_keys("link_index", "link_netnsid")),
    Accepted("qdisc",
             "a veth has no queue (noop, noqueue); our pcap link queues as a NIC does (pfifo_fast)",
             text=lambda t: re.sub(r"qdisc (noop|noqueue|pfifo_fast)", "qdisc Q", t),
             json=_set_key("qdisc", "Q")),
    Accepted("message",
             "an error is said in our words (with the caret in the shell); the exit status is ip's"),
)


def script() -> list[str]:
    return [line.strip() for line in SCRIPT.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def _is_json(line: str) -> bool:
    for word in line.split():
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
    linux = twin.linux(rest, "bridge") if tool == "bridge" else twin.linux(line)
    ours = twin.ours(line)
    detail = f"linux: {linux!r}\nnetsh: {ours!r}"
    if linux[0] != ours[0]:
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
    lines = script()
    assert len(lines) >= 150
    verdicts = {"equal": 0, "accepted": 0, "diff": 0}
    differing = []
    with Twin() as twin:
        for line in lines:
            verdict, detail = compare(twin, line)
            verdicts[verdict] += 1
            if verdict == "diff":
                differing.append(f"{line}\n{detail}")
    print(f"\nip differential: {len(lines)} lines compared, {verdicts['equal']} equal, "
          f"{verdicts['accepted']} equal after an accepted difference "
          f"({', '.join(a.name for a in ACCEPTED)}), {verdicts['diff']} different")
    assert not differing, "\n\n".join(differing)
