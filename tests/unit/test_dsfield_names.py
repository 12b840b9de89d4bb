"""DSCP and ECN code points shown by name as tshark -V shows them ("Class Selector 6 (48)")."""
import re
import subprocess
from pathlib import Path

import pytest

import stack.wire.protocols  # noqa: F401
from stack.capfile.reader import read
from stack.wire.dissect import dissect
from stack.wire.dsfield import dscp_text, ecn_text
from tests.tools import need

DATA = Path(__file__).resolve().parents[1] / "data"
LABELS = ("Differentiated Services Codepoint", "Explicit Congestion Notification")


def test_names_of_known_and_unknown_points():
    assert dscp_text(0) == "Default (0)"
    assert dscp_text(48) == "Class Selector 6 (48)"
    assert dscp_text(46) == "Expedited Forwarding (46)"
    assert dscp_text(34) == "Assured Forwarding 41 (34)"
    assert dscp_text(63) == "Unknown (63)"
    assert ecn_text(0) == "Not ECN-Capable Transport (0)"
    assert ecn_text(3) == "Congestion Experienced (3)"


def _ours(path):
    shown = []
    for rec in read(path):
        d = dissect(rec.data, rec.linktype, orig_len=rec.orig_len, ts_ns=rec.ts_ns)
        for layer in d.layers:
            for node in layer.walk():
                if node.label in LABELS and node.name.startswith(("ip.dsfield.", "ipv6.tclass.")):
                    shown.append(f"{node.label}: {node.display}")
    return shown


def _theirs(path):
    out = subprocess.run([need("tshark"), "-r", str(path), "-V"], capture_output=True, text=True,
                         timeout=120).stdout
    pattern = re.compile(r"= ((?:%s): .*)$" % "|".join(LABELS))
    # only the IP layers' lines: tshark also names ECN/DSCP inside tunnelled or option fields
    return [m.group(1) for line in out.splitlines() if (m := pattern.search(line))]


@pytest.mark.parametrize("name", ["bgp-role.pcapng", "dhcp-rfc3004.pcap", "ipv6-srh-tlv-pad1-padn-5.pcap"])
def test_ds_lines_match_tshark(name):
    ours, theirs = _ours(DATA / name), _theirs(DATA / name)
    assert ours and ours == theirs
