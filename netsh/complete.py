"""Completion and ``?`` help, derived from the grammar (DESIGN principle 7).

Every face uses these two functions:

* `complete(grammar, tokens_before, partial, live)` lists what may replace the
  word under the cursor: child words of the node reached so far, then, inside
  a command, the keywords not used yet and values for the open positional
  slot or for a keyword awaiting its value (`ArgType.choices()` plus live
  names from ``live(type.kind)``);
* `help_at(grammar, tokens, partial)` says what may come next, one line of
  help each; inside a command the first row is its synopsis.

Words are followed the way the parser follows them (exact name, synonym,
alias table, unique prefix; a leading ``ip`` is skipped), so ``li sh`` walks
to ``link show`` and ``l s`` stops where ``s`` is ambiguous.  `walk` is the
one place that does it; it raises `ParseError` for a word the parser would
refuse.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, NamedTuple, Sequence

from netsh.grammar import Grammar, Node, ParseError, Slot, SlotFill

Live = Callable[[str], Sequence[str]]

ENTER = "<Enter>"


class Candidate(NamedTuple):
    text: str
    meta: str = ""


@dataclass
class Position:
    """The node reached by the command words, and the slot state if inside a command."""

    node: Node
    path: tuple[str, ...]
    slots: SlotFill | None = None       # set once a token went past the command words


def walk(grammar: Grammar, tokens: Sequence[str]) -> Position:
    """Follow `tokens` (all complete words) as the parser would; raise ParseError."""
    node, i, path = grammar.resolve(tokens, follow_default=False)
    if i == len(tokens):
        return Position(node, path)
    if node.command is None:
        raise ParseError(f'unexpected "{tokens[i]}"', i)
    fill = SlotFill(node.command, convert=False)
    for index in range(i, len(tokens)):
        fill.feed(tokens[index], index)
    return Position(node, path, fill)


def names_of(node: Node) -> set[str]:
    return node.names()


def node_help(node: Node) -> str:
    return node.help or (node.command.help if node.command else "")


# --- completion ------------------------------------------------------------

def complete(grammar: Grammar, tokens_before: Sequence[str], partial: str,
             live: Live | None = None) -> list[Candidate]:
    """Candidates for the word `partial` after `tokens_before`; [] where the line is wrong."""
    try:
        pos = walk(grammar, tokens_before)
    except ParseError:
        return []
    out: list[Candidate] = []
    if pos.slots is None:
        out += child_candidates(pos.node, partial)
        if pos.node.command is not None:
            out += slot_candidates(SlotFill(pos.node.command), partial, live)
    else:
        out += slot_candidates(pos.slots, partial, live)
    return _unique(out)


def child_candidates(node: Node, partial: str) -> list[Candidate]:
    out = []
    for child in node.children.values():
        help = node_help(child)
        names = [n for n in (child.word, *child.synonyms) if n.startswith(partial)]
        if names:
            out.append(Candidate(names[0], help))
        elif node.aliases.get(partial) == child.word:
            out.append(Candidate(child.word, help))
    return out


def slot_candidates(state: SlotFill, partial: str, live: Live | None) -> list[Candidate]:
    if state.expression is not None:
        parser = state.expression.type.parser
        return [as_candidate(c) for c in parser.complete(list(state.expression_tokens), partial, live)]
    if state.awaiting is not None:
        return value_candidates(state.awaiting, partial, live)
    out = [Candidate(kw, keyword_meta(kw, slot))
           for kw, slot in state.unused_keywords() if kw.startswith(partial)]
    if state.open_positional is not None:
        out += value_candidates(state.open_positional, partial, live)
    return out


def as_candidate(item) -> Candidate:
    return Candidate(item) if isinstance(item, str) else Candidate(*item)


def keyword_meta(keyword: str, slot: Slot) -> str:
    if slot.is_flag:
        return slot.help
    text = f"{keyword} {slot.label}"
    return f"{text}: {slot.help}" if slot.help else text


def value_candidates(slot: Slot, partial: str, live: Live | None) -> list[Candidate]:
    """Fixed choices, then live names (or file names) for a value slot."""
    vtype = slot.type
    if vtype is None:
        return []
    meta = slot.help or vtype.help or slot.label
    values = list(vtype.choices())
    kind = vtype.kind
    if kind == "file":
        values += file_names(partial)
    elif kind and live is not None:
        try:
            values += [str(v) for v in live(kind)]
        except Exception:   # a completion must never take the shell down
            pass
    return [Candidate(v, meta) for v in dict.fromkeys(values) if v.startswith(partial)]


def file_names(partial: str) -> list[str]:
    """Entries of the directory `partial` points into; directories end in '/'."""
    head, tail = os.path.split(partial)
    try:
        entries = sorted(os.listdir(os.path.expanduser(head) or "."))
    except OSError:
        return []
    out = []
    for name in entries:
        if not name.startswith(tail) or (name.startswith(".") and not tail.startswith(".")):
            continue
        path = os.path.join(head, name)
        out.append(path + "/" if os.path.isdir(os.path.expanduser(path)) else path)
    return out


def _unique(cands: list[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    out = []
    for cand in cands:
        if cand.text not in seen:
            seen.add(cand.text)
            out.append(cand)
    return out


# --- ? help ------------------------------------------------------------------

def help_at(grammar: Grammar, tokens: Sequence[str], partial: str = "") -> list[tuple[str, str]]:
    """What may come next after `tokens` (and starts with `partial`), with one-line help.

    At a word position: the child words.  Inside a command: its synopsis first,
    then the keywords still free, the open value (``DEV``) and ``<Enter>``
    when the command can run as it stands.  Raises ParseError (with the
    offending token's index) when `tokens` already went wrong.
    """
    pos = walk(grammar, tokens)
    node = pos.node
    rows: list[tuple[str, str]] = []
    if pos.slots is None:
        rows += [(c.text, c.meta) for c in child_candidates(node, partial)]
        if node.command is None and node.default and not partial:
            target = node.children[node.default]
            rows.append((ENTER, f"{target.command.name if target.command else target.word}: "
                                f"{node_help(target)}"))
        if node.command is None:
            if not rows:
                raise ParseError(f'unknown command "{partial}"', len(tokens))
            return rows
        state = SlotFill(node.command)
    else:
        state = pos.slots
    cmd = state.cmd
    rows.insert(0, (cmd.synopsis(), cmd.help))
    if state.expression is not None:
        lines = state.expression.type.parser.help(list(state.expression_tokens))
        rows += [tuple(as_candidate(line)) for line in lines]
        if state.runnable and not partial:
            rows.append((ENTER, "run it"))
        return rows
    if state.awaiting is not None:
        rows.append(value_row(state.awaiting))
        return rows
    for kw, slot in state.unused_keywords():
        if kw.startswith(partial):
            rows.append((kw if slot.is_flag else f"{kw} {slot.label}", slot.help))
    if state.open_positional is not None:
        rows.append(value_row(state.open_positional))
    if state.runnable and not partial:
        rows.append((ENTER, "run it"))
    return rows


def value_row(slot: Slot) -> tuple[str, str]:
    help = slot.help or (slot.type.help if slot.type else "")
    choices = slot.type.choices() if slot.type else []
    if choices:
        help = (help + " " if help else "") + "{ " + " | ".join(choices) + " }"
    return slot.label, help


def format_help(rows: Sequence[tuple[str, str]]) -> str:
    """Two aligned columns, as routers print ``?`` help."""
    if not rows:
        return ""
    width = min(max(len(w) for w, _ in rows), 28)
    lines = []
    for word, text in rows:
        if text and len(word) > width:
            lines.append(f"  {word}\n  {'':{width}}  {text}")
        else:
            lines.append(f"  {word:{width}}  {text}".rstrip())
    return "\n".join(lines)


# --- splitting the line under the cursor -----------------------------------------

def split_line(text: str) -> tuple[list[str], str]:
    """Split the text before the cursor into complete words and the partial word.

    Words follow the batch format (whitespace-separated; a word starting with a
    quote runs to the matching quote).  An unterminated quote makes the rest
    of the line the partial word, quote removed.
    """
    words: list[str] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return words, ""
        if text[i] in "'\"":
            end = text.find(text[i], i + 1)
            if end < 0:
                return words, text[i + 1:]
            word, i = text[i + 1:end], end + 1
        else:
            start = i
            while i < n and not text[i].isspace():
                i += 1
            word = text[start:i]
        if i >= n:
            return words, word
        words.append(word)


def open_quote(text: str) -> str:
    """The quote character when `text` ends inside an open quoted word, else ""."""
    i, n = 0, len(text)
    while i < n:
        if text[i] in "'\"" and (i == 0 or text[i - 1].isspace()):
            end = text.find(text[i], i + 1)
            if end < 0:
                return text[i]
            i = end + 1
        else:
            i += 1
    return ""
