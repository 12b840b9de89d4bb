"""``show running-config``, ``save`` and ``load``: the configuration as a batch file.

The stack describes its configuration as plain objects (the `config` call, stack/api/config.py,
one section per object kind, in the order they must be made).  Here each kind
has one writer, in `WRITERS`, that turns an object into the batch lines
(`netsh -b`'s syntax) that make it again.  Loading that text into a fresh
stack and showing it again gives the same bytes: the header carries the
version but no time.

``save [FILE]`` writes the text atomically: a temporary file in the same
directory, written, flushed and fsynced; the previous FILE kept as FILE.bak;
then renamed over FILE and the directory fsynced.  A failure leaves FILE as
it was.  Without FILE: ``$XDG_CONFIG_HOME/netsh/running-config`` (else
``~/.config/netsh/running-config``).

``load [FILE]`` runs FILE's commands against the running stack with the batch
rules (comments, continuations, quotes).  Every line is parsed before any is
run, so a misspelt line changes nothing.  Then the commands run in order and
the first one that fails stops the load, as ``ip -batch`` does without
-force: ``FILE:LINE: what was wrong``.  The lines before it stay applied;
load only adds, so nothing configured before is lost (a name the stack
already has is refused, never replaced).
"""
from __future__ import annotations

import contextlib
import contextvars
import io
import os
import tempfile

from netsh import __version__
from netsh.argtypes import FILE
from netsh.batch import BatchSyntaxError, read_commands, split_line
from netsh.errors import CommandError
from netsh.grammar import Node, ParseError, leaf, pos
from netsh.options import LINE_OPTIONS, OptionError, parse_options
from netsh.render import Result, View, renderer, write
from stack.api.route import default_scope
from stack.errors import StackError
from stack.l3.route import LINKLESS
from stack.l3.rule import rule_text
from stack.link.kind import LINK_TYPES, creatable_kinds

HEADER = f"# netsh running-config, netsh-{__version__}"
DEFAULT_NAME = ("netsh", "running-config")
BACKUP_SUFFIX = ".bak"
MAX_LOAD_CHARS = 16 << 20          # a configuration is small; /dev/zero is not one

_loading: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("loading", default=())


# --- writing objects as batch lines --------------------------------------------------

def word(text: str) -> str:
    """`text` as one batch word: quoted when it starts with a quote; refused if it holds ``#``."""
    if "#" in text:
        raise CommandError(f'"{text}" cannot be written in a batch file: "#" starts a comment there')
    if text[:1] in "'\"":                # a quote opens a quoted word: use the other one
        quote = '"' if text[0] == "'" else "'"
        if quote in text:
            raise CommandError(f'"{text}" cannot be written in a batch file: it holds both quotes')
        return quote + text + quote
    return text


def positional(name: str, intro: str, keywords: tuple[str, ...]) -> str:
    """A name the command would take for one of its keywords gets its intro word first."""
    return f"{intro} {word(name)}" if name in keywords or name == intro else word(name)


SET_KEYWORDS = ("up", "down", "mtu", "address", "master", "nomaster", "type",
                "addrgenmode")    # link set's own words


def add_keywords() -> tuple[str, ...]:
    """link add's own words: a new link's name that is one of them needs ``name`` first."""
    return ("type",) + tuple(o.name for kind in creatable_kinds() for o in LINK_TYPES[kind].options)


