"""bash, zsh and fish completion scripts, generated from the grammar.

``python -m netsh.completion_gen bash|zsh|fish`` prints one script
(``make completions`` writes them to completions/).  A script holds the
command tree as data (child words, synonyms, aliases; each command's slots
with their keywords and value choices) and a small engine in the target
shell that follows the line the way the parser does: global options first,
an optional leading ``ip``, words by exact name, alias or unique prefix,
then keywords not used yet and values for the open slot.

Values offered offline, where no stack runs: `ArgType.choices()`; for
``kind == "hostdev"`` the host's interfaces (/sys/class/net); ``"netns"``
the named network namespaces (/run/netns); ``"file"`` file names;
``"served"`` (the value of ``-n``) the names ``netsh -j list`` shows, asked of
the netsh on the line (no stack is started).  Other kinds (``link``: the
stack's links exist only while it runs) offer nothing.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from netsh.complete import node_help
from netsh.grammar import Grammar, Node, Slot

SHELLS = ("bash", "zsh", "fish")
OFFLINE_KINDS = ("hostdev", "netns", "file", "served")
HEADER = ("netsh(8) {shell} completion. Generated from the command grammar by "
          "`make completions` (python -m netsh.completion_gen {shell}); do not edit.")

_WORD = re.compile(r"^[A-Za-z0-9_.:/+@%-]+$")     # safe unquoted in every data field


# --- the grammar as plain data ------------------------------------------------------

@dataclass
class SlotSpec:
    kind: str           # p(ositional) r(epeating positional) o(ption) f(lag)
    dest: str
    keyword: str        # option/flag keyword, or a positional's intro ("" if none)
    values: str         # "c:a,b,c" choices, "k:KIND" offline source, "-" nothing
    help: str


@dataclass
class NodeSpec:
    path: str                               # canonical words joined by one space
    names: list[tuple[str, str, str]]       # (name, canonical child word, help)
    aliases: list[tuple[str, str]]          # (alias, canonical child word)
    command: list[SlotSpec] | None          # None: the words name no command


def specs(grammar: Grammar) -> list[NodeSpec]:
    out: list[NodeSpec] = []

    def visit(node: Node, path: tuple[str, ...]) -> None:
        names = [(name, child.word, one_line(node_help(child)))
                 for child in node.children.values() for name in (child.word, *child.synonyms)]
        aliases = sorted(node.aliases.items())
        command = [slot_spec(s) for s in node.command.all_slots()] if node.command else None
        for word in [n for n, _, _ in names] + [a for a, _ in aliases]:
            _check(word, " ".join(path))
        out.append(NodeSpec(" ".join(path), names, aliases, command))
        for child in node.children.values():
            visit(child, path + (child.word,))

    visit(grammar.root, ())
    return out


def slot_spec(slot: Slot) -> SlotSpec:
    kind = "f" if slot.is_flag else "o" if not slot.is_positional else "r" if slot.repeat else "p"
    keyword = slot.keyword or slot.intro or ""
    if keyword:
        _check(keyword, slot.dest)
    return SlotSpec(kind, slot.dest, keyword, value_spec(slot), one_line(slot.help or slot.label))


def value_spec(slot: Slot) -> str:
    if slot.type is None:
        return "-"
    choices = list(slot.type.choices())
    if choices:
        for c in choices:
            _check(c, slot.dest)
        return "c:" + ",".join(choices)
    if slot.type.kind in OFFLINE_KINDS:
        return "k:" + slot.type.kind
    return "-"


@dataclass
class OptionWords:
    """A global option (netsh.options) as the scripts see it."""

    word: str               # the spelling offered (-j, -force)
    spellings: list[str]    # every word that selects it, when it takes the next word
    help: str
    value: str              # value spec of that next word ("" when it takes none)
    attached: list[str]     # -c=always ...


# what completes the value of an option taking one, by its metavar
OPTION_VALUE_KINDS = {"FILE": "file", "NS": "netns", "NAME": "served"}


def option_words() -> list[OptionWords]:
    from netsh.options import COLOR_MODES, OPTIONS, OptionError, find_option

    out = []
    for spec in OPTIONS:
        word = "-" + (spec.short[0] if spec.short else spec.name)
        spellings, value = [], ""
        if spec.metavar:
            kind = getattr(spec, "kind", None) or OPTION_VALUE_KINDS.get(spec.metavar)
            value = "k:" + kind if kind in OFFLINE_KINDS else "-"
            for name in (spec.name, *spec.short):
                for end in range(1, len(name) + 1):
                    try:
                        hit = find_option(name[:end])
                    except OptionError:
                        continue
                    if hit is spec:
                        spellings += [f"-{name[:end]}", f"--{name[:end]}"]
            spellings = sorted(set(spellings), key=lambda w: (len(w), w))
        attached = [f"{word}={m}" for m in COLOR_MODES] if spec.attached else []
        out.append(OptionWords(word, spellings, one_line(spec.help), value, attached))
    return out


def one_line(text: str) -> str:
    return " ".join(text.split())


def _check(word: str, where: str) -> None:
    if not _WORD.match(word) or word.startswith("=") or "," in word:
        raise ValueError(f"completion_gen: word {word!r} (in {where!r}) cannot be written into "
                         "a completion script; use letters, digits and -_.:/+@%")


def sq(text: str) -> str:
    """POSIX single quotes (bash, zsh)."""
    return "'" + text.replace("'", "'\\''") + "'"


def fq(text: str) -> str:
    """fish single quotes."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# --- shared data emitter for bash and zsh (both: case statement + arrays) -------------

