"""The Internet checksum (RFC 1071).

2**16 is 1 modulo 0xffff, so a buffer read as one big-endian integer leaves the
same remainder as the end-around-carry sum of its 16-bit words; int.from_bytes
does that reading in C, which beats any per-word loop in Python.
"""

FOLD_BITS = 240           # whole 16-bit words and whole 30-bit digits of a Python int: cheap to shift


class _Masks(dict):
    """units -> the mask of that many low FOLD_BITS-bit units, made once."""

    def __missing__(self, units: int) -> int:
        mask = self[units] = (1 << FOLD_BITS * units) - 1
        return mask


_LOW = _Masks()


def ones_sum(data, initial: int = 0) -> int:
    """One's-complement sum of `data` (padded to even length) plus `initial`."""
    value = int.from_bytes(data, "big")
    if len(data) & 1:
        value <<= 8
    # `%` divides digit by digit; adding the halves of a long value (which 2**240 == 1 mod 0xffff
    # allows) until it is short is cheaper
    units = len(data) // 30 + 1
    while units > 4:
        half = units >> 1
        value = (value >> FOLD_BITS * half) + (value & _LOW[half])
        units -= half - 1
    total = (value + initial) % 0xFFFF
    if total == 0 and (value or initial):
        return 0xFFFF
    return total


def checksum(data, initial: int = 0) -> int:
    """The value to put in a checksum field; over a correct header it yields 0."""
    return ~ones_sum(data, initial) & 0xFFFF
