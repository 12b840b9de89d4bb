"""man/netsh.8, generated from the grammar and the global options.

``python -m netsh.manpage > man/netsh.8`` (``make man``).  The SYNOPSIS, the
OPTIONS, every entry of COMMANDS and the alias table of ABBREVIATIONS come
from the declarations (`Command.synopsis()`, help and details; options.OPTIONS);
the prose around them is written here.  Examples are parsed with the grammar
while the page is generated, so the page cannot show a line the shell refuses.
"""
from __future__ import annotations

import re
import sys
from typing import Iterable

from netsh.grammar import Command, Grammar, Node, ParseError, slot_words

TITLE = "netsh \\- terminal management shell and packet inspector over a userspace TCP/IP stack"

# A few words more than the one-line help, per option (by its long name).
OPTION_NOTES = {
    "color": "The default, \\fBauto\\fR, colours only when the output is a terminal and "
             "\\fBNO_COLOR\\fR is unset or empty. The last \\fB\\-c\\fR wins. "
             "JSON output is never coloured.",
    "batch": "See \\fBBATCH FORMAT\\fR.",
    "json": "Keys follow iproute2's where a counterpart exists, so \\fBjq\\fR habits carry over.",
}

EXAMPLES = [
    # (a one-shot command line after "netsh", what it does)
    ("link host", "List the host's network devices the stack can attach to."),
    ("-j -p link show", "The stack's links as indented JSON."),
    ("-s stats", "Counters per layer, named as Linux names them."),
    ("help link set", "The usage of one command."),
]

# A batch file (each command is parsed like the one-liners above).
BATCH_EXAMPLE = [
    "# lab.nsh: one NIC, one address, three pings",
    "link attach veth0",
    "link set veth0 up",
    "addr add 192.0.2.1/24 dev veth0",
    "ping -c 3 192.0.2.2",
]


# --- roff --------------------------------------------------------------------------

def esc(text: str) -> str:
    """Text for a roff line: backslashes, dashes, and a leading control character."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text[:1] in (".", "'") else text


def bold(text: str) -> str:
    return f"\\fB{esc(text)}\\fR"


def italic(text: str) -> str:
    return f"\\fI{esc(text)}\\fR"


def paragraphs(text: str) -> list[str]:
    """`details` text as roff: blank lines separate paragraphs, indented lines stay as they are."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip("\n")):
        lines = block.splitlines()
        if all(line.startswith(("  ", "\t")) for line in lines):
            out += [".PP", ".nf", ".RS 4"] + [esc(line.strip()) for line in lines] + [".RE", ".fi"]
        else:
            out += [".PP", esc(" ".join(" ".join(lines).split()))]
    return out


SYNTAX = {"[", "]", "|", "{", "}"}


def synopsis_roff(cmd: Command) -> str:
    """`Command.synopsis()` with keywords in bold and values in italics."""
    keywords = set(cmd.words) | set(cmd.keyword_slots())
    parts = []
    for token in cmd.synopsis().split():
        if token in SYNTAX:
            parts.append(token)
        elif token in keywords:
            parts.append(bold(token))
        elif token.endswith("...") and token[:-3] not in keywords:
            parts.append(italic(token[:-3]) + "...")
        else:
            parts.append(italic(token))
    return " ".join(parts)


# --- sections ------------------------------------------------------------------------

def header(version: str) -> list[str]:
    return [
        '.\\" Generated from the command grammar by `make man` (python -m netsh.manpage); do not edit.',
        f'.TH NETSH 8 "" "netsh {version}" "System Administration"',
        ".SH NAME",
        TITLE,
    ]