def _sh_node_function(nodes: list[NodeSpec], with_help: bool) -> str:
    lines = [
        "# _netsh_node PATH: one node of the command tree, into the caller's arrays",
        "#   names   name=canonical[=help]  for every child word and synonym",
        "#   aliases alias=canonical",
        "#   iscmd   1 when PATH names a command, whose slots are",
        "#   slots   kind|dest|keyword|values|help  (kind p positional, r repeating positional,",
        "#           o option, f flag;",
        "#           values c:CHOICE,CHOICE  k:KIND (hostdev netns file served)  - nothing offline)",
        "_netsh_node() {",
        "    names=() aliases=() slots=() iscmd=",
        "    case $1 in",
    ]
    for n in nodes:
        parts = []
        if n.names:
            parts.append("names=(" + " ".join(
                sq(f"{name}={canon}" + (f"={help}" if with_help else "")) for name, canon, help in n.names) + ")")
        if n.aliases:
            parts.append("aliases=(" + " ".join(sq(f"{a}={c}") for a, c in n.aliases) + ")")
        if n.command is not None:
            parts.append("iscmd=1")
            if n.command:
                parts.append("slots=(" + " ".join(
                    sq(f"{s.kind}|{s.dest}|{s.keyword}|{s.values}|" + (s.help if with_help else ""))
                    for s in n.command) + ")")
        if parts:
            lines.append(f"    {sq(n.path)})")
            lines += [f"        {p}" for p in parts]
            lines.append("        ;;")
    lines += ["    esac", "}"]
    return "\n".join(lines)


def _sh_global_functions(options: list[OptionWords], with_help: bool) -> str:
    def word(opt: OptionWords) -> str:
        return sq(f"{opt.word}:{opt.help}" if with_help else opt.word)

    lines = [
        "# global options, before the command words",
        "_netsh_gopts=(" + " ".join(word(o) for o in options) + ")",
        "_netsh_gattached=(" + " ".join(sq(a) for o in options for a in o.attached) + ")",
        "# _netsh_goptarg OPTION: REPLY = value spec when OPTION takes the next word",
        "_netsh_goptarg() {",
        "    case $1 in",
    ]
    for o in options:
        if o.spellings:
            lines.append(f"    {'|'.join(sq(w) for w in o.spellings)}) REPLY={o.value} ;;")
    lines += ["    *) return 1 ;;", "    esac", "}"]
    return "\n".join(lines)