def link_lines(obj: dict, made: set[str]) -> list[str]:
    """The lines that make the link `obj` describes, then set its MAC, MTU and state; the way
    to make it is its kind's (`made_by`: link add with the kind's options, or link attach)."""
    name, kind = obj["ifname"], obj["link_kind"]
    cls = LINK_TYPES.get(kind)
    if cls is None:
        raise CommandError(f'this netsh cannot write links of kind "{kind}" ({name})')
    lines = []
    if cls.made_by == "add":
        if name not in made:            # a pair's other end came with its first
            words = [f"link add {positional(name, 'name', add_keywords())} type {kind}"]
            words += [f"{o.name} {word(str(obj[o.name]))}" for o in cls.options if o.name in obj]
            lines.append(" ".join(words))
        made.add(name)
        made.update(str(obj[o.name]) for o in cls.options if o.new_link and o.name in obj)
    elif cls.made_by == "attach":
        text = f"link attach {word(obj['host_dev'])}"
        if name != obj["host_dev"]:
            text += f" name {word(name)}"
        lines.append(text + f" address {obj['address']}")
        made.add(name)
    changes = []
    if "address" in obj and cls.made_by != "attach":     # an attach line already carries it
        changes.append(f"address {obj['address']}")
    if "mtu" in obj:
        changes.append(f"mtu {obj['mtu']}")
    if "addrgenmode" in obj:
        changes.append(f"addrgenmode {obj['addrgenmode']}")
    if "up" in obj:
        changes.append("up" if obj["up"] else "down")
    if "txqlen" in obj:
        changes.append(f"txqlen {obj['txqlen']}")
    if obj.get("promisc"):
        changes.append("promisc on")
    if obj.get("arp") is False:
        changes.append("arp off")
    if changes:
        lines.append(f"link set {positional(name, 'dev', SET_KEYWORDS)} " + " ".join(changes))
    return lines


def address_lines(obj: dict, made: set[str]) -> list[str]:
    verb = "delete" if obj.get("absent") else "add"
    text = f"address {verb} {obj['local']}/{obj['prefixlen']} dev {word(obj['dev'])}"
    for key, keyword in (("broadcast", "brd"), ("scope", "scope"), ("label", "label")):
        if key in obj:
            text += f" {keyword} {word(obj[key])}"
    if obj.get("nodad"):
        text += " nodad"
    text += "".join(f" {name} {obj[name]}" for name in ("valid_lft", "preferred_lft") if name in obj)
    return [text]


def neighbour_lines(obj: dict, made: set[str]) -> list[str]:
    return [f"neighbour add {obj['dst']} lladdr {obj['lladdr']} dev {word(obj['dev'])}"]


def sysctl_lines(obj: dict, made: set[str]) -> list[str]:
    return [f"sysctl -q -w {obj['name']}={obj['value']}"]


def ra_lines(obj: dict, made: set[str]) -> list[str]:
    from netsh.commands.link import ra_text
    return [f"link set {word(obj['dev'])} {ra_text(obj)}"]


def _family_option(obj: dict) -> str:
    """``-6 `` before an IPv6 line (`route add default`, `rule` take IPv4 without it)."""
    return "-6 " if obj.get("family") == "inet6" else ""


def rule_lines(obj: dict, made: set[str]) -> list[str]:
    if obj.get("absent"):
        return [f"{_family_option(obj)}rule delete priority {obj['priority']} table {obj['table']}"]
    return [f"{_family_option(obj)}rule add {rule_text(obj)} priority {obj['priority']}"]


def route_lines(obj: dict, made: set[str]) -> list[str]:
    """``route add [TYPE] DST [via GW] [dev DEV] ...`` with only what differs from what
    route add gives by itself."""
    kind = obj.get("type", "unicast")
    inet6 = obj.get("family") == "inet6"
    same = f"\0route {obj.get('family')} {obj.get('table')} {obj['dst']} {obj.get('metric', 0)}"
    verb = "append" if same in made else "add"      # add once, then append
    made.add(same)
    words = [f"{_family_option(obj)}route {verb}"] + ([kind] if kind != "unicast" else []) + [obj["dst"]]
    if "gateway" in obj:
        words += ["via", obj["gateway"]]
    if "dev" in obj and kind not in LINKLESS:     # IPv6 shows a verdict's `dev lo`
        words += ["dev", word(obj["dev"])]
    if "onlink" in obj.get("flags", ()):
        words.append("onlink")
    if obj.get("table", "main") != "main":
        words += ["table", obj["table"]]
    if obj.get("protocol", "boot") != "boot":
        words += ["proto", word(obj["protocol"])]
    if obj.get("scope") and not inet6 and obj["scope"] != default_scope(kind, "gateway" in obj or "nexthops" in obj):
        words += ["scope", obj["scope"]]
    if "prefsrc" in obj:
        words += ["src", obj["prefsrc"]]
    if obj.get("metric"):
        words += ["metric", str(obj["metric"])]
    for metrics in obj.get("metrics", []):
        if "mtu" in metrics:
            words += ["mtu", str(metrics["mtu"])]
    for hop in obj.get("nexthops", []):
        words.append("nexthop")
        if "gateway" in hop:
            words += ["via", hop["gateway"]]
        words += ["dev", word(hop["dev"]), "weight", str(hop["weight"])]
        if "onlink" in hop.get("flags", ()):
            words.append("onlink")
    return [" ".join(words)]


