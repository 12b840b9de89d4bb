"""A display filter's tree into one Python function over a packet, compiled once.

Each test becomes a Python expression over the field values a `Frame` gives
(``f.values("tcp.port", "uint")``, lists, since a field may occur more than once),
with its literals read by the field's type ahead of time and bound as constants.
The whole filter is one ``def match(pkt)``, compiled by Python's compiler, so a
packet pays for a few list look-ups and comparisons, never for a walk of the tree.

Comparisons follow Wireshark 4.0: ``==`` any value equal, ``!=`` every value unequal
(all_ne), ``===`` all equal, ``!==``/``~=`` any unequal; the ordering operators,
``contains`` and ``matches`` hold when one value does (``all`` asks it of every one);
each is false when the field is absent (``not in`` is the negation of ``in``, true then).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from . import literals, syntax
from .fields import (BYTES, DIRECTIONS, ETHER, INTEGERS, IPV4, IPV6, NONE, PROTOCOL, SLICEABLE,
                     STRING, TYPE_NAMES, UINT, as_bytes, host_text, lookup)
from .frame import Frame, Plan
from .lexer import Token, error

ORDERING = {">", ">=", "<", "<="}
NOT_TESTABLE = "is neither a field nor a protocol name"


@dataclass
class Operand:
    code: str              # a Python expression giving the list of values
    kind: str
    label: str             # how errors name it
    protocol: str = ""     # a bare protocol name: its existence is a layer test


class Program:
    """A compiled display filter: call it on a packet (stack.capture.Captured) for a verdict."""

    def __init__(self, text: str, source: str, plan: Plan, namespace: dict):
        self.text = text
        self.source = source
        self.plan = plan
        exec(compile(source, "<display filter>", "exec"), namespace)
        self.match: Callable = namespace["match"]

    def __call__(self, pkt) -> bool:
        return self.match(pkt)

    def __repr__(self) -> str:
        return f"Program({self.text!r})"


class Compiler:
    def __init__(self):
        self.plan = Plan()
        self.namespace: dict = {"Frame": Frame, "plan": self.plan}
        self.names = 0

    def bind(self, value) -> str:
        self.names += 1
        name = f"k{self.names}"
        self.namespace[name] = value
        return name

    def temp(self) -> str:
        self.names += 1
        return f"_v{self.names}"

    # --- logic ----------------------------------------------------------------------------
    def expression(self, node) -> str:
        if isinstance(node, syntax.Or):
            return "(" + " or ".join(self.expression(item) for item in node.items) + ")"
        if isinstance(node, syntax.And):
            return "(" + " and ".join(self.expression(item) for item in node.items) + ")"
        if isinstance(node, syntax.Not):
            return f"(not {self.expression(node.item)})"
        if isinstance(node, syntax.Exists):
            return self.exists(node.value)
        if isinstance(node, syntax.Member):
            return self.member(node)
        return self.test(node)

    def exists(self, value) -> str:
        if isinstance(value, syntax.Literal):
            raise error(f'"{value.token.text}" {NOT_TESTABLE}', value.token)
        operand = self.operand(value)
        if operand.protocol:
            return f"f.has({operand.protocol!r})"
        if isinstance(value, syntax.BitAnd) and operand.kind == BYTES:
            return f"any(any(x) for x in {operand.code})"
        if isinstance(value, (syntax.BitAnd, syntax.Call)):
            return f"any({operand.code})"
        return f"bool({operand.code})"

    # --- operands ---------------------------------------------------------------------------
    def operand(self, node) -> Operand:
        """A field, protocol, slice, function or bit mask: something with values in a packet."""
        if isinstance(node, syntax.Name):
            field = lookup(node.token.text)
            if field is None:
                raise error(f'"{node.token.text}" {NOT_TESTABLE}', node.token)
            self.plan.want(field.name, field.type)
            code = f"f.values({field.name!r}, {field.type!r})"
            operand = Operand(code, field.type, field.name,
                              field.name if field.type == PROTOCOL and node.slice is None else "")
            return self.sliced(operand, node.slice) if node.slice is not None else operand
        if isinstance(node, syntax.Call):
            return self.call(node)
        if isinstance(node, syntax.BitAnd):
            return self.bit_and(node)
        raise error(f'"{node.token.text}" {NOT_TESTABLE}', node.token)

    def is_field(self, node) -> bool:
        return not isinstance(node, syntax.Literal) and not (
            isinstance(node, syntax.Name) and lookup(node.token.text) is None)

    def sliced(self, operand: Operand, spec: Token) -> Operand:
        if operand.kind not in SLICEABLE:
            raise error(f'"{operand.label}" ({TYPE_NAMES[operand.kind]}) cannot be sliced', spec)
        cut = self.bind(slicer(spec))
        kind = operand.kind
        convert = "" if kind in (BYTES, PROTOCOL, NONE, ETHER) else f"as_bytes({kind!r}, x)"
        self.namespace["as_bytes"] = as_bytes
        values = f"({convert} for x in {operand.code})" if convert else operand.code
        return Operand(f"[s for s in map({cut}, {values}) if s is not None]", BYTES,
                       f"{operand.label}[{spec.text}]")

    def call(self, node: syntax.Call) -> Operand:
        if len(node.args) != 1:
            raise error(f'"{node.function}" takes one field', node.token)
        arg = self.operand(node.args[0])
        fn, label = node.function, f"{node.function}({arg.label})"
        if fn == "count":
            return Operand(f"[len({arg.code})]", UINT, label)
        if fn == "len":
            if arg.kind in INTEGERS:
                raise error(f'"{arg.label}" has no length: it is a number', node.token)
            self.namespace["as_bytes"] = as_bytes
            return Operand(f"[len(as_bytes({arg.kind!r}, x)) for x in {arg.code}]", UINT, label)
        if fn in ("lower", "upper"):
            if arg.kind != STRING:
                raise error(f'"{fn}" needs a string field, not "{arg.label}"', node.token)
            return Operand(f"[x.{fn}() for x in {arg.code}]", STRING, label)
        return Operand(self.as_text(arg), STRING, label)                        # string()

    def as_text(self, operand: Operand) -> str:
        """The operand's values as text (string(), and matches on a non-string)."""
        if operand.kind == STRING:
            return operand.code
        if operand.kind in (IPV4, IPV6):
            self.namespace["host_text"] = host_text
            return f"[host_text({operand.kind!r}, x) for x in {operand.code}]"
        if operand.kind == ETHER:
            return f"[x.hex(':') for x in {operand.code}]"
        if operand.kind in (BYTES, PROTOCOL, NONE):
            return f"[x.decode('latin-1') for x in {operand.code}]"
        return f"[str(x) for x in {operand.code}]"

    def bit_and(self, node: syntax.BitAnd) -> Operand:
        value = self.operand(node.value)
        if value.kind not in INTEGERS and value.kind != BYTES:
            raise error(f'"{value.label}" ({TYPE_NAMES[value.kind]}) cannot be masked with "&"', node.token)
        mask = self.constant(node.mask, value)
        if value.kind == BYTES:
            return Operand(f"[bytes(a & b for a, b in zip(x, {mask})) for x in {value.code}"
                           f" if len(x) == len({mask})]", BYTES, value.label)
        return Operand(f"[x & {mask} for x in {value.code}]", value.kind, value.label)

    def constant(self, node, beside: Operand) -> str:
        """A literal read as the type of the operand it is compared with, bound as a name."""
        return self.bind(literals.read(node.token, beside.kind, beside.label))

    # --- tests ------------------------------------------------------------------------------
    def sides(self, node: syntax.Test) -> tuple[Operand, object]:
        """The field side and the other side (an Operand, or a literal node); swapped if the
        literal came first."""
        left, right = node.left, node.right
        if self.is_field(left):
            return self.operand(left), right
        if self.is_field(right) and node.op not in ("contains", "matches"):
            return self.operand(right), left
        raise error(f'"{left.token.text}" {NOT_TESTABLE}', left.token)

    def test(self, node: syntax.Test) -> str:
        op = node.op
        field, other = self.sides(node)
        if node.right is not other and node.left is other and op in ORDERING:   # 80 < tcp.port
            op = {">": "<", ">=": "<=", "<": ">", "<=": ">="}[op]
        if op == "contains":
            return self.contains(field, other, node)
        if op == "matches":
            return self.matches(field, other, node)
        if field.kind == NONE and not self.is_field(other):
            raise error(f'"{field.label}" is a label: it has no value to compare', node.token)
        if self.is_field(other):
            right = self.operand(other)
            if not compatible(field.kind, right.kind):
                raise error(f'"{field.label}" and "{right.label}" are not of compatible types', node.token)
            return self.pairs(field.code, op, "x", "y", node.quantifier, right.code)
        value = literals.read(other.token, field.kind, field.label)
        if field.label == "frame.direction" and value not in DIRECTIONS:
            raise error(f'invalid direction "{other.token.text}": one of: in, out', other.token)
        if isinstance(value, literals.Network):
            if op in ORDERING:
                raise error(f'a network "{other.token.text}" can only be compared with ==, !=', other.token)
            mask, address = self.bind(value.mask), self.bind(value.address)
            return self.pairs(field.code, op, f"x & {mask}", address, node.quantifier)
        return self.pairs(field.code, op, "x", self.bind(value), node.quantifier)

    def pairs(self, values: str, op: str, x: str, y: str, quantifier: str | None,
              others: str | None = None) -> str:
        """`values` against `y` (a constant, or each of `others`) by `op`: every value must pass
        for != (all_ne) and === (all_eq), one for the rest; an "any" or "all" the user wrote
        overrides that, as in Wireshark."""
        inner = f" for y in {others}" if others else ""
        test = f"{x} {'!=' if op in ('!=', '!==') else '==' if op == '===' else op} {y}"
        every = quantifier == "all" or (quantifier is None and op in ("!=", "==="))
        plain = others is None and x == "x"
        if every:
            n = self.temp()
            if op == "!=" and plain:
                return f"(bool({n} := {values}) and {y} not in {n})"
            return f"(bool({n} := {values}) and all({test} for x in {n}{inner}))"
        if op == "==" and plain:
            return f"({y} in {values})"
        return f"any({test} for x in {values}{inner})"

    def contains(self, field: Operand, other, node: syntax.Test) -> str:
        if field.kind not in (BYTES, PROTOCOL, NONE, ETHER, STRING):
            raise error(f'"{field.label}" ({TYPE_NAMES[field.kind]}) cannot participate in a '
                             f'"contains" comparison', node.token)
        if self.is_field(other):
            right = self.operand(other)
            return f"any(y in x for x in {field.code} for y in {right.code})"
        kind = STRING if field.kind == STRING else BYTES
        needle = self.bind(literals.read(other.token, kind, field.label))
        n = self.temp()
        if node.quantifier == "all":
            return f"(bool({n} := {field.code}) and all({needle} in x for x in {n}))"
        return f"any({needle} in x for x in {field.code})"

    def matches(self, field: Operand, other, node: syntax.Test) -> str:
        if not isinstance(other, syntax.Literal):
            raise error("matches needs a double quoted string on the right side",
                        getattr(other, "token", node.token))
        pattern = other.token.text
        flags = re.IGNORECASE
        if pattern.startswith("(?-i)"):
            pattern, flags = pattern[5:], 0
        try:
            regex = re.compile(pattern, flags)
        except re.error as exc:
            raise error(f'"{other.token.text}" is not a valid regular expression: {exc}',
                        other.token) from None
        k = self.bind(regex.search)
        n = self.temp()
        if node.quantifier == "all":
            return f"(bool({n} := {self.as_text(field)}) and all({k}(x) for x in {n}))"
        return f"any({k}(x) for x in {self.as_text(field)})"

    def member(self, node: syntax.Member) -> str:
        field = self.operand(node.left)
        plain, tests = [], []
        for member in node.members:
            if isinstance(member, syntax.Range):
                low = literals.read(member.low.token, field.kind, field.label)
                high = literals.read(member.high.token, field.kind, field.label)
                if isinstance(low, literals.Network) or isinstance(high, literals.Network):
                    raise error("a range is between two addresses, not networks", member.low.token)
                tests.append(f"{self.bind(low)} <= x <= {self.bind(high)}")
                continue
            value = literals.read(member.token, field.kind, field.label)
            if isinstance(value, literals.Network):
                tests.append(f"x & {self.bind(value.mask)} == {self.bind(value.address)}")
            else:
                plain.append(value)
        if plain:
            tests.insert(0, f"x in {self.bind(frozenset(plain))}")
        inside = " or ".join(tests)
        if node.negated:                # tshark 4.0: the negation of "in", so also true when absent
            return f"(not any({inside} for x in {field.code}))"
        return f"any({inside} for x in {field.code})"


