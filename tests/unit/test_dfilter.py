"""netsh.dfilter: parsing, errors at the right word, compiled semantics, completion, and how
little of a packet a filter dissects."""
import subprocess

import pytest

from netsh.dfilter import DISPLAY_FILTER, compile_filter
from netsh.dfilter.fields import FIELDS, lookup
from netsh.grammar import ParseError
from stack.capture import Captured
from tests.checker import ethernet, ipv4, udp
from tests.tools import need

A, B = bytes([192, 0, 2, 1]), bytes([198, 51, 100, 7])
MAC_A, MAC_B = bytes.fromhex("00005e005301"), bytes.fromhex("020000000002")


def packet(frame: bytes, number: int = 1, link: str = "v0", direction: str = "in") -> Captured:
    return Captured(number, 0.0, frame, len(frame), link, 1, direction)


def udp_frame(sport=5353, dport=53, payload=b"hello world") -> bytes:
    return ethernet(MAC_B, MAC_A, 0x0800, bytes(ipv4(A, B, 17, bytes(udp(sport, dport, payload, src=A, dst=B)))))


def ipv6_frame(src="2001:db8::1", dst="fe80::2") -> bytes:
    import socket
    header = bytes([0x60, 0, 0, 0, 0, 8, 17, 64]) + socket.inet_pton(socket.AF_INET6, src) + \
        socket.inet_pton(socket.AF_INET6, dst)
    return ethernet(MAC_B, MAC_A, 0x86DD, header + bytes([0x12, 0x34, 0, 53, 0, 8, 0, 0]))


UDP, V6 = packet(udp_frame()), packet(ipv6_frame(), direction="out")


def keeps(expression: str, pkt: Captured) -> bool:
    return compile_filter(expression)(pkt)


# --- semantics on frames we built --------------------------------------------------------

@pytest.mark.parametrize("expression, on_udp, on_v6", [
    ("udp", True, True), ("ip", True, False), ("ipv6 and not ip", False, True),
    ("udp.port == 53", True, True), ("udp.port in {53 80}", True, True), ("udp.port in {1..52}", False, False),
    ("udp.srcport == 5353 and udp.dstport == 53", True, False), ("udp.port != 53", False, False),
    ("udp.port !== 53", True, True), ("udp.port === 53", False, False), ("tcp.port != 53", False, False),
    ("ip.addr == 192.0.2.0/24", True, False), ("ip.addr == 198.51.100.7", True, False),
    ("ip.dst == 192.0.2.0/24", False, False), ("ip.host == \"192.0.2.1\"", True, False),
    ("ipv6.addr == 2001:db8::/32", False, True), ("ipv6.addr == fe80::/10", False, True),
    ("ipv6.src == 2001:db8::1", False, True), ("ipv6.dst == 2001:db8::/32", False, False),
    ("eth.src[0:3] == 00:00:5e", True, True), ("eth.addr == 02:00:00:00:00:02", True, True),
    ("eth.src[-1] == 0x01", True, True), ("eth.src[1-2] == 00:5e", True, True),
    ("udp.payload contains \"world\"", True, False), ("udp.payload contains 68:65", True, False),
    ("udp.payload matches \"^HELLO\"", True, False), ("udp.payload matches \"(?-i)^HELLO\"", False, False),
    ("frame.len > 50", True, True), ("frame.number == 1", True, True),
    ("link == v0 and dir == in", True, False), ("frame.direction == out", False, True),
    ("link in {v0 v9}", True, True), ("not (udp.port == 53) or ip", True, False),
    ("udp.length > 100", False, False), ("len(udp.payload) == 11", True, False),
    ("count(ip.addr) == 2", True, False), ("udp.checksum & 0xff00", True, False),
])
def test_what_filters_keep(expression, on_udp, on_v6):
    assert (keeps(expression, UDP), keeps(expression, V6)) == (on_udp, on_v6)


def test_the_filter_is_python_compiled_once():
    program = compile_filter("udp.port == 53 and ip.addr == 192.0.2.0/24")
    assert program.source.startswith("def match(pkt):")
    assert "f.values('udp.port', 'uint')" in program.source
    assert program.match.__code__.co_filename == "<display filter>"