# object kind -> writer(obj, made) -> batch lines; `made` names the links made so far
WRITERS = {
    "link": link_lines,
    "address": address_lines,
    "neighbour": neighbour_lines,
    "sysctl": sysctl_lines,
    "rule": rule_lines,
    "route": route_lines,
    "ra": ra_lines,
}


def config_lines(objects: list[dict]) -> list[str]:
    lines = [HEADER]
    made: set[str] = set()
    for obj in objects:
        writer = WRITERS.get(obj.get("kind"))
        if writer is None:
            raise CommandError(f'this netsh cannot write "{obj.get("kind")}" objects')
        lines += writer(obj, made)
    return lines


def running_config(ctx) -> tuple[list[dict], str]:
    objects = ctx.stack.config()
    return objects, "\n".join(config_lines(objects)) + "\n"


# --- files ---------------------------------------------------------------------------

def default_path() -> str:
    """``$XDG_CONFIG_HOME/netsh/running-config``; a relative or empty XDG_CONFIG_HOME is ignored."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, *DEFAULT_NAME)


def _umask() -> int:
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    return 0o022


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: str, text: str) -> str | None:
    """Write `text` to `path` so that `path` is always either the old or the new file.

    The old file (if any) stays as ``path.bak``; returns that name, or None.
    Raises OSError; on failure nothing but a stray ``.bak`` refresh may have happened.
    """
    target = os.path.realpath(path)           # a symlinked config stays a symlink
    directory = os.path.dirname(target)
    try:
        mode = os.stat(target).st_mode & 0o7777
        existed = True
    except FileNotFoundError:
        mode, existed = 0o666 & ~_umask(), False
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as stream:
            stream.write(text)
            stream.flush()
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        backup = None
        if existed:
            backup = target + BACKUP_SUFFIX
            keep_backup(target, backup, directory)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)
    return backup


def keep_backup(target: str, backup: str, directory: str) -> None:
    """``backup`` becomes a copy of ``target`` in one rename; ``target`` never goes missing."""
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(backup) + ".", dir=directory)
    os.close(fd)
    try:
        os.unlink(tmp)
        try:
            os.link(target, tmp)              # same bytes, no copy
        except OSError:
            import shutil
            shutil.copy2(target, tmp)
        os.replace(tmp, backup)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def resolve(ctx, path: str | None) -> str:
    """FILE as the user meant it: relative to their directory (a served stack's context may
    carry the face's ``cwd``), or the default."""
    if path is None:
        return default_path()
    base = getattr(ctx, "cwd", None)
    return os.path.join(base, path) if base and not os.path.isabs(path) else path


def problem(exc: OSError) -> str:
    return exc.strerror or str(exc)


# --- handlers --------------------------------------------------------------------------

def show(ctx, args):
    objects, text = running_config(ctx)
    return Result("running-config", {"config": objects, "text": text})


def save(ctx, args):
    path = resolve(ctx, args["file"])
    if args["file"] is None:
        with contextlib.suppress(OSError):
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    if os.path.isdir(path):
        raise CommandError(f'cannot save to "{path}": it is a directory', token=args["file"])
    _, text = running_config(ctx)
    try:
        backup = atomic_write(path, text)
    except OSError as exc:
        raise CommandError(f'cannot save to "{path}": {problem(exc)}', token=args["file"]) from None
    return Result("config-saved", {"file": path, "backup": backup})


def load(ctx, args):
    path = resolve(ctx, args["file"])
    key = os.path.realpath(path)
    if key in _loading.get():
        raise CommandError(f'"{path}" loads itself', token=args["file"])
    lines = read_lines(path, args["file"], ctx.executor.grammar)
    token = _loading.set(_loading.get() + (key,))
    try:
        run_lines(ctx, path, lines)
    finally:
        _loading.reset(token)


def read_lines(path: str, token: str | None, grammar) -> list[tuple[int, list[str]]]:
    """(line number, words) of every command in the file, each checked against the grammar."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as stream:
            text = stream.read(MAX_LOAD_CHARS + 1)
    except OSError as exc:
        raise CommandError(f'cannot load "{path}": {problem(exc)}', token=token) from None
    if len(text) > MAX_LOAD_CHARS:
        raise CommandError(f'cannot load "{path}": more than {MAX_LOAD_CHARS >> 20} MiB', token=token)
    items = list(read_commands(io.StringIO(text)))
    out = []
    for item in items:
        if isinstance(item, BatchSyntaxError):
            raise CommandError(f"{path}:{item.lineno}: {item.message}")
        try:
            words = split_line(item.text)
            if not words:
                continue
            _, rest = parse_options(words, None, LINE_OPTIONS)
            grammar.parse(rest)
        except BatchSyntaxError as exc:
            raise CommandError(f"{path}:{item.lineno}: {exc.message}") from None
        except (OptionError, ParseError) as exc:
            raise CommandError(f"{path}:{item.lineno}: {exc}") from None
        out.append((item.lineno, words))
    return out


def run_lines(ctx, path: str, lines: list[tuple[int, list[str]]]) -> None:
    executor = ctx.executor
    exiting = executor.exit_requested
    for lineno, words in lines:
        try:
            options, _ = parse_options(words, ctx.options, LINE_OPTIONS)
            result = executor.execute(words)
        except (ParseError, CommandError, StackError, OptionError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            raise CommandError(f"{path}:{lineno}: {' '.join(message.split())}") from None
        write(result, executor.view_for(options), ctx.out)
        if result.status != 0:
            raise CommandError(f"{path}:{lineno}: {' '.join(words)}: failed", result.status)
        if executor.exit_requested and not exiting:     # exit ends the file, not the shell
            executor.exit_requested = False
            return


def register(root: Node) -> None:
    node = root.add(Node("show", "the configuration"))
    leaf(node, ("show", "running-config"), [],
         "the configuration as the batch that makes it again", show,
         details="Links (attached NICs, pairs), their MAC, MTU and state, addresses, "
                 "permanent neighbours, changed sysctls, policy rules and the routes a user "
                 "made, in the order that recreates them; -j gives the objects.")
    leaf(root, ("save",), [pos("file", FILE, optional=True)],
         "write the running configuration to FILE (default "
         "$XDG_CONFIG_HOME/netsh/running-config)", save,
         details="Atomic: FILE is always the old or the new configuration; the old one "
                 "stays as FILE.bak.")
    leaf(root, ("load",), [pos("file", FILE, optional=True)],
         "apply a saved configuration (default: the file save writes) to the running stack", load,
         details="Every line is checked before any runs; the first command that fails stops "
                 "the load (FILE:LINE says which) and keeps what came before it.")


# --- rendering -------------------------------------------------------------------------

@renderer("running-config")
def running_config_text(data: dict, view: View) -> str:
    return data["text"]


@renderer("running-config", "json")
def running_config_json(data: dict, view: View) -> list[dict]:
    return data["config"]


@renderer("config-saved")
def saved_text(data: dict, view: View) -> str:
    text = f"running-config saved to {data['file']}"
    return text + (f" (previous copy: {data['backup']})" if data["backup"] else "")
