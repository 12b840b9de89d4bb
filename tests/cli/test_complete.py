"""netsh.complete: completion and ? help derived from the grammar.

Runs against a small tree built here with grammar.py's constructors, so it does
not depend on netsh.commands; `mini_grammar()` is reused by test_shell.py.
"""
import pytest

from netsh.complete import (ENTER, Candidate, complete, file_names, format_help,
                            help_at, open_quote, split_line)
from netsh.grammar import ArgType, Command, Grammar, Node, ParseError, flag, opt, pos


class Word(ArgType):
    def __init__(self, metavar="NAME", kind=None, help=""):
        self.metavar, self.kind, self.help = metavar, kind, help


class Choice(ArgType):
    def __init__(self, *values, metavar="VALUE"):
        self.values, self.metavar = values, metavar

    def choices(self):
        return list(self.values)

    def parse(self, token):
        if token not in self.values:
            raise ValueError("one of " + ", ".join(self.values))
        return token


class Int(ArgType):
    metavar = "N"

    def parse(self, token):
        return int(token)


def LINK():
    return Word("DEV", kind="link", help="a link of the stack")


def _cmd(words, slots, help, **kw):
    return Command(tuple(words), slots, help, handler=lambda *a: None, **kw)


def mini_grammar() -> Grammar:
    root = Node("")
    link = root.add(Node("link", help="network links", default="show"))
    link.add(Node("add", command=_cmd(["link", "add"], [
        pos("name", Word()), opt("type", "kind", Choice("pair", "loopback", metavar="TYPE"), optional=False),
        opt("peer", "peer", Word(), help="the other end")], "create a link")))
    link.add(Node("attach", command=_cmd(["link", "attach"], [
        pos("hostdev", Word("HOSTDEV", kind="hostdev")), opt("name", "name", Word())],
        "bind a host NIC")))
    link.add(Node("del", synonyms=("delete",), command=_cmd(["link", "del"], [
        pos("dev", LINK(), intro="dev")], "remove a link")))
    link.add(Node("set", command=_cmd(["link", "set"], [
        pos("dev", LINK(), intro="dev"), flag("up", "state", True, help="bring it up"),
        flag("down", "state", False, help="take it down"), opt("mtu", "mtu", Int(), help="frame size")],
        "change a link", require_one_of=("state", "mtu"))))
    link.add(Node("show", command=_cmd(["link", "show"], [
        pos("dev", LINK(), optional=True, intro="dev")], "list links")))
    addr = root.add(Node("address", synonyms=("addr",), help="addresses", default="show"))
    addr.add(Node("add", command=_cmd(["address", "add"], [
        pos("prefix", Word("PREFIX")), opt("dev", "dev", LINK(), optional=False)], "add an address")))
    addr.add(Node("show", command=_cmd(["address", "show"], [
        opt("dev", "dev", LINK())], "list addresses")))
    root.add(Node("ping", command=_cmd(["ping"], [
        pos("dst", Word("ADDR")), opt("-c", "count", Int(), help="stop after N replies"),
        opt("-I", "dev", LINK(), help="send through DEV"), flag("-6", "family", 6, help="IPv6")],
        "send echo requests", details="Stops after -c replies or Ctrl-C.")))
    root.add(Node("capture", command=_cmd(["capture"], [
        opt("-i", "dev", LINK()), opt("-w", "file", Word("FILE", kind="file"), help="write a pcap file")],
        "capture packets")))
    root.add(Node("help", command=_cmd(["help"], [
        pos("words", Word("WORD"), optional=True, repeat=True, help="command words")],
        "describe commands")))
    root.aliases.update({"a": "address", "l": "link"})
    return Grammar(root)


LIVE = {"link": ["lan0", "lan1", "wan0"], "hostdev": ["veth-h1", "veth-h2"]}


def live(kind):
    return LIVE.get(kind, [])


def texts(grammar, before, partial, live_fn=live):
    return [c.text for c in complete(grammar, before, partial, live_fn)]


@pytest.fixture
def g():
    return mini_grammar()


# --- words ---------------------------------------------------------------------

def test_top_level_words(g):
    assert texts(g, [], "") == ["link", "address", "ping", "capture", "help"]
    assert texts(g, [], "li") == ["link"]
    assert texts(g, [], "zz") == []


def test_candidates_carry_help(g):
    assert complete(g, [], "li") == [Candidate("link", "network links")]
    assert complete(g, ["link"], "at") == [Candidate("attach", "bind a host NIC")]


def test_synonym_offered_when_only_it_matches(g):
    assert texts(g, [], "addr") == ["address"]
    assert texts(g, ["link"], "dele") == ["delete"]
    assert texts(g, ["link"], "de") == ["del"]


def test_alias_offers_its_target(g):
    # "a" is a prefix of address anyway; an alias that is not a prefix still completes
    assert texts(g, [], "a") == ["address"]
    g.root.aliases["x"] = "capture"
    assert texts(g, [], "x") == ["capture"]


def test_second_level_and_abbreviations_followed(g):
    assert texts(g, ["link"], "a") == ["add", "attach"]
    assert texts(g, ["li"], "sh") == ["show"]
    assert texts(g, ["l"], "s") == ["set", "show"]
    assert texts(g, ["a"], "") == ["add", "show"]


