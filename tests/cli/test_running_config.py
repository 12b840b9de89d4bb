"""The running configuration: ``show running-config``, ``save [FILE]``, ``load [FILE]``.

Real stacks (sans-IO, fake clock) behind real executors: what one stack shows,
saved and loaded into a fresh stack, shows again byte for byte.
"""
import io
import json
import os

import pytest

from netsh import __version__
from netsh.batch import run_batch, split_line
from netsh.commands import config as config_cmd
from netsh.app import GRAMMAR
from netsh.executor import Executor
from netsh.options import Options
from stack.api import CALLS
from stack.api.config import SECTIONS
from stack.clock import FakeClock
from stack.stack import Stack
from tests.cli.fakes import debug  # noqa: F401  (autouse: NETSH_DEBUG=1)


class Shell:
    """A fresh stack and an executor on it; `line()` -> (status, stdout, stderr)."""

    def __init__(self, **options):
        self.stack = Stack(clock=FakeClock())
        self.out, self.err = io.StringIO(), io.StringIO()
        self.executor = Executor(None, Options(**options), self.out, self.err, stack=self.stack.api,
                                 grammar=GRAMMAR)

    def line(self, text: str, caret: bool = False):
        o, e = self.out.tell(), self.err.tell()
        status = self.executor.run_line(text, caret=caret)
        return status, self.out.getvalue()[o:], self.err.getvalue()[e:]

    def ok(self, *lines: str) -> None:
        for text in lines:
            status, _, err = self.line(text)
            assert (status, err) == (0, ""), text

    def running(self) -> str:
        status, out, err = self.line("show running-config")
        assert (status, err) == (0, "")
        return out

    def state(self) -> dict:
        """What the configuration should decide, seen through the ordinary show calls."""
        links = [{k: row.get(k) for k in ("ifname", "flags", "mtu", "address", "link_kind",
                                          "peer", "host_dev")}
                 | {"addr": [(a["local"], a["prefixlen"]) for a in row["addr_info"]]}
                 for row in self.stack.api.link_list()]
        neigh = [n for n in self.stack.api.neigh_list() if n["state"] == ["PERMANENT"]]
        api = self.stack.api
        return {"links": links, "neigh": neigh, "routes": api.route_list(),
                "routes6": api.route_list(family="inet6", table="all"), "rules": api.rule_list(family=None)}


CONFIGURE = (
    "link add v0 type pair peer v1",
    "link set v0 up mtu 1400",
    "link set v1 up",
    "link add name peer type pair peer up",     # names that are also keywords of link add/set
    "link set dev up mtu 9000 up",
    "link add w0 type pair peer w1",
    "link set w0 address 02:00:00:00:00:0a up",
    "link set w0 down",                         # down again: nothing to say about its state
    "addr add 192.0.2.1/24 dev v0",
    "addr add 198.51.100.1/24 dev v0",          # a second address keeps its place
    "addr add 192.0.2.129/25 dev v0",
    "addr add 203.0.113.1/32 dev up",
    "addr add 203.0.113.9/30 dev v1",
    "neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev v0",
    "neigh add 192.0.2.3 lladdr 02:00:00:00:00:03 dev v0",
    "neigh add 203.0.113.10 lladdr 02:00:00:00:00:10 dev v1",
    "link set lo mtu 16384",
    "addr add 127.0.0.2/8 dev lo",
)


@pytest.fixture
def configured():
    sh = Shell()
    sh.ok(*CONFIGURE)
    sh.executor.run_tokens(["link", "add", "'q", "type", "pair", "peer", '"r'])  # quotes in names
    sh.ok("neigh add 192.0.2.99 dev v0 lladdr 02:00:00:00:00:99", "neigh del 192.0.2.99 dev v0")
    return sh