# --- bash ------------------------------------------------------------------------------

# The parts of the engine bash and zsh share; written so both read it the same way
# (patterns escape | as \|, which both take as a literal bar).
SH_COMMON = r"""
# _netsh_match TOKEN: REPLY = the canonical child word TOKEN selects (exact name,
# alias, unique prefix); fails when unknown or ambiguous
_netsh_match() {
    local t=$1 e c hit=''
    for e in "${names[@]}" "${aliases[@]}"; do
        if [[ ${e%%=*} == "$t" ]]; then e=${e#*=}; REPLY=${e%%=*}; return 0; fi
    done
    [[ -n $t ]] || return 1
    for e in "${names[@]}"; do
        if [[ ${e%%=*} == "$t"* ]]; then
            c=${e#*=}; c=${c%%=*}
            [[ -n $hit && $hit != "$c" ]] && return 1
            hit=$c
        fi
    done
    [[ -n $hit ]] && REPLY=$hit
}

_netsh_isname() {
    local e
    for e in "${names[@]}" "${aliases[@]}"; do [[ ${e%%=*} == "$1" ]] && return 0; done
    return 1
}

# _netsh_kw TOKEN EXACT: REPLY = the slot entry whose keyword is TOKEN (or, unless
# EXACT, the unique keyword it abbreviates; keywords starting with - match exactly)
_netsh_kw() {
    local t=$1 e k hit='' n=0
    for e in "${slots[@]}"; do
        k=${e#*\|*\|}; k=${k%%\|*}
        if [[ -n $k && $k == "$t" ]]; then REPLY=$e; return 0; fi
    done
    [[ $2 == 1 || -z $t || $t == -* ]] && return 1
    for e in "${slots[@]}"; do
        k=${e#*\|*\|}; k=${k%%\|*}
        if [[ -n $k && $k != -* && $k == "$t"* ]]; then hit=$e; (( n++ )); fi
    done
    (( n == 1 )) && REPLY=$hit
}

"""


