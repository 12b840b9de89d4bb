"""Layer 2: Ethernet receive and protocol dispatch, neighbours (ARP)."""
