"""ICMP for IPv4 (RFC 792): type, code, checksum and the 4-byte rest of header."""
import struct

HEADER = struct.Struct("!BBHHH")       # type, code, checksum, id, seq (echo layout)
HEADER_LEN = 8

ECHO_REPLY = 0
DEST_UNREACH = 3
ECHO_REQUEST = 8
TIME_EXCEEDED = 11
PARAMETER_PROBLEM = 12

# Destination Unreachable codes
NET_UNREACH = 0
HOST_UNREACH = 1
PROT_UNREACH = 2
PORT_UNREACH = 3
FRAG_NEEDED = 4

# What iputils ping prints for each Destination Unreachable code
UNREACH_TEXT = {
    NET_UNREACH: "Destination Net Unreachable",
    HOST_UNREACH: "Destination Host Unreachable",
    PROT_UNREACH: "Destination Protocol Unreachable",
    PORT_UNREACH: "Destination Port Unreachable",
    FRAG_NEEDED: "Frag needed",
}
