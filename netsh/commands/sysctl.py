"""``sysctl``: the stack's kernel settings, read and written as sysctl(8) does."""
from __future__ import annotations

from netsh.argtypes import LiveArg
from netsh.errors import CommandError
from netsh.grammar import Node, flag, leaf, pos
from netsh.render import Result, View, renderer
from stack.api.sysctl import ALL, DEFAULT, PER_LINK, SYSCTLS


class SysctlName(LiveArg):
    """A setting's name, with =VALUE to write it; the stack's own names (every link's) live."""

    metavar = "NAME[=VALUE]"
    kind = "sysctl"
    help = "a setting's name (net.ipv4.ip_forward), =VALUE to write it"

    def choices(self) -> list[str]:
        """Known without a stack: the per-link rows for all and default."""
        return list(dict.fromkeys(row.name.replace(PER_LINK, scope)
                                  for row in SYSCTLS for scope in (ALL, DEFAULT)))


NAME = SysctlName()


def run(ctx, args):
    words = args["names"] or []
    if args["all"]:
        if words:
            raise CommandError("-a takes no names")
        return Result("sysctl", ctx.stack.sysctl_list())
    if not words:
        raise CommandError("sysctl needs a NAME, NAME=VALUE with -w, or -a")
    rows = []
    for text in words:
        name, equals, value = text.partition("=")
        if args["write"] and not equals:
            raise CommandError(f'"{text}" must be of the form name=value', token=text)
        if equals:
            written = ctx.stack.sysctl_set(name, value)
            if not args["quiet"]:
                rows.append(written)
        else:
            rows.append(ctx.stack.sysctl_get(name))
    return Result("sysctl", rows)


def register(root: Node) -> None:
    leaf(root, ("sysctl",),
         [flag("-a", "all", help="every setting"),
          flag("-w", "write", help="write NAME=VALUE"),
          flag("-q", "quiet", help="do not echo what is written"),
          pos("names", NAME, optional=True, repeat=True)],
         "read or write the stack's settings (net.ipv4.ip_forward ...), as sysctl(8)", run,
         details="Per-link settings are net.ipv4.conf.{all,default,DEV}.NAME; writing "
                 "net.ipv4.ip_forward (or conf.all.forwarding) sets every link's forwarding "
                 "and the default, as Linux does.")


@renderer("sysctl")
def sysctl_lines(rows: list[dict], view: View) -> str:
    """``net.ipv4.ip_forward = 1``."""
    return "\n".join(f"{row['name']} = {row['value']}" for row in rows)
