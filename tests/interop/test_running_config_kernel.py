"""The running configuration of a stack attached to a real veth: saved, loaded into a fresh
stack (in-process, then by ``netsh -b``), the same text again, and Linux reaches it."""
import io
import subprocess
import sys
from pathlib import Path

from netsh.app import GRAMMAR
from netsh.executor import Executor
from netsh.options import Options
from stack.runtime import Runtime

from .stackrun import wait_for

ROOT = Path(__file__).resolve().parents[2]
STACK_IP = "192.0.2.1"


class Face:
    """A runtime inside the stack namespace and an executor on it."""

    def __init__(self, peer):
        self.runtime = Runtime(netns=peer.stack_ns).start()
        self.out, self.err = io.StringIO(), io.StringIO()
        self.executor = Executor(self.runtime, Options(), self.out, self.err, grammar=GRAMMAR)

    def line(self, text):
        o, e = self.out.tell(), self.err.tell()
        status = self.executor.run_line(text)
        return status, self.out.getvalue()[o:], self.err.getvalue()[e:]

    def ok(self, *lines):
        for text in lines:
            status, _, err = self.line(text)
            assert (status, err) == (0, ""), f"{text}: {err}"

    def stop(self):
        self.runtime.stop()


def peer_sees(peer, mac: str) -> bool:
    """Linux answers our address's ping and has learnt it at `mac`."""
    if peer.run("ping", "-c", "1", "-W", "0.5", STACK_IP, check=False).returncode != 0:
        return False
    return mac in peer.ip("neigh", "show", STACK_IP, "dev", peer.peer_dev).stdout


def test_an_attached_link_survives_save_and_load(veth_peer, tmp_path):
    peer = veth_peer
    path = tmp_path / "running-config"
    first = Face(peer)
    try:
        first.ok(f"link attach {peer.stack_dev} name wire",
                 "link set wire mtu 1400 up",
                 f"address add {STACK_IP}/24 dev wire",
                 "address add 198.51.100.1/24 dev wire",
                 f"neighbour add {peer.peer_ip} lladdr {peer.peer_mac} dev wire",
                 "link add p0 type pair peer p1",
                 "link set p0 up")
        status, shown, err = first.line("show running-config")
        assert (status, err) == (0, "")
        mac = first.runtime.call(lambda s: s.api.link_list("wire")[0]["address"])
        assert f"link attach {peer.stack_dev} name wire address {mac}\n" in shown
        assert f"neighbour add {peer.peer_ip} lladdr {peer.peer_mac} dev wire\n" in shown
        first.ok(f"save {path}")
        assert path.read_text() == shown
        assert wait_for(lambda: peer_sees(peer, mac), 5)
    finally:
        first.stop()

    peer.ip("neigh", "flush", "dev", peer.peer_dev)
    fresh = Face(peer)
    try:
        assert fresh.line(f"load {path}") == (0, "", "")
        assert fresh.line("show running-config") == (0, shown, "")
        row = fresh.runtime.call(lambda s: s.api.link_list("wire")[0])
        assert (row["address"], row["mtu"], row["host_dev"]) == (mac, 1400, peer.stack_dev)
        assert wait_for(lambda: peer_sees(peer, mac), 5)    # same address, same MAC, live
        status, _, err = fresh.line(f"load {path}")         # twice: refused, nothing lost
        assert status == 1 and err.count("\n") == 1 and path.name + ":" in err
        assert fresh.line("show running-config") == (0, shown, "")
    finally:
        fresh.stop()

    # The saved file is a batch for the program itself.
    batch = tmp_path / "again.batch"
    batch.write_text(path.read_text() + "show running-config\n")
    proc = subprocess.run([sys.executable, "-m", "netsh", "-netns", peer.stack_ns, "-b", str(batch)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == shown
