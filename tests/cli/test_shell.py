"""netsh.shell: the prompt-toolkit face, driven through a pipe against a fake executor."""
import io

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.plain_text import PlainTextOutput

from netsh.shell import NetshCompleter, PROMPT, help_text, history_path, open_history, run_shell
from tests.cli.test_complete import live, mini_grammar


class FakeExecutor:
    def __init__(self, grammar=None, *, exit_on=None):
        self.grammar = grammar or mini_grammar()
        self.ran = []
        self.kinds = []
        self.exit_requested = False
        self.exit_on = exit_on

    def run_line(self, line, *, caret=False):
        self.ran.append((line, caret))
        if line == self.exit_on:
            self.exit_requested = True
        return 0

    def live(self, kind):
        self.kinds.append(kind)
        return live(kind)


def drive(keys, executor=None, **kw):
    executor = executor or FakeExecutor()
    with create_pipe_input() as inp:
        inp.send_text(keys)
        inp.close()             # end of input: the prompt sees EOF, as after Ctrl-D
        status = run_shell(executor, input=inp, output=DummyOutput(), history=InMemoryHistory(), **kw)
    return executor, status


def lines(executor):
    return [line for line, _ in executor.ran]


# --- the loop -------------------------------------------------------------------

def test_runs_each_line_with_caret_until_eof():
    ex, status = drive("link show\naddr show dev lan0\n")
    assert ex.ran == [("link show", True), ("addr show dev lan0", True)]
    assert status == 0


def test_blank_lines_are_skipped():
    ex, _ = drive("\n   \nlink\n")
    assert lines(ex) == ["link"]


@pytest.mark.parametrize("word", ["exit", "quit", "  exit  "])
def test_exit_and_quit_leave(word):
    ex, status = drive(f"link\n{word}\nping 192.0.2.1\n")
    assert lines(ex) == ["link"] and status == 0


def test_exit_requested_by_the_executor_leaves():
    ex, _ = drive("bye\nlink\n", FakeExecutor(exit_on="bye"))
    assert lines(ex) == ["bye"]


def test_ctrl_d_leaves():
    ex, status = drive("link\n\x04ping 192.0.2.1\n")
    assert lines(ex) == ["link"] and status == 0


def test_ctrl_c_clears_the_line_and_goes_on():
    ex, _ = drive("link sh\x03ping 192.0.2.1\n")
    assert lines(ex) == ["ping 192.0.2.1"]


def test_interrupted_command_does_not_leave_the_shell():
    class Interrupted(FakeExecutor):
        def run_line(self, line, *, caret=False):
            super().run_line(line, caret=caret)
            if line.startswith("ping"):
                raise KeyboardInterrupt
            return 0

    ex, status = drive("ping 192.0.2.1\nlink\n", Interrupted())
    assert lines(ex) == ["ping 192.0.2.1", "link"] and status == 0


def test_question_mark_leaves_the_line_unchanged():
    ex, _ = drive("link ?show\n")
    assert lines(ex) == ["link show"]


def test_question_mark_inside_quotes_is_literal():
    ex, _ = drive("capture -w 'a?b'\n")
    assert lines(ex) == ["capture -w 'a?b'"]


def screen(keys, **kw):
    """What the terminal shows (plain text, no escape sequences)."""
    buf = io.StringIO()
    ex = FakeExecutor()
    with create_pipe_input() as inp:
        inp.send_text(keys)
        inp.close()
        run_shell(ex, input=inp, output=PlainTextOutput(buf), history=InMemoryHistory(), **kw)
    return ex, buf.getvalue().replace("\r", "")


def test_banner_is_printed_above_the_prompt():
    _, shown = screen("", banner="hello from netsh")
    assert shown.startswith("hello from netsh\n")


def test_question_mark_prints_help_above_the_prompt():
    ex, shown = screen("link ?show\n")
    assert "netsh> link ?\n  add      create a link\n" in shown
    assert "  <Enter>  link show: list links\n" in shown
    assert lines(ex) == ["link show"]


def test_question_mark_at_a_command_prints_its_synopsis():
    _, shown = screen("li se lan0 ?\n")
    assert "netsh> li se lan0 ?\n  link set [ dev ] DEV [ up | down ] [ mtu N ]" in shown


# --- completion ---------------------------------------------------------------------

def completions(text, executor=None):
    executor = executor or FakeExecutor()
    completer = NetshCompleter(executor.grammar, executor.live)
    return list(completer.get_completions(Document(text), CompleteEvent(completion_requested=True)))


def test_completer_words_with_meta():
    comps = completions("li")
    assert [c.text for c in comps] == ["link"]
    assert comps[0].start_position == -2
    assert comps[0].display_meta_text == "network links"


def test_completer_follows_abbreviations():
    assert [c.text for c in completions("li sh")] == ["show"]
    assert [c.text for c in completions("l s")] == ["set", "show"]
    assert completions("l s ") == []


def test_completer_live_names_through_the_executor():
    ex = FakeExecutor()
    comps = completions("link set ", ex)
    assert [c.text for c in comps] == ["dev", "up", "down", "mtu", "lan0", "lan1", "wan0"]
    assert all(c.start_position == 0 for c in comps)
    assert ex.kinds == ["link"]
    assert [c.text for c in completions("link attach v", ex)] == ["veth-h1", "veth-h2"]


def test_completer_offers_shell_words_first_word_only():
    assert [c.text for c in completions("ex")] == ["exit"]
    assert [c.text for c in completions("q")] == ["quit"]
    assert completions("link ex") == []


def test_completer_keeps_an_open_quote(tmp_path, monkeypatch):
    (tmp_path / "my trace.pcap").write_text("")
    monkeypatch.chdir(tmp_path)
    comps = completions("capture -w 'my")
    assert [(c.text, c.start_position) for c in comps] == [("'my trace.pcap", -3)]


# --- ? help ----------------------------------------------------------------------------

def test_help_text_lists_next_words():
    g = mini_grammar()
    text = help_text(g, "link ")
    assert "add" in text and "create a link" in text
    assert "exit" not in text
    assert "exit" in help_text(g, "")


def test_help_text_at_a_command_shows_its_synopsis():
    text = help_text(mini_grammar(), "link set ")
    assert text.splitlines()[0].strip().startswith("link set [ dev ] DEV [ up | down ] [ mtu N ]")


def test_help_text_reports_errors():
    assert help_text(mini_grammar(), "l s ") == '% ambiguous "s": set, show'
    assert help_text(mini_grammar(), "zz") == '% unknown command "zz"'


def test_prompt():
    assert PROMPT == "netsh> "


# --- history -----------------------------------------------------------------------

def test_history_path_follows_xdg_state_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert history_path() == tmp_path / "netsh" / "history"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert history_path() == tmp_path / ".local" / "state" / "netsh" / "history"


def test_history_file_is_created_and_used(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    ex = FakeExecutor()
    with create_pipe_input() as inp:
        inp.send_text("link show\n")
        inp.close()
        run_shell(ex, input=inp, output=DummyOutput())
    path = tmp_path / "state" / "netsh" / "history"
    assert "link show" in path.read_text()
    assert list(open_history(path).load_history_strings()) == ["link show"]


def test_history_falls_back_to_memory_when_unwritable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    history = open_history(blocker / "netsh" / "history")
    assert type(history).__name__ == "InMemoryHistory"
