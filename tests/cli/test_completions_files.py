"""completions/: thin scripts asking `netsh __complete`, not stale, working in bash, zsh and fish.

The real shells run the scripts; the netsh they ask is this tree's, on PATH,
answering from the small tree of test_complete.py (NETSH_COMPLETE_GRAMMAR), so
every rule is pinned independently of the real commands; then the checked-in
scripts are checked against the real tree.  zsh and fish tests skip when the
shell is missing, and FAIL under NETSH_CI=1 (``make deps`` installs them).
"""
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from netsh.complete_entry import GRAMMAR_ENV
from netsh.completion_gen import SHELLS, generate, main
from tests.cli.test_complete import mini_grammar
from tests.cli.test_serve import serving  # noqa: F401  (the fixture)
from tests.tools import need

ROOT = Path(__file__).resolve().parents[2]
FILES = {"bash": "completions/netsh.bash", "zsh": "completions/_netsh", "fish": "completions/netsh.fish"}


def run(argv, **kw):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, **kw)
    assert proc.returncode == 0 and proc.stderr == "", f"{argv[0]} failed ({proc.returncode}):\n{proc.stderr}"
    return proc.stdout


# --- drivers ------------------------------------------------------------------------

BASH_DRIVER = r'''
set -u
source "$1" || exit 3
COMP_LINE=$2 COMP_POINT=${#2}
read -r -a COMP_WORDS <<< "$COMP_LINE"
[[ -z $COMP_LINE || $COMP_LINE == *' ' ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_netsh || exit 4
printf '%s\n' "${COMPREPLY[@]}"
'''


def bash_complete(script: Path, line: str, env: dict | None = None) -> list[str]:
    out = run([need("bash"), "--norc", "--noprofile", "-c", BASH_DRIVER, "_", str(script), line],
              cwd=script.parent, env=env)
    return [w for w in out.split("\n") if w]


ZSH_DRIVER = r'''
setopt nounset
source "$1"; shift
__netsh_candidates "$@"
print -rl -- "${__netsh_described[@]}" "${__netsh_plain[@]}"
'''


def zsh_complete(script: Path, line: str, env: dict | None = None) -> list[str]:
    """Candidates the zsh script hands to _describe and compadd (which need compsys to run)."""
    words = line.split(" ")
    out = run([need("zsh"), "-f", "-c", ZSH_DRIVER, "_", str(script), *words], cwd=script.parent,
              env=env)
    return [entry.split(":")[0].replace("\\", "") for entry in out.splitlines() if entry]


def fish_complete(script: Path, line: str, env: dict | None = None) -> list[str]:
    out = run([need("fish"), "--no-config", "-c", 'source $argv[1]; complete -C $argv[2]', str(script), line],
              cwd=script.parent, env=env)
    return [entry.split("\t")[0] for entry in out.splitlines()]


@pytest.fixture(scope="module")
def mini_env(tmp_path_factory):
    """This tree's netsh first on PATH, answering from the small tree."""
    env = netsh_on_path(tmp_path_factory.mktemp("mini"), dict(os.environ))
    env[GRAMMAR_ENV] = "tests.cli.test_complete:mini_grammar"
    return env


@pytest.fixture(scope="module")
def mini_scripts(tmp_path_factory):
    d = tmp_path_factory.mktemp("completions")
    grammar = mini_grammar()
    for shell, name in FILES.items():
        (d / Path(name).name).write_text(generate(shell, grammar))
    (d / "one.pcap").write_text("")
    return {shell: d / Path(name).name for shell, name in FILES.items()}


