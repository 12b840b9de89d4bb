"""tshark as the second opinion: run it on a capture, line its fields up with our dissection.

    rows = tshark_fields(path)               # one {field: [values]} per frame
    diffs = compare(ours, rows[i])           # [] when every shared field agrees

Only fields both sides name are compared; values are normalised (0x.. and
decimal integers to int, everything else lower-case text), so "0x0800" and
2048 agree, as do "192.0.2.1" and "192.0.2.1".
"""
from __future__ import annotations

import json
import struct
import subprocess

from tests.tools import need

CHECKSUM_PREFS = ("ip.check_checksum:TRUE", "tcp.check_checksum:TRUE", "udp.check_checksum:TRUE",
                  "tcp.relative_sequence_numbers:FALSE", "tcp.analyze_sequence_numbers:FALSE")


def write_pcap(path, frames, linktype: int = 1) -> None:
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for i, frame in enumerate(frames):
            f.write(struct.pack("<IIII", 1_700_000_000 + i, 0, len(frame), len(frame)) + bytes(frame))


def _collect(pairs):
    out: dict = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def _flatten(obj, into: dict) -> None:
    for key, values in obj.items():
        for value in values:
            if isinstance(value, dict):
                _flatten(value, into)
            elif not key.endswith("_tree"):
                into.setdefault(key, []).append(value)


def tshark_fields(path, prefs=CHECKSUM_PREFS) -> list[dict[str, list]]:
    argv = [need("tshark"), "-r", str(path), "-T", "json"]
    for pref in prefs:
        argv += ["-o", pref]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"tshark failed: {proc.stderr.strip()}")
    packets = json.loads(proc.stdout, object_pairs_hook=_collect)
    rows = []
    for packet in packets:
        fields: dict = {}
        for layers in packet["_source"][0]["layers"]:
            _flatten(layers, fields)
        rows.append(fields)
    return rows


def normalise(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    text = str(value).strip().lower()
    if text.startswith("0x"):
        try:
            return int(text, 16)
        except ValueError:
            return text
    if text.isdigit():
        return int(text)
    return text.replace(":", "") if _hexish(text) else text


def _hexish(text: str) -> bool:
    return len(text) > 2 and all(c in "0123456789abcdef:" for c in text) and ":" in text \
        and text.count(":") >= len(text) // 3


SHOWN_TIMES = {"icmp.data_time", "icmp.data_time_relative", "dns.rrsig.signature_expiration",
               "dns.rrsig.signature_inception"}


def our_fields(dissection) -> dict[str, list]:
    out: dict = {}
    for layer in dissection.layers:
        for node in layer.walk():
            if node is layer:
                continue
            value = node.value if node.value is not None else node.display
            if node.name in SHOWN_TIMES:        # tshark's JSON writes a time as its tree shows it
                value = node.display.removesuffix(" seconds")
            if isinstance(value, (bytes, bytearray)):
                # bytes shown as bare hex are written as tshark's JSON writes FT_BYTES: aa:bb
                # (a summary line, such as a TCP option's, shows its text in the label: display "")
                value = bytes(value).hex(":") if node.display in (bytes(value).hex(), "") else node.display
            out.setdefault(node.name, []).append(value)
    return out


def compare(ours: dict, theirs: dict, ignore=()) -> list[str]:
    """Each field both name must agree (as a multiset of normalised values)."""
    diffs = []
    for name in sorted(set(ours) & set(theirs)):
        if name in ignore:
            continue
        a = sorted(map(str, (normalise(v) for v in ours[name])))
        b = sorted(map(str, (normalise(v) for v in theirs[name])))
        if a != b:
            diffs.append(f"{name}: ours {a} tshark {b}")
    return diffs