BASH_ENGINE = SH_COMMON + r'''
# _netsh_words WORDS CUR: add the WORDS that start with CUR to COMPREPLY
_netsh_words() {
    local w
    while IFS= read -r w; do [[ -n $w ]] && COMPREPLY+=("$w"); done < <(compgen -W "$1" -- "$2")
}

# _netsh_served NETSH: the names `NETSH -j list` shows, one a line
_netsh_served() {
    local json
    json=$("$1" -j list 2>/dev/null) || return 0
    while [[ $json =~ \"name\":\ *\"([^\"]*)\" ]]; do
        printf '%s\n' "${BASH_REMATCH[1]}"
        json=${json#*"${BASH_REMATCH[0]}"}
    done
}

# _netsh_values SPEC CUR [NETSH]: add the values SPEC offers for CUR to COMPREPLY
_netsh_values() {
    local spec=$1 cur=$2 d
    case $spec in
    c:*) d=${spec#c:}; _netsh_words "${d//,/ }" "$cur" ;;
    k:hostdev|k:netns)
        [[ $spec == k:hostdev ]] && d=/sys/class/net || d=/run/netns
        for d in "$d"/*; do
            [[ -e $d && ${d##*/} == "$cur"* ]] && COMPREPLY+=("${d##*/}")
        done ;;
    k:file)
        compopt -o filenames 2>/dev/null
        while IFS= read -r d; do COMPREPLY+=("$d"); done < <(compgen -f -- "$cur") ;;
    k:served)
        while IFS= read -r d; do
            [[ $d == "$cur"* ]] && COMPREPLY+=("$d")
        done < <(_netsh_served "$3") ;;
    esac
}

_netsh() {
    local -a words names aliases slots
    local cword cur line iscmd REPLY e k path='' i=1 j w seen=' ' given=' ' want='' open
    if [[ -n ${COMP_LINE+set} ]]; then
        line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
        read -r -a words <<< "$line"
        [[ -z $line || $line == *[[:space:]] ]] && words+=("")
    else
        words=("${COMP_WORDS[@]:0:COMP_CWORD+1}")
    fi
    cword=$((${#words[@]} - 1))
    cur=${words[cword]}
    COMPREPLY=()

    # global options
    while ((i < cword)); do
        w=${words[i]}
        [[ $w == -- ]] && { ((i++)); break; }
        [[ $w == -* ]] || break
        if _netsh_goptarg "$w"; then
            if ((i + 1 == cword)); then
                _netsh_values "$REPLY" "$cur" "${words[0]}"; _netsh_trim "$cur"; return 0
            fi
            ((i += 2))
        else
            ((i++))
        fi
    done
    if ((i == cword)) && [[ $cur == -* ]]; then
        if [[ $cur == *=* ]]; then
            _netsh_words "${_netsh_gattached[*]}" "$cur"
        else
            _netsh_words "${_netsh_gopts[*]}" "$cur"
        fi
        _netsh_trim "$cur"
        return 0
    fi

    # command words
    [[ ${words[i]} == ip ]] && ((i < cword)) && ((i++))
    _netsh_node ""
    while ((i < cword)) && ((${#names[@]})); do
        w=${words[i]}
        [[ -n $iscmd && ${#slots[@]} -gt 0 ]] && ! _netsh_isname "$w" && break
        _netsh_match "$w" || return 0
        path=${path:+$path }$REPLY
        _netsh_node "$path"
        ((i++))
    done
    [[ $i -lt $cword && -z $iscmd ]] && return 0
    if ((i == cword)); then
        for e in "${names[@]}"; do
            w=${e#*=}; w=${w%%=*}
            [[ ${e%%=*} == "$cur"* && $seen != *" $w "* ]] || continue
            seen+="$w "; COMPREPLY+=("${e%%=*}")
        done
        for e in "${aliases[@]}"; do
            w=${e#*=}
            [[ ${e%%=*} == "$cur" && $seen != *" $w "* ]] && { seen+="$w "; COMPREPLY+=("$w"); }
        done
    fi
    [[ -n $iscmd ]] || { _netsh_trim "$cur"; return 0; }

    # the command's slots, as the parser fills them
    for ((j = i; j < cword; j++)); do
        w=${words[j]}
        if [[ -n $want ]]; then given+="$want "; want=; continue; fi
        open=
        for e in "${slots[@]}"; do
            [[ $e == [pr]\|* ]] || continue
            k=${e#?|}; k=${k%%|*}
            [[ $e == r\|* || $given != *" $k "* ]] && { open=$k; break; }
        done
        if _netsh_kw "$w" "${open:+1}"; then
            e=${REPLY#*|}; e=${e%%|*}
            [[ $given == *" $e "* ]] && return 0
            if [[ $REPLY == f\|* ]]; then given+="$e "; else want=$e; fi
        elif [[ -n $open ]]; then
            given+="$open "
        else
            return 0
        fi
    done
    open=
    for e in "${slots[@]}"; do
        w=${e#*|}; w=${w%%|*}
        if [[ -n $want ]]; then
            [[ $w == "$want" ]] && { e=${e#*|*|*|}; _netsh_values "${e%%|*}" "$cur"; break; }
            continue
        fi
        [[ $e != r\|* && $given == *" $w "* ]] && continue
        j=${e#*|*|}; j=${j%%|*}
        [[ -n $j && $j == "$cur"* ]] && COMPREPLY+=("$j")
        if [[ $e == [pr]\|* && -z $open ]]; then
            open=$w; e=${e#*|*|*|}; _netsh_values "${e%%|*}" "$cur"
        fi
    done
    _netsh_trim "$cur"
}

# bash splits words at COMP_WORDBREAKS (= and :); replies replace only the last piece
_netsh_trim() {
    local piece=${COMP_WORDS[COMP_CWORD]-} i
    [[ -n ${COMP_LINE+set} && -n $piece && $1 != "$piece" && $1 == *"$piece" ]] || return 0
    local prefix=${1%"$piece"}
    for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=${COMPREPLY[i]#"$prefix"}; done
}

complete -F _netsh netsh
'''


