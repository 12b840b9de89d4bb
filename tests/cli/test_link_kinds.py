"""link add by kind, link show -d, and an impair link through the running-config."""
from __future__ import annotations

import json

from tests.cli.fakes import debug  # noqa: F401  (autouse: NETSH_DEBUG=1)
from tests.cli.test_running_config import Shell

IMPAIR = "link add imp0 type impair link v0 loss 50% delay 10ms jitter 2 rate 1000kbit seed 1"


def test_an_impair_link_is_made_shown_and_recreated_by_its_config_line():
    shell = Shell()
    shell.ok("link add v0 type pair peer v1", IMPAIR, "link set imp0 up")
    text = shell.running()
    assert "link add imp0 type impair link v0 loss 50% delay 10ms jitter 2ms rate 1000kbit seed 1\n" in text
    fresh = Shell()
    for line in text.splitlines()[1:]:
        fresh.ok(line)
    assert fresh.running() == text
    assert fresh.state() == shell.state()


def test_link_show_details_like_ip_d_link():
    shell = Shell(details=True)
    shell.ok("link add v0 type pair peer v1", IMPAIR)
    status, out, err = shell.line("link show imp0")
    lines = out.splitlines()
    assert (status, err) == (0, "")
    assert lines[0].startswith("4: imp0@v0: <BROADCAST,MULTICAST> mtu 1500 qdisc noqueue state DOWN")
    assert lines[1].endswith(" promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 ")
    assert lines[2] == "    impair loss 50% delay 10ms jitter 2ms rate 1000kbit seed 1 addrgenmode eui64 "
    status, out, _ = shell.line("link show v0")
    assert out.splitlines()[0].startswith("2: v0@v1: ") and out.splitlines()[2] == "    pair addrgenmode eui64 "


def test_json_linkinfo_only_with_details_and_xstats_only_with_stats():
    shell = Shell(json=True)
    shell.ok("link add v0 type pair peer v1", IMPAIR)
    row = json.loads(shell.line("link show imp0")[1])[0]
    assert "linkinfo" not in row and row["link"] == "v0"
    shell.executor.options.details = True
    info = json.loads(shell.line("link show imp0")[1])[0]["linkinfo"]
    assert info == {"info_kind": "impair", "info_data": {
        "loss": 50.0, "delay": 10.0, "jitter": 2.0, "rate": 1000, "seed": 1}}
    shell.executor.options.stats = 1
    info = json.loads(shell.line("link show imp0")[1])[0]["linkinfo"]
    assert info["info_xstats"]["rx"] == {"dropped": 0, "duplicated": 0, "reordered": 0,
                                         "corrupted": 0, "delayed": 0, "queue_full": 0}


def test_another_kinds_option_is_a_one_line_error():
    shell = Shell()
    status, out, err = shell.line("link add v0 type pair peer v1 loss 5")
    assert (status, out, err) == (255, "", 'Error: "loss" is not an option of type pair\n')
    status, _, err = shell.line("link add imp0 type impair loss 5")
    assert (status, err) == (255, 'Error: "link add" needs link DEV\n')
    assert shell.stack.api.link_list()[-1]["ifname"] == "lo"


def test_a_link_with_a_master_says_so_in_its_line_as_iproute2_does():
    from netsh.commands.link import header_line
    from netsh.options import Options
    from netsh.render import View
    row = {"ifindex": 5, "ifname": "v0", "link": "v1", "flags": ["BROADCAST", "MULTICAST"],
           "mtu": 1500, "qdisc": "pfifo_fast", "master": "br0", "operstate": "DOWN",
           "txqlen": 1000}
    view = View(Options(color="never"))
    assert header_line(row, view, mode=True) == (
        "5: v0@v1: <BROADCAST,MULTICAST> mtu 1500 qdisc pfifo_fast master br0 state DOWN "
        "mode DEFAULT group default qlen 1000")