# --- errors name the word -------------------------------------------------------------------

@pytest.mark.parametrize("words, message, index", [
    ("tcp.prot == 80", '"tcp.prot" is neither a field nor a protocol name', 0),
    ("ip.src == 9.9.9.9 and tcp.prot == 80", '"tcp.prot" is neither a field nor a protocol name', 4),
    ("frob", '"frob" is neither a field nor a protocol name', 0),
    ("tcp.port == 8o", '"8o" is not a valid number', 2),
    ("tcp.port ==", "the filter ends too soon", 2),
    ("( tcp", 'the filter ends too soon: "(" needs a closing ")"', 2),
    ("tcp.port == 80 tcp", '"tcp" was unexpected in this context', 3),
    ("ip.addr == 192.0.2.0/33", "Netmask bits in a CIDR IPv4 address should be <= 32, not 33", 2),
    ("ipv6.addr == 2001:db8::/129", "Netmask bits in a CIDR IPv6 address should be <= 128, not 129", 2),
    ("ip.addr == 1.2.3", '"1.2.3" is not a valid IPv4 address', 2),
    ("eth.src == 1.2.3.4", '"1.2.3.4" is not a valid Ethernet address', 2),
    ("tcp.port contains 80", '"tcp.port" (Unsigned integer) cannot participate in a "contains" comparison', 1),
    ("tcp.srcport == \"80\"", 'Unsigned integer cannot be converted from a string ("80")', 2),
    ("tcp.port in {80 443", 'the filter ends too soon: the set needs a closing "}"', 4),
    ("tcp.port in { }", "the set is empty", 3),
    ("tcp.port[0:2] == 00:50", '"tcp.port" (Unsigned integer) cannot be sliced', 0),
    ("eth.src[x] == 00", '"[x]" is not a valid slice', 0),
    ("dir == up", 'invalid direction "up": one of: in, out', 2),
    ("dns.qry.name matches \"(\"", '"(" is not a valid regular expression: missing ), unterminated subpattern '
                                   'at position 0', 2),
    ("ip.addr > 10.0.0.0/8", 'a network "10.0.0.0/8" can only be compared with ==, !=', 2),
    ("ip.src == eth.src", '"ip.src" and "eth.src" are not of compatible types', 1),
    ("tcp.port == 80 and", "the filter ends too soon", 4),
    ("tcp.port = 80", '"=" was unexpected in this context', 1),
])
def test_errors_point_at_the_offending_word(words, message, index):
    with pytest.raises(ParseError) as err:
        DISPLAY_FILTER.parse(words.split(" "))
    assert (err.value.message, err.value.index) == (message, index)


def test_a_quoted_filter_is_one_word_and_errors_point_at_it():
    with pytest.raises(ParseError) as err:
        DISPLAY_FILTER.parse(["-x", "tcp.prot == 80"][1:])
    assert err.value.index == 0
    assert DISPLAY_FILTER.parse(["udp.port == 53 && ip"])(UDP)


def test_words_the_shell_unquoted_after_matches_or_with_blanks_are_one_string():
    assert DISPLAY_FILTER.parse(["udp.payload", "contains", "hello world"])(UDP)
    assert DISPLAY_FILTER.parse(["udp.payload", "matches", "^h.*d$"])(UDP)


# --- completion ---------------------------------------------------------------------------

def texts(words, partial, live=None):
    return [c[0] for c in DISPLAY_FILTER.complete(words, partial, live)]


def test_completion_offers_protocols_then_their_fields():
    assert {"tcp", "udp", "dns", "link", "dir", "not"} <= set(texts([], ""))
    assert "tcp.flags.syn" not in texts([], "")
    assert {"tcp.flags.syn", "tcp.flags.ack"} <= set(texts([], "tcp.flags."))
    assert all(t.startswith("tcp.flags.") for t in texts([], "tcp.flags."))
    assert "!tcp.port" in texts([], "!tcp.po")
    assert {"ip.addr", "ip.src"} <= set(texts(["tcp", "and"], "ip."))