def bash(grammar: Grammar) -> str:
    return "\n".join([
        "# " + HEADER.format(shell="bash"),
        "# Plain bash is enough (bash-completion is not needed). Install as",
        "# $PREFIX/share/bash-completion/completions/netsh.bash or source it.",
        "",
        _sh_global_functions(option_words(), with_help=False),
        "",
        _sh_node_function(specs(grammar), with_help=False),
    ]) + "\n" + BASH_ENGINE


def generate(shell: str, grammar: Grammar) -> str:
    try:
        emit = {"bash": bash, "zsh": zsh, "fish": fish}[shell]
    except KeyError:
        raise ValueError(f"unknown shell {shell!r}: one of {', '.join(SHELLS)}") from None
    return emit(grammar)


# --- zsh -------------------------------------------------------------------------------

ZSH_ENGINE = SH_COMMON + r"""
# _netsh_values SPEC: the values SPEC offers
_netsh_values() {
    case $1 in
    c:*) __netsh_plain+=(${(s:,:)${1#c:}}) ;;
    k:*) __netsh_source=${1#k:} ;;
    esac
}

# __netsh_candidates WORD...: the line's words up to the cursor (the last one is being
# completed).  Sets __netsh_described (word:help), __netsh_plain (values) and
# __netsh_source (hostdev, netns, file, served or empty).
__netsh_candidates() {
    emulate -L zsh
    local -a wl names aliases slots
    wl=("$@")
    local cword=$#wl cur=${wl[-1]} iscmd REPLY e h k path='' i=2 j w seen=' ' given=' ' want='' open
    __netsh_described=() __netsh_plain=() __netsh_source=''

    # global options
    while (( i < cword )); do
        w=${wl[i]}
        [[ $w == -- ]] && { (( i++ )); break; }
        [[ $w == -* ]] || break
        if _netsh_goptarg "$w"; then
            if (( i + 1 == cword )); then _netsh_values "$REPLY"; return 0; fi
            (( i += 2 ))
        else
            (( i++ ))
        fi
    done
    if (( i == cword )) && [[ $cur == -* ]]; then
        if [[ $cur == *=* ]]; then __netsh_plain=("${_netsh_gattached[@]}")
        else __netsh_described=("${_netsh_gopts[@]}"); fi
        return 0
    fi

    # command words
    [[ ${wl[i]} == ip ]] && (( i < cword )) && (( i++ ))
    _netsh_node ''
    while (( i < cword && $#names )); do
        w=${wl[i]}
        [[ -n $iscmd && $#slots -gt 0 ]] && ! _netsh_isname "$w" && break
        _netsh_match "$w" || return 0
        path=${path:+$path }$REPLY
        _netsh_node "$path"
        (( i++ ))
    done
    (( i < cword )) && [[ -z $iscmd ]] && return 0
    if (( i == cword )); then
        for e in "${names[@]}"; do
            w=${e#*=}; h=${w#*=}; w=${w%%=*}
            [[ $seen == *" $w "* ]] && continue
            seen+="$w "; __netsh_described+=("${${e%%=*}//:/\\:}:$h")
        done
    fi
    [[ -n $iscmd ]] || return 0

    # the command's slots, as the parser fills them
    for (( j = i; j < cword; j++ )); do
        w=${wl[j]}
        if [[ -n $want ]]; then given+="$want "; want=''; continue; fi
        open=''
        for e in "${slots[@]}"; do
            [[ $e == [pr]\|* ]] || continue
            k=${e#?\|}; k=${k%%\|*}
            [[ $e == r\|* || $given != *" $k "* ]] && { open=$k; break; }
        done
        if _netsh_kw "$w" "${open:+1}"; then
            e=${REPLY#*\|}; e=${e%%\|*}
            [[ $given == *" $e "* ]] && return 0
            if [[ $REPLY == f\|* ]]; then given+="$e "; else want=$e; fi
        elif [[ -n $open ]]; then
            given+="$open "
        else
            return 0
        fi
    done
    open=''
    for e in "${slots[@]}"; do
        w=${e#*\|}; w=${w%%\|*}
        if [[ -n $want ]]; then
            [[ $w == "$want" ]] && { e=${e#*\|*\|*\|}; _netsh_values "${e%%\|*}"; break; }
            continue
        fi
        [[ $e != r\|* && $given == *" $w "* ]] && continue
        j=${e#*\|*\|}; j=${j%%\|*}
        [[ -n $j ]] && __netsh_described+=("${j//:/\\:}:${e#*\|*\|*\|*\|}")
        if [[ $e == [pr]\|* && -z $open ]]; then
            open=$w; e=${e#*\|*\|*\|}; _netsh_values "${e%%\|*}"
        fi
    done
}

# __netsh_served NETSH: the names `NETSH -j list` shows, one a line
__netsh_served() {
    emulate -L zsh
    local json
    json=$($1 -j list 2>/dev/null) || return 0
    while [[ $json =~ '"name": *"([^"]*)"' ]]; do
        print -r -- $match[1]
        json=${json[MEND+1,-1]}
    done
}

_netsh() {
    local -a __netsh_described __netsh_plain found
    local __netsh_source ret=1
    __netsh_candidates "${(@)words[1,CURRENT]}"
    (( $#__netsh_described )) && _describe -t netsh-words 'netsh' __netsh_described && ret=0
    (( $#__netsh_plain )) && compadd -a __netsh_plain && ret=0
    case $__netsh_source in
    file) _files && ret=0 ;;
    hostdev) found=(/sys/class/net/*(N:t)); (( $#found )) && compadd -a found && ret=0 ;;
    netns) found=(/run/netns/*(N:t)); (( $#found )) && compadd -a found && ret=0 ;;
    served) found=(${(f)"$(__netsh_served $words[1])"}); (( $#found )) && compadd -a found && ret=0 ;;
    esac
    return ret
}

# Autoloaded from $fpath (compinit): this body runs as _netsh; sourced: register it.
if [[ ${zsh_eval_context[-1]} == file ]]; then
    (( $+functions[compdef] )) && compdef _netsh netsh
else
    _netsh "$@"
fi
"""


