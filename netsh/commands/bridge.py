"""``bridge``: a bridge's forwarding database, its ports and their VLANs (bridge(8): fdb,
link, vlan).

Spelling, text layout and ``-j`` keys are bridge(8)'s (iproute2 6.1):
``MAC dev PORT [vlan N] [used U/T] master BR [static|permanent]`` for the FDB
(``-s`` adds the ages), ``IDX: NAME@PEER: <FLAGS> mtu M master BR state S
priority P cost C`` for a port (``-d`` adds its flags), ``port  vlan-id`` and one
line per VLAN (``1 PVID Egress Untagged``) for VLANs.  The stack's side is
stack/api/bridge.py; the running config's port and FDB lines are written here.
"""
from __future__ import annotations

from netsh.argtypes import BRIDGE, BRPORT as PORT, LLADDR, ON_OFF, Integer, LiveArg
from netsh.commands.config import WRITERS, positional, word
from netsh.commands.link import display_name
from netsh.grammar import ArgType, Node, flag, leaf, opt, pos
from netsh.render import Result, View, renderer
from stack.api.bridge import STP_ROLE
from stack.l2.bridge_vlan import parse_vid_range

WORDS = ("bridge",)
PORT_STATES = ("disabled", "listening", "learning", "forwarding", "blocking")


class PortState(ArgType):
    """bridge(8)'s port state: a name (any case) or its number."""

    metavar = "STATE"
    help = "disabled, listening, learning, forwarding, blocking, or 0..4"

    def parse(self, token: str) -> str:
        text = token.lower()
        if text in PORT_STATES or (text.isdigit() and int(text) < len(PORT_STATES)):
            return text
        raise ValueError(f"one of: {', '.join(PORT_STATES)}, or 0..4")

    def choices(self) -> list[str]:
        return list(PORT_STATES)


VID = Integer(0, 4094, "VID", "a VLAN id, 0..4094")


class VidRange(LiveArg):
    """``VID`` or ``VID-VID`` (bridge vlan add|del), completed with the VLANs in use."""

    metavar = "VID[-VID]"
    kind = "brvlan"
    help = "a VLAN id 1..4094, or a range like 10-20"

    def parse(self, token: str) -> tuple[int, int]:
        return parse_vid_range(token)


IFNAMSIZ = 16
COST = Integer(1, 65535, "COST", "path cost, 1..65535")
PRIORITY = Integer(0, 63, "PRIO", "port priority, 0..63")
PORT_FLAGS = (("learning", "learn source MACs"), ("flood", "flood unknown unicast to it"),
              ("mcast_flood", "flood multicast to it"), ("bcast_flood", "flood broadcast to it"),
              ("hairpin", "send frames back out of the port they came in on"),
              ("guard", "BPDU guard: a BPDU disables the port (with STP on)"))


# --- handlers ----------------------------------------------------------------------------

def fdb_show(ctx, args):
    brport = args["brport"] or args["dev"]
    rows = ctx.stack.fdb_show(br=args["br"], brport=brport, vlan=args["vlan"])
    return Result("fdb", {"rows": rows, "port_filter": brport is not None})


def _state(args) -> str | None:
    return "permanent" if args["state"] == "local" else args["state"]


def fdb_add(ctx, args, replace: bool = False):
    ctx.stack.fdb_add(args["lladdr"], args["dev"], vlan=args["vlan"] or 0, state=_state(args),
                      target=args["target"], replace=replace)


def fdb_replace(ctx, args):
    fdb_add(ctx, args, replace=True)


def fdb_del(ctx, args):
    ctx.stack.fdb_del(args["lladdr"], args["dev"], vlan=args["vlan"] or 0, target=args["target"])


def fdb_flush(ctx, args):
    ctx.stack.fdb_flush(args["dev"], vlan=args["vlan"], state=_state(args))


def link_show(ctx, args):
    return Result("bridge-link", ctx.stack.bridge_link_show(dev=args["dev"], master=args["master"]))


def link_set(ctx, args):
    flags = {name: args[name] == "on" for name, _ in PORT_FLAGS if args[name] is not None}
    ctx.stack.bridge_link_set(args["dev"], state=args["state"], cost=args["cost"],
                              priority=args["priority"], **flags)


def vlan_show(ctx, args):
    return Result("bridge-vlan", ctx.stack.bridge_vlan_show(dev=args["dev"], vid=args["vid"]))


def vlan_add(ctx, args):
    first, last = args["vid"]
    ctx.stack.bridge_vlan_add(args["dev"], first, last, pvid=bool(args["pvid"]),
                              untagged=bool(args["untagged"]), target=args["target"])


def vlan_del(ctx, args):
    first, last = args["vid"]
    ctx.stack.bridge_vlan_del(args["dev"], first, last, target=args["target"])