def test_leading_ip_accepted(g):
    assert texts(g, ["ip"], "li") == ["link"]
    assert texts(g, ["ip", "li"], "sh") == ["show"]


def test_ambiguous_or_unknown_word_offers_nothing(g):
    assert texts(g, ["l", "s"], "") == []
    assert texts(g, ["nope"], "") == []


# --- slots ---------------------------------------------------------------------

def test_keywords_and_open_positional_values(g):
    assert texts(g, ["link", "set"], "") == ["dev", "up", "down", "mtu", "lan0", "lan1", "wan0"]
    assert texts(g, ["link", "set"], "w") == ["wan0"]


def test_used_keywords_are_not_offered_again(g):
    assert texts(g, ["link", "set", "lan0"], "") == ["up", "down", "mtu"]
    assert texts(g, ["link", "set", "dev", "lan0", "up"], "") == ["mtu"]
    assert texts(g, ["li", "se", "lan0", "mtu", "1400"], "") == ["up", "down"]


def test_keyword_awaiting_its_value(g):
    assert texts(g, ["link", "set", "dev"], "") == ["lan0", "lan1", "wan0"]
    assert texts(g, ["link", "set", "lan0", "mtu"], "") == []          # no choices for N
    assert texts(g, ["link", "add", "x", "type"], "") == ["pair", "loopback"]
    assert texts(g, ["link", "add", "x", "type"], "p") == ["pair"]


def test_abbreviated_keyword_followed(g):
    assert texts(g, ["link", "add", "x", "ty"], "") == ["pair", "loopback"]
    assert texts(g, ["link", "set", "lan0", "mt"], "") == []


def test_live_values_by_kind(g):
    assert texts(g, ["link", "attach"], "") == ["name", "veth-h1", "veth-h2"]
    assert texts(g, ["link", "attach"], "v", None) == []
    assert texts(g, ["ping", "192.0.2.1", "-I"], "") == ["lan0", "lan1", "wan0"]


def test_live_failure_is_swallowed(g):
    def broken(kind):
        raise RuntimeError("stack gone")
    assert texts(g, ["link", "attach"], "", broken) == ["name"]


def test_dash_keywords(g):
    assert texts(g, ["ping", "192.0.2.1"], "-") == ["-c", "-I", "-6"]
    assert texts(g, ["ping", "192.0.2.1", "-6"], "") == ["-c", "-I"]


def test_repeating_positional_stays_open(g):
    assert texts(g, ["help", "link"], "") == []
    assert help_at(g, ["help", "link", "set"])[-2:] == [("WORD", "command words"), (ENTER, "run it")]


def test_bad_slot_token_offers_nothing(g):
    assert texts(g, ["link", "show", "lan0", "bogus"], "") == []


def test_default_node_offers_children_not_default_slots(g):
    # "link" alone runs "link show", but "link dev X" is not a line the parser takes
    assert "dev" not in texts(g, ["link"], "")


def test_file_values(g, tmp_path, monkeypatch):
    (tmp_path / "one.pcap").write_text("")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    assert texts(g, ["capture", "-w"], "") == ["one.pcap", "sub/"]
    assert file_names(str(tmp_path) + "/o") == [str(tmp_path / "one.pcap")]


# --- ? help ---------------------------------------------------------------------

def test_help_lists_next_words(g):
    rows = help_at(g, ["link"])
    assert ("add", "create a link") in rows
    assert rows[-1][0] == ENTER and "link show" in rows[-1][1]
    assert [w for w, _ in help_at(g, [], "ca")] == ["capture"]


def test_help_at_command_starts_with_synopsis(g):
    rows = help_at(g, ["link", "set"])
    assert rows[0] == ("link set [ dev ] DEV [ up | down ] [ mtu N ]", "change a link")
    words = [w for w, _ in rows]
    assert words[1:] == ["dev DEV", "up", "down", "mtu N", "DEV"]     # not runnable yet: no <Enter>


def test_help_at_complete_command_offers_enter(g):
    rows = help_at(g, ["link", "set", "lan0", "up"])
    assert rows[0][0].startswith("link set")
    assert [w for w, _ in rows][1:] == ["mtu N", ENTER]


def test_help_for_awaited_value_lists_choices(g):
    rows = help_at(g, ["link", "add", "x", "type"])
    assert rows[1] == ("TYPE", "{ pair | loopback }")


def test_help_errors_carry_token_index(g):
    with pytest.raises(ParseError) as err:
        help_at(g, ["l", "s"])
    assert err.value.index == 1 and "ambiguous" in err.value.message
    with pytest.raises(ParseError):
        help_at(g, [], "zz")


def test_format_help_aligns():
    text = format_help([("add", "create"), ("attach", "bind")])
    assert text.splitlines() == ["  add     create", "  attach  bind"]


# --- splitting the line -------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("", ([], "")),
    ("li", ([], "li")),
    ("link ", (["link"], "")),
    ("link  sh", (["link"], "sh")),
    ("capture -w 'my file", (["capture", "-w"], "my file")),
    ("capture -w 'my file' -i", (["capture", "-w", "my file"], "-i")),
])
def test_split_line(text, expected):
    assert split_line(text) == expected


def test_open_quote():
    assert open_quote("capture -w 'my fi") == "'"
    assert open_quote("capture -w 'my file' x") == ""
    assert open_quote('ping "a') == '"'
    assert open_quote("it's") == ""