def zsh(grammar: Grammar) -> str:
    return "\n".join([
        "#compdef netsh",
        "# " + HEADER.format(shell="zsh"),
        "# Install as _netsh in a directory of $fpath (e.g. $PREFIX/share/zsh/site-functions).",
        "",
        _sh_global_functions(option_words(), with_help=True),
        "",
        _sh_node_function(specs(grammar), with_help=True),
    ]) + "\n" + ZSH_ENGINE


# --- fish ------------------------------------------------------------------------------

FISH_ENGINE = r"""
# __netsh_startswith PREFIX STRING
function __netsh_startswith
    test -z "$argv[1]"; and return 0
    string match -qr -- '^'(string escape --style=regex -- $argv[1]) $argv[2]
end

# __netsh_match TOKEN: print the canonical child word TOKEN selects (exact name,
# alias, unique prefix); fail when unknown or ambiguous
function __netsh_match
    set -l t $argv[1]
    for e in $__netsh_names $__netsh_aliases
        set -l p (string split -m2 = -- $e)
        if test "$p[1]" = "$t"
            echo $p[2]
            return 0
        end
    end
    test -n "$t"; or return 1
    set -l hit
    for e in $__netsh_names
        set -l p (string split -m2 = -- $e)
        if __netsh_startswith $t $p[1]
            if test -n "$hit"; and test "$hit" != "$p[2]"
                return 1
            end
            set hit $p[2]
        end
    end
    test -n "$hit"; and echo $hit
end

function __netsh_isname
    for e in $__netsh_names $__netsh_aliases
        test (string split -m1 = -- $e)[1] = "$argv[1]"; and return 0
    end
    return 1
end

# __netsh_kw TOKEN EXACT: print the slot entry whose keyword is TOKEN (or, unless
# EXACT, the unique keyword it abbreviates; keywords starting with - match exactly)
function __netsh_kw
    set -l t $argv[1]
    for e in $__netsh_slots
        set -l f (string split -m4 '|' -- $e)
        if test -n "$f[3]"; and test "$f[3]" = "$t"
            echo $e
            return 0
        end
    end
    if test "$argv[2]" = 1; or test -z "$t"; or string match -q -- '-*' $t
        return 1
    end
    set -l hits
    for e in $__netsh_slots
        set -l f (string split -m4 '|' -- $e)
        if test -n "$f[3]"; and not string match -q -- '-*' $f[3]; and __netsh_startswith $t $f[3]
            set -a hits $e
        end
    end
    test (count $hits) -eq 1; and echo $hits[1]
end

# __netsh_values SPEC CUR [NETSH]: print the values SPEC offers
function __netsh_values
    switch $argv[1]
        case 'c:*'
            string split , -- (string sub -s 3 -- $argv[1])
        case k:hostdev k:netns
            set -l dir /sys/class/net
            test $argv[1] = k:netns; and set dir /run/netns
            for d in $dir/*
                string replace -r '.*/' '' -- $d
            end
        case k:file
            __fish_complete_path $argv[2]
        case k:served
            command -q $argv[3]; or return 0
            string match -arg '"name": *"([^"]*)"' -- ($argv[3] -j list 2>/dev/null)
    end
end

# __netsh_complete [WORD... CURRENT]: candidates (word<TAB>help) for the command
# line, or for the words given (the last one is being completed)
function __netsh_complete
    set -l wl $argv
    set -l cur ''
    if set -q argv[1]
        set cur $argv[-1]
        set -e wl[-1]
    else
        set wl (commandline -opc)
        set cur (commandline -ct)
    end
    set -l n (count $wl)
    set -l i 2

    # global options
    while test $i -le $n
        set -l w $wl[$i]
        if test "$w" = --
            set i (math $i + 1)
            break
        end
        string match -q -- '-*' $w; or break
        set -l spec (__netsh_goptarg $w)
        if test -n "$spec"
            if test $i -eq $n
                __netsh_values $spec $cur $wl[1]
                return 0
            end
            set i (math $i + 2)
        else
            set i (math $i + 1)
        end
    end
    if test $i -gt $n; and string match -q -- '-*' $cur
        if string match -q -- '*=*' $cur
            printf '%s\n' $__netsh_gattached
        else
            printf '%s\n' $__netsh_gopts
        end
        return 0
    end

    # command words
    if test $i -le $n; and test "$wl[$i]" = ip
        set i (math $i + 1)
    end
    __netsh_node ''
    set -l path ''
    while test $i -le $n; and set -q __netsh_names[1]
        set -l w $wl[$i]
        if test -n "$__netsh_iscmd"; and set -q __netsh_slots[1]; and not __netsh_isname $w
            break
        end
        set -l c (__netsh_match $w); or return 0
        if test -z "$path"
            set path $c
        else
            set path "$path $c"
        end
        __netsh_node $path
        set i (math $i + 1)
    end
    if test $i -le $n; and test -z "$__netsh_iscmd"
        return 0
    end
    if test $i -gt $n
        set -l seen
        for e in $__netsh_names
            set -l p (string split -m2 = -- $e)
            contains -- $p[2] $seen; and continue
            set -a seen $p[2]
            printf '%s\t%s\n' $p[1] $p[3]
        end
    end
    test -n "$__netsh_iscmd"; or return 0

    # the command's slots, as the parser fills them
    set -l given
    set -l want ''
    while test $i -le $n
        set -l w $wl[$i]
        set i (math $i + 1)
        if test -n "$want"
            set -a given $want
            set want ''
            continue
        end
        set -l open ''
        for e in $__netsh_slots
            set -l f (string split -m4 '|' -- $e)
            if test $f[1] = r; or begin; test $f[1] = p; and not contains -- $f[2] $given; end
                set open $f[2]
                break
            end
        end
        set -l exact 0
        test -n "$open"; and set exact 1
        set -l entry (__netsh_kw $w $exact)
        if test -n "$entry"
            set -l f (string split -m4 '|' -- $entry)
            contains -- $f[2] $given; and return 0
            if test $f[1] = f
                set -a given $f[2]
            else
                set want $f[2]
            end
        else if test -n "$open"
            set -a given $open
        else
            return 0
        end
    end
    set -l open ''
    for e in $__netsh_slots
        set -l f (string split -m4 '|' -- $e)
        if test -n "$want"
            if test "$f[2]" = "$want"
                __netsh_values $f[4] $cur
                return 0
            end
            continue
        end
        test $f[1] != r; and contains -- $f[2] $given; and continue
        test -n "$f[3]"; and printf '%s\t%s\n' $f[3] $f[5]
        if contains -- $f[1] p r; and test -z "$open"
            set open $f[2]
            __netsh_values $f[4] $cur
        end
    end
end

complete -c netsh -f -a '(__netsh_complete)'
"""