# Each case: a line (cursor at its end) and what every shell must offer.
CASES = [
    ("netsh li", ["link"]),
    ("netsh ", ["link", "address", "ping", "capture", "help"]),
    ("netsh link a", ["add", "attach"]),
    ("netsh li sh", ["show"]),
    ("netsh ip link se", ["set"]),
    ("netsh l s", ["set", "show"]),
    ("netsh l s ", []),                                   # ambiguous: nothing to offer
    ("netsh bogus ", []),
    ("netsh link set ", ["dev", "up", "down", "mtu"]),    # DEV: no links offline
    ("netsh link set lan0 ", ["up", "down", "mtu"]),
    ("netsh link set dev lan0 up ", ["mtu"]),
    ("netsh link set lan0 mtu ", []),
    ("netsh link add x type ", ["pair", "loopback"]),
    ("netsh link add x ty p", ["pair"]),
    ("netsh link del ", ["dev"]),
    ("netsh link dele ", ["dev"]),                         # synonym
    ("netsh a ", ["add", "show"]),                         # alias
    ("netsh addr show ", ["dev"]),
    ("netsh ping 192.0.2.1 -", ["-c", "-I", "-6"]),
    ("netsh ping 192.0.2.1 -6 -", ["-c", "-I"]),
    ("netsh ping -I ", []),
    ("netsh help link ", []),
    ("netsh -j -s li", ["link"]),
    ("netsh -- li", ["link"]),
    ("netsh -br", ["-br"]),
    ("netsh -c=a", ["-c=always", "-c=auto"]),
    ("netsh -netns ns1 li", ["link"]),
    ("netsh -n t li", ["link"]),
    ("netsh --name t -j li", ["link"]),
]


@pytest.mark.parametrize("line, expected", CASES)
def test_bash_engine(mini_scripts, mini_env, line, expected):
    assert sorted(bash_complete(mini_scripts["bash"], line, mini_env)) == sorted(expected)


@pytest.mark.parametrize("line, expected", CASES)
def test_zsh_engine(mini_scripts, mini_env, line, expected):
    assert sorted(zsh_complete(mini_scripts["zsh"], line, mini_env)) == sorted(expected)


@pytest.mark.parametrize("line, expected", CASES)
def test_fish_engine(mini_scripts, mini_env, line, expected):
    assert sorted(fish_complete(mini_scripts["fish"], line, mini_env)) == sorted(expected)


def test_global_options_offered(mini_scripts, mini_env):
    offered = bash_complete(mini_scripts["bash"], "netsh -", mini_env)
    for word in ["-j", "-p", "-s", "-br", "-c", "-force", "-b", "-i", "-netns", "-V", "-h"]:
        assert word in offered
    assert sorted(offered) == sorted(fish_complete(mini_scripts["fish"], "netsh -", mini_env))
    assert sorted(offered) == sorted(zsh_complete(mini_scripts["zsh"], "netsh -", mini_env))


def test_file_values(mini_scripts, mini_env):
    assert bash_complete(mini_scripts["bash"], "netsh -b on", mini_env) == ["one.pcap"]
    assert bash_complete(mini_scripts["bash"], "netsh capture -w on", mini_env) == ["one.pcap"]
    assert bash_complete(mini_scripts["bash"], "netsh -batch on", mini_env) == ["one.pcap"]
    assert zsh_complete(mini_scripts["zsh"], "netsh capture -w on", mini_env) == ["one.pcap"]
    d = mini_scripts["fish"].parent
    assert fish_complete(mini_scripts["fish"], f"netsh capture -w {d}/on", mini_env) == [f"{d}/one.pcap"]


def test_hostdev_values_come_from_sys_class_net(mini_scripts, mini_env):
    if not Path("/sys/class/net").is_dir():
        pytest.skip("no /sys/class/net")
    devs = sorted(p.name for p in Path("/sys/class/net").iterdir())
    for complete_in in (bash_complete, fish_complete, zsh_complete):
        shell = complete_in.__name__.split("_")[0]
        assert sorted(complete_in(mini_scripts[shell], "netsh link attach ", mini_env)) == \
            sorted(devs + ["name"])