def synopsis(grammar: Grammar) -> list[str]:
    out = [".SH SYNOPSIS", ".ad l", ".nh"]

    def usage(*parts: str) -> None:
        out.extend([".PP", ".in +8", ".ti -8", " ".join(parts), ".in"])

    usage(bold("netsh"), "[", italic("OPTIONS"), "]", italic("COMMAND"))
    usage(bold("netsh"), "[", bold("-force"), "]", bold("-b"), italic("FILE"), "[", bold("-i"), "]")
    usage(bold("netsh"), "[", italic("OPTIONS"), "]")
    usage(italic("OPTIONS"), ":=", "{", " | ".join(option_usage(spec).replace(" ", "\\ ")
                                                 for spec in options()), "}")
    for cmd in commands(grammar):
        usage(synopsis_roff(cmd))
    out += [".hy", ".ad"]
    return out


def description() -> list[str]:
    return [
        ".SH DESCRIPTION",
        "\\fBnetsh\\fR drives a userspace network stack, embedded in the process, that",
        "is bound to live network devices through libpcap. Its commands follow",
        "\\fBip\\fR(8): \\fBlink\\fR, \\fBaddress\\fR, \\fBroute\\fR, \\fBneigh\\fR and more,",
        "with the same words, abbreviations and output layouts, and \\fB\\-j\\fR JSON",
        "with iproute2's key names.",
        ".PP",
        "Given a \\fICOMMAND\\fR, \\fBnetsh\\fR runs it and exits. Given \\fB\\-b\\fR, it runs",
        "a batch of commands. Otherwise it starts the interactive shell, which reads",
        "commands at a \\fBnetsh>\\fR prompt:",
        ".TP",
        "\\fBTab\\fR",
        "completes command words, keywords and values, including the names the",
        "running stack has (links) and the host's network devices.",
        ".TP",
        "\\fB?\\fR",
        "prints what may come next at the cursor, with one line of help each,",
        "and the synopsis once a command is named; the line is left as it is.",
        ".TP",
        "\\fBCtrl\\-C\\fR",
        "clears the line, or interrupts a running command such as \\fBping\\fR.",
        ".TP",
        "\\fBCtrl\\-D\\fR, \\fBexit\\fR, \\fBquit\\fR",
        "leave the shell.",
        ".PP",
        "A line the parser refuses is shown again with a caret under the offending word.",
    ]


def options_section() -> list[str]:
    out = [".SH OPTIONS",
           "Options come before the command words and end at the first word that does not",
           "start with \\fB\\-\\fR, or at \\fB\\-\\-\\fR. A long option may be abbreviated to any",
           "unique prefix, and may be written with two dashes."]
    for spec in options():
        out += [".TP", option_usage(spec), esc(sentence(spec.help))]
        if spec.name in OPTION_NOTES:
            out.append(OPTION_NOTES[spec.name])
    return out


def batch_section() -> list[str]:
    return [
        ".SH BATCH FORMAT",
        "\\fB\\-b\\fR \\fIFILE\\fR reads commands the way \\fBip \\-batch\\fR does;",
        "\\fIFILE\\fR \\fB\\-\\fR is standard input.",
        ".IP \\(bu 2",
        "One command per line, written as in the shell (a leading \\fBip\\fR is accepted).",
        ".IP \\(bu 2",
        "\\fB#\\fR starts a comment that runs to the end of the line, even inside quotes.",
        ".IP \\(bu 2",
        "A line ending in \\fB\\e\\fR continues on the next one.",
        ".IP \\(bu 2",
        "Words are separated by blanks. A word starting with \\fB'\\fR or \\fB\"\\fR runs to the",
        "next quote of the same kind, blanks included; there are no escapes.",
        ".IP \\(bu 2",
        "Blank lines are skipped.",
        ".PP",
        "The first command that fails stops the batch with",
        ".RS 4",
        "\\fBCommand failed\\fR \\fIFILE\\fR\\fB:\\fR\\fILINE\\fR",
        ".RE",
        ".PP",
        "on standard error, after its own error message. With \\fB\\-force\\fR the batch goes",
        "on after a failure and the exit status is still 1. \\fB\\-i\\fR opens the interactive",
        "shell on the same stack when the batch is done.",
    ]


