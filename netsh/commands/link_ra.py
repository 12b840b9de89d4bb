"""``link set DEV ra on|off [...]``: the words after ``ra``, as radvd.conf names the options
and iproute2 spells them (``on|off``, a prefix's own options after it)."""
from __future__ import annotations

from netsh.grammar import ParseError

PREFIX_WORDS = ("onlink", "autonomous", "valid", "preferred")
WORDS = ("prefix", "interval", "lifetime", "mtu", "managed", "other", "hoplimit")
RANGES = {"valid": (0, 2**32 - 1), "preferred": (0, 2**32 - 1), "lifetime": (0, 9000),
          "mtu": (1280, 65535), "hoplimit": (0, 255), "interval": (3, 1800)}


class RaParser:
    metavar = "on|off [prefix P/L [onlink on|off] [autonomous on|off] [valid S] [preferred S]]... " \
              "[interval MIN MAX] [lifetime S] [mtu N] [managed on|off] [other on|off] [hoplimit N]"

    def parse(self, tokens: list[str]) -> dict:
        if not tokens or tokens[0] not in ("on", "off"):
            raise ParseError('"ra" needs on or off', 0)
        out: dict = {"on": tokens[0] == "on", "prefixes": []}
        if not out["on"] and len(tokens) > 1:
            raise ParseError(f'unexpected "{tokens[1]}" after ra off', 1)
        i = 1

        def value(n: int) -> str:
            if n >= len(tokens):
                raise ParseError(f'"{tokens[n - 1]}" needs a value', n - 1)
            return tokens[n]

        def number(word: str, n: int) -> float:
            text = value(n)
            lo, hi = RANGES[word]
            try:
                got = float(text) if word == "interval" else int(text)
            except ValueError:
                got = None
            if got is None or not lo <= got <= hi:
                raise ParseError(f'invalid {word} "{text}": {lo}..{hi}', n)
            return got

        def on_off(n: int) -> bool:
            text = value(n)
            if text not in ("on", "off"):
                raise ParseError(f'invalid "{text}": on or off', n)
            return text == "on"

        while i < len(tokens):
            word = tokens[i]
            if word == "prefix":
                out["prefixes"].append({"prefix": value(i + 1)})
                i += 2
            elif word in PREFIX_WORDS:
                if not out["prefixes"]:
                    raise ParseError(f'"{word}" belongs after a prefix', i)
                out["prefixes"][-1][word] = on_off(i + 1) if word in ("onlink", "autonomous") \
                    else number(word, i + 1)
                i += 2
            elif word == "interval":
                out["interval"] = [number(word, i + 1), number(word, i + 2)]
                i += 3
            elif word in ("managed", "other"):
                out[word] = on_off(i + 1)
                i += 2
            elif word in ("lifetime", "mtu", "hoplimit"):
                out[word] = number(word, i + 1)
                i += 2
            else:
                raise ParseError(f'unexpected "{word}" after ra: one of {", ".join(WORDS + PREFIX_WORDS)}', i)
        return out

    def complete(self, before: list[str], partial: str, live) -> list:
        if not before:
            return [w for w in ("on", "off") if w.startswith(partial)]
        if before[-1] in ("onlink", "autonomous", "managed", "other"):
            return [w for w in ("on", "off") if w.startswith(partial)]
        if before[-1] in WORDS + PREFIX_WORDS and before[-1] not in ("onlink", "autonomous"):
            return []
        words = WORDS + (PREFIX_WORDS if "prefix" in before else ())
        return [w for w in words if w.startswith(partial)]
