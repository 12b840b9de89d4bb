"""An impair link on an attached veth, against the Linux kernel's ping replies."""
import re

from .test_cli_kernel import STACK_IP, netsh


def test_ping_through_an_impair_link_is_delayed_both_ways(veth_peer, tmp_path):
    dev = veth_peer.stack_dev
    batch = (f"link attach {dev} name {dev}\n"
             f"link set {dev} up\n"
             f"link add imp0 type impair link {dev} delay 20ms seed 1\n"
             "link set imp0 up\n"
             f"addr add {STACK_IP}/24 dev imp0\n"
             f"ping -c 3 -i 0.2 {veth_peer.peer_ip}\n"
             "-s -d link show imp0\n")
    run = netsh(veth_peer, batch=batch, tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "3 packets transmitted, 3 received, 0% packet loss" in run.stdout
    rtt_min = float(re.search(r"rtt min/avg/max/mdev = ([\d.]+)/", run.stdout).group(1))
    assert rtt_min >= 40.0                       # 20 ms out through imp0, 20 ms back in
    assert f"imp0@{dev}: " in run.stdout and "    impair delay 20ms seed 1 " in run.stdout
    delayed = [int(n) for n in re.findall(r"delayed (\d+)", run.stdout)]
    assert len(delayed) == 2 and all(n >= 3 for n in delayed)
