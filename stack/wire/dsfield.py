"""The DS field's code points by name, as tshark shows them (IPv4 TOS byte, IPv6 traffic class)."""

DSCP_NAMES = {0: "Default", 46: "Expedited Forwarding",
              **{8 * n: f"Class Selector {n}" for n in range(1, 8)},
              **{8 * c + 2 * p: f"Assured Forwarding {c}{p}" for c in range(1, 5) for p in range(1, 4)}}

ECN_NAMES = {0: "Not ECN-Capable Transport", 1: "ECN-Capable Transport codepoint '01'",
             2: "ECN-Capable Transport codepoint '10'", 3: "Congestion Experienced"}


def dscp_text(value: int) -> str:
    return f"{DSCP_NAMES.get(value, 'Unknown')} ({value})"


def ecn_text(value: int) -> str:
    return f"{ECN_NAMES.get(value, 'Unknown')} ({value})"