def commands_section(grammar: Grammar) -> list[str]:
    out = [".SH COMMANDS",
           "Commands are grouped by the object they act on. In a synopsis, words in bold",
           "are typed as they are, words in italics stand for a value, \\fB[ ]\\fR encloses",
           "what may be left out and \\fB|\\fR separates alternatives."]
    for node in grammar.root.children.values():
        out += [".SS " + object_title(node)]
        if node.default and node.default in node.children:
            target = node.children[node.default]
            name = target.command.name if target.command else f"{node.word} {target.word}"
            out += [f"\\fB{esc(node.word)}\\fR alone runs \\fB{esc(name)}\\fR."]
        for cmd in node.commands():
            out += [".TP", synopsis_roff(cmd), esc(sentence(cmd.help))]
            out += branch_roff(cmd)
            if cmd.details:
                out += [".RS"] + paragraphs(cmd.details) + [".RE"]
    return out


def branch_roff(cmd: Command) -> list[str]:
    """Each value of a branch slot (``type pair``) with its own words and help."""
    out = []
    for slot in cmd.slots:
        if slot.variants is None:
            continue
        for value, (help, slots) in slot.variants.table().items():
            words = [bold(slot.keyword), bold(value)] + [
                token if token in SYNTAX else bold(token) if token in cmd.keyword_slots()
                else italic(token) for token in slot_words(slots).split()]
            out += [".RS", ".TP", " ".join(words), esc(sentence(help)), ".RE"]
    return out


def object_title(node: Node) -> str:
    """``link \\- network devices``; a command standing alone has its help in its entry."""
    title = esc(node.word)
    if node.synonyms:
        title += " (" + ", ".join(esc(s) for s in node.synonyms) + ")"
    return f'"{title} \\- {esc(node.help)}"' if node.help and node.children else f'"{title}"'


def abbreviations_section(grammar: Grammar) -> list[str]:
    out = [".SH ABBREVIATIONS",
           "A command word or a keyword may be shortened to any prefix that names it alone:",
           "\\fBli sh\\fR is \\fBlink show\\fR. Keywords that start with \\fB\\-\\fR must be written",
           "in full. A few short forms that iproute2 users type are aliases, taken even",
           "where the prefix would be ambiguous:"]
    for path, alias, target in aliases(grammar):
        out += [".TP", bold(" ".join(path + (alias,))), f"means {bold(' '.join(path + (target,)))}."]
    example = ambiguity_example(grammar)
    out += [".PP", "A prefix shared by several words is refused, never guessed, and the error"]
    if example:
        line, message = example
        out += ["names them: \\fBnetsh " + esc(line) + "\\fR prints", ".RS 4", ".nf",
                esc("Error: " + message), ".fi", ".RE"]
    else:
        out[-1] += " names them."
    spellings: dict[str, list[str]] = {}
    for node in grammar.root.walk():
        for synonym in node.synonyms:
            if synonym not in spellings.setdefault(node.word, []):
                spellings[node.word].append(synonym)
    if spellings:
        out += [".PP", "Some words have other spellings: " + "; ".join(
            f"{' and '.join(bold(s) for s in syns)} for {bold(word)}" for word, syns in spellings.items()) + "."]
    out += [".PP", "A line may start with \\fBip\\fR, so iproute2 lines paste as they are."]
    return out


