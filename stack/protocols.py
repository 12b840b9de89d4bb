"""The protocol layers a stack is built from, in build order (the stack's manifest).

Each is built with the stack and registers its handlers with the layer below
(ethertypes with Ethernet, IP protocols with IPv4) and its counter groups
(stack/counters.py); a new layer is one more row here.
"""
from __future__ import annotations

from .l2.arp import Arp
from .l2.bridge import Bridges
from .l2.ethernet import EthernetLayer
from .l2.ndp import Ndp
from .l2.vlan import Vlan8021q
from .l3.icmp import Icmp
from .l3.icmpv6 import Icmp6
from .l3.ipv4 import IPv4
from .l3.ipv4_frag import IPv4Fragments
from .l3.ipv6 import IPv6
from .l3.ipv6_frag import IPv6Fragments
from .l3.mld import Mld
from .l3.ping import Pings
from .l3.probe import Probes
from .l3.ra import RouterDiscovery
from .l3.radv import RouterAdvertiser
from .l3.redirect import Redirects

# (attribute on the stack, class)
PROTOCOLS = (
    ("ethernet", EthernetLayer),
    ("vlan", Vlan8021q),
    ("ipv4", IPv4),
    ("ipfrag", IPv4Fragments),
    ("arp", Arp),
    ("bridges", Bridges),
    ("icmp", Icmp),
    ("ipv6", IPv6),
    ("icmp6", Icmp6),
    ("ip6frag", IPv6Fragments),
    ("ndp", Ndp),
    ("redirects", Redirects),
    ("ra", RouterDiscovery),
    ("radv", RouterAdvertiser),
    ("mld", Mld),
    ("pings", Pings),
    ("probes", Probes),
)
