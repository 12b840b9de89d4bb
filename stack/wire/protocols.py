"""The protocol manifest: importing it registers every protocol module's dissectors and skimmers.

`dissect` and `skim` only know the protocols whose modules were imported.  What needs full
dissection (netsh/inspect.py, the dissection tests) imports this module once; a new protocol
module is added to the list here, and a broken one fails the import instead of turning its
frames into "Data" rows.
"""
from stack.wire import (arp, bpdu, dhcp, dhcp_vendor, dns, dns_rdata, ethernet, geneve, gre, gtp, http, icmp, icmpv6,  # noqa: F401
                        ipsec, ipv4, ipv6, linklayers, mpls, mptcp, pppoe, tcp, udp, vlan, vxlan)

MODULES = (ethernet, linklayers, vlan, arp, ipv4, ipv6, icmp, icmpv6, udp, tcp, mptcp, dns, dns_rdata, dhcp, dhcp_vendor, http, gre,
           vxlan, geneve, mpls, ipsec, pppoe, gtp, bpdu)
