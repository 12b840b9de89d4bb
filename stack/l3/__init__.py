"""Layer 3: IPv4 receive/output, routes, ICMP and ping."""
