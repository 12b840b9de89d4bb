"""The command grammar, declared once.

Every shell command is a `Command`: the words that name it (``link set``), the
slots that follow (positional values, ``keyword VALUE`` options, bare flags),
help text and a handler.  Commands hang in a tree of `Node`s, one per word.
The parser, ``?`` help, interactive completion, the bash/zsh/fish scripts in
completions/ and the man page synopsis are all derived from this tree.

Declaring slots:
  * ``pos(dest, TYPE)``: a positional value (``intro`` lets a keyword lead it);
  * ``opt(keyword, dest, TYPE)``: ``keyword VALUE``;
  * ``flag(keyword, dest, value)``: a bare word; flags sharing a dest are alternatives;
  * ``branch(keyword, dest, variants)``: ``keyword VALUE`` whose VALUE brings
    slots of its own, as ``link add NAME type KIND [ KIND ARGS ]``.  `variants`
    maps each value to ``(help, [Slot, ...])``, or is a callable returning that
    mapping, called whenever it is needed (so a registry elsewhere, a link
    kind table, supplies the kinds without grammar code per kind).  The
    parser, ``?`` help, completion, the synopsis (``type TYPE [ ARGS ]`` with
    ``TYPE := { ... }`` and each value's ARGS) and the man page read it;
    a value's slots become open once the value is typed;
  * ``expr(keyword, dest, parser)``: ``keyword`` then the rest of the line,
    handed to a pluggable `parser` object with three methods:
      ``parse(tokens) -> value``, raising ParseError whose `index` is the
      position of the bad token within `tokens`;
      ``complete(tokens_before, partial, live) -> [str | (text, help)]``
      (``live(kind)`` lists live names: "link", ...);
      ``help(tokens_before) -> [str | (word, help)]``, what may come next.

Matching rules (DESIGN principle 7):
  * a word matches exactly, through the node's alias table (iproute2 habits
    like ``a``, ``l``, ``r``, ``n``), or as a unique prefix;
  * a prefix shared by several words is an error naming them
    ("ambiguous: set, show"), never a guess;
  * keywords that start with ``-`` (``-c``) match exactly only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Sequence


class ParseError(Exception):
    """A user error in a command line; `index` is the offending token's position, `span`
    (start, length) the offending part of that token, where only a part is (an expression's)."""

    def __init__(self, message: str, index: int | None = None, span: tuple[int, int] | None = None,
                 status: int | None = None):
        super().__init__(message)
        self.message = message
        self.index = index
        self.span = span
        self.status = status        # None: bad syntax (255); a value type may say otherwise


class ArgType:
    """How a value slot's token is checked and completed.

    `parse` turns a token into a value or raises ValueError with a short reason;
    `candidates(ctx)` lists live values for completion (ctx may be None);
    `kind` tells the static completion scripts what to offer (link, hostdev, file).
    """

    metavar = "VALUE"
    kind: str | None = None
    help = ""
    invalid_status: int | None = None   # ip's exit status for a bad value, when not 255

    def parse(self, token: str) -> Any:
        return token

    def candidates(self, ctx) -> list[str]:
        return []

    def choices(self) -> list[str]:
        """Fixed values known without a stack (used by generated completions)."""
        return []


@dataclass
class Slot:
    """One element after a command's words.

    positional: ``keyword is None``; it may still be introduced by
    `intro` (``ip link set dev eth0`` and ``ip link set eth0`` both work).
    option:     ``keyword VALUE``.
    flag:       ``keyword`` alone; sets `dest` to `value`.  Flags sharing a
                `dest` are alternatives (``up | down``).
    """

    dest: str
    type: ArgType | None = None
    keyword: str | None = None
    intro: str | None = None
    optional: bool = False
    value: Any = True
    help: str = ""
    metavar: str | None = None
    repeat: bool = False          # positional taking every remaining word (``help link set``)
    variants: "Variants | None" = None   # a branch: the value chooses more slots
    rest: bool = False            # an expression: the keyword takes the rest of the line

    @property
    def is_flag(self) -> bool:
        return self.keyword is not None and self.type is None

    @property
    def is_positional(self) -> bool:
        return self.keyword is None

    @property
    def label(self) -> str:
        return self.metavar or (self.type.metavar if self.type else self.dest.upper())


def pos(dest: str, type: ArgType, *, optional=False, intro=None, help="", metavar=None,
        repeat=False) -> Slot:
    return Slot(dest, type, None, intro, optional, help=help, metavar=metavar, repeat=repeat)


def opt(keyword: str, dest: str, type: ArgType, *, help="", metavar=None, optional=True) -> Slot:
    return Slot(dest, type, keyword, None, optional, help=help, metavar=metavar)


def flag(keyword: str, dest: str | None = None, value: Any = True, *, help="") -> Slot:
    return Slot(dest or keyword, None, keyword, None, True, value=value, help=help)


VariantTable = Mapping[str, "tuple[str, list[Slot]]"]


class Variants:
    """What a branch slot's values bring: value -> (help, [Slot, ...]), read when needed."""

    def __init__(self, source: VariantTable | Callable[[], VariantTable]):
        self.source = source

    def table(self) -> VariantTable:
        return self.source() if callable(self.source) else self.source

    def slots_of(self, value: str) -> list[Slot]:
        entry = self.table().get(value)
        return list(entry[1]) if entry else []


class BranchType(ArgType):
    """A branch slot's value: one of the variants' names, exact or by unique prefix."""

    def __init__(self, variants: Variants, metavar: str, help: str = ""):
        self.variants = variants
        self.metavar = metavar
        self.help = help

    def parse(self, token: str) -> str:
        names = list(self.variants.table())
        if token in names:
            return token
        hits = [n for n in names if token and n.startswith(token)]
        if len(hits) == 1:
            return hits[0]
        raise ValueError(f"one of: {', '.join(names)}")

    def choices(self) -> list[str]:
        return list(self.variants.table())


def branch(keyword: str, dest: str, variants: VariantTable | Callable[[], VariantTable], *,
           metavar: str = "TYPE", help: str = "", optional: bool = False) -> Slot:
    chosen = Variants(variants)
    return Slot(dest, BranchType(chosen, metavar, help), keyword, None, optional, help=help,
                metavar=metavar, variants=chosen)


class ExpressionType(ArgType):
    """The value of an expression slot: the rest of the line, read by `parser`."""

    def __init__(self, parser, metavar: str, help: str = ""):
        self.parser = parser
        self.metavar = metavar
        self.help = help


def expr(keyword: str, dest: str, parser, *, metavar: str = "EXPR", help: str = "") -> Slot:
    return Slot(dest, ExpressionType(parser, metavar, help), keyword, None, True, help=help,
                metavar=metavar, rest=True)


def keywords_of(slots: Iterable[Slot]) -> dict[str, Slot]:
    out: dict[str, Slot] = {}
    for slot in slots:
        if slot.keyword:
            out[slot.keyword] = slot
        if slot.intro:
            out[slot.intro] = slot
    return out


def slot_words(slots: Iterable[Slot]) -> str:
    """The iproute2-style words of `slots`: ``[ up | down ] [ mtu MTU ]``."""
    slots = list(slots)
    parts: list[str] = []
    seen_groups: set[str] = set()
    for slot in slots:
        if slot.is_flag:
            if slot.dest in seen_groups:
                continue
            seen_groups.add(slot.dest)
            group = [s.keyword for s in slots if s.is_flag and s.dest == slot.dest]
            parts.append("[ " + " | ".join(group) + " ]")
        elif slot.is_positional:
            text = (f"[ {slot.intro} ] " if slot.intro else "") + slot.label
            text += "..." if slot.repeat else ""
            parts.append(f"[ {text} ]" if slot.optional else text)
        else:
            text = f"{slot.keyword} {slot.label}"
            if slot.variants is not None:
                text += " [ ARGS ]"
            elif slot.rest:
                text += "..."
            parts.append(f"[ {text} ]" if slot.optional else text)
    return " ".join(parts)


@dataclass
class Command:
    words: tuple[str, ...]
    slots: list[Slot]
    help: str
    handler: Callable
    require_one_of: tuple[str, ...] = ()   # at least one of these dests must be given
    stateless: bool = False                # may run one-shot without a configured stack
    details: str = ""                      # longer text for help and the man page
    launches_face: bool = False            # opens a face of its own (netsh/faces.py)

    @property
    def name(self) -> str:
        return " ".join(self.words)

    def synopsis(self) -> str:
        """iproute2-style usage: ``link set [dev] DEV [ up | down ] [ mtu MTU ]``."""
        return " ".join([*self.words, slot_words(self.slots)]).rstrip()

    def branch_lines(self) -> list[str]:
        """Each branch value's own words: ``pair ARGS := peer PEER``."""
        lines = []
        for slot in self.slots:
            if slot.variants is None:
                continue
            for value, (_help, slots) in slot.variants.table().items():
                lines.append(f"{value} ARGS := {slot_words(slots) or '(none)'}")
        return lines

    def all_slots(self) -> list[Slot]:
        """The slots, and every branch value's, once each (for help, scripts and the man page)."""
        out: dict[tuple, Slot] = {}
        for slot in self.slots:
            out.setdefault((slot.dest, slot.keyword, slot.intro), slot)
            if slot.variants is not None:
                for _help, slots in slot.variants.table().values():
                    for extra in slots:
                        out.setdefault((extra.dest, extra.keyword, extra.intro), extra)
        return list(out.values())

    def keyword_slots(self) -> dict[str, Slot]:
        return keywords_of(self.all_slots())


@dataclass
class Node:
    """One word of the command tree."""

    word: str
    help: str = ""
    synonyms: tuple[str, ...] = ()
    children: dict[str, "Node"] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    command: Command | None = None
    default: str | None = None     # child run when the node is given alone (``ip link``)

    def add(self, node: "Node") -> "Node":
        self.children[node.word] = node
        return node

    def match(self, token: str, index: int) -> "Node":
        """Resolve one word among the children; raise ParseError if unknown or ambiguous."""
        names = {}
        for child in self.children.values():
            for name in (child.word, *child.synonyms):
                names[name] = child
        if token in names:
            return names[token]
        if token in self.aliases:
            return self.children[self.aliases[token]]
        hits = {child.word: child for name, child in names.items() if name.startswith(token)}
        if len(hits) == 1 and token:
            return next(iter(hits.values()))
        if len(hits) > 1:
            raise ParseError(f'ambiguous "{token}": {", ".join(sorted(hits))}', index)
        where = f'"{self.word}"' if self.word else "netsh"
        raise ParseError(f'unknown command "{token}" for {where}; try "help"', index)

    def names(self) -> set[str]:
        """Every word that selects a child exactly: words, synonyms, aliases."""
        names = set(self.aliases)
        for child in self.children.values():
            names.add(child.word)
            names.update(child.synonyms)
        return names

    def walk(self) -> Iterable["Node"]:
        yield self
        for child in self.children.values():
            yield from child.walk()

    def commands(self) -> list[Command]:
        return [node.command for node in self.walk() if node.command]


def leaf(parent: Node, words: tuple[str, ...], slots: list[Slot], help: str, handler: Callable,
         *, synonyms: tuple[str, ...] = (), **command: Any) -> Node:
    """Hang the command `words` (its last word under `parent`) and return its node."""
    return parent.add(Node(words[-1], help, synonyms,
                           command=Command(tuple(words), slots, help, handler, **command)))


@dataclass
class Parsed:
    command: Command
    args: dict[str, Any]


def match_keyword(token: str, keywords: Sequence[str], index: int) -> str | None:
    """Exact match, else unique prefix among words that do not start with '-'."""
    if token in keywords:
        return token
    if not token or token.startswith("-"):
        return None
    hits = [k for k in keywords if not k.startswith("-") and k.startswith(token)]
    if len(hits) > 1:
        raise ParseError(f'ambiguous "{token}": {", ".join(sorted(hits))}', index)
    return hits[0] if hits else None


class Resolved(NamedTuple):
    node: Node
    index: int                  # tokens used by the command words
    path: tuple[str, ...]       # canonical words walked


class Grammar:
    def __init__(self, root: Node):
        self.root = root

    # --- resolving words -------------------------------------------------
    def resolve(self, tokens: Sequence[str], follow_default: bool = True) -> Resolved:
        """Walk command words; the deepest node, how many tokens it used, the words' path.

        `follow_default` descends into a node's default child (bare ``link`` is
        ``link show``), as running does; completion wants the node itself.
        """
        node, path, i = self.root, (), 0
        if tokens and tokens[0] == "ip":   # iproute2 lines paste as they are
            i = 1
        while i < len(tokens) and node.children:
            if node.command and node.command.slots and tokens[i] not in node.names():
                break
            node = node.match(tokens[i], i)
            path += (node.word,)
            i += 1
        while follow_default and node.command is None and node.default:
            node = node.children[node.default]
            path += (node.word,)
        return Resolved(node, i, path)

    def parse(self, tokens: Sequence[str]) -> Parsed:
        if not tokens or tokens == ["ip"]:
            raise ParseError("empty command", 0)
        node, i, _ = self.resolve(tokens)
        if node.command is None:
            subs = ", ".join(node.children)
            raise ParseError(f'"{node.word}" needs one of: {subs}', len(tokens))
        return Parsed(node.command, parse_slots(node.command, tokens, i))


class SlotFill:
    """A command's slots filled from its tokens, one at a time.

    The parser feeds every token and then calls `finish`; completion and ``?``
    feed the complete words before the cursor and ask what is still open, so
    both follow the same rules: keywords match exactly, or by unique prefix
    once no positional slot is open; other tokens fill the next positional.
    A branch value opens its variant's slots; an expression keyword takes
    every later token (`expression`, `expression_tokens`).
    With `convert` off, values are recorded as typed (nothing is validated).
    """

    def __init__(self, cmd: Command, convert: bool = True):
        self.cmd = cmd
        self.convert = convert
        self.slots: list[Slot] = list(cmd.slots)
        self.args: dict[str, Any] = {s.dest: None for s in cmd.all_slots()}
        self.given: set[str] = set()
        self.awaiting: Slot | None = None     # a keyword was typed; its value comes next
        self._awaiting_kw: tuple[str, int] | None = None
        self.expression: Slot | None = None   # an expression keyword was typed
        self.expression_tokens: list[str] = []
        self._expression_start = (("", 0), 0)   # (keyword, its index), first token's index
        self._keywords = keywords_of(self.slots)

    @property
    def open_positional(self) -> Slot | None:
        for slot in self.slots:
            if slot.is_positional and (slot.repeat or slot.dest not in self.given):
                return slot
        return None

    def unused_keywords(self) -> list[tuple[str, Slot]]:
        """Keywords (and positional intros) whose slot is still free, in declaration order."""
        return [(kw, slot) for kw, slot in self._keywords.items() if slot.dest not in self.given]

    @property
    def runnable(self) -> bool:
        try:
            self._check_complete(0)
        except ParseError:
            return False
        return True

    def _value(self, slot: Slot, token: str, index: int) -> Any:
        return _convert(slot, token, index) if self.convert else token

    def _open_variant(self, slot: Slot, token: str) -> None:
        """The slots a branch value brings join the command's (nothing if it is no value)."""
        try:
            value = slot.type.parse(token)
        except ValueError:
            return
        chosen = slot.variants.slots_of(value)
        # a command slot that is also some value's option (link add's ``link DEV``, ip's place
        # for it) stays open only for values that take it, and as that value declares it
        mine = {s.dest: s for s in chosen}
        others = {s.dest for _help, slots in slot.variants.table().values() for s in slots} - set(mine)
        self.slots = [s if s.dest in self.given else mine.get(s.dest, s)
                      for s in self.slots if s.dest in self.given or s.dest not in others]
        have = {s.dest for s in self.slots}
        self.slots += [s for s in chosen if s.dest not in have]
        self._keywords = keywords_of(self.slots)

    def feed(self, token: str, index: int) -> None:
        if self.expression is not None:
            self.expression_tokens.append(token)
            return
        if self.awaiting is not None:
            slot, self.awaiting = self.awaiting, None
            self.args[slot.dest] = self._value(slot, token, index)
            self.given.add(slot.dest)
            if slot.variants is not None:
                self._open_variant(slot, token)
            return
        attached = self._attached_option(token)
        if attached is not None:            # ping -c3: option and value in one word
            self.feed(token[:2], index)
            self.feed(token[2:], index)
            return
        positional = self.open_positional
        kw = token if token in self._keywords else None
        if kw is None and positional is None:
            kw = match_keyword(token, list(self._keywords), index)
        if kw is None:
            if positional is None:
                raise ParseError(self._variant_word(token) or
                                 f'unexpected "{token}" for "{self.cmd.name}"', index)
            value = self._value(positional, token, index)
            if positional.repeat:              # appended in place: a long line parses in linear time
                words = self.args[positional.dest]
                if words is None:
                    words = self.args[positional.dest] = []
                words.append(value)
            else:
                self.args[positional.dest] = value
            self.given.add(positional.dest)
            return
        slot = self._keywords[kw]
        if slot.dest in self.given:
            if slot.is_flag:
                raise ParseError(f'"{token}" conflicts with an earlier word', index)
            raise ParseError(f'duplicate "{kw}"', index)
        if slot.is_flag:
            self.args[slot.dest] = slot.value
            self.given.add(slot.dest)
        elif slot.rest:
            self.expression = slot
            self.given.add(slot.dest)
            self._expression_start = ((kw, index), index + 1)
        else:
            self.awaiting = slot
            self._awaiting_kw = (kw, index)

    def _variant_word(self, token: str) -> str:
        """Why a word of another branch value is refused: it belongs after that value."""
        for slot in self.slots:
            if slot.variants is None:
                continue
            owners = [value for value, (_help, slots) in slot.variants.table().items()
                      if token in keywords_of(slots)]
            if not owners:
                continue
            if slot.dest in self.given:
                return f'"{token}" is not an option of {slot.keyword} {self.args[slot.dest]}'
            return f'"{token}" comes after "{slot.keyword} {" | ".join(owners)}"'
        return ""

    def _attached_option(self, token: str) -> Slot | None:
        """The option a ``-xVALUE`` word spells, as getopt reads it, if any."""
        if len(token) > 2 and token[0] == "-" and token not in self._keywords:
            slot = self._keywords.get(token[:2])
            if slot is not None and not slot.is_flag and not slot.rest and slot.dest not in self.given:
                return slot
        return None

    def _parse_expression(self) -> Any:
        (kw, kw_index), first = self._expression_start
        slot = self.expression
        if not self.expression_tokens:
            raise ParseError(f'"{kw}" needs a value: {slot.label}', kw_index)
        try:
            return slot.type.parser.parse(list(self.expression_tokens))
        except ParseError as exc:
            at = first + exc.index if exc.index is not None else first + len(self.expression_tokens)
            raise ParseError(exc.message, at, exc.span) from None

    def _check_complete(self, end: int) -> None:
        if self.awaiting is not None:
            kw, index = self._awaiting_kw
            raise ParseError(f'"{kw}" needs a value: {self.awaiting.label}', index)
        if self.expression is not None:
            value = self._parse_expression()
            if self.convert:
                self.args[self.expression.dest] = value
        for slot in self.slots:
            if not slot.optional and slot.dest not in self.given:
                needed = f"{slot.keyword} {slot.label}" if slot.keyword else slot.label
                raise ParseError(f'"{self.cmd.name}" needs {needed}', end)
        if self.cmd.require_one_of and not self.given & set(self.cmd.require_one_of):
            raise ParseError(f'"{self.cmd.name}" needs something to do: {_alternatives(self.cmd)}', end)

    def finish(self, end: int) -> dict[str, Any]:
        self._check_complete(end)
        return self.args


def parse_slots(cmd: Command, tokens: Sequence[str], start: int) -> dict[str, Any]:
    """Fill a command's slots from tokens[start:]; raise ParseError naming the bad token."""
    fill = SlotFill(cmd)
    for i in range(start, len(tokens)):
        fill.feed(tokens[i], i)
    return fill.finish(len(tokens))


def _alternatives(cmd: Command) -> str:
    words = []
    for slot in cmd.slots:
        if slot.dest in cmd.require_one_of:
            words.append(slot.keyword if slot.is_flag else f"{slot.keyword} {slot.label}")
    return " | ".join(words)


def _convert(slot: Slot, token: str, index: int) -> Any:
    try:
        return slot.type.parse(token)
    except ValueError as exc:
        reason = str(exc) or "invalid"
        raise ParseError(f'invalid {slot.label} "{token}": {reason}', index,
                         status=slot.type.invalid_status) from None
