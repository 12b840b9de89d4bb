"""netsh.display_filter: capture show -Y, through the batch face and on records."""
import pytest

from netsh.cli import main
from netsh.display_filter import DISPLAY_FILTER
from netsh.grammar import ParseError
from stack.capture import Captured
from tests.cli.fakes import debug  # noqa: F401  (autouse: NETSH_DEBUG=1)
from tests.cli.test_capture_cli import SETUP, run_batch


def packet(link, direction):
    return Captured(1, 0.0, b"", 0, link, 1, direction)


@pytest.mark.parametrize("expr, kept", [
    ("link == v0", {("v0", "in"), ("v0", "out")}),
    ("frame.interface_name eq v1 and frame.direction ne in", {("v1", "out")}),
    ("dir == in or link == v1", {("v0", "in"), ("v1", "in"), ("v1", "out")}),
    ("not (link==v0 || dir==out)", {("v1", "in")}),
    ("! link != v0 && dir == out", {("v0", "out")}),
])
def test_filter_keeps_what_it_says(expr, kept):
    match = DISPLAY_FILTER.parse(expr.split())
    every = [packet(link, d) for link in ("v0", "v1") for d in ("in", "out")]
    assert {(p.link, p.direction) for p in every if match(p)} == kept


@pytest.mark.parametrize("expr, message, index", [
    ("link", '"link" needs ==, !=, eq or ne, then a value', 1),
    ("( link == v0", 'expected ")"', 4),
    ("link == v0 v1", 'unexpected "v1" in the filter', 3),
    ("size > 3", 'unknown field "size": one of: link, frame.interface_name, dir, frame.direction', 0),
])
def test_bad_filters_name_the_word(expr, message, index):
    with pytest.raises(ParseError) as err:
        DISPLAY_FILTER.parse(expr.split())
    assert (err.value.message, err.value.index) == (message, index)


def test_capture_show_filters_on_link_and_direction(tmp_path, capsys):
    assert run_batch(tmp_path, SETUP + "capture show -Y link == lo and dir == in\n"
                                       "capture show -Y link == a\n") == 0
    shown = [line for line in capsys.readouterr().out.splitlines() if "ICMP 98" in line]
    assert [int(line.split()[0]) for line in shown] == [2, 4, 6, 8]


def test_capture_show_json_filtered_by_direction(tmp_path, capsys):
    import json
    assert run_batch(tmp_path, SETUP + "capture show -Y dir == out\n", "-j") == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("[")]
    assert {row["direction"] for row in docs[-1]} == {"out"} and len(docs[-1]) == 4


def test_a_bad_filter_is_a_one_line_error(tmp_path, capsys):
    assert run_batch(tmp_path, SETUP + "capture show -Y dir == up\n") != 0
    err = capsys.readouterr().err
    assert 'invalid direction "up": one of: in, out' in err and "Traceback" not in err