def test_completion_offers_operators_values_and_connectives():
    assert texts(["tcp.port"], "")[:2] == ["==", "!="] and "contains" in texts(["tcp.port"], "")
    assert texts(["dir", "=="], "") == ["in", "out"]
    assert texts(["link", "=="], "v", {"link": ["v0", "v1", "w"]}.get) == ["v0", "v1"]
    assert texts(["tcp.flags.syn", "=="], "") == ["1", "0"]
    assert texts(["tcp.port", "==", "80"], "") == ["and", "or"]
    assert texts(["dir", "==", "in"], "") == ["and", "or"]


def test_help_says_what_comes_next():
    assert DISPLAY_FILTER.help([])[0][0] == "FIELD"
    assert ("==", "equals (any value)") in DISPLAY_FILTER.help(["ip.src"])


# --- the names ----------------------------------------------------------------------------

def test_aliases_and_generated_fields_resolve():
    assert lookup("link").name == "frame.interface_name" and lookup("dir").name == "frame.direction"
    assert {lookup(n).type for n in ("ip.addr", "ipv6.addr", "eth.addr", "tcp.port")} == {
        "ipv4", "ipv6", "ether", "uint"}
    assert lookup("tcp").type == "protocol" and lookup("tcp.prot") is None


def test_our_field_types_agree_with_tsharks():
    """tshark -G fields: the type of each field both know (FT_UINT* and FT_BOOLEAN are integers)."""
    proc = subprocess.run([need("tshark"), "-G", "fields"], capture_output=True, text=True, timeout=120)
    theirs = {cols[2]: cols[3] for cols in (line.split("\t") for line in proc.stdout.splitlines())
              if cols[0] == "F" and len(cols) > 3}
    # signed integers compare as integers too (tcp.window_size_scalefactor is -1 or -2 when unknown
    # or unused); a double (icmp.resptime, in ms) as a number of the TIME kind; an EUI-64 as its
    # bytes, a GUID as its text (dhcp.client_id.uuid)
    kinds = {"uint": ("FT_UINT8", "FT_UINT16", "FT_UINT24", "FT_UINT32", "FT_UINT64", "FT_FRAMENUM", "FT_INT8", "FT_INT32"),
             "bool": ("FT_BOOLEAN",), "ipv4": ("FT_IPv4",), "ipv6": ("FT_IPv6",), "ether": ("FT_ETHER",),
             "bytes": ("FT_BYTES", "FT_EUI64"), "string": ("FT_STRING", "FT_STRINGZ", "FT_GUID"), "none": ("FT_NONE",),
             "time": ("FT_ABSOLUTE_TIME", "FT_RELATIVE_TIME", "FT_DOUBLE")}
    shared = [name for name in FIELDS if name in theirs]
    assert len(shared) > 250
    wrong = {name: (FIELDS[name].type, theirs[name]) for name in shared
             if theirs[name] not in kinds[FIELDS[name].type]}
    assert wrong == {}


def test_every_field_the_dissectors_make_is_known():
    """On every frame of tests/data: a field a dissector adds must be filterable by name."""
    import stack.wire.protocols  # noqa: F401
    from stack.wire.dissect import dissect
    from tests.frames import capture_files, records_of
    unknown = set()
    for path in capture_files():
        for rec in records_of(path):
            for layer in dissect(rec.data, rec.linktype, orig_len=rec.orig_len, ts_ns=rec.ts_ns).layers:
                assert lookup(layer.name) is not None, layer.name
                unknown |= {node.name for node in layer.walk() if node is not layer and lookup(node.name) is None}
    assert unknown == set()


# --- dissecting no more than needed --------------------------------------------------------

def test_frame_fields_need_no_dissection_and_protocols_no_tree():
    from netsh.dfilter.frame import Frame
    frame_only = compile_filter("frame.len > 10 and link == v0")
    assert not frame_only.plan.tree and not frame_only.plan.layers
    seen = Frame(UDP, frame_only.plan)
    assert frame_only.match.__globals__["Frame"] is Frame and seen._dissection is None
    protocols = compile_filter("udp and not tcp")
    assert protocols.plan.layers and not protocols.plan.tree
    fields = compile_filter("udp.port == 53")
    assert fields.plan.tree_names == {"udp.port", "udp.srcport", "udp.dstport"}
    assert fields.plan.homes == {"udp"}


