"""Bad input: one clear line naming the offending token, the right status, no traceback."""
import pytest

from netsh.errors import EXIT_FAIL, EXIT_INTERNAL, CommandError
from tests.cli.fakes import FakeStack, Run, debug, run, syntax_status  # noqa: F401


@pytest.mark.parametrize("line, message", [
    ("frob", 'Error: unknown command "frob" for netsh; try "help"'),
    ("link frob", 'Error: unknown command "frob" for "link"; try "help"'),
    ("link s", 'Error: ambiguous "s": set, show'),
    ("addr add 192.0.2.1/33 dev a",
     'Error: invalid PREFIX "192.0.2.1/33": prefix length must be 0..32'),
    ("addr add 192.0.2/24 dev a", 'Error: invalid PREFIX "192.0.2/24": not an IPv4 address'),
    ("addr add 192.0.2.1/24", 'Error: "address add" needs dev DEV'),
    ("addr flush", 'Error: "address flush" needs dev DEV'),
    ("link set a mtu 20", 'Error: invalid MTU "20": must be 68..65535'),
    ("link set a mtu 70000", 'Error: invalid MTU "70000": must be 68..65535'),
    ("link set a mtu big", 'Error: invalid MTU "big": not a number'),
    ("link set a mtu", 'Error: "mtu" needs a value: MTU'),
    ("link set a address 02:00:00:00:00", 'Error: invalid LLADDR "02:00:00:00:00": '
                                          'expected 6 hex bytes like aa:bb:cc:dd:ee:ff'),
    ("link set a", 'Error: "link set" needs something to do: up | down | mtu MTU | address LLADDR'
                    ' | master BR | nomaster | name NAME | txqlen PACKETS | promisc on|off | arp on|off'
                    ' | addrgenmode MODE | type ETYPE | ra on|off|ARGS'),
    ("link set a up mtu 1400 mtu 1500", 'Error: duplicate "mtu"'),
    ("link show a b", 'Error: unexpected "b" for "link show"'),
    ("ping -c 0 192.0.2.2", 'Error: invalid COUNT "0": must be 1..2147483648'),
    ("ping -s 70000 192.0.2.2", 'Error: invalid SIZE "70000": must be 0..65507'),
    ("ping -i 0 192.0.2.2", 'Error: invalid INTERVAL "0": must be 0.002..3600'),
    ("ping 192.0.2.300", 'Error: invalid ADDR "192.0.2.300": not an IPv4 address'),
    ("ping", 'Error: "ping" needs ADDR'),
    ("neigh add 192.0.2.9 lladdr zz dev a",
     'Error: invalid LLADDR "zz": expected 6 hex bytes like aa:bb:cc:dd:ee:ff'),
    ("sleep -1", 'Error: invalid SECONDS "-1": must be 0..86400'),
    ("completion tcsh", 'Error: invalid SHELL "tcsh": one of: bash, zsh, fish'),
    ("stats 1x", 'Error: invalid LAYER "1x": one of: Ip, IpExt, Icmp, IcmpMsg, Ip6, Icmp6, ArpStats, '
                 'NdiscCache, Bridge, Link, Drop, Trace'),
    ("link add x type dummy", 'Error: invalid TYPE "dummy": one of: pair, impair, bridge, vlan, veth'),
    ('link set "a b" up', 'Error: invalid DEV "a b": not a valid link name'),
    ("link set abcdefghijklmnop up", 'Error: invalid DEV "abcdefghijklmnop": '
                                     'a link name has 1..15 characters'),
    ("link set eth9 up", 'Error: Cannot find device "eth9"'),         # the stack's refusal
    ("stats Tcp", 'Error: unknown layer "Tcp"'),
    ("help frob", 'Error: unknown command "frob" for netsh; try "help"'),
    ("-x link", 'Error: Option "-x" is unknown, try "netsh -help".'),
    ("-b f link", 'Error: Option "-b" belongs on the netsh command line, not in a command'),
    ('link show "a', "Error: Unterminated quoted string"),
])
def test_one_line_naming_the_token(line, message):
    status, out, err = run(line)
    assert (status, out, err) == (syntax_status(message), "", message + "\n")


@pytest.mark.parametrize("line, caret", [
    ("link set a mtu 20", "               ^^"),
    ("link  frob", "      ^^^^"),
    ("ip link set a", "              ^"),                # missing: after the end
    ("link set a  # a comment", "           ^"),
    ('link show "lo" x', "               ^"),
    ('link set "a b" up', "         ^^^^^"),           # the quotes are part of the token
    ("link set eth9 up", "         ^^^^"),             # stack error: the quoted token
    ("-s -x link", "   ^^"),
    ('link show "a', "          ^"),
])
def test_caret_under_the_token(line, caret):
    status, out, err = run(line, caret=True)
    lines = err.splitlines()
    assert status == syntax_status(lines[2]) and len(lines) == 3
    assert lines[0] == line and lines[1] == caret and lines[2].startswith("Error: ")


def test_failed_command_changes_nothing():
    r = Run()
    r.line("link set a up mtu 20")
    r.line("addr add 192.0.2.1/33 dev a")
    assert r.stack.calls == []


def test_internal_error_is_one_line_with_status_2(monkeypatch):
    monkeypatch.delenv("NETSH_DEBUG")
    stack = FakeStack()
    stack.route_list = lambda: 1 / 0
    status, out, err = run("route", stack=stack)
    assert status == EXIT_INTERNAL and out == ""
    assert err == "Error: internal: ZeroDivisionError: division by zero\n"


def test_internal_error_does_not_end_the_session(monkeypatch):
    monkeypatch.delenv("NETSH_DEBUG")
    r = Run()
    r.stack.route_list = lambda: {}["x"]
    assert r.line("route")[0] == EXIT_INTERNAL
    assert r.line("link show lo")[0] == 0


def test_netsh_debug_reraises():
    stack = FakeStack()
    stack.route_list = lambda: 1 / 0
    with pytest.raises(ZeroDivisionError):
        run("route", stack=stack)


def test_command_error_status_and_token():
    stack = FakeStack()
    r = Run(stack=stack)

    def refuse(ctx, args):
        raise CommandError("nope", 3, token="lo")
    from netsh.app import build_grammar       # the shared tree stays as it is
    grammar = build_grammar()
    grammar.root.children["link"].children["show"].command.handler = refuse
    r.executor.grammar = grammar
    status, out, err = r.line("link show lo", caret=True)
    assert status == 3 and err.splitlines()[1] == "          ^^"


def test_keyboard_interrupt_is_not_swallowed():
    stack = FakeStack()

    def interrupted():
        raise KeyboardInterrupt
    stack.route_list = interrupted
    with pytest.raises(KeyboardInterrupt):
        run("route", stack=stack)


def test_no_stack_for_a_stateful_command():
    r = Run()
    r.executor.stack = None
    assert r.line("link show") == (EXIT_FAIL, "", "Error: no stack is running for this command\n")
