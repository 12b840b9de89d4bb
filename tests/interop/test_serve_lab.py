"""``netsh serve --lab``: a served stack in the demo's lab, Linux hosts pinging it.

Needs root (namespaces).  The lab's namespaces carry the server's pid
(``nshlab-<pid>-*``); ``shutdown`` and SIGTERM must both remove them.
"""
import json

from netsh.lab import netns_list
from tests.cli.test_serve import serving  # noqa: F401  (the fixture)


def lab_namespaces(pid: int) -> list[str]:
    return sorted(ns for ns in netns_list() if ns.startswith(f"nshlab-{pid}-"))


def test_served_lab_answers_faces_and_shutdown_removes_it(serving):  # noqa: F811
    served = serving.serve("lab", "--lab", setup=None)
    prefix = f"nshlab-{served.pid}-"
    assert lab_namespaces(served.pid) == [prefix + "h1", prefix + "h2", prefix + "stack"]
    r = serving.run("-n", "lab", "-br", "link")
    assert r.returncode == 0 and "veth-h1" in r.stdout and "veth-h2" in r.stdout
    r = serving.run("-n", "lab", "ping", "-c", "2", "-i", "0.2", "192.0.2.11")
    assert r.returncode == 0 and "2 received" in r.stdout, r.stdout + r.stderr
    rows = json.loads(serving.run("-j", "list").stdout)
    assert [(row["name"], row["netns"], row["lab"]) for row in rows] == \
        [("lab", prefix + "stack", True)]
    r = serving.run("-n", "lab", "shutdown")
    assert (r.returncode, r.stderr) == (0, "")
    assert served.wait() == 0, served.stderr
    assert lab_namespaces(served.pid) == []


def test_sigterm_removes_a_served_lab(serving):  # noqa: F811
    served = serving.serve("lab", "--lab", setup=None)
    assert len(lab_namespaces(served.pid)) == 3
    served.stop()                                 # SIGTERM
    assert served.proc.returncode == 128 + 15
    assert lab_namespaces(served.pid) == []
