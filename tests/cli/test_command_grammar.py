"""The command tree of netsh.commands: words, aliases, prefixes, synonyms, defaults."""
import pytest

from netsh.app import GRAMMAR, build_grammar
from netsh.grammar import ParseError
from tests.cli.fakes import debug  # noqa: F401  (autouse: NETSH_DEBUG=1)


def name(line: str) -> str:
    return GRAMMAR.parse(line.split()).command.name


@pytest.mark.parametrize("line, command", [
    ("link show", "link show"),
    ("link", "link show"),                       # a bare object shows
    ("l", "link show"),                          # alias (l would be ambiguous with lab)
    ("a", "address show"),
    ("addr", "address show"),
    ("address list", "address show"),
    ("a lst", "address show"),
    ("a s", "address show"),                     # address has no set: s is show
    ("r", "route show"),
    ("ro", "route show"),
    ("route list", "route show"),
    ("n", "neighbour show"),
    ("neigh", "neighbour show"),
    ("neighbor show", "neighbour show"),
    ("neighbour", "neighbour show"),
    ("li sh", "link show"),                      # unique prefixes
    ("link del x", "link delete"),
    ("addr del 192.0.2.1 dev a", "address delete"),
    ("ip link show", "link show"),               # iproute2 lines paste as they are
    ("ip a", "address show"),
    ("ip -s link", None),                        # options are the executor's, not the grammar's
    ("quit", "exit"),
    ("q", "exit"),
    ("help link set", "help"),
    ("lab down all", "lab down"),
    ("st Icmp", "stats"),
])
def test_words_resolve(line, command):
    if command is None:
        with pytest.raises(ParseError):
            name(line)
        return
    assert name(line) == command


@pytest.mark.parametrize("line, words, index", [
    ("link s", "set, show", 1),
    ("link de x", "delete, detach", 1),
    ("ip link a", "add, attach", 2),
    ("s", "sleep, stats", 0),
])
def test_ambiguous_prefix_names_the_candidates(line, words, index):
    with pytest.raises(ParseError) as info:
        name(line)
    assert "ambiguous" in info.value.message and words in info.value.message
    assert info.value.index == index


def test_unknown_word_points_at_it():
    with pytest.raises(ParseError) as info:
        name("link frob")
    assert info.value.index == 1 and '"frob"' in info.value.message


def test_slots_convert_values():
    parsed = GRAMMAR.parse("link set dev a up mtu 1400 address 02:00:00:00:00:01".split())
    given = {k: v for k, v in parsed.args.items() if v is not None}
    assert given == {"dev": "a", "up": True, "mtu": 1400, "address": bytes.fromhex("020000000001")}
    parsed = GRAMMAR.parse("link set a down".split())
    assert parsed.args["up"] is False


def test_set_needs_something_to_do():
    with pytest.raises(ParseError, match="needs something to do"):
        name("link set a")


def test_up_and_down_conflict():
    with pytest.raises(ParseError, match="conflicts"):
        GRAMMAR.parse("link set a up down".split())


def test_prefix_without_length_is_a_host_address_for_add_only():
    add = GRAMMAR.parse("addr add 192.0.2.1 dev a".split()).args["prefix"]
    delete = GRAMMAR.parse("addr del 192.0.2.1 dev a".split()).args["prefix"]
    assert add.prefixlen == 32 and delete.prefixlen is None


def test_help_takes_several_words():
    assert GRAMMAR.parse("help link set".split()).args["topic"] == ["link", "set"]
    assert GRAMMAR.parse(["help"]).args["topic"] is None


def test_a_repeated_slot_grows_in_place_so_long_lines_parse_in_linear_time():
    """Each word used to copy the list of the words before it (issue 12: 100k words, 39 s)."""
    from netsh.grammar import SlotFill
    fill = SlotFill(GRAMMAR.resolve(["help"]).node.command)
    fill.feed("link", 1)
    words = fill.args["topic"]
    for index in range(2, 10_002):
        fill.feed("x", index)
    assert fill.args["topic"] is words and len(words) == 10_001


def test_ping_options_match_exactly():
    args = GRAMMAR.parse("ping -c 3 -i 0.2 -s 100 -W 1 -I a 192.0.2.2".split()).args
    assert (args["count"], args["interval"], args["size"], args["timeout"], args["dev"]) == \
        (3, 0.2, 100, 1.0, "a")
    assert str(args["address"]) == "192.0.2.2"


def test_every_object_with_commands_has_help():
    for word in ("link", "address", "neighbour", "route", "lab"):
        assert "help" in GRAMMAR.root.children[word].children


def test_stateless_commands():
    stateless = {c.name for c in GRAMMAR.root.commands() if c.stateless}
    assert {"help", "exit", "completion", "lab down", "demo", "link help"} <= stateless
    assert "link show" not in stateless


def test_build_grammar_is_repeatable():
    assert [c.name for c in build_grammar().root.commands()] == \
        [c.name for c in GRAMMAR.root.commands()]


def test_synopses_are_iproute2_style():
    synopses = {c.name: c.synopsis() for c in GRAMMAR.root.commands()}
    assert synopses["link set"] == ("link set [ dev ] DEV [ up | down ] [ mtu MTU ] [ address LLADDR ] "
                                   "[ master BR ] [ nomaster ] [ name NAME ] [ txqlen PACKETS ] "
                                   "[ promisc on|off ] [ arp on|off ] [ addrgenmode MODE ] "
                                   "[ type ETYPE [ ARGS ] ] [ ra on|off|ARGS... ]")
    assert synopses["help"] == "help [ COMMAND... ]"
    assert synopses["ping"].startswith("ping [ -c COUNT ]") and synopses["ping"].endswith("ADDR")


