"""man/netsh.8: generated from the grammar, not stale, and clean under groff and man --warnings.

groff and man-db exit 0 even when they warn, so any stderr output fails (as
iproute2's `make check` does).  Missing tools skip, and FAIL under NETSH_CI=1.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from netsh.manpage import esc, generate, synopsis_roff
from tests.cli.test_complete import mini_grammar
from tests.tools import need

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "man" / "netsh.8"
MINI_EXAMPLES = [("link show", "Links."), ("-j -p link set lan0 up", "Up.")]
MINI_BATCH = ["# a comment", "link set lan0 up", "ping -c 1 192.0.2.1"]


def lint(page: Path) -> None:
    """Both linters must be silent; they exit 0 even when they warn."""
    groff = subprocess.run([need("groff"), "-man", "-ww", "-z", str(page)],
                           capture_output=True, text=True, timeout=60)
    assert groff.returncode == 0 and groff.stderr == "", f"groff warns about {page}:\n{groff.stderr}"
    env = dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH="80")
    man = subprocess.run([need("man"), "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", str(page)],
                         capture_output=True, text=True, timeout=60, env=env)
    assert man.returncode == 0 and man.stderr == "", f"man --warnings complains about {page}:\n{man.stderr}"


def rendered(page: Path) -> str:
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="200", MAN_KEEP_FORMATTING="0")
    out = subprocess.run([need("man"), "-l", str(page)], capture_output=True, text=True, timeout=60, env=env)
    return re.sub(r".\x08", "", out.stdout)


@pytest.fixture(scope="module")
def mini_page(tmp_path_factory):
    text = generate(mini_grammar(), examples=MINI_EXAMPLES, batch=MINI_BATCH)
    path = tmp_path_factory.mktemp("man") / "netsh.8"
    path.write_text(text)
    return path


# --- the generator, on the small tree ---------------------------------------------------

def test_structure(mini_page):
    text = mini_page.read_text()
    assert text.splitlines()[1].startswith('.TH NETSH 8 ')
    sections = re.findall(r"^\.SH (.+)$", text, re.M)
    assert sections == ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "BATCH FORMAT", "COMMANDS",
                        "ABBREVIATIONS", "EXIT STATUS", "DIFFERENCES FROM IPROUTE2", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"]


def test_mini_page_lints_clean(mini_page):
    lint(mini_page)


def test_every_command_synopsis_and_help_appear(mini_page):
    shown = " ".join(rendered(mini_page).split())
    for cmd in mini_grammar().root.commands():
        assert cmd.synopsis() in shown
        assert cmd.help[0].upper() + cmd.help[1:] in shown
    assert "Stops after -c replies or Ctrl-C." in shown          # details


def test_options_synopsis_and_notes(mini_page):
    from netsh.options import OPTIONS
    shown = " ".join(rendered(mini_page).split())
    for spec in OPTIONS:
        assert spec.usage in shown
    assert "-c[olor][=always|auto|never]" in shown
    assert "NO_COLOR" in shown


def test_batch_format_and_abbreviations(mini_page):
    shown = " ".join(rendered(mini_page).split())
    assert "Command failed FILE:LINE" in shown
    assert "-force" in shown and "standard input" in shown
    assert "a means address." in shown and "l means link." in shown
    assert 'Error: ambiguous "a": add, attach' in shown
    assert "delete for del" in shown and "addr for address" in shown


def test_examples_and_batch_are_shown(mini_page):
    shown = rendered(mini_page)
    assert "netsh -j -p link set lan0 up" in shown
    assert "ping -c 1 192.0.2.1" in shown


def test_environment_files_see_also(mini_page):
    shown = " ".join(rendered(mini_page).split())
    assert "XDG_STATE_HOME" in shown and "netsh/history" in shown
    assert "ip(8), ping(8), tshark(1)" in shown


def test_dashes_are_escaped(mini_page):
    for line in mini_page.read_text().splitlines():
        if line.startswith(".") and not line.startswith((".SS", ".SH", ".TP")):
            continue
        assert not re.search(r"(?<!\\)-", line), f"unescaped '-' in: {line}"


def test_examples_that_do_not_parse_are_refused():
    with pytest.raises(ValueError, match="no longer parses"):
        generate(mini_grammar(), examples=[("link frobnicate", "")], batch=[])
    with pytest.raises(ValueError, match="no longer parses"):
        generate(mini_grammar(), examples=[], batch=["link set"])


def test_esc():
    assert esc("-c") == "\\-c"
    assert esc("a\\b") == "a\\eb"
    assert esc(".hidden") == "\\&.hidden"
    assert esc("'quoted'") == "\\&'quoted'"


def test_synopsis_roff_marks_keywords_and_values():
    cmd = mini_grammar().root.children["link"].children["set"].command
    assert synopsis_roff(cmd) == ("\\fBlink\\fR \\fBset\\fR [ \\fBdev\\fR ] \\fIDEV\\fR [ \\fBup\\fR | "
                                  "\\fBdown\\fR ] [ \\fBmtu\\fR \\fIN\\fR ]")


# --- the checked-in page, from the real tree ------------------------------------------------

@pytest.fixture(scope="module")
def grammar():
    from netsh.app import build_grammar
    return build_grammar()


def test_checked_in_page_is_fresh(grammar):
    assert PAGE.exists(), "man/netsh.8 is missing: run `make man`"
    assert PAGE.read_text() == generate(grammar), "man/netsh.8 is stale (the grammar changed): run `make man`"


def test_checked_in_page_lints_clean(grammar):
    lint(PAGE)


def test_checked_in_page_name_for_whatis(grammar):
    out = subprocess.run([need("lexgrog"), str(PAGE)], capture_output=True, text=True, timeout=60)
    assert "netsh - terminal management shell" in out.stdout, out.stdout + out.stderr


def test_module_is_runnable(grammar):
    out = subprocess.run([sys.executable, "-m", "netsh.manpage"], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout == generate(grammar)
