"""Capture files: read pcap and pcapng (gzipped or not), write both, and turn records of
other link types into Ethernet frames for replay. No dependency on the rest of the stack.

    for rec in read("trace.pcapng.gz"): ...
    with PcapngWriter("out.pcapng") as w: w.write(rec)
"""
from .linktype import (ETHERNET, IPV4, IPV6, LINUX_SLL, LINUX_SLL2, LOOP, NULL, RAW, RAW_DLT12,
                       RAW_DLT14, RAW_IP, linktype_name)
from .pcap import PcapWriter
from .pcapng import PcapngWriter
from .reader import read
from .record import MAX_RECORD, CaptureFileError, Record
from .replay import ethernet_refusal, to_ethernet

__all__ = [
    "Record", "CaptureFileError", "MAX_RECORD", "read", "PcapWriter", "PcapngWriter",
    "to_ethernet", "ethernet_refusal", "linktype_name",
    "ETHERNET", "NULL", "LOOP", "RAW", "RAW_DLT12", "RAW_DLT14", "RAW_IP", "LINUX_SLL",
    "LINUX_SLL2", "IPV4", "IPV6",
]