def exit_status_section() -> list[str]:
    from netsh.errors import (EXIT_FAIL, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_REFUSED,
                              EXIT_SYNTAX)
    return [
        ".SH EXIT STATUS",
        "As \\fBip\\fR(8):",
        ".TP", f"\\fB{EXIT_OK}\\fR", "Success.",
        ".TP", f"\\fB{EXIT_FAIL}\\fR",
        "A command that failed: a device or entry that is not there, a malformed address,",
        "prefix or MAC address, or a command that did not succeed, such as a \\fBping\\fR",
        "without replies. A batch exits 1 when any of its commands failed.",
        ".TP", f"\\fB{EXIT_REFUSED}\\fR",
        "The stack refused the change, where the kernel answers through netlink: the entry",
        "exists already (\\fBRTNETLINK answers: File exists\\fR), or is not there to delete",
        "or change. Also an internal error; set \\fBNETSH_DEBUG=1\\fR to see its traceback.",
        ".TP", f"\\fB{EXIT_SYNTAX}\\fR",
        "Bad syntax: an unknown or ambiguous word, a missing or bad value, an unknown option.",
        ".TP", f"\\fB{EXIT_INTERRUPTED}\\fR",
        "A one\\-shot command or a batch was interrupted (\\fBCtrl\\-C\\fR).",
        ".PP",
        "The interactive shell exits 0.",
    ]


def differences_section() -> list[str]:
    return [
        ".SH DIFFERENCES FROM IPROUTE2",
        "tests/interop/test_ip_differential.py gives a script of command lines to",
        "\\fBip\\fR and to \\fBnetsh\\fR side by side and compares their output, JSON and",
        "exit statuses. Where \\fBnetsh\\fR differs, it is on purpose:",
        ".IP \\(bu 2",
        "Errors are said in its own words, naming the offending word (and, in the shell,",
        "with a caret under it); the exit status is \\fBip\\fR's.",
        ".IP \\(bu 2",
        "An abbreviation that could mean two words is refused, where \\fBip\\fR picks one.",
        ".IP \\(bu 2",
        "Some values are checked while the line is parsed (an MTU's range, a missing",
        "\\fBlladdr\\fR or address): exit status 255 where \\fBip\\fR sends the request and",
        "the kernel refuses it with 2.",
        ".IP \\(bu 2",
        "An attached NIC is a host device seen through pcap: no \\fB@if\\fIN\\fR or",
        "\\fBlink\\-netns\\fR as a veth shows, and the \\fBpfifo_fast\\fR queue of a NIC.",
        "A pair of links in the stack is \\fBtype pair\\fR, \\fBip\\fR's veth.",
        ".IP \\(bu 2",
        "Neighbours are listed in the order they were made, not the kernel's hash order.",
        ".IP \\(bu 2",
        "\\fBbridge\\fR commands fail with \\fBip\\fR's statuses (1, 2, 255) where",
        "\\fBbridge\\fR(8) exits 255 on any failure; a port's default cost is 100, not one",
        "derived from the NIC's speed; \\fBbridge fdb\\fR lists no \\fBself\\fR entries for",
        "the devices' own multicast addresses.",
        ".IP \\(bu 2",
        "A multipath route's leg through a link that went down is not marked \\fBdead\\fR.",
    ]


def environment_section() -> list[str]:
    return [
        ".SH ENVIRONMENT",
        ".TP", "\\fBNO_COLOR\\fR",
        "When set and not empty, output is not coloured unless \\fB\\-c\\fR asks for it.",
        ".TP", "\\fBXDG_STATE_HOME\\fR",
        "Where the shell keeps its history (default \\fI~/.local/state\\fR).",
        ".TP", "\\fBNETSH_DEBUG\\fR",
        "When set to 1, an internal error shows its Python traceback.",
        ".TP", "\\fBNETSH_SERVE_LIMITS\\fR",
        "Tunes the limits of \\fBnetsh serve\\fR, as \\fIkey\\fR=\\fIvalue\\fR pairs separated by commas:",
        "\\fBfaces\\fR (faces attached at once, default 256), \\fBpending\\fR (connections that have",
        "not yet sent their first frame, 64), \\fBrunning\\fR (commands running at once, 32),",
        "\\fBhello_wait\\fR (seconds a new connection has to send its first frame, 5) and",
        "\\fBsend_wait\\fR (seconds a face may leave a reply unread, 30).",
    ]


