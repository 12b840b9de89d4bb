"""``link``: the stack's network devices (ip link), and host NICs to attach."""
from __future__ import annotations

from netsh.argtypes import BRIDGE, HOSTDEV, LINK, LLADDR, MTU, NEW_LINK, ON_OFF, Choice, Integer
from netsh.commands.link_ra import RaParser
from netsh.commands.link_kinds import kind_of, kind_option_values, kind_set_variants, kind_variants
from netsh.grammar import Node, branch, expr, flag, leaf, opt, pos
from netsh.render import Result, View, records, renderer, stats64_json, stats64_lines
from stack.link.kind import LINK_TYPES, format_value

WORDS = ("link",)
TXQLEN = Integer(0, 2 ** 32 - 1, "PACKETS", "a queue length in packets")


# --- handlers ----------------------------------------------------------------------

def show(ctx, args):
    if args["master"] is not None:
        rows = ctx.stack.link_list(args["dev"], master=args["master"])
    else:
        rows = ctx.stack.link_list(args["dev"])
    if args["up"]:
        rows = [row for row in rows if "UP" in row.get("flags", ())]
    return Result("link", rows)


def host(ctx, args):
    return Result("hostdev", ctx.stack.host_devices())


def attach(ctx, args):
    ctx.stack.link_attach(args["hostdev"], args["name"], args["address"])


def detach(ctx, args):
    ctx.stack.link_detach(args["name"])


ADDRGENMODE = Choice(("eui64", "none", "stable_secret", "random"), "MODE",
                     "eui64, none, stable_secret or random")


def set_(ctx, args):
    extra = {}
    if args["master"] is not None or args["nomaster"]:     # only then: older served stacks
        extra = {"master": args["master"], "nomaster": bool(args["nomaster"])}
    if args["type"] is not None:
        extra.update(kind=args["type"], options=kind_option_values(args["type"], args))
    for dest, key in (("name", "new_name"), ("txqlen", "txqlen")):
        if args[dest] is not None:            # only then: older served stacks
            extra[key] = args[dest]
    for dest in ("promisc", "arp"):
        if args[dest] is not None:
            extra[dest] = args[dest] == "on"
    if args["ra"] is not None:
        set_ra(ctx, extra.get("new_name", args["dev"]), args)
        if not any(args[k] is not None for k in ("up", "mtu", "address", "addrgenmode")) and not extra:
            return
    if args["addrgenmode"] is None:
        ctx.stack.link_set(args["dev"], up=args["up"], mtu=args["mtu"], address=args["address"],
                           **extra)
        return
    # the mode first, so the link comes up (if it does) without a link-local
    dev = extra.get("new_name", args["dev"])
    ctx.stack.link_set(args["dev"], mtu=args["mtu"], address=args["address"], **extra)
    ctx.stack.inet6_conf(dev, addr_gen_mode=args["addrgenmode"])
    if args["up"] is not None:
        ctx.stack.link_set(dev, up=args["up"])


def set_ra(ctx, dev: str, args) -> None:
    words = dict(args["ra"])
    on = words.pop("on")
    ctx.stack.link_ra(dev, on=on, options=words if on else None)


def add(ctx, args):
    kind = kind_of(args["type"])
    options = kind_option_values(kind, args)
    if args["link"] is not None:        # before `type` (ip's place); the kind says if it takes one
        options["link"] = args["link"]
    ctx.stack.link_add(args["name"], kind, options)


def delete(ctx, args):
    ctx.stack.link_del(args["dev"])