def test_show_running_config_is_a_batch_in_order(configured):
    text = configured.running()
    mac = {row["ifname"]: row["address"] for row in configured.stack.api.link_list()}
    assert text == "\n".join([
        f"# netsh running-config, netsh-{__version__}",
        "link set lo mtu 16384",
        "link add v0 type pair peer v1",
        f"link set v0 address {mac['v0']} mtu 1400 up",
        f"link set v1 address {mac['v1']} up",
        "link add name peer type pair peer up",
        f"link set peer address {mac['peer']}",
        f"link set dev up address {mac['up']} mtu 9000 up",
        "link add w0 type pair peer w1",
        "link set w0 address 02:00:00:00:00:0a",
        f"link set w1 address {mac['w1']}",
        "link add \"'q\" type pair peer '\"r'",
        f"link set \"'q\" address {mac[chr(39) + 'q']}",
        f"link set '\"r' address {mac[chr(34) + 'r']}",
        "address add 127.0.0.2/8 dev lo",
        "address add 192.0.2.1/24 dev v0",
        "address add 198.51.100.1/24 dev v0",
        "address add 192.0.2.129/25 dev v0",
        "address add 203.0.113.9/30 dev v1",
        "address add 203.0.113.1/32 dev up",
        "neighbour add 192.0.2.2 lladdr 02:00:00:00:00:02 dev v0",
        "neighbour add 192.0.2.3 lladdr 02:00:00:00:00:03 dev v0",
        "neighbour add 203.0.113.10 lladdr 02:00:00:00:00:10 dev v1",
    ]) + "\n"


def test_round_trip_through_save_and_load_is_byte_identical(configured, tmp_path):
    path = tmp_path / "running-config"
    status, out, err = configured.line(f"save {path}")
    assert (status, err) == (0, "") and out == f"running-config saved to {path}\n"
    shown = configured.running()
    assert path.read_text() == shown

    fresh = Shell()
    assert fresh.line(f"load {path}") == (0, "", "")
    assert fresh.running() == shown
    assert fresh.state() == configured.state()
    fresh.ok(f"save {tmp_path / 'again'}")
    assert (tmp_path / "again").read_bytes() == path.read_bytes()


def test_the_saved_file_is_a_batch_netsh_b_runs(configured, tmp_path):
    path = tmp_path / "rc"
    configured.ok(f"save {path}")
    fresh = Shell()
    assert run_batch(fresh.executor, str(path)) == 0
    assert fresh.running() == configured.running()


def test_a_fresh_stack_has_nothing_to_say():
    sh = Shell()
    assert sh.running() == f"# netsh running-config, netsh-{__version__}\n"


def test_loopback_changes_are_kept(tmp_path):
    sh = Shell()
    sh.ok("addr del 127.0.0.1/8 dev lo", "addr add 127.0.0.1/16 dev lo", "link set lo down")
    assert sh.running().splitlines()[1:] == [
        "link set lo down", "address delete 127.0.0.1/8 dev lo", "address add 127.0.0.1/16 dev lo"]
    sh.ok(f"save {tmp_path / 'rc'}")
    fresh = Shell()
    fresh.ok(f"load {tmp_path / 'rc'}")
    assert fresh.running() == sh.running() and fresh.state() == sh.state()


def test_only_permanent_neighbours_are_configuration(configured):
    table = configured.stack.arp.table
    v0 = configured.stack.links["v0"]
    table.confirm(v0, bytes((192, 0, 2, 50)), bytes.fromhex("020000000050"), True, True)
    assert any(n["dst"] == "192.0.2.50" for n in configured.stack.api.neigh_list())
    assert "192.0.2.50" not in configured.running()


