"""The BPDUs our bridge sends (stack/wire/stp.py builds them) as tshark reads them: fields,
the Info column and the protocol, for a configuration BPDU with each flag, times that are not
whole seconds, and a topology change notification."""
import subprocess

import pytest

import stack.wire.protocols  # noqa: F401  (every protocol's dissectors)
from stack.wire import stp
from stack.wire.dissect import dissect
from tests.tools import need
from tests.tshark import compare, our_fields, tshark_fields, write_pcap

MAC = b"\x02\x00\x00\x00\x00\x0a"
ROOT = stp.bridge_id(0x8001, b"\x02\x00\x00\x00\x00\x01")
BRIDGE = stp.bridge_id(0x7000 | 12, MAC)
FRAMES = {
    "config": stp.frame(MAC, stp.Bpdu(stp.CONFIG, ROOT, 19, BRIDGE, 0x8002, 1.0, 20.0, 2.0, 15.0)),
    "config-tc-tca": stp.frame(MAC, stp.Bpdu(stp.CONFIG, ROOT, 4, BRIDGE, 0x8003, 0.0, 6.0, 1.5, 4.25,
                                             tc=True, tca=True)),
    "tcn": stp.frame(MAC, stp.Bpdu(type=stp.TCN)),
}


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    out = tmp_path_factory.mktemp("bpdu") / "bpdu.pcap"
    write_pcap(out, FRAMES.values())
    return out


def test_fields_agree_with_tshark(path):
    for (name, frame), theirs in zip(FRAMES.items(), tshark_fields(path)):
        ours = our_fields(dissect(frame))
        assert len({key for key in ours if key.startswith("stp.")} & set(theirs)) >= 3, name
        assert compare(ours, theirs) == [], name


def test_info_and_protocol_agree_with_tshark(path):
    proc = subprocess.run([need("tshark"), "-n", "-r", str(path), "-T", "fields", "-e", "_ws.col.Protocol",
                           "-e", "_ws.col.Info"], capture_output=True, text=True, timeout=120)
    theirs = [tuple(line.split("\t")) for line in proc.stdout.splitlines()]
    ours = [(d.protocol, d.info) for d in (dissect(frame) for frame in FRAMES.values())]
    assert ours == theirs