def test_live_names_for_completion():
    from netsh.argtypes import HOSTDEV, LAYER, LINK
    from tests.cli.fakes import Run
    executor = Run().executor
    assert executor.live("link") == ["lo", "a", "b"]
    assert executor.live("hostdev") == ["veth-h1", "veth-h2"]
    assert executor.live("layer") == ["Icmp", "Drop"]
    assert executor.live("file") == [] and executor.live("nonsense") == []
    assert LINK.candidates(executor) == ["lo", "a", "b"]
    assert HOSTDEV.candidates(None) == []
    assert LAYER.choices() == ["Ip", "IpExt", "Icmp", "IcmpMsg", "Ip6", "Icmp6", "ArpStats", "NdiscCache",
                              "Bridge", "Link", "Drop", "Trace"]


def test_live_names_without_a_stack():
    from tests.cli.fakes import Run
    executor = Run().executor
    executor.stack = None
    assert executor.live("link") == []


def test_single_letter_options_take_attached_values_like_getopt():
    from netsh.app import GRAMMAR
    parsed = GRAMMAR.parse(["ping", "-c3", "-i0.2", "-s", "100", "192.0.2.2"])
    assert parsed.args["count"] == 3 and parsed.args["interval"] == 0.2 and parsed.args["size"] == 100
    with pytest.raises(ParseError, match='invalid COUNT "x"'):
        GRAMMAR.parse(["ping", "-cx", "192.0.2.2"])


# --- a branch: link add NAME type KIND [ KIND ARGS ] ---------------------------------------

def test_link_add_pair_parses_through_its_branch():
    parsed = GRAMMAR.parse("link add x type pair peer y".split())
    assert (parsed.args["name"], parsed.args["type"], parsed.args["peer"]) == ("x", "pair", "y")


@pytest.mark.parametrize("line, message, index", [
    ("link add x type q peer y", 'invalid TYPE "q": one of: pair, impair, bridge, vlan, veth', 4),
    ("link add x type impair peer y", '"peer" is not an option of type impair', 5),
    ("link add x type pair", '"link add" needs peer NAME', 5),
    ("link add x peer y type pair", '"peer" comes after "type pair | veth"', 3),
    ("link add x type", '"type" needs a value: TYPE', 3),
])
def test_link_add_errors_stay_clear(line, message, index):
    with pytest.raises(ParseError) as err:
        GRAMMAR.parse(line.split())
    assert (err.value.message, err.value.index) == (message, index)


def test_branch_synopsis_names_the_types_and_their_args():
    from netsh.commands.misc import command_help
    cmd = GRAMMAR.root.children["link"].children["add"].command
    assert cmd.synopsis() == "link add [ link DEV ] [ name ] NAME type TYPE [ ARGS ]"
    lines = command_help(GRAMMAR.root.children["link"].children["add"])
    assert "       TYPE := { pair | impair | bridge | vlan | veth }" in lines and "       pair ARGS := peer NAME" in lines


def test_branch_variants_come_from_a_callable_read_when_needed():
    from netsh.complete import complete
    from netsh.grammar import Grammar, Node, branch, leaf, opt
    from netsh.argtypes import NEW_LINK
    kinds = {}
    root = Node("")
    leaf(root, ("make",), [branch("kind", "kind", lambda: kinds)], "make one", None)
    grammar = Grammar(root)
    kinds["tun"] = ("a tunnel", [opt("remote", "remote", NEW_LINK, optional=False)])
    assert GRAMMAR_args(grammar, "make kind tun remote r") == {"kind": "tun", "remote": "r"}
    assert [c.text for c in complete(grammar, ["make", "kind", "tun"], "")] == ["remote"]


def GRAMMAR_args(grammar, line):
    return grammar.parse(line.split()).args


# --- an expression: capture show -Y EXPR --------------------------------------------------

def test_display_filter_errors_point_at_the_bad_word():
    with pytest.raises(ParseError) as err:
        GRAMMAR.parse("capture show -Y link == a and dir == up".split())
    assert (err.value.message, err.value.index) == ('invalid direction "up": one of: in, out', 9)
    with pytest.raises(ParseError) as err:
        GRAMMAR.parse("capture show -Y".split())
    assert err.value.message == '"-Y" needs a value: EXPR'


def test_display_filter_completes_fields_operators_and_live_links():
    from netsh.complete import complete
    live = {"link": ["v0", "v1"]}.get
    words = "capture show -Y".split()
    assert "link" in [c.text for c in complete(GRAMMAR, words, "")]
    assert [c.text for c in complete(GRAMMAR, words + ["link"], "")][:2] == ["==", "!="]
    assert "tcp.flags.syn" in [c.text for c in complete(GRAMMAR, words, "tcp.flags.s")]
    assert [c.text for c in complete(GRAMMAR, words + ["link", "=="], "v", live)] == ["v0", "v1"]
    assert [c.text for c in complete(GRAMMAR, words + ["dir", "=="], "")] == ["in", "out"]
    assert [c.text for c in complete(GRAMMAR, words + ["dir", "==", "in"], "")] == ["and", "or"]