def test_show_run_abbreviates_and_json_gives_the_objects(configured):
    assert GRAMMAR.parse(["show", "run"]).command.name == "show running-config"
    assert GRAMMAR.parse(["sh", "r"]).command.name == "show running-config"
    assert configured.line("show run")[1] == configured.running()
    status, out, err = configured.line("-j show running-config")
    assert (status, err) == (0, "")
    objects = json.loads(out)
    assert objects == configured.stack.api.config()
    kinds = [o["kind"] for o in objects]
    assert kinds == sorted(kinds, key=["link", "address", "neighbour"].index)
    v0 = next(o for o in objects if o.get("ifname") == "v0")
    assert v0 == {"kind": "link", "ifname": "v0", "link_kind": "pair", "peer": "v1",
                  "address": v0["address"], "mtu": 1400, "up": True}
    assert {"kind": "neighbour", "dev": "v0", "dst": "192.0.2.2",
            "lladdr": "02:00:00:00:00:02"} in objects


def test_every_config_section_has_a_writer():
    assert set(SECTIONS) <= set(config_cmd.WRITERS)
    assert "config" in CALLS


def test_a_pair_end_joined_to_another_stack_is_left_out():
    from stack.link.pair import PairLink
    sh, other = Shell(), Shell()
    a, b = PairLink("x0"), PairLink("x1")
    PairLink.connect(a, b)
    sh.stack.add_link(a)
    other.stack.add_link(b)
    sh.ok("addr add 192.0.2.1/24 dev x0")
    assert sh.running() == f"# netsh running-config, netsh-{__version__}\n"


# --- save ---------------------------------------------------------------------------

def test_save_keeps_the_previous_copy(configured, tmp_path):
    path = tmp_path / "rc"
    configured.ok(f"save {path}")
    first = path.read_text()
    configured.ok("addr add 198.51.100.7/24 dev v1")
    status, out, err = configured.line(f"save {path}")
    assert status == 0 and out == f"running-config saved to {path} (previous copy: {path}.bak)\n"
    assert (tmp_path / "rc.bak").read_text() == first
    assert path.read_text() == configured.running() != first
    assert sorted(os.listdir(tmp_path)) == ["rc", "rc.bak"]


def test_save_follows_a_symlink_and_keeps_the_mode(configured, tmp_path):
    real = tmp_path / "real"
    real.write_text("old\n")
    real.chmod(0o640)
    (tmp_path / "link").symlink_to(real)
    configured.ok(f"save {tmp_path / 'link'}")
    assert (tmp_path / "link").is_symlink() and real.read_text() == configured.running()
    assert (real.stat().st_mode & 0o777) == 0o640
    assert (tmp_path / "real.bak").read_text() == "old\n"


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_save_leaves_the_old_file_whole(configured, tmp_path, monkeypatch, failing):
    path = tmp_path / "rc"
    path.write_text("old\n")

    def fail(*args, **kwargs):
        raise OSError(5, "Input/output error")
    monkeypatch.setattr(config_cmd.os, failing, fail)
    status, out, err = configured.line(f"save {path}")
    monkeypatch.undo()
    assert (status, out) == (1, "")
    assert err == f'Error: cannot save to "{path}": Input/output error\n'
    assert path.read_text() == "old\n"
    left = sorted(os.listdir(tmp_path))
    assert left in (["rc"], ["rc", "rc.bak"])          # no temporary file stays behind
    if "rc.bak" in left:                                 # the copy may be refreshed, never wrong
        assert (tmp_path / "rc.bak").read_text() == "old\n"


