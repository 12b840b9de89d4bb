"""ping: iputils' lines, summary and exit status, against a fake stack's scripted replies."""
import json
import re

import pytest

from netsh.commands.ping import format_time
from stack.l3.ping import PingEvent
from tests.cli.fakes import Run, debug, reply  # noqa: F401

FAST = "-i 0.002 -W 0.05"


def ping(args: str, events, *argv):
    r = Run(*argv)
    r.stack.ping_events = list(events)
    status, out, err = r.line(f"ping {args}")
    return status, out, err, r


def test_replies_and_summary():
    status, out, err, r = ping(f"-c 3 {FAST} 192.0.2.2",
                               [reply(1, 0.213), reply(2, 0.05), reply(3, 0.202)])
    lines = out.splitlines()
    assert (status, err) == (0, "")
    assert lines[:4] == ["PING 192.0.2.2 (192.0.2.2) 56(84) bytes of data.",
                         "64 bytes from 192.0.2.2: icmp_seq=1 ttl=64 time=0.213 ms",
                         "64 bytes from 192.0.2.2: icmp_seq=2 ttl=64 time=0.050 ms",
                         "64 bytes from 192.0.2.2: icmp_seq=3 ttl=64 time=0.202 ms"]
    assert lines[4:6] == ["", "--- 192.0.2.2 ping statistics ---"]
    assert re.fullmatch(r"3 packets transmitted, 3 received, 0% packet loss, time \d+ms", lines[6])
    # iputils' integer arithmetic: avg 465//3, mdev isqrt((88673 - 465*465//3) // 3)
    assert lines[7] == "rtt min/avg/max/mdev = 0.050/0.155/0.213/0.074 ms"
    assert len(lines) == 8 and out.endswith(" ms\n")
    assert ("ping_close", (), {}) in r.stack.calls


def test_no_reply_exits_1_with_a_blank_line_after_the_summary():
    status, out, err, r = ping(f"-c 2 {FAST} 192.0.2.77", ["lost", "lost"])
    assert status == 1 and err == ""
    assert re.search(r"\n2 packets transmitted, 0 received, 100% packet loss, time \d+ms\n\n$", out)
    assert "rtt" not in out


def test_partial_loss():
    status, out, err, r = ping(f"-c 3 {FAST} 192.0.2.2", [reply(1), "lost", reply(3)])
    assert status == 0
    assert "3 packets transmitted, 2 received, 33.3333% packet loss" in out


def test_icmp_errors():
    unreachable = PingEvent("error", 1, "192.0.2.1", message="Destination Host Unreachable")
    status, out, err, r = ping(f"-c 1 {FAST} 192.0.2.77", [unreachable])
    assert status == 1
    assert "From 192.0.2.1 icmp_seq=1 Destination Host Unreachable\n" in out
    assert "1 packets transmitted, 0 received, +1 errors, 100% packet loss" in out


def test_local_error():
    event = PingEvent("error", 1, "", message="local error: message too long, mtu=1500")
    status, out, err, r = ping(f"-c 1 {FAST} 192.0.2.2", [event])
    assert "ping: local error: message too long, mtu=1500\n" in out


def test_duplicates():
    r = Run()

    def send(session, seq):
        session.replies.put(reply(seq))
        if seq == 1:
            session.replies.put(reply(seq, dup=True))
    r.stack.ping_send = send
    status, out, err = r.line("ping -c 2 -i 0.05 192.0.2.2")
    assert "icmp_seq=1 ttl=64 time=0.213 ms (DUP!)" in out
    assert "2 packets transmitted, 2 received, +1 duplicates, 0% packet loss" in out


def test_ctrl_c_ends_with_the_summary():
    r = Run()
    r.stack.ping_events = [reply(1), reply(2)]
    sends = []

    def send(session, seq):
        sends.append(seq)
        if seq == 3:
            raise KeyboardInterrupt
        session.replies.put(reply(seq))
    r.stack.ping_send = send
    status, out, err = r.line("ping -i 0.01 192.0.2.2")      # no -c: runs until Ctrl-C
    assert status == 0
    assert "2 packets transmitted, 2 received, 0% packet loss" in out
    assert ("ping_close", (), {}) in r.stack.calls


def test_source_device():
    status, out, err, r = ping(f"-c 1 {FAST} -I a 192.0.2.2", [reply(1)])
    assert out.startswith("PING 192.0.2.2 (192.0.2.2) from 192.0.2.1 a: 56(84) bytes of data.\n")


def test_size():
    status, out, err, r = ping(f"-c 1 -s 2000 {FAST} 192.0.2.2", [reply(1, 1.5, size=2008)])
    assert out.startswith("PING 192.0.2.2 (192.0.2.2) 2000(2028) bytes of data.\n"
                          "2008 bytes from 192.0.2.2: icmp_seq=1 ttl=64 time=1.50 ms\n")


@pytest.mark.parametrize("option, mode", [("", "want"), ("-M do ", "do"), ("-M dont ", "dont"),
                                          ("-M pro ", "probe")])
def test_pmtudisc_reaches_the_session(option, mode):
    status, out, err, r = ping(f"-c 1 {option}{FAST} 192.0.2.2", [reply(1)])
    assert status == 0 and r.stack.pmtudisc == mode


def test_a_bad_pmtudisc_is_refused_by_name():
    status, out, err, r = ping(f"-c 1 -M sometimes {FAST} 192.0.2.2", [reply(1)])
    assert status != 0 and "PMTUDISC_OPT" in err + out and "do, want, dont, probe" in err + out


def test_small_payload_has_no_times():
    status, out, err, r = ping(f"-c 1 -s 8 {FAST} 192.0.2.2", [reply(1, size=16)])
    assert "16 bytes from 192.0.2.2: icmp_seq=1 ttl=64\n" in out and "rtt" not in out


@pytest.mark.parametrize("args, message", [
    ("203.0.113.1", "Error: connect: Network is unreachable"),
    ("-I eth9 192.0.2.2", 'Error: Cannot find device "eth9"'),
])
def test_other_errors_exit_2(args, message):
    status, out, err, r = ping(f"-c 1 {args}", [])
    assert (status, out, err) == (2, "", message + "\n")


def test_json_is_only_the_summary():
    status, out, err, r = ping(f"-c 2 {FAST} 192.0.2.2", [reply(1, 0.1), reply(2, 0.3)], "-j")
    data = json.loads(out)
    assert status == 0 and out.count("\n") == 1
    assert (data["transmitted"], data["received"], data["loss"]) == (2, 2, 0.0)
    assert data["rtt"] == {"min": 0.1, "avg": 0.2, "max": 0.3, "mdev": 0.1}


@pytest.mark.parametrize("micros, text", [
    (213, "0.213"), (999, "0.999"), (1000, "1.00"), (1504, "1.50"), (9994, "9.99"),
    (9995, "10.0"), (12345, "12.3"), (99949, "99.9"), (99950, "100"), (123456, "123"),
])
def test_time_precision_like_iputils(micros, text):
    assert format_time(micros) == text