def netsh_on_path(tmp_path: Path, env: dict) -> dict:
    """`env` with this tree's netsh first on PATH (the scripts ask the netsh on the line)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = bindir / "netsh"
    wrapper.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m netsh \"$@\"\n")
    wrapper.chmod(0o755)
    return {**env, "PATH": f"{bindir}:{env.get('PATH', '')}", "PYTHONPATH": str(ROOT)}


def zsh_served(script: Path, env: dict) -> list[str]:
    """The names zsh's _netsh offers after -n."""
    return zsh_complete(script, "netsh -n ", env)


def test_served_names_none_running(mini_scripts, tmp_path):
    env = netsh_on_path(tmp_path, {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path)})
    assert bash_complete(mini_scripts["bash"], "netsh -n ", env) == []     # run(): stderr empty too
    assert fish_complete(mini_scripts["fish"], "netsh -n ", env) == []
    assert zsh_served(mini_scripts["zsh"], env) == []
    env["PATH"] = "/nonexistent"                   # no netsh at all: still nothing, quietly
    assert bash_complete(mini_scripts["bash"], "netsh -n ", env) == []
    assert fish_complete(mini_scripts["fish"], "netsh -n ", env) == []


def test_served_names_offered(serving, tmp_path):  # noqa: F811
    name = f"compl-{os.getpid()}"
    served = serving.serve(name, setup=None)
    try:
        env = netsh_on_path(tmp_path, serving.env)
        bash, fish = ROOT / FILES["bash"], ROOT / FILES["fish"]
        assert bash_complete(bash, "netsh -n ", env) == [name]
        assert bash_complete(bash, "netsh -j -name comp", env) == [name]
        assert bash_complete(bash, "netsh -n x", env) == []
        assert fish_complete(fish, "netsh -n ", env) == [name]
        assert fish_complete(fish, "netsh --name comp", env) == [name]
        assert zsh_served(ROOT / FILES["zsh"], env) == [name]
        assert sorted(bash_complete(bash, f"netsh -n {name} li", env)) == ["link", "list"]
        assert sorted(fish_complete(fish, f"netsh -n {name} li", env)) == ["link", "list"]
        assert serving.run("-n", name, "link", "add", "v0", "type", "pair", "peer", "v1").returncode == 0
        assert bash_complete(bash, f"netsh -n {name} link set v", env) == ["v0", "v1"]
        assert fish_complete(fish, f"netsh -n {name} capture show -Y link == v", env) == ["v0", "v1"]
        assert zsh_complete(ROOT / FILES["zsh"], f"netsh -n {name} link del v", env) == ["v0", "v1"]
        assert bash_complete(bash, "netsh link set v", env) == []    # no -n: no stack to ask
    finally:
        stopped = serving.run("-n", name, "shutdown")
    assert stopped.returncode == 0 and served.wait() == 0, stopped.stderr


def test_bash_with_comp_words_only(mini_scripts, mini_env):
    """Without COMP_LINE the function reads COMP_WORDS/COMP_CWORD."""
    script = ('source "$1"; COMP_WORDS=(netsh link a); COMP_CWORD=2; _netsh; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    out = run([need("bash"), "--norc", "--noprofile", "-c", script, "_", str(mini_scripts["bash"])],
              env=mini_env)
    assert out.split() == ["add", "attach"]


def test_bash_wordbreaks(mini_scripts, mini_env):
    """bash splits -c=a into "-c" "=" "a"; the replies replace only the last piece."""
    script = ('source "$1"; COMP_LINE="netsh -c=a"; COMP_POINT=10; COMP_WORDS=(netsh -c = a); COMP_CWORD=3; '
              '_netsh; printf "%s\\n" "${COMPREPLY[@]}"')
    out = run([need("bash"), "--norc", "--noprofile", "-c", script, "_", str(mini_scripts["bash"])],
              env=mini_env)
    assert out.split() == ["always", "auto"]


