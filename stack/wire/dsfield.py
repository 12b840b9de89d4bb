"""The DS field's code points by name, as tshark shows them (IPv4 TOS byte, IPv6 traffic class)."""

DSCP_NAMES = {0: "Default", 46: "Expedited Forwarding",
              **{8 * n: f"Class Selector {n}" for n in range(1, 8)},
              **{8 * c + 2 * p: f"Assured Forwarding {c}{p}" for c in range(1, 5) for p in range(1, 4)}}

ECN_NAMES = {0: "Not ECN-Capable Transport", 1: "ECN-Capable Transport codepoint '01'",
             2: "ECN-Capable Transport codepoint '10'", 3: "Congestion Experienced"}


# tshark's short names, on the DS field's own line: "0x00 (DSCP: CS0, ECN: Not-ECT)"
DSCP_SHORT = {0: "CS0", 1: "LE", 44: "VOICE-ADMIT", 46: "EF", **{8 * n: f"CS{n}" for n in range(1, 8)},
              **{8 * c + 2 * p: f"AF{c}{p}" for c in range(1, 5) for p in range(1, 4)}}
ECN_SHORT = ("Not-ECT", "ECT(1)", "ECT(0)", "CE")


def dsfield_text(value: int) -> str:
    """The whole DS field (a TOS byte, a traffic class) as tshark's line shows it."""
    return f"0x{value:02x} (DSCP: {DSCP_SHORT.get(value >> 2, 'Unknown')}, ECN: {ECN_SHORT[value & 3]})"


def dscp_text(value: int) -> str:
    return f"{DSCP_NAMES.get(value, 'Unknown')} ({value})"


def ecn_text(value: int) -> str:
    return f"{ECN_NAMES.get(value, 'Unknown')} ({value})"
