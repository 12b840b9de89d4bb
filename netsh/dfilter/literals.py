"""Literals read by the type of what they are compared with, as Wireshark reads them.

``80`` beside ``tcp.port`` is a number, beside ``eth.src[0:1]`` a byte; ``192.0.2.0/24``
beside ``ip.addr`` a network.  Errors name the literal and say what it should be.
"""
from __future__ import annotations

import re
import socket
from typing import NamedTuple

from .fields import (BOOL, BYTES, ETHER, IPV4, IPV6, NONE, PROTOCOL, SIGNED, STRING, TIME, TYPE_NAMES,
                     UINT)
from .lexer import STRING as STRING_TOKEN, Token, error

HEX_BYTES = re.compile(r"[0-9A-Fa-f]{1,2}(?:[:.\-][0-9A-Fa-f]{1,2})*")
BOOLEANS = {"True": 1, "TRUE": 1, "False": 0, "FALSE": 0}


class Network(NamedTuple):
    """An address with a prefix length: matches the addresses inside it."""
    address: int
    mask: int


def read(token: Token, kind: str, field: str = ""):
    """The constant `token` spells as a value of `kind` (ParseError pointing at it if none)."""
    text = token.text
    quoted = token.kind == STRING_TOKEN
    if kind in (UINT, BOOL):
        if quoted:
            raise error(f'{TYPE_NAMES[kind]} cannot be converted from a string ("{text}")', token)
        if kind == BOOL and text in BOOLEANS:
            return BOOLEANS[text]
        return _integer(text, token, signed=field in SIGNED)
    if kind == TIME:
        try:
            return float(text)
        except ValueError:
            raise error(f'"{text}" is not a valid time in seconds', token) from None
    if kind in (IPV4, IPV6):
        if quoted:
            raise error(f'{TYPE_NAMES[kind]} cannot be converted from a string ("{text}")', token)
        return _address(text, kind, token)
    if kind == ETHER:
        value = _hex_bytes(text, token) if not quoted else None
        if value is None or len(value) != 6:
            raise error(f'"{text}" is not a valid Ethernet address', token)
        return value
    if kind in (BYTES, PROTOCOL, NONE):
        if quoted:
            return text.encode("utf-8", "surrogateescape")
        if re.fullmatch(r"0[xX][0-9A-Fa-f]{1,2}", text):
            return bytes([int(text, 16)])
        value = _hex_bytes(text, token)
        if value is None:
            raise error(f'"{text}" is not a valid byte string', token)
        return value
    if kind == STRING:
        return text
    raise error(f'"{text}" cannot be compared with {field or TYPE_NAMES[kind]}', token)


def _integer(text: str, token: Token, signed: bool = False) -> int:
    try:
        if re.fullmatch(r"0[0-7]+", text):
            value = int(text, 8)
        else:
            value = int(text, 0)
    except ValueError:
        raise error(f'"{text}" is not a valid number', token) from None
    if value < 0 and not signed:
        raise error(f'"{text}" is negative: these fields are unsigned', token)
    return value


def _hex_bytes(text: str, token: Token) -> bytes | None:
    if HEX_BYTES.fullmatch(text):
        return bytes(int(part, 16) for part in re.split(r"[:.\-]", text))
    if re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", text):
        return bytes.fromhex(text)
    return None


def _address(text: str, kind: str, token: Token):
    address, slash, bits = text.partition("/")
    width = 32 if kind == IPV4 else 128
    family = socket.AF_INET if kind == IPV4 else socket.AF_INET6
    try:
        if kind == IPV4 and not re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", address):
            raise OSError
        value = int.from_bytes(socket.inet_pton(family, address), "big")
    except OSError:
        what = "IPv4" if kind == IPV4 else "IPv6"
        raise error(f'"{text}" is not a valid {what} address', token) from None
    if not slash:
        return value
    if not bits.isdigit() or int(bits) > width:
        raise error(f"Netmask bits in a CIDR {'IPv4' if kind == IPV4 else 'IPv6'} address "
                         f"should be <= {width}, not {bits}", token)
    mask = ((1 << width) - 1) ^ ((1 << (width - int(bits))) - 1)
    return Network(value & mask, mask)