def test_scripts_are_thin():
    """No copy of the grammar or of its rules in any script: they only ask netsh."""
    for shell in SHELLS:
        script = generate(shell, mini_grammar())
        assert "__complete" in script and "attach" not in script and len(script.splitlines()) < 40


def test_unknown_shell():
    with pytest.raises(ValueError, match="unknown shell"):
        generate("csh", mini_grammar())
    assert main(["csh"]) == 2


# --- the checked-in files, from the real tree ----------------------------------------

@pytest.fixture(scope="module")
def grammar():
    from netsh.app import build_grammar
    return build_grammar()


@pytest.mark.parametrize("shell", SHELLS)
def test_checked_in_completions_are_fresh(grammar, shell):
    path = ROOT / FILES[shell]
    assert path.exists(), f"{FILES[shell]} is missing: run `make completions`"
    assert path.read_text() == generate(shell, grammar), \
        f"{FILES[shell]} is stale (the grammar changed): run `make completions`"


@pytest.fixture(scope="module")
def real_env(tmp_path_factory):
    return netsh_on_path(tmp_path_factory.mktemp("real"), dict(os.environ))


def test_checked_in_bash(grammar, real_env):
    script = ROOT / FILES["bash"]
    out = run([need("bash"), "--norc", "--noprofile", "-c", 'source "$1"; complete -p netsh', "_", str(script)])
    assert out.strip() == "complete -F _netsh netsh"
    assert "link" in bash_complete(script, "netsh li", real_env)
    assert {"add", "attach"} <= set(bash_complete(script, "netsh link a", real_env))
    bash_complete(script, "netsh ping -I ", real_env)   # offers nothing offline, and must not fail
    assert bash_complete(script, "netsh l s ", real_env) == []  # ambiguous


@pytest.mark.parametrize("shell", SHELLS)
def test_branch_and_expression_in_every_shell(real_env, shell):
    script, complete_in = ROOT / FILES[shell], globals()[f"{shell}_complete"]
    assert sorted(complete_in(script, "netsh link add x type ", real_env)) == ["bridge", "impair", "pair", "veth", "vlan"]
    assert complete_in(script, "netsh link add x type pair ", real_env) == ["peer"]
    assert sorted(complete_in(script, "netsh link add x type vlan ", real_env)) == ["id", "link", "protocol"]
    assert complete_in(script, "netsh capture show -Y dir == ", real_env) == ["in", "out"]
    assert "link" in complete_in(script, "netsh capture show -Y ", real_env)


def test_checked_in_bash_shellcheck():
    need("shellcheck")                 # make deps installs it; CI must not skip this
    run(["shellcheck", "-s", "bash", str(ROOT / FILES["bash"])])


def test_checked_in_zsh_parses(grammar):
    run([need("zsh"), "-n", str(ROOT / FILES["zsh"])])
    assert (ROOT / FILES["zsh"]).read_text().startswith("#compdef netsh\n")


def test_checked_in_zsh_registers_with_compinit(grammar, tmp_path):
    shutil.copy(ROOT / FILES["zsh"], tmp_path / "_netsh")
    script = ('fpath=("$1" $fpath); autoload -U compinit; compinit -u -D; '
              'print -r -- "${_comps[netsh]}"')
    assert run([need("zsh"), "-f", "-c", script, "_", str(tmp_path)]).strip() == "_netsh"


def test_checked_in_zsh_engine(grammar, real_env):
    assert "link" in zsh_complete(ROOT / FILES["zsh"], "netsh li", real_env)
    assert {"add", "attach"} <= set(zsh_complete(ROOT / FILES["zsh"], "netsh link a", real_env))


def test_checked_in_fish(grammar, real_env):
    script = ROOT / FILES["fish"]
    assert "link" in fish_complete(script, "netsh li", real_env)
    assert {"add", "attach"} <= set(fish_complete(script, "netsh link a", real_env))
    fish_complete(script, "netsh ping -I ", real_env)