def compatible(a: str, b: str) -> bool:
    return a == b or (a in INTEGERS and b in INTEGERS) or {a, b} <= {BYTES, PROTOCOL, ETHER, NONE}


def slicer(spec: Token) -> Callable[[bytes], bytes | None]:
    """Wireshark's slice ``[i:j]`` (start, length), ``[i-j]`` (start, end inclusive), ``[i]``,
    ``[:j]``, ``[i:]``, comma-joined; offsets may be negative.  None where it runs off the value."""
    parts = []
    for piece in spec.text.split(","):
        piece = piece.strip()
        m = (re.fullmatch(r"(-?\d*):(\d*)", piece) or re.fullmatch(r"(-?\d+)-(-?\d+)", piece)
             or re.fullmatch(r"(-?\d+)()", piece))
        if m is None or piece in (":", ""):
            raise error(f'"[{spec.text}]" is not a valid slice', spec)
        start = int(m.group(1) or 0)
        if ":" in piece:
            parts.append((start, int(m.group(2)) if m.group(2) else None, False))
        elif m.group(2):
            parts.append((start, int(m.group(2)), True))
        else:
            parts.append((start, 1, False))

    def cut(value: bytes):
        out = b""
        size = len(value)
        for start, other, inclusive in parts:
            begin = start + size if start < 0 else start
            if inclusive:
                stop = (other + size if other < 0 else other) + 1
            else:
                stop = size if other is None else begin + other
            if begin < 0 or stop > size or begin > stop:
                return None
            out += value[begin:stop]
        return out
    return cut


def compile_tree(text: str, tree) -> Program:
    compiler = Compiler()
    body = compiler.expression(tree)
    source = f"def match(pkt):\n    f = Frame(pkt, plan)\n    return bool({body})\n"
    compiler.plan.done()
    return Program(text, source, compiler.plan, compiler.namespace)