def register(root: Node) -> None:
    node = root.add(Node("link", "network devices of the stack", default="show"))
    leaf(node, WORDS + ("show",), [pos("dev", LINK, optional=True, intro="dev"),
                                   opt("master", "master", BRIDGE, help="only its ports"),
                                   flag("up", "up", True, help="only links that are up")],
         "show links (all, or DEV, or a bridge's ports)", show, synonyms=("list", "lst"))
    leaf(node, WORDS + ("host",), [], "host NICs pcap can open; attached ones say as what", host)
    leaf(node, WORDS + ("attach",),
         [pos("hostdev", HOSTDEV), opt("name", "name", NEW_LINK, help="the stack's name for it"),
          opt("address", "address", LLADDR, help="the MAC address the stack uses")],
         "bind a host NIC to the stack as a new link", attach,
         details="The stack sends and receives through the NIC with pcap; "
                 "the host's own stack keeps the NIC too.")
    leaf(node, WORDS + ("detach",), [pos("name", LINK)], "release an attached host NIC", detach)
    leaf(node, WORDS + ("set",),
         [pos("dev", LINK, intro="dev"), flag("up", "up", True, help="bring the link up"),
          flag("down", "up", False, help="take the link down"),
          opt("mtu", "mtu", MTU, help="maximum transmission unit"),
          opt("address", "address", LLADDR, help="change the MAC address"),
          opt("master", "master", BRIDGE, help="make it a port of this bridge"),
          flag("nomaster", "nomaster", True, help="release it from its bridge"),
          opt("name", "name", NEW_LINK, help="rename it"),
          opt("txqlen", "txqlen", TXQLEN, help="the transmit queue's length"),
          opt("promisc", "promisc", ON_OFF, help="promiscuous mode on or off"),
          opt("arp", "arp", ON_OFF, help="off: no ARP on the link (NOARP)"),
          opt("addrgenmode", "addrgenmode", ADDRGENMODE,
              help="IPv6 interface ids: eui64 (from the MAC, the default), none (no link-local), "
                   "stable_secret or random (RFC 7217)"),
          branch("type", "type", kind_set_variants, help="change options of its kind",
                 metavar="ETYPE", optional=True),
          expr("ra", "ra", RaParser(), metavar="on|off|ARGS",
               help="send IPv6 router advertisements (as radvd; IPv6 forwarding on first): "
                    "ra on [prefix P/L [onlink on|off] [autonomous on|off] [valid S] [preferred S]]... "
                    "[interval MIN MAX] [lifetime S] [mtu N] [managed on|off] [other on|off] "
                    "[hoplimit N], or ra off (a last advert with router lifetime 0); the last word "
                    "of the line")],
         "change a link's state, MTU, MAC address, name, queue, promisc, ARP, bridge, IPv6 "
         "address mode or kind's options", set_,
         require_one_of=("up", "mtu", "address", "master", "nomaster", "type", "name", "txqlen",
                         "promisc", "arp", "addrgenmode", "ra"),
         details="Several changes at once are all made or none is. Without prefixes, ra "
                 "advertises the /64 of each global address of the link (radvd's prefix ::/64); "
                 "defaults are radvd's: interval 200 600, lifetime 3 x max, valid 86400, "
                 "preferred 14400, onlink and autonomous on, hoplimit 64.")
    leaf(node, WORDS + ("add",),
         [opt("link", "link", LINK, help="the link it sits on (vlan, impair)"),
          pos("name", NEW_LINK, intro="name"),
          branch("type", "type", kind_variants, help="the kind of link")],
         "make a link of a type: a pair of in-process ends, a bridge, a VLAN or an impair link "
         "on DEV", add,
         details="As with ip, link DEV and the name may come in either order before type: "
                 "link add link eth0 name eth0.10 type vlan id 10.")
    leaf(node, WORDS + ("delete",), [pos("dev", LINK, intro="dev")],
         "delete a link (both ends of a pair)", delete, synonyms=("del",))


# --- rendering -------------------------------------------------------------------------

def display_name(row: dict) -> str:
    """``name@link`` for a link on another (a pair end's peer, an impair's DEV, an attached
    NIC of another name), as iproute2 writes a veth or a VLAN."""
    lower = row.get("link")
    return f"{row['ifname']}@{lower}" if lower and lower != row["ifname"] else row["ifname"]