def files_section() -> list[str]:
    return [
        ".SH FILES",
        ".TP", "\\fI$XDG_STATE_HOME/netsh/history\\fR",
        "The interactive shell's history, one line per command",
        "(\\fI~/.local/state/netsh/history\\fR when \\fBXDG_STATE_HOME\\fR is unset).",
    ]


def examples_section(grammar: Grammar, examples: Iterable[tuple[str, str]],
                     batch: list[str]) -> list[str]:
    out = [".SH EXAMPLES"]
    for line, text in check_examples(grammar, examples):
        out += [".TP", bold("netsh " + line), esc(text)]
    if batch:
        check_batch(grammar, batch)
        out += [".PP", "Each one\\-shot command runs on a stack of its own. To keep one, use the shell",
                "or a batch such as", ".PP", ".RS 4", ".nf"] + [esc(line) for line in batch] + [
                ".fi", ".RE", ".PP",
                "and run it with \\fBnetsh \\-b lab.nsh \\-i\\fR, which then opens the shell on the same stack."]
    return out


def see_also_section() -> list[str]:
    return [".SH SEE ALSO", "\\fBip\\fR(8), \\fBping\\fR(8), \\fBtshark\\fR(1)"]


# --- derived data ----------------------------------------------------------------------

def options():
    from netsh.options import OPTIONS
    return OPTIONS


def option_usage(spec) -> str:
    """options.OptionSpec.usage with the option in bold and its value in italics."""
    text = spec.usage
    if spec.metavar and text.endswith(" " + spec.metavar):
        return bold(text[:-len(spec.metavar) - 1]) + " " + italic(spec.metavar)
    return bold(text)


def commands(grammar: Grammar) -> list[Command]:
    return grammar.root.commands()


def aliases(grammar: Grammar) -> Iterable[tuple[tuple[str, ...], str, str]]:
    def visit(node: Node, path: tuple[str, ...]):
        for alias, target in sorted(node.aliases.items()):
            yield path, alias, target
        for child in node.children.values():
            yield from visit(child, path + (child.word,))
    return list(visit(grammar.root, ()))


def ambiguity_example(grammar: Grammar) -> tuple[str, str] | None:
    """The first prefix in the tree that the parser refuses as ambiguous, and its message."""
    def visit(node: Node, path: tuple[str, ...]):
        words = list(node.children)
        for word in words:
            for end in range(1, len(word)):
                prefix = word[:end]
                if prefix in node.aliases:
                    continue
                try:
                    node.match(prefix, len(path))
                except ParseError as exc:
                    return " ".join(path + (prefix,)), exc.message
                break
        for child in node.children.values():
            found = visit(child, path + (child.word,))
            if found:
                return found
        return None
    return visit(grammar.root, ())


def check_examples(grammar: Grammar, examples: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The examples, each parsed with the grammar (global options first); ValueError if one fails."""
    from netsh.options import parse_options
    for line, _ in examples:
        _, words = parse_options(line.split())
        try:
            grammar.parse(words)
        except ParseError as exc:
            raise ValueError(f"manpage: example \"netsh {line}\" no longer parses: {exc.message}") from None
    return list(examples)


def check_batch(grammar: Grammar, lines: list[str]) -> None:
    from netsh.batch import split_line
    for line in lines:
        words = split_line(line)
        if words:
            check_examples(grammar, [(" ".join(words), "")])


def sentence(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def generate(grammar: Grammar, *, examples: Iterable[tuple[str, str]] = EXAMPLES,
             batch: list[str] = BATCH_EXAMPLE) -> str:
    from netsh import __version__
    lines = (header(__version__) + synopsis(grammar) + description() + options_section()
             + batch_section() + commands_section(grammar) + abbreviations_section(grammar)
             + exit_status_section() + differences_section() + environment_section()
             + files_section()
             + examples_section(grammar, examples, batch) + see_also_section())
    return "\n".join(lines) + "\n"


def main() -> int:
    from netsh.app import build_grammar
    sys.stdout.write(generate(build_grammar()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
