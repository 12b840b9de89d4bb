"""The Internet checksum (RFC 1071).

2**16 is 1 modulo 0xffff, so a buffer read as one big-endian integer leaves the
same remainder as the end-around-carry sum of its 16-bit words; int.from_bytes
does that reading in C, which beats any per-word loop in Python.
"""


def ones_sum(data, initial: int = 0) -> int:
    """One's-complement sum of `data` (padded to even length) plus `initial`."""
    value = int.from_bytes(data, "big")
    if len(data) & 1:
        value <<= 8
    if len(data) > 120:
        # `%` divides digit by digit; adding the two halves first (split at a multiple of 240 bits:
        # whole 16-bit words and whole 30-bit digits, so shifting is cheap) halves that work
        half = len(data) // 60 * 240
        value = (value >> half) + (value & ((1 << half) - 1))
    total = (value + initial) % 0xFFFF
    if total == 0 and (value or initial):
        return 0xFFFF
    return total


def checksum(data, initial: int = 0) -> int:
    """The value to put in a checksum field; over a correct header it yields 0."""
    return ~ones_sum(data, initial) & 0xFFFF