def _fish_data(nodes: list[NodeSpec], options: list[OptionWords]) -> str:
    lines = [
        "# global options, before the command words",
        "set -g __netsh_gopts " + " ".join(fq(f"{o.word}\t{o.help}") for o in options),
        "set -g __netsh_gattached " + " ".join(fq(a) for o in options for a in o.attached),
        "# __netsh_goptarg OPTION: print the value spec when OPTION takes the next word",
        "function __netsh_goptarg",
        "    switch $argv[1]",
    ]
    for o in options:
        if o.spellings:
            lines += [f"        case {' '.join(fq(w) for w in o.spellings)}", f"            echo {o.value}"]
    lines += [
        "    end", "end", "",
        "# __netsh_node PATH: one node of the command tree, into globals",
        "#   __netsh_names   name=canonical=help  for every child word and synonym",
        "#   __netsh_aliases alias=canonical",
        "#   __netsh_iscmd   1 when PATH names a command, whose slots are",
        "#   __netsh_slots   kind|dest|keyword|values|help  (kind p positional, r repeating",
        "#                   positional, o option, f flag;",
        "#                   values c:CHOICE,CHOICE  k:KIND (hostdev netns file served)  - nothing offline)",
        "function __netsh_node",
        "    set -g __netsh_names",
        "    set -g __netsh_aliases",
        "    set -g __netsh_slots",
        "    set -g __netsh_iscmd",
        "    switch $argv[1]",
    ]
    for n in nodes:
        body = []
        if n.names:
            body.append("set -g __netsh_names " + " ".join(
                fq(f"{name}={canon}={help}") for name, canon, help in n.names))
        if n.aliases:
            body.append("set -g __netsh_aliases " + " ".join(fq(f"{a}={c}") for a, c in n.aliases))
        if n.command is not None:
            body.append("set -g __netsh_iscmd 1")
            if n.command:
                body.append("set -g __netsh_slots " + " ".join(
                    fq(f"{s.kind}|{s.dest}|{s.keyword}|{s.values}|{s.help}") for s in n.command))
        if body:
            lines.append(f"        case {fq(n.path)}")
            lines += [f"            {b}" for b in body]
    lines += ["    end", "end"]
    return "\n".join(lines)


def fish(grammar: Grammar) -> str:
    return "\n".join([
        "# " + HEADER.format(shell="fish"),
        "# Install as $PREFIX/share/fish/vendor_completions.d/netsh.fish.",
        "",
        _fish_data(specs(grammar), option_words()),
    ]) + "\n" + FISH_ENGINE


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] not in SHELLS:
        print(f"usage: python -m netsh.completion_gen {{{'|'.join(SHELLS)}}}", file=sys.stderr)
        return 2
    from netsh.commands import build_grammar
    sys.stdout.write(generate(argv[0], build_grammar()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