def header_line(row: dict, view: View, *, mode: bool) -> str:
    """``3: v0@v1: <BROADCAST,...> mtu 1500 qdisc ... state UP mode DEFAULT group default qlen 1000``."""
    p = view.paint
    state = row.get("operstate", "UNKNOWN")
    text = (f"{row['ifindex']}: {p.ifname(display_name(row) + ': ')}"
            f"<{','.join(row.get('flags', []))}> mtu {row['mtu']} qdisc {row.get('qdisc', 'noop')} ")
    if row.get("master"):
        text += f"master {p.ifname(row['master'])} "
    text += f"state {p.state(state, state + ' ')}"
    if mode:
        text += f"mode {row.get('linkmode', 'DEFAULT')} "
    text += f"group {row.get('group', 'default')} "
    if row.get("txqlen"):
        text += f"qlen {row['txqlen']}"
    return text


def lladdr_line(row: dict, view: View) -> str:
    text = f"    link/{row.get('link_type', 'none')} "
    if row.get("address"):
        text += view.paint.mac(row["address"])
        if row.get("broadcast"):
            text += " brd " + view.paint.mac(row["broadcast"])
    return text


def details_lines(row: dict, view: View) -> list[str]:
    """What ``-d`` adds: the lladdr line's limits, then the kind and its info_data (iproute2's
    ``veth``, ``vlan protocol 802.1Q id 5``), a port's master's details of it
    (``bridge_slave state forwarding ...``), and with -s the kind's own counters."""
    info = row.get("linkinfo") or {}
    kind = info.get("info_kind")
    cls = LINK_TYPES.get(kind)
    text_key = getattr(cls, "info_text_key", str)
    text = f"    {info.get('info_kind', row.get('link_kind', ''))}"
    for key, value in (info.get("info_data") or {}).items():
        if isinstance(value, list):     # flags, as iproute2 writes them: <REORDER_HDR>
            text += f" <{','.join(value)}>"
        else:
            text += f" {text_key(key)} {kind_value_text(kind, key, value)}"
    if "inet6_addr_gen_mode" in row:    # IPv6's af_spec, after the kind as iproute2 prints it
        text += f" addrgenmode {row['inet6_addr_gen_mode']}"
    lines = [text + " "]
    if row.get("ra"):
        lines.append("    " + ra_text(row["ra"]))
    slave = info.get("info_slave_kind")
    if slave:
        port_key = getattr(LINK_TYPES.get(slave), "port_text_key", str)
        lines.append(f"    {slave}_slave" + "".join(
            f" {port_key(key)} {detail_text(value)}"
            for key, value in (info.get("info_slave_data") or {}).items()) + " ")
    xstats = info.get("info_xstats") or {}
    if view.options.stats and xstats:
        for direction in ("rx", "tx"):
            counts = xstats.get(direction)
            if counts:
                lines.append(f"    {direction} " + " ".join(f"{k} {v}" for k, v in counts.items())
                             + f" queued {xstats.get(direction + '_queued', 0)}")
    return lines


def ra_text(ra: dict) -> str:
    """The advertising a link does, in `link set DEV ra on`'s words."""
    def onoff(value: bool) -> str:
        return "on" if value else "off"
    text = "ra on"
    for p in ra.get("prefixes", []):
        text += (f" prefix {p['prefix']} onlink {onoff(p['onlink'])} autonomous {onoff(p['autonomous'])}"
                 f" valid {p['valid']} preferred {p['preferred']}")
    lo, hi = ra["interval"]
    text += f" interval {lo:g} {hi:g} lifetime {ra['lifetime']}"
    if ra.get("mtu"):
        text += f" mtu {ra['mtu']}"
    return text + f" managed {onoff(ra['managed'])} other {onoff(ra['other'])} hoplimit {ra['hoplimit']}"