def register(root: Node) -> None:
    node = root.add(Node("bridge", "bridges: forwarding database and ports (bridge(8))",
                         default="link"))
    fdb = node.add(Node("fdb", "the forwarding database of bridges", default="show"))
    words = WORDS + ("fdb",)
    vlan = opt("vlan", "vlan", VID, help="the VLAN of the entry")
    leaf(fdb, words + ("show",),
         [opt("br", "br", BRIDGE, help="only this bridge's entries"),
          opt("brport", "brport", PORT, help="only entries on this port"),
          opt("dev", "dev", PORT, help="the same as brport"),
          opt("vlan", "vlan", VID, help="only entries of this VLAN")],
         "show FDB entries", fdb_show, synonyms=("list", "lst"),
         details="-s adds how long ago each entry was used and updated (used U/T).")
    entry = [_lladdr(), opt("dev", "dev", PORT, optional=False, help="the port (or the bridge)"),
             vlan,
             flag("static", "state", "static", help="forwarded to its port, never aged"),
             flag("permanent", "state", "permanent", help="a local address: delivered up"),
             flag("local", "state", "local", help="the same as permanent"),
             flag("dynamic", "state", "dynamic", help="ages like a learned entry"),
             flag("master", "target", "master", help="the FDB of DEV's bridge (the default)"),
             flag("self", "target", "self", help="DEV's own FDB (a bridge's)")]
    leaf(fdb, words + ("add",), entry, "add an FDB entry (permanent unless said)", fdb_add)
    leaf(fdb, words + ("replace",), entry, "add an FDB entry or change the one there", fdb_replace)
    leaf(fdb, words + ("delete",), [_lladdr(), entry[1], vlan, entry[-2], entry[-1]],
         "remove an FDB entry", fdb_del, synonyms=("del",))
    leaf(fdb, words + ("flush",),
         [opt("dev", "dev", PORT, optional=False, help="a port, or a bridge for all its ports"),
          vlan, *entry[3:7]],
         "remove the FDB entries of a port (its own address stays)", fdb_flush)
    link = node.add(Node("link", "bridge ports and their options", default="show"))
    words = WORDS + ("link",)
    leaf(link, words + ("show",),
         [opt("dev", "dev", PORT, help="only this port"),
          opt("master", "master", BRIDGE, help="only this bridge's ports")],
         "show bridge ports", link_show, synonyms=("list", "lst"),
         details="-d adds each port's flags.")
    leaf(link, words + ("set",),
         [opt("dev", "dev", PORT, optional=False, help="the port"),
          opt("state", "state", PortState(), help="its STP state (with stp_state 0)"),
          opt("cost", "cost", COST, help="its STP path cost"),
          opt("priority", "priority", PRIORITY, help="its STP priority"),
          *[opt(name, name, ON_OFF, help=text) for name, text in PORT_FLAGS]],
         "change a port's state and options", link_set,
         require_one_of=("state", "cost", "priority", *(name for name, _ in PORT_FLAGS)),
         details="Several changes at once are all made or none is.")
    vlan = node.add(Node("vlan", "the VLANs of bridge ports and bridges (vlan_filtering)",
                         default="show"))
    words = WORDS + ("vlan",)
    leaf(vlan, words + ("show",),
         [opt("dev", "dev", PORT, help="only this port (or bridge)"),
          opt("vid", "vid", Integer(1, 4094, "VID", "a VLAN id, 1..4094"), help="only this VLAN")],
         "show the VLANs of ports and bridges", vlan_show, synonyms=("list", "lst"),
         details="The tables are there whether or not the bridge filters (vlan_filtering 1).")
    dev = opt("dev", "dev", PORT, optional=False, help="the port, or the bridge with self")
    vid = opt("vid", "vid", VidRange(), optional=False, help="the VLAN, or a range of them")
    target = [flag("self", "target", "self", help="the bridge device's own VLANs"),
              flag("master", "target", "master", help="the port's VLANs on its bridge (the default)")]
    leaf(vlan, words + ("add",),
         [dev, vid, flag("pvid", help="untagged frames that arrive belong to this VLAN"),
          flag("untagged", help="frames of this VLAN leave untagged"), *target],
         "add VLANs to a port or a bridge (or change their flags)", vlan_add,
         details="Flags not given are taken off a VLAN added again, as bridge(8) does.")
    leaf(vlan, words + ("delete",), [dev, vid, *target],
         "take VLANs off a port or a bridge", vlan_del, synonyms=("del",))


def _lladdr():
    return pos("lladdr", LLADDR)


# --- rendering ------------------------------------------------------------------------------

