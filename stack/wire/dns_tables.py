"""DNS's numbers and their names, as tshark words them: opcodes, response codes, record types
(short, and as -V's Type line writes them), classes, DNSSEC algorithms and digests.  Shared by
the message walker (stack/wire/dns.py) and the record data readers (stack/wire/dns_rdata.py)."""
from .dissect import named
from .textfmt import duration


OPCODES = {0: "Standard query", 1: "Inverse query", 2: "Server status request",
           4: "Zone change notification", 5: "Dynamic update", 6: "DNS Stateful operations (DSO)"}
RCODES = {0: "No error", 1: "Format error", 2: "Server failure", 3: "No such name", 4: "Not implemented",
          5: "Refused", 6: "Name exists", 7: "RRset exists", 8: "RRset does not exist",
          9: "Not authoritative", 10: "Name out of zone", 11: "DSO-Type not implemented",
          16: "Bad OPT Version or TSIG Signature Failure", 17: "Key not recognized",
          18: "Signature out of time window", 19: "Bad TKEY Mode", 20: "Duplicate key name",
          21: "Algorithm not supported", 22: "Bad Truncation", 23: "Bad/missing Server Cookie"}
TYPES = {0: "Unused", 1: "A", 2: "NS", 3: "MD", 4: "MF", 5: "CNAME", 6: "SOA", 7: "MB", 8: "MG", 9: "MR",
         10: "NULL", 11: "WKS", 12: "PTR", 13: "HINFO", 14: "MINFO", 15: "MX", 16: "TXT", 17: "RP",
         18: "AFSDB", 19: "X25", 20: "ISDN", 21: "RT", 22: "NSAP", 23: "NSAP-PTR", 24: "SIG", 25: "KEY",
         26: "PX", 27: "GPOS", 28: "AAAA", 29: "LOC", 30: "NXT", 31: "EID", 32: "NIMLOC", 33: "SRV",
         34: "ATMA", 35: "NAPTR", 36: "KX", 37: "CERT", 38: "A6", 39: "DNAME", 40: "SINK", 41: "OPT",
         42: "APL", 43: "DS", 44: "SSHFP", 45: "IPSECKEY", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY",
         49: "DHCID", 50: "NSEC3", 51: "NSEC3PARAM", 52: "TLSA", 55: "HIP", 57: "RKEY", 58: "TALINK",
         59: "CDS", 60: "CDNSKEY", 61: "OPENPGPKEY", 62: "CSYNC", 63: "ZONEMD", 64: "SVCB", 65: "HTTPS",
         99: "SPF", 100: "UINFO", 101: "UID", 102: "GID", 103: "UNSPEC", 104: "NID", 105: "L32", 106: "L64",
         107: "LP", 108: "EUI48", 109: "EUI64", 249: "TKEY", 250: "TSIG", 251: "IXFR", 252: "AXFR",
         253: "MAILB", 254: "MAILA", 255: "ANY", 256: "URI", 257: "CAA", 32768: "TA", 32769: "DLV"}
CLASSES = {1: "IN", 2: "CS", 3: "CH", 4: "HS", 254: "NONE", 255: "ANY"}
TYPE_A, TYPE_NS, TYPE_CNAME, TYPE_SOA, TYPE_PTR, TYPE_MX, TYPE_TXT = 1, 2, 5, 6, 12, 15, 16
TYPE_AAAA, TYPE_OPT, TYPE_SRV, TYPE_KX = 28, 41, 33, 36
TYPE_DS, TYPE_RRSIG, TYPE_NSEC, TYPE_DNSKEY = 43, 46, 47, 48

def ttl_text(seconds: int) -> str:
    """A TTL with its span in words, as tshark: "86400 (1 day)", "3661 (1 hour, 1 minute, 1 second)"."""
    return f"{seconds} ({duration(seconds)})"

