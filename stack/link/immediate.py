"""Immediate mode for pcapy-ng handles through the libpcap its wheel vendors.

pcapy-ng has no set_immediate_mode, and without it every receive waits for
the 1 ms TPACKET_V3 block timer.  Its wheel ships libpcap 1.9.1, which has
pcap_set_immediate_mode.  The pcap_t pointer is the first field after the
Python object header; it is checked twice before and after it is trusted:
before activation pcap_datalink() must answer PCAP_ERROR_NOT_ACTIVATED, after
it must agree with pcapy's own datalink() and pcap_get_selectable_fd() with
getfd().
"""
from __future__ import annotations

import ctypes
import glob
import os
from dataclasses import dataclass

PCAP_ERROR_NOT_ACTIVATED = -3
_lib = None


def vendored_libpcap():
    global _lib
    if _lib is None:
        import pcapy
        here = os.path.dirname(pcapy.__file__)
        found = sorted(glob.glob(os.path.join(here, "pcapy_ng.libs", "libpcap*.so*")))
        if not found:
            return None
        lib = ctypes.CDLL(found[0])
        lib.pcap_set_immediate_mode.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.pcap_datalink.argtypes = [ctypes.c_void_p]
        lib.pcap_get_selectable_fd.argtypes = [ctypes.c_void_p]
        _lib = lib
    return _lib


@dataclass
class Probe:
    pointer: int | None = None
    requested: bool = False
    reason: str = ""


def handle_pointer(handle) -> int | None:
    return ctypes.c_void_p.from_address(id(handle) + object.__basicsize__).value


def prepare(handle) -> Probe:
    """Before activate(): find and check the pointer, then ask for immediate mode."""
    if os.environ.get("NETSH_NO_IMMEDIATE"):
        return Probe(reason="disabled by NETSH_NO_IMMEDIATE")
    lib = vendored_libpcap()
    if lib is None:
        return Probe(reason="vendored libpcap not found")
    ptr = handle_pointer(handle)
    if not ptr or lib.pcap_datalink(ptr) != PCAP_ERROR_NOT_ACTIVATED:
        return Probe(reason="pcap_t pointer check failed")
    if lib.pcap_set_immediate_mode(ptr, 1) != 0:
        return Probe(ptr, reason="pcap_set_immediate_mode refused")
    return Probe(ptr, requested=True)


def confirm(handle, probe: Probe) -> bool:
    """After activate(): the pointer must still describe this very handle."""
    if not probe.requested:
        return False
    lib = vendored_libpcap()
    ok = (lib.pcap_datalink(probe.pointer) == handle.datalink()
          and lib.pcap_get_selectable_fd(probe.pointer) == handle.getfd())
    if not ok:
        probe.reason = "handle check after activation failed"
    return ok