def fdb_line(row: dict, view: View, port_filter: bool) -> str:
    """``02:00:00:00:00:01 dev p0 vlan 5 used 3/1 master br0 static`` (bridge/fdb.c print_fdb)."""
    paint = view.paint
    text = paint.mac(row["mac"]) + " "
    if not port_filter:
        text += "dev " + paint.ifname(row["ifname"]) + " "
    if "vlan" in row:
        text += f"vlan {row['vlan']} "
    if view.options.stats:
        text += f"used {row['used']}/{row['updated']} "
    text += "master " + paint.ifname(row["master"]) + " "
    return text + row["state"]


@renderer("fdb")
def fdb_text(data: dict, view: View) -> str:
    return "\n".join(fdb_line(row, view, data["port_filter"]) for row in data["rows"])


@renderer("fdb", "json")
def fdb_json(data: dict, view: View) -> list[dict]:
    hidden = set()
    if data["port_filter"]:
        hidden.add("ifname")
    if not view.options.stats:
        hidden.update(("used", "updated"))
    return [{k: v for k, v in row.items() if k not in hidden} for row in data["rows"]]


PORT_KEYS = ("ifindex", "link", "ifname", "flags", "mtu", "master", "state", "priority", "cost")


def on_off(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


@renderer("bridge-link")
def bridge_link_text(rows: list[dict], view: View) -> str:
    """``4: va@vb: <FLAGS> mtu 1500 master br0 state forwarding priority 32 cost 2 `` and, with
    -d, the flags line (bridge/link.c)."""
    paint = view.paint
    lines = []
    for row in rows:
        lines.append(f"{row['ifindex']}: {paint.ifname(display_name(row))}: "
                     f"<{','.join(row['flags'])}> mtu {row['mtu']} master "
                     f"{paint.ifname(row['master'])} state {row['state']} "
                     f"priority {row['priority']} cost {row['cost']} ")
        if view.options.details:
            flags = [k for k in row if k not in PORT_KEYS and k != STP_ROLE]
            lines.append("    " + "".join(f"{k} {on_off(row[k])} " for k in flags))
    return "\n".join(lines)


@renderer("bridge-link", "json")
def bridge_link_json(rows: list[dict], view: View) -> list[dict]:
    if view.options.details:
        return [{k: v for k, v in row.items() if k != STP_ROLE} for row in rows]
    return [{k: v for k, v in row.items() if k in PORT_KEYS} for row in rows]


@renderer("bridge-vlan")
def bridge_vlan_text(rows: list[dict], view: View) -> str:
    """``port              vlan-id  `` then ``br0               1 PVID Egress Untagged`` and a
    line for each further VLAN, indented (bridge/vlan.c print_vlan_info)."""
    lines = [f"{'port':<{IFNAMSIZ}}  {'vlan-id':<9}"]
    for row in rows:
        name = row["ifname"]
        for i, entry in enumerate(row["vlans"]):
            lead = view.paint.ifname(name) + " " * max(0, IFNAMSIZ - len(name)) if i == 0 \
                else " " * IFNAMSIZ
            flags = "".join(" " + flag for flag in entry.get("flags", ()))
            lines.append(f"{lead}  {entry['vlan']}{flags}")
    return "\n".join(lines)


@renderer("bridge-vlan", "json")
def bridge_vlan_json(rows: list[dict], view: View) -> list[dict]:
    return rows


# --- the running configuration: ports after the links, then static FDB entries ---------------

LINK_SET_WORDS = ("up", "down", "mtu", "address", "master", "nomaster", "type")


def port_lines(obj: dict, made: set[str]) -> list[str]:
    dev = positional(obj["dev"], "dev", LINK_SET_WORDS)
    lines = [f"link set {dev} master {word(obj['master'])}"]
    options = [f"{key} {on_off(value)}" for key, value in obj.items()
               if key not in ("kind", "dev", "master")]
    if options:
        lines.append(f"bridge link set dev {word(obj['dev'])} " + " ".join(options))
    return lines


def fdb_lines(obj: dict, made: set[str]) -> list[str]:
    vlan = f" vlan {obj['vlan']}" if obj.get("vlan") else ""
    return [f"bridge fdb add {obj['mac']} dev {word(obj['dev'])}{vlan} {obj['state']}"]


def vlan_lines(obj: dict, made: set[str]) -> list[str]:
    verb = "del" if obj.get("delete") else "add"
    flags = "".join(f" {name}" for name in ("pvid", "untagged") if obj.get(name))
    own = " self" if obj.get("target") == "self" else ""
    return [f"bridge vlan {verb} dev {word(obj['dev'])} vid {obj['vid']}{flags}{own}"]


WRITERS.update({"bridge_port": port_lines, "bridge_vlan": vlan_lines, "fdb": fdb_lines})
