"""``address``: IPv4 and IPv6 addresses on the stack's links (ip address)."""
from __future__ import annotations

from netsh.argtypes import ANY_IP_PREFIX, IP_PREFIX, LIFETIME, LINK
from netsh.commands.link import brief_prefix, header_line, link_json_row, lladdr_line
from netsh.grammar import Node, flag, leaf, opt, pos
from netsh.render import Result, View, renderer, stats64_lines

WORDS = ("address",)
# IPv6 address flags in the order iproute2 prints them (ifa_flag_data, ip/ipaddress.c)
FLAG_WORDS = ("nodad", "optimistic", "dadfailed", "home", "deprecated", "tentative", "dynamic",
              "mngtmpaddr")


def add(ctx, args):
    prefix = args["prefix"]
    extra = {name: args[name] for name in ("nodad", "valid_lft", "preferred_lft") if args[name]}
    extra.update({name: args[name] for name in ("valid_lft", "preferred_lft") if args[name] == 0})
    ctx.stack.addr_add(args["dev"], prefix.address.packed, prefix.prefixlen, **extra)


def delete(ctx, args):
    prefix = args["prefix"]
    ctx.stack.addr_del(args["dev"], prefix.address.packed, prefix.prefixlen)


def show(ctx, args):
    return Result("addr", of_family(ctx.stack.addr_list(args["dev"]), ctx.options.family))


def of_family(rows: list[dict], family: str | None) -> list[dict]:
    """`ip -4|-6 addr`: only that family's addresses, and only links that have one."""
    if family is None:
        return rows
    out = []
    for row in rows:
        kept = [ifa for ifa in row.get("addr_info", []) if ifa.get("family") == family]
        if kept:
            out.append({**row, "addr_info": kept})
    return out


def flush(ctx, args):
    if ctx.options.family:
        ctx.stack.addr_flush(args["dev"], family=ctx.options.family)
    else:
        ctx.stack.addr_flush(args["dev"])


def register(root: Node) -> None:
    node = root.add(Node("address", "IPv4 and IPv6 addresses of the links", synonyms=("addr",),
                         default="show"))
    dev = opt("dev", "dev", LINK, optional=False, help="the link")
    leaf(node, WORDS + ("add",),
         [pos("prefix", IP_PREFIX), dev,
          flag("nodad", help="IPv6: no duplicate address detection, usable at once"),
          opt("valid_lft", "valid_lft", LIFETIME, help="IPv6: seconds until the address goes (default forever)"),
          opt("preferred_lft", "preferred_lft", LIFETIME,
              help="IPv6: seconds until it is deprecated (default: its valid_lft)")],
         "add an address (no /LEN: a host address, /32 or /128)", add)
    leaf(node, WORDS + ("delete",), [pos("prefix", ANY_IP_PREFIX), dev],
         "remove an address (no /LEN: whatever its length)", delete, synonyms=("del",))
    leaf(node, WORDS + ("show",), [pos("dev", LINK, optional=True, intro="dev")],
         "show links with their addresses", show, synonyms=("list", "lst"))
    leaf(node, WORDS + ("flush",), [dev], "remove every address of a link", flush)


# --- rendering -------------------------------------------------------------------------

def inet_lines(ifa: dict, view: View) -> list[str]:
    """``    inet 192.0.2.1/24 brd 192.0.2.255 scope global v0`` and its lifetime line."""
    family = ifa.get("family", "inet")
    paint = view.paint
    text = f"    {family} {paint.inet(ifa['local'], family)}/{ifa['prefixlen']} "
    if ifa.get("broadcast"):
        text += "brd " + paint.inet(ifa["broadcast"] + " ", family)
    text += f"scope {ifa.get('scope', 'global')} "
    text += "".join(f"{word} " for word in FLAG_WORDS if ifa.get(word))
    if family == "inet" and ifa.get("label"):
        text += ifa["label"]
    return [text, f"       valid_lft {lifetime(ifa, 'valid_life_time')} "
                  f"preferred_lft {lifetime(ifa, 'preferred_life_time')}"]


def lifetime(ifa: dict, key: str) -> str:
    value = ifa.get(key, 0xFFFFFFFF)
    return "forever" if value == 0xFFFFFFFF else f"{value}sec"


@renderer("addr")
def addr_text(rows: list[dict], view: View) -> str:
    lines = []
    for row in rows:
        lines += [header_line(row, view, mode=False), lladdr_line(row, view)]
        for ifa in row.get("addr_info", []):
            lines += inet_lines(ifa, view)
        if view.options.stats and "stats64" in row:
            lines += stats64_lines(row["stats64"], view.options.stats)
    return "\n".join(lines)


@renderer("addr", "brief")
def addr_brief(rows: list[dict], view: View) -> str:
    lines = []
    for row in rows:
        text = brief_prefix(row, view)
        for ifa in row.get("addr_info", []):
            text += view.paint.inet(ifa["local"], ifa.get("family", "inet")) + f"/{ifa['prefixlen']} "
        lines.append(text)
    return "\n".join(lines)


@renderer("addr", "json")
def addr_json(rows: list[dict], view: View) -> list[dict]:
    return [link_json_row(row, view.options.stats, addresses=True) for row in rows]
