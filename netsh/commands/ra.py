"""``ra``: router advertisements a link sends, so hosts on it configure themselves from the
stack (radvd's job on Linux, with radvd.conf's settings and defaults)."""
from __future__ import annotations

from netsh.argtypes import IP_PREFIX, LINK, ON_OFF, Integer, Seconds
from netsh.grammar import Node, leaf, opt, pos
from netsh.render import Result, View, renderer

LIFETIME_S = Integer(0, 0xFFFFFFFF, "SECONDS")
ROUTER_LIFETIME = Integer(0, 9000, "SECONDS", "router lifetime, 0 or MaxRtrAdvInterval..9000")
HOPLIMIT = Integer(0, 255, "N")
ADV_MTU = Integer(0, 0xFFFFFFFF, "MTU", "the MTU option's value (0: none), at least 1280")
MAX_INTERVAL = Seconds(4, 1800, "SECONDS", "MaxRtrAdvInterval, 4..1800")
MIN_INTERVAL = Seconds(3, 1350, "SECONDS", "MinRtrAdvInterval, 3..0.75 x MaxRtrAdvInterval")


def _on(value) -> bool | None:
    return None if value is None else value == "on"


def set_(ctx, args):
    on = args["state"] == "on"
    prefix = None
    if args["prefix"] is not None:
        prefix = (args["prefix"].address.packed, args["prefix"].prefixlen)
    options = {}
    for key in ("onlink", "autonomous"):
        if args[key] is not None:
            options[key] = _on(args[key])
    for key in ("valid", "preferred"):
        if args[key] is not None:
            options[key] = args[key]
    ctx.stack.ra_set(args["dev"], on=on, prefix=prefix, max_interval=args["interval"],
                           min_interval=args["min-interval"], lifetime=args["lifetime"],
                           hoplimit=args["hoplimit"], mtu=args["mtu"], managed=_on(args["managed"]),
                           other=_on(args["other"]), **options)


def show(ctx, args):
    return Result("ra", ctx.stack.ra_show(args["dev"]))


def register(root: Node) -> None:
    node = root.add(Node("ra", "router advertisements a link sends (as radvd)", default="show"))
    leaf(node, ("set",),
         [pos("dev", LINK, help="the link to advertise on"),
          pos("state", ON_OFF, help="on: advertise (forwarding must be on); off: a last "
                                    "advertisement with lifetime 0, then none"),
          opt("prefix", "prefix", IP_PREFIX, help="a prefix to advertise (repeat the command "
                                                  "for more); none: the link's own /64s"),
          opt("onlink", "onlink", ON_OFF, help="the prefix's on-link flag (AdvOnLink), on"),
          opt("autonomous", "autonomous", ON_OFF, help="its autonomous flag: hosts make an "
                                                       "address in it (AdvAutonomous), on"),
          opt("valid", "valid", LIFETIME_S, help="its valid lifetime (AdvValidLifetime), 86400"),
          opt("preferred", "preferred", LIFETIME_S,
              help="its preferred lifetime (AdvPreferredLifetime), 14400"),
          opt("interval", "interval", MAX_INTERVAL,
              help="the longest time between advertisements (MaxRtrAdvInterval), 600"),
          opt("min-interval", "min-interval", MIN_INTERVAL,
              help="the shortest (MinRtrAdvInterval), a third of the longest"),
          opt("lifetime", "lifetime", ROUTER_LIFETIME,
              help="how long hosts keep us as a default router (AdvDefaultLifetime), 3 x interval"),
          opt("hoplimit", "hoplimit", HOPLIMIT, help="the hop limit hosts should use, 64"),
          opt("mtu", "mtu", ADV_MTU, help="an MTU option (AdvLinkMTU), none"),
          opt("managed", "managed", ON_OFF, help="the M flag: addresses from DHCPv6, off"),
          opt("other", "other", ON_OFF, help="the O flag: other settings from DHCPv6, off")],
         "send router advertisements on a link, or stop", set_,
         details="RFC 4861 6.2 with radvd's defaults: one advertisement each 200..600 s (the "
                 "first three at most 16 s apart), an answer to each router solicitation within "
                 "0.5 s (at most one each 3 s), a last one with router lifetime 0 when turned "
                 "off. A link must forward IPv6 (sysctl -w net.ipv6.conf.all.forwarding=1).")
    leaf(node, ("show",), [pos("dev", LINK, optional=True, help="only this link")],
         "the links sending router advertisements, and what they advertise", show)


@renderer("ra")
def ra_text(rows: list[dict], view: View) -> str:
    lines = []
    for row in rows:
        flags = "".join(f" {name}" for name in ("managed", "other") if row.get(name))
        mtu = f" mtu {row['mtu']}" if row.get("mtu") else ""
        head = (f"{row['ifname']}: interval {row['min_interval']:g}-{row['max_interval']:g}s "
                f"lifetime {row['lifetime']}s hoplimit {row['hoplimit']}{mtu}{flags}")
        if "next" in row:
            head += f" next in {row['next']:g}s"
        lines.append(head + f" sent {row['sent']} solicited {row['solicited']}")
        for prefix in row["prefixes"]:
            words = [flag for flag, on in (("onlink", prefix["onlink"]),
                                           ("autonomous", prefix["autonomous"])) if on]
            words = [prefix["prefix"], *words, "valid", str(prefix["valid"]), "preferred",
                     str(prefix["preferred"])]
            lines.append("    prefix " + " ".join(words)
                         + ("" if row["configured_prefixes"] else " (the link's own)"))
    return "\n".join(lines)