def kind_value_text(kind: str | None, key: str, value) -> str:
    cls = LINK_TYPES.get(kind)
    for option in (cls.options if cls else ()):
        if option.name == key:
            return format_value(option, value)
    return detail_text(value)


def detail_text(value) -> str:
    """A detail as iproute2 writes it: on/off, a timer as ``%7.2f``."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:7.2f}"
    return str(value)


def link_stanza(row: dict, view: View, *, mode: bool = True, stats: bool = True) -> list[str]:
    """A link's lines: header, link layer, with -d its details, with -s its counters (ip link;
    ip address, which puts the counters after the addresses)."""
    lines = [header_line(row, view, mode=mode), lladdr_line(row, view)]
    if view.options.details:
        lines[-1] += f" promiscuity {row.get('promiscuity', 0)}  allmulti 0 minmtu {row.get('min_mtu', 0)} maxmtu {row.get('max_mtu', 0)} "
        lines += details_lines(row, view)
    if stats and view.options.stats and "stats64" in row:
        lines += stats64_lines(row["stats64"], view.options.stats)
    return lines


@renderer("link")
def link_text(rows: list[dict], view: View) -> str:
    return records((link_stanza(row, view) for row in rows), view)


def brief_prefix(row: dict, view: View) -> str:
    """``name`` padded to 16 and ``state`` to 14, as print_linkinfo_brief does."""
    state = row.get("operstate", "UNKNOWN")
    return view.paint.ifname(f"{display_name(row):<16} ") + view.paint.state(state, f"{state:<14} ")


@renderer("link", "brief")
def link_brief(rows: list[dict], view: View) -> str:
    lines = []
    for row in rows:
        text = brief_prefix(row, view)
        if row.get("address"):
            text += view.paint.mac(row["address"] + " ")
        lines.append(text + f"<{','.join(row.get('flags', []))}> ")
    return "\n".join(lines)


DETAIL_KEYS = ("promiscuity", "allmulti", "min_mtu", "max_mtu", "linkinfo", "inet6_addr_gen_mode", "ra")      # shown with -d, as iproute2 does


def link_json_row(row: dict, level: int, *, addresses: bool, details: bool = False) -> dict:
    hidden = ("stats64", "addr_info") if details else ("stats64", "addr_info") + DETAIL_KEYS
    out = {k: v for k, v in row.items() if k not in hidden}
    if not details and "link_kind" in out:     # the kind and what it says of itself: -d, as ip
        keys = list(out)
        out = {k: out[k] for k in keys[:keys.index("link_kind")]}
    if details and not level and "linkinfo" in out and "info_xstats" in out["linkinfo"]:
        out["linkinfo"] = {k: v for k, v in out["linkinfo"].items() if k != "info_xstats"}
    if addresses and "addr_info" in row:
        out["addr_info"] = row["addr_info"]
    if level and "stats64" in row:
        out["stats64"] = stats64_json(row["stats64"], level)
    return out


def brief_json_row(row: dict) -> dict:
    """What ip -br -j prints of a link: its name, state and (link) address and flags."""
    out = {"ifname": row["ifname"], "operstate": row.get("operstate", "UNKNOWN")}
    if "link" in row:
        out["link"] = row["link"]
    return out


@renderer("link", "json")
def link_json(rows: list[dict], view: View) -> list[dict]:
    if view.options.brief:
        return [{**brief_json_row(row), "address": row.get("address"), "flags": row.get("flags", [])}
                for row in rows]
    return [link_json_row(row, view.options.stats, addresses=False, details=view.options.details)
            for row in rows]


@renderer("hostdev")
def hostdev_text(rows: list[dict], view: View) -> str:
    lines = []
    for row in rows:
        text = f"{view.paint.ifname(row['name'] + ': ')}<{','.join(row.get('flags', []))}>"
        if row.get("attached"):
            text += " attached as " + view.paint.ifname(row["attached"])
        if row.get("description"):
            text += f" ({row['description']})"
        lines.append(text)
    return "\n".join(lines)
