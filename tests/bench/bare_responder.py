"""Bare ARP + ICMP echo responder on pcapy-ng: the yardstick for the stack's echo benchmark.

No stack, no buffers, no counters beyond two integers: it reads a frame, and if it is an ARP
request or an ICMPv4 echo request for our address it writes the answer straight back. What a
Python stack on pcapy-ng can do at best on this veth, measured in the same run as the stack.

    ip netns exec NS python bare_responder.py DEV 192.0.2.1 [--mac MAC] [--seconds 30] [--no-immediate]

On exit (after --seconds, or on SIGTERM/SIGINT) it prints one JSON line:
``{"replies": N, "arp_replies": M, "immediate": bool, "full_checksum": bool, "seconds": elapsed,
"pcap": [recv, drop, ifdrop]}``.
It prints ``ready`` on stderr once the handle is active.

Immediate mode. pcapy-ng 2.1.0 does not wrap pcap_set_immediate_mode, but the libpcap it loads
(1.9.1, vendored in the wheel) exports it. A pcapy Reader object keeps its ``pcap_t *`` as the first
member after the object header, so it sits at ``id(reader) + object.__basicsize__``. Before trusting
that address we ask libpcap about it twice: before activation pcap_datalink() must answer
PCAP_ERROR_NOT_ACTIVATED, and after activation it must equal reader.datalink().

Reply building. Swapping the IPv4 source and destination leaves the header checksum valid (a
one's-complement sum does not depend on word order), and turning type 8 into type 0 changes the
ICMP checksum by a known amount (RFC 1624 incremental update), so no checksum is recomputed.
``--full-checksum`` recomputes both instead.

Two workloads, both measured by the echo benchmark:
  ``--mode reference``  what shared/limits/echo_baseline.py does (the issue's yardstick, ~100k/s):
                        every frame reaches Python, which checks it and recomputes both checksums;
  ``--mode minimal``    the least Python can do: a kernel BPF filter passes only our requests,
                        and checksums are patched incrementally.
"""
import argparse
import ctypes
import json
import os
import select
import signal
import socket
import sys
import time

import pcapy

PCAP_ERROR_NOT_ACTIVATED = -3


def loaded_libpcap():
    """The libpcap pcapy is linked against: found in our own memory map, so it is the right copy."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "libpcap" in os.path.basename(path) and os.path.exists(path):
                return ctypes.CDLL(path)
    return None


def enable_immediate(reader):
    """Set immediate mode on a created-but-not-activated reader. Returns a checker to call
    after activate() (it raises if the pointer was not the reader's pcap_t), or None if the
    library cannot be found."""
    lib = loaded_libpcap()
    if lib is None:
        return None
    lib.pcap_set_immediate_mode.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.pcap_datalink.argtypes = [ctypes.c_void_p]
    handle = ctypes.c_void_p.from_address(id(reader) + object.__basicsize__).value
    if not handle or lib.pcap_datalink(handle) != PCAP_ERROR_NOT_ACTIVATED:
        raise RuntimeError("immediate mode: reader layout not recognised")
    if lib.pcap_set_immediate_mode(handle, 1) != 0:
        raise RuntimeError("immediate mode: pcap_set_immediate_mode failed")

    def check():
        if lib.pcap_datalink(handle) != reader.datalink():
            raise RuntimeError("immediate mode: handle check after activate failed")
    return check


def ones_add(a, b):
    s = a + b
    return (s & 0xFFFF) + (s >> 16)


def inet_checksum(b):
    if len(b) & 1:
        b += b"\0"
    s = sum(memoryview(b).cast("H"))   # native-order words: the sum is order-independent (RFC 1071)
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    s = ~s & 0xFFFF
    return s.to_bytes(2, sys.byteorder)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dev")
    ap.add_argument("ip")
    ap.add_argument("--mac", help="our MAC (default: the device's)")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--no-immediate", action="store_true")
    ap.add_argument("--buffer-mb", type=int, default=64)
    ap.add_argument("--full-checksum", action="store_true",
                    help="recompute both checksums from scratch (the work echo_baseline.py does)")
    ap.add_argument("--mode", choices=("reference", "minimal"), default="minimal")
    a = ap.parse_args()
    if a.mode == "reference":
        a.full_checksum = True

    mac_txt = a.mac or open(f"/sys/class/net/{a.dev}/address").read().strip()
    mac = bytes.fromhex(mac_txt.replace(":", ""))
    ip = socket.inet_aton(a.ip)

    r = pcapy.create(a.dev)
    r.set_snaplen(2048)
    r.set_promisc(1)
    r.set_timeout(1)
    r.set_buffer_size(a.buffer_mb << 20)
    check = None if a.no_immediate else enable_immediate(r)
    r.activate()
    if check:
        check()
    r.setnonblock(1)
    r.setdirection(pcapy.PCAP_D_IN)
    # minimal: only what we might answer reaches Python (ARP requests, echo requests for us).
    kernel_filter = a.mode == "minimal"
    if kernel_filter:
        r.setfilter(f"(arp and arp[6:2] = 1 and arp[24:4] = 0x{ip.hex()}) or "
                f"(icmp and dst host {a.ip} and icmp[0] = 8)")

    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(1))
    poller = select.poll()
    poller.register(r.getfd(), select.POLLIN)
    nxt, send = r.next, r.sendpacket
    arp_head = b"\x08\x06\x00\x01\x08\x00\x06\x04\x00\x02" + mac + ip
    replies = arp_replies = 0
    full = a.full_checksum
    print("ready", file=sys.stderr, flush=True)
    t0 = time.monotonic()
    end = t0 + a.seconds
    while not stop and time.monotonic() < end:
        try:
            poller.poll(100)
        except InterruptedError:
            continue
        while True:
            hdr, d = nxt()
            if not d:
                break
            if not kernel_filter and not (
                    (d[12:14] == b"\x08\x00" and d[30:34] == ip and d[23] == 1
                     and d[14 + ((d[14] & 15) << 2)] == 8)
                    or (d[12:14] == b"\x08\x06" and d[20:22] == b"\x00\x01" and d[38:42] == ip)):
                continue
            if d[12] == 0x08 and d[13] == 0x00:               # IPv4 ICMP echo request for us
                ihl = (d[14] & 15) << 2
                icmp = 14 + ihl
                if full:
                    iph = d[14:24] + b"\0\0" + d[30:34] + d[26:30] + d[34:icmp]
                    msg = b"\0" + d[icmp + 1:icmp + 2] + b"\0\0" + d[icmp + 4:]
                    send(d[6:12] + mac + b"\x08\x00" + iph[:10] + inet_checksum(iph) + iph[12:]
                         + msg[:2] + inet_checksum(msg) + msg[4:])
                    replies += 1
                    continue
                csum = ones_add((d[icmp + 2] << 8) | d[icmp + 3], 0x0800)
                send(d[6:12] + mac + b"\x08\x00" + d[14:26] + d[30:34] + d[26:30] + d[34:icmp]
                     + b"\x00" + d[icmp + 1:icmp + 2] + bytes((csum >> 8, csum & 0xFF)) + d[icmp + 4:])
                replies += 1
            elif d[12] == 0x08 and d[13] == 0x06:             # ARP who-has us
                send(d[6:12] + mac + arp_head + d[22:32])
                arp_replies += 1
    elapsed = time.monotonic() - t0
    print(json.dumps({"replies": replies, "arp_replies": arp_replies, "immediate": check is not None,
                      "full_checksum": full, "mode": a.mode,
                      "seconds": round(elapsed, 3), "pcap": list(r.stats())}), flush=True)


if __name__ == "__main__":
    main()