# tshark's descriptions of the common types on the Type line (the Info column keeps the short
# names); only those read from tshark's own -V are here
# a type's words in -V, before its number: tshark's, read from its -V for every type
TYPE_LINES = {
    0: 'Unused', 1: 'A (Host Address)', 2: 'NS (authoritative Name Server)', 3: 'MD (Mail Destination)',
    4: 'MF (Mail Forwarder)', 5: 'CNAME (Canonical NAME for an alias)',
    6: 'SOA (Start Of a zone of Authority)', 7: 'MB (MailBox domain name)', 8: 'MG (Mail Group member)',
    9: 'MR (Mail Rename domain)', 10: 'NULL RR', 11: 'WKS (Well Known Service)',
    12: 'PTR (domain name PoinTeR)', 13: 'HINFO (host information)',
    14: 'MINFO (Mailbox or mail list information)', 15: 'MX (Mail eXchange)', 16: 'TXT (Text strings)',
    17: 'RP (Responsible Person)', 18: 'AFSDB (AFS Data Base location)', 19: 'X25 (XX.25 PSDN address)',
    20: 'ISDN (ISDN address)', 21: 'RT (Route Through)', 22: 'NSAP (NSAP address)',
    23: 'NSAP-PTR (NSAP domain name pointer)', 24: 'SIG (security signature)', 25: 'KEY (security key)',
    26: 'PX (X.400 mail mapping information)', 27: 'GPOS (Geographical Position)', 28: 'AAAA (IPv6 Address)',
    29: 'LOC (Location Information)', 30: 'NXT (Next Domain)', 31: 'EID (Endpoint Identifier)',
    32: 'NIMLOC (Nimrod Locator)', 33: 'SRV (Server Selection)', 34: 'ATMA (ATM Address)',
    35: 'NAPTR (Naming Authority Pointer)', 36: 'KX (Key Exchanger)', 37: 'CERT',
    38: 'A6 (OBSOLETE - use AAAA)', 39: 'DNAME', 40: 'SINK', 41: 'OPT', 42: 'APL',
    43: 'DS (Delegation Signer)', 44: 'SSHFP (SSH Key Fingerprint)', 45: 'IPSECKEY',
    46: 'RRSIG (Resource Record Signature)', 47: 'NSEC (Next Secure)', 48: 'DNSKEY (DNS Public Key)',
    49: 'DHCID', 50: 'NSEC3', 51: 'NSEC3PARAM', 52: 'TLSA', 55: 'HIP (Host Identity Protocol)', 57: 'RKEY',
    58: 'TALINK (Trust Anchor LINK)', 59: 'CDS (Child DS)',
    60: 'CDNSKEY (DNSKEY(s) the Child wants reflected in DS)', 61: 'OPENPGPKEY (OpenPGP Key)',
    62: 'CSYNC (Child-to-Parent Synchronization)', 63: 'ZONEMD',
    64: 'SVCB (General Purpose Service Endpoints)', 65: 'HTTPS (HTTPS Specific Service Endpoints)', 99: 'SPF',
    100: 'UINFO', 101: 'UID', 102: 'GID', 103: 'UNSPEC', 104: 'NID (NodeID)', 105: 'L32 (Locator32)',
    106: 'L64 (Locator64)', 107: 'LP (Locator FQDN)', 108: 'EUI48', 109: 'EUI64',
    249: 'TKEY (Transaction Key)', 250: 'TSIG (Transaction Signature)', 251: 'IXFR (incremental transfer)',
    252: 'AXFR (transfer of an entire zone)', 253: 'MAILB (mailbox-related RRs)',
    254: 'MAILA (mail agent RRs)', 255: '* (A request for all records the server/cache has available)',
    256: 'URI', 257: 'CAA (Certification Authority Restriction)', 32768: 'TA (DNSSEC Trust Authorities)',
    32769: 'DLV (DNSSEC Lookaside Validation)'}


def type_line(value: int) -> str:
    """"A (Host Address) (1)", as tshark's -V writes a record's type."""
    return f"{TYPE_LINES.get(value, 'Unknown')} ({value})"

DNSSEC_ALGORITHMS = {1: "RSA/MD5", 2: "Diffie-Hellman", 3: "DSA", 4: "Elliptic curve crypto", 5: "RSA/SHA1",
                     6: "DSA + NSEC3/SHA1", 7: "RSA/SHA1 + NSEC3/SHA1", 8: "RSA/SHA-256", 10: "RSA/SHA-512",
                     12: "GOST R 34.10-2001", 13: "ECDSA Curve P-256 with SHA-256",
                     14: "ECDSA Curve P-386 with SHA-386", 15: "Ed25519", 16: "Ed448", 157: "HMAC/MD5",
                     252: "Indirect key", 253: "Private, domain name", 254: "Private, OID"}
DS_DIGESTS = {0: "Reserved digest", 1: "SHA-1", 2: "SHA-256", 3: "GOST R 34.11-94", 4: "SHA-384"}
NSEC3_HASHES = {0: "Reserved", 1: "SHA-1"}
algorithm_show = named(DNSSEC_ALGORITHMS)

FAMILIES = {1: "IPv4", 2: "IPv6"}
