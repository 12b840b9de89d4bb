"""The netsh program against the Linux kernel: batches, ping's exit status, -j, SIGTERM."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .stackrun import stack_on, wait_for

ROOT = Path(__file__).resolve().parents[2]
STACK_IP = "192.0.2.1"


def setup(peer) -> str:
    return (f"link attach {peer.stack_dev} name {peer.stack_dev}\n"
            f"link set {peer.stack_dev} up\n"
            f"addr add {STACK_IP}/24 dev {peer.stack_dev}\n")


def netsh(peer, *args, batch: str, tmp_path, timeout=60):
    path = tmp_path / "lab.batch"
    path.write_text(batch)
    return subprocess.run([sys.executable, "-m", "netsh", "-netns", peer.stack_ns, *args,
                           "-b", str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_our_ping_reaches_linux_and_reports_an_absent_host(veth_peer, tmp_path):
    ok = netsh(veth_peer, batch=setup(veth_peer) + f"ping -c 5 -i 0.2 {veth_peer.peer_ip}\n",
               tmp_path=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert f"PING {veth_peer.peer_ip} ({veth_peer.peer_ip}) 56(84) bytes of data." in ok.stdout
    assert ok.stdout.count(f"64 bytes from {veth_peer.peer_ip}: icmp_seq=") == 5
    assert "5 packets transmitted, 5 received, 0% packet loss" in ok.stdout
    assert "rtt min/avg/max/mdev = " in ok.stdout

    lost = netsh(veth_peer, batch=setup(veth_peer) + "ping -c 2 -i 0.2 -W 1 192.0.2.99\n",
                 tmp_path=tmp_path)
    assert lost.returncode == 1
    assert "2 packets transmitted, 0 received" in lost.stdout
    assert "Command failed" in lost.stderr and "lab.batch:4" in lost.stderr
    assert "Traceback" not in lost.stdout + lost.stderr


def test_a_sleeping_batch_keeps_the_stack_alive_and_json_parses(veth_peer, tmp_path):
    batch = setup(veth_peer) + "sleep 8\nlink show\naddr show dev veth0\nneigh show\n"
    path = tmp_path / "sleepy.batch"
    path.write_text(batch)
    proc = subprocess.Popen([sys.executable, "-m", "netsh", "-j", "-s", "-netns", veth_peer.stack_ns,
                             "-b", str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: veth_peer.run("ping", "-c", "1", "-W", "0.3", STACK_IP,
                                              check=False).returncode == 0, 6)
        out = veth_peer.run("ping", "-c", "3", "-i", "0.2", STACK_IP).stdout
        assert "3 received" in out
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    docs = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    links, addrs, neighs = docs
    veth = next(l for l in links if l["ifname"] == "veth0")
    for key in ("ifindex", "ifname", "flags", "mtu", "operstate", "address", "stats64"):
        assert key in veth, key
    assert veth["operstate"] == "UP" and "UP" in veth["flags"]
    assert veth["stats64"]["rx"]["packets"] >= 4 and veth["stats64"]["tx"]["packets"] >= 4
    (addr,) = addrs
    info = addr["addr_info"][0]
    assert (info["family"], info["local"], info["prefixlen"]) == ("inet", STACK_IP, 24)
    assert any(n["dst"] == veth_peer.peer_ip and n["dev"] == "veth0" for n in neighs)


def test_sigterm_stops_a_batch_cleanly(veth_peer, tmp_path):
    path = tmp_path / "forever.batch"
    path.write_text(setup(veth_peer) + "sleep 60\n")
    proc = subprocess.Popen([sys.executable, "-m", "netsh", "-netns", veth_peer.stack_ns,
                             "-b", str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: veth_peer.run("ping", "-c", "1", "-W", "0.3", STACK_IP,
                                              check=False).returncode == 0, 8)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    assert time.monotonic() - started < 5
    assert "Traceback" not in stderr


def test_stopping_the_runtime_closes_the_pcap_handle(veth_peer):
    with stack_on(veth_peer) as (proxy, runtime):
        pid = str(os.getpid())
        sockets = veth_peer.run_stack("ss", "-0", "-n", "-p").stdout
        assert f"pid={pid}" in sockets
    sockets = veth_peer.run_stack("ss", "-0", "-n", "-p").stdout
    assert f"pid={pid}" not in sockets
