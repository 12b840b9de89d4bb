"""`capture show N -V` beside `tshark -V` on the same frame: for these frames every line we
print is one of tshark's (brackets aside: tshark brackets generated fields, we do not).
tshark prints more (expert info, [Time shift], [Frame is marked], conversation
completeness, its own tunnels of fields we do not dissect): those are not required."""
import subprocess
from pathlib import Path

import pytest

from netsh.cli import main
from tests.tools import need

DATA = Path(__file__).resolve().parents[1] / "data"
FRAMES = [("accecn_handshake.pcap", 1), ("print-flags.pcap", 1), ("print-flags.pcap", 3),
          ("print-flags.pcap", 5), ("802.1ad_QinQ.pcap", 1), ("802.1ad_QinQ.pcap", 2),
          ("dns_udp.pcap", 2),
          # IPv6 extension headers, NDP options, MLD, checksums with tshark's verdicts
          ("icmpv6.pcap", 2), ("icmpv6.pcap", 3), ("icmpv6.pcap", 4), ("icmpv6_opt24.pcap", 1),
          ("icmpv6-ns-nonce.pcap", 1),
          ("ipv6-routing-header.pcap", 1), ("ipv6-srh-ext-header.pcap", 1),
          # LLC and spanning tree BPDUs
          ("802.1D_spanning_tree.pcap", 1), ("802.1w_rapid_STP.pcap", 1)]


def plain(line: str) -> str:
    return line.strip().replace("[", "").replace("]", "")


@pytest.mark.parametrize("name,number", FRAMES, ids=[f"{n}:{i}" for n, i in FRAMES])
def test_every_line_we_print_is_one_of_tsharks(tmp_path, capsys, name, number):
    path = DATA / name
    batch = tmp_path / "b"
    batch.write_text(f"capture read {path}\ncapture show {number} -V\n")
    assert main(["-b", str(batch)]) == 0
    ours = capsys.readouterr().out.splitlines()[1:]
    proc = subprocess.run([need("tshark"), "-n", "-r", str(path), "-V", "-Y", f"frame.number == {number}"],
                          capture_output=True, text=True, timeout=120)
    theirs = {plain(line) for line in proc.stdout.splitlines()}
    assert len(ours) > 30
    assert [line for line in ours if plain(line) not in theirs] == []