def test_a_field_lookup_makes_no_node_of_the_tree():
    from netsh.dfilter.frame import Frame
    program = compile_filter("udp.length == 19")
    frame = Frame(UDP, program.plan)
    assert frame.values("udp.length", "uint") == [19] and frame.dissection.tree
    for layer in frame.dissection.layers:
        assert layer._rows and all(kid.__class__ is tuple for kid in layer._kids)   # rows, no Node made


def test_ports_and_addresses_are_read_from_their_headers_with_no_tree():
    from netsh.dfilter.frame import Frame
    program = compile_filter("udp.port == 53 and ip.addr == 192.0.2.1")
    assert not program.plan.tree
    frame = Frame(UDP, program.plan)
    assert program(UDP) and not frame.dissection.tree
    assert frame.values("udp.port", "uint") == [5353, 53]


def test_fields_read_from_their_header_agree_with_the_tree_on_every_test_frame():
    """The FAST fields, read at their layer's offset from a dissection with no tree, against the
    same fields collected from the full tree: on every frame of tests/data and the corpus."""
    from netsh.dfilter.fields import FAST, FIELDS
    from netsh.dfilter.frame import Frame, Plan
    from stack.capture import from_record
    from tests.frames import CORPUS, DATA, capture_files, records_of
    fast, full = Plan(), Plan()
    for name in FAST:
        fast.want(name, FIELDS[name].type)
        full.want(name, FIELDS[name].type)
    full.want("udp.length", "uint")           # a field that is not FAST: the full tree is read
    assert not fast.done().tree and full.done().tree
    checked = 0
    for folder in [DATA] + ([CORPUS] if CORPUS.is_dir() else []):
        for path in capture_files(folder):
            for rec in records_of(path):
                pkt = from_record(rec, 1)
                quick, slow = Frame(pkt, fast), Frame(pkt, full)
                for name in FAST:
                    kind = FIELDS[name].type
                    assert quick.values(name, kind) == slow.values(name, kind), (path.name, name)
                checked += 1
    assert checked > 1000


@pytest.mark.parametrize("text", ["(" * 500 + "tcp" + ")" * 500, "not " * 2000 + "tcp", "!" * 3000 + "tcp",
                                  "len(" * 1000 + "tcp" + ")" * 1000])
def test_a_filter_nested_too_deep_is_an_error_not_a_crash(text):
    with pytest.raises(ParseError) as err:
        compile_filter(text)
    assert err.value.message == "the filter nests deeper than 64 parentheses and negations"


def test_long_flat_filters_compile():
    assert compile_filter(" or ".join(f"udp.port == {n}" for n in range(3000)))(UDP)
    assert compile_filter("udp.port in {" + ", ".join(str(n) for n in range(20000)) + "}")(UDP)
    assert compile_filter("(" * 60 + "udp" + ")" * 60)(UDP)


def test_building_the_grammar_loads_neither_the_filter_compiler_nor_every_dissector():
    """Every netsh start and every Tab builds the grammar: the filter machinery waits for a filter."""
    import sys
    code = ("import sys, netsh.app; netsh.app.build_grammar(); "
            "print(sorted(m for m in sys.modules if m in ('netsh.dfilter.compiler', 'netsh.dfilter.fields', "
            "'stack.wire.protocols', 'stack.wire.dns')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("expression, kept", [
    ("udp.port != 53", False), ("any udp.port != 53", True), ("all udp.port == 53", False),
    ("any udp.port === 53", True), ("udp.port === 53", False), ("all udp.port !== 5353", False),
    ("all udp.port > 50", True), ("all udp.port > 60", False), ("any udp.port > 60", True),
])
def test_any_and_all_override_the_operators_own_quantifier(expression, kept):
    assert keeps(expression, UDP) is kept        # udp.port is [5353, 53]
