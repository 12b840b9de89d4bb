"""Batch files in iproute2's format, run by netsh.batch against a fake stack."""
import io

import pytest

from netsh.batch import BatchLine, BatchSyntaxError, read_commands, run_batch, split_line
from tests.cli.fakes import Run, debug  # noqa: F401


@pytest.mark.parametrize("line, words", [
    ("link show", ["link", "show"]),
    ("  link\tshow \r\n", ["link", "show"]),
    ("link show # a comment", ["link", "show"]),
    ("link show#a comment", ["link", "show"]),
    ('link set "a b" up', ["link", "set", "a b", "up"]),
    ("'a'b", ["a", "b"]),                                  # a quote ends the word
    ("a'b c", ["a'b", "c"]),                               # a quote inside a word is plain
    ('""', [""]),
    ("", []),
    ("   # only a comment", []),
])
def test_words(line, words):
    assert split_line(line) == words


def test_comment_cuts_inside_quotes_too():
    with pytest.raises(BatchSyntaxError):
        split_line("link set 'a # b' up")


def test_unterminated_quote():
    with pytest.raises(BatchSyntaxError, match="Unterminated quoted string") as info:
        split_line('link show "a b')
    assert info.value.column == 10


def test_continuation_joins_and_counts_lines():
    src = "link \\\n  show \\\n  a\nroute\n"
    assert list(read_commands(io.StringIO(src))) == [BatchLine(3, "link   show   a\n"),
                                                     BatchLine(4, "route\n")]


def test_comment_hides_a_backslash():
    src = "link show # not a continuation \\\nroute\n"
    items = list(read_commands(io.StringIO(src)))
    assert [i.lineno for i in items] == [1, 2]


def test_comment_on_a_continued_line():
    src = "link \\\n# comment\nroute\n"
    assert list(read_commands(io.StringIO(src)))[0] == BatchLine(2, "link ")


def test_missing_continuation_line():
    items = list(read_commands(io.StringIO("route\nlink \\\n")))
    assert isinstance(items[-1], BatchSyntaxError)
    assert items[-1].message == "Missing continuation line" and items[-1].lineno == 2


def batch(text: str, *argv: str, force=False):
    r = Run(*argv)
    status = run_batch(r.executor, "-", force=force, stdin=io.StringIO(text))
    return status, r.out.getvalue(), r.err.getvalue(), r


def test_all_good():
    status, out, err, r = batch("link set a up\n\n# nothing\naddr add 192.0.2.9/24 dev a\n")
    assert (status, err) == (0, "")
    assert [c[0] for c in r.stack.calls] == ["link_set", "addr_add"]


def test_stops_at_the_first_failure():
    text = "link set a up\nlink set a mtu 20\nlink set b up\n"
    status, out, err, r = batch(text)
    assert status == 1
    assert err == 'Error: invalid MTU "20": must be 68..65535\nCommand failed -:2\n'
    assert len(r.stack.calls) == 1


def test_force_goes_on_and_still_fails():
    text = "link set a mtu 20\nlink set eth9 up\nlink set b up\n"
    status, out, err, r = batch(text, force=True)
    assert status == 1
    assert err.splitlines() == ['Error: invalid MTU "20": must be 68..65535', "Command failed -:1",
                                'Error: Cannot find device "eth9"', "Command failed -:2"]
    assert [c[0] for c in r.stack.calls] == ["link_set"]


def test_failure_reported_at_the_last_line_of_a_continued_command():
    status, out, err, r = batch("route\nlink set a \\\n  mtu 20\n")
    assert err.endswith("Command failed -:3\n")


def test_unterminated_quote_fails_that_line():
    status, out, err, r = batch('link show "a\nroute\n', force=True)
    assert status == 1
    assert err == "Error: Unterminated quoted string\nCommand failed -:1\n"
    assert out.startswith("192.0.2.0/24")           # -force went on to the route line


def test_missing_continuation_fails_the_batch():
    status, out, err, r = batch("route\nlink set a up \\\n")
    assert status == 1 and err == "Error: Missing continuation line\nCommand failed -:2\n"
    assert r.stack.calls == []


def test_a_command_status_counts_as_failure():
    r = Run()
    r.stack.ping_events = ["lost"]
    status = run_batch(r.executor, "-", stdin=io.StringIO("ping -c 1 -W 0.01 192.0.2.2\nroute\n"))
    assert status == 1 and r.err.getvalue() == "Command failed -:1\n"
    assert "1 packets transmitted, 0 received" in r.out.getvalue()
    assert "192.0.2.0/24" not in r.out.getvalue()


def test_exit_ends_the_batch():
    status, out, err, r = batch("link set a up\nexit\nlink set b up\n")
    assert status == 0 and len(r.stack.calls) == 1


def test_file_name_in_failure(tmp_path):
    path = tmp_path / "setup.batch"
    path.write_text("link set a up\n\nlink frob\n")
    r = Run()
    assert run_batch(r.executor, str(path)) == 1
    assert r.err.getvalue().endswith(f"Command failed {path}:3\n")


def test_missing_file():
    r = Run()
    assert run_batch(r.executor, "/nonexistent/x") == 1
    assert r.err.getvalue() == ('Error: Cannot open file "/nonexistent/x" for reading: '
                                'No such file or directory\n')


def test_per_line_options_in_a_batch():
    status, out, err, r = batch("-j route\n")
    assert out.startswith('[{"dst":"192.0.2.0/24"')
