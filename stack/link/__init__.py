"""Link types (the kernel's net_device drivers), registered by kind: importing the
package registers every kind (`LINK_TYPES`)."""
from .base import Link, LINK_TYPES, register_link_type  # noqa: F401
from . import loopback, pair, pcap, impair, bridge, vlan  # noqa: F401,E402  (they register)