def test_save_defaults_under_xdg_config_home(configured, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    status, out, err = configured.line("save")
    path = tmp_path / "xdg" / "netsh" / "running-config"
    assert (status, err) == (0, "") and out == f"running-config saved to {path}\n"
    assert path.read_text() == configured.running()
    fresh = Shell()
    fresh.ok("load")
    assert fresh.running() == configured.running()


@pytest.mark.parametrize("xdg", [None, "", "relative/dir"])
def test_save_falls_back_to_dot_config(tmp_path, monkeypatch, xdg):
    if xdg is None:
        monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    Shell().ok("save")
    assert (tmp_path / ".config" / "netsh" / "running-config").is_file()


def test_save_errors_are_one_line(configured, tmp_path):
    missing = tmp_path / "no" / "rc"
    assert configured.line(f"save {missing}") == (
        1, "", f'Error: cannot save to "{missing}": No such file or directory\n')
    assert configured.line(f"save {tmp_path}") == (
        1, "", f'Error: cannot save to "{tmp_path}": it is a directory\n')
    assert not missing.parent.exists()


def test_a_name_no_batch_can_hold_is_refused_in_one_line():
    sh = Shell()
    sh.executor.run_tokens(["link", "add", "a#b", "type", "pair", "peer", "c"])
    status, out, err = sh.line("show running-config")
    assert (status, out) == (1, "")
    assert err == 'Error: "a#b" cannot be written in a batch file: "#" starts a comment there\n'


# --- load ---------------------------------------------------------------------------

def write(tmp_path, text: str, name: str = "rc"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_bad_line_anywhere_changes_nothing(tmp_path):
    path = write(tmp_path, "link add v0 type pair peer v1\n# fine\n\nlink set v0 mtu 20\n"
                           "addr add 192.0.2.1/24 dev v0\n")
    sh = Shell()
    before = sh.running()
    assert sh.line(f"load {path}") == (
        1, "", f'Error: {path}:4: invalid MTU "20": must be 68..65535\n')
    assert sh.running() == before


@pytest.mark.parametrize("text, message", [
    ("link frob\n", 'unknown command "frob" for "link"; try "help"'),
    ("link show 'x\n", "Unterminated quoted string"),
    ("link add a \\\n", "Missing continuation line"),
    ("-b x link show\n", 'Option "-b" belongs on the netsh command line, not in a command'),
])
def test_syntax_errors_name_the_file_and_line(tmp_path, text, message):
    path = write(tmp_path, "# header\n" + text)
    status, out, err = Shell().line(f"load {path}")
    assert (status, out) == (1, "")
    assert err == f"Error: {path}:2: {message}\n"


def test_load_stops_at_the_first_failure_and_keeps_what_was_there(configured, tmp_path):
    before = configured.state()
    path = write(tmp_path, "link add p0 type pair peer p1\n"
                           "addr add 192.0.2.200/24 dev p0\n"
                           "link add v0 type pair peer x9\n"        # v0 exists: refused
                           "addr add 192.0.2.201/24 dev p1\n")
    assert configured.line(f"load {path}") == (
        1, "", f'Error: {path}:3: link "v0" already exists\n')
    after = configured.state()
    names = [row["ifname"] for row in after["links"]]
    assert "p0" in names and "x9" not in names
    assert [row for row in after["links"] if row["ifname"] not in ("p0", "p1")] == before["links"]
    assert after["neigh"] == before["neigh"]
    p1 = next(row for row in after["links"] if row["ifname"] == "p1")
    assert p1["addr"] == []                     # the line after the failure did not run


def test_loading_a_config_twice_is_refused_without_damage(configured, tmp_path):
    configured.ok(f"save {tmp_path / 'rc'}")
    before = (configured.running(), configured.state())
    status, out, err = configured.line(f"load {tmp_path / 'rc'}")
    assert status == 1 and err.count("\n") == 1 and "already exists" in err
    assert (configured.running(), configured.state()) == before


def test_load_errors_are_one_line(tmp_path):
    sh = Shell()
    missing = tmp_path / "nothing"
    assert sh.line(f"load {missing}") == (
        1, "", f'Error: cannot load "{missing}": No such file or directory\n')
    assert sh.line(f"load {tmp_path}") == (
        1, "", f'Error: cannot load "{tmp_path}": Is a directory\n')
    path = write(tmp_path, "load " + str(tmp_path / "rc") + "\n")
    assert sh.line(f"load {path}") == (1, "", f'Error: {path}:1: "{path}" loads itself\n')


def test_load_shows_what_its_commands_print_and_exit_ends_only_the_file(tmp_path):
    path = write(tmp_path, "link add v0 type pair peer v1\n-br link show v0\nexit\n"
                           "link set v0 up\n")
    sh = Shell()
    status, out, err = sh.line(f"load {path}")
    assert (status, err) == (0, "")
    assert out.startswith("v0@v1 ") and "DOWN" in out
    assert not sh.executor.exit_requested
    assert "up" not in sh.stack.api.config()[1]


def test_in_a_batch_a_failed_load_is_one_failed_command(tmp_path):
    bad = write(tmp_path, "link set nothere up\n", "bad")
    batch = write(tmp_path, f"link add v0 type pair peer v1\nload {bad}\nlink set v0 up\n", "b")
    sh = Shell()
    assert run_batch(sh.executor, str(batch)) == 1
    assert sh.err.getvalue() == (f'Error: {bad}:1: Cannot find device "nothere"\n'
                                 f"Command failed {batch}:2\n")


def test_the_commands_are_in_the_grammar():
    names = {c.name for c in GRAMMAR.root.commands()}
    assert {"show running-config", "save", "load"} <= names


def test_a_file_too_large_is_refused_before_reading_it_all(tmp_path, monkeypatch):
    monkeypatch.setattr(config_cmd, "MAX_LOAD_CHARS", 1 << 20)
    path = write(tmp_path, "# padding\n" * 200_000)
    assert Shell().line(f"load {path}") == (1, "", f'Error: cannot load "{path}": more than 1 MiB\n')


def test_relative_names_follow_the_faces_directory_when_the_context_has_one(monkeypatch, tmp_path):
    class Ctx:
        cwd = "/srv/face"
    assert config_cmd.resolve(Ctx(), "rc") == "/srv/face/rc"
    assert config_cmd.resolve(Ctx(), "/etc/rc") == "/etc/rc"
    assert config_cmd.resolve(object(), "rc") == "rc"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_cmd.resolve(Ctx(), None) == str(tmp_path / "netsh" / "running-config")


@pytest.mark.parametrize("name, written", [
    ("v0", "v0"), ("a'b", "a'b"), ("'q", "\"'q\""), ('"r', "'\"r'"), ("a\"b", "a\"b")])
def test_words_come_back_as_they_went(name, written):
    assert config_cmd.word(name) == written
    assert split_line(f"link set {written} up") == ["link", "set", name, "up"]


@pytest.mark.parametrize("name", ["'a\"", "\"a'"])
def test_a_name_with_both_quotes_after_one_is_refused(name):
    with pytest.raises(config_cmd.CommandError, match="both quotes"):
        config_cmd.word(name)


def test_ipv6_routes_and_rules_a_user_made_are_kept_and_made_again(tmp_path):
    sh = Shell()
    sh.ok("link add v0 type pair peer v1", "link set v0 addrgenmode none", "link set v0 up",
          "addr add 2001:db8::1/64 dev v0 nodad",
          "route add default via 2001:db8::2",                    # IPv6, from the gateway
          "-6 route add 2001:db8:10::/64 via 2001:db8::2",
          "-6 route append 2001:db8:10::/64 via 2001:db8::3",     # joined: one multipath route
          "-6 route add prohibit 2001:db8:66::/64 metric 7 table 30",
          "-6 rule add fwmark 0x30/0xff lookup 30 priority 300",
          "-6 rule del priority 32766")
    lines = sh.running().splitlines()
    assert lines[-5:] == [
        "-6 rule delete priority 32766 table main",
        "-6 rule add from all fwmark 0x30/0xff lookup 30 priority 300",
        "-6 route add prohibit 2001:db8:66::/64 table 30 metric 7",
        "-6 route add default via 2001:db8::2 dev v0 metric 1024",
        "-6 route add 2001:db8:10::/64 metric 1024 nexthop via 2001:db8::2 dev v0 weight 1 "
        "nexthop via 2001:db8::3 dev v0 weight 1"]
    path = tmp_path / "rc"
    sh.ok(f"save {path}")
    fresh = Shell()
    assert fresh.line(f"load {path}") == (0, "", "")
    assert fresh.running() == sh.running()
    assert fresh.state() == sh.state()
