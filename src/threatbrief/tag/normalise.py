# SPDX-License-Identifier: Apache-2.0
r"""The text the tagger matches: NFKC, with invisible characters removed, and a map back to
the original, so evidence still quotes and points into what the source wrote.

Text in, `Normalised` out; pure. Without it, a zero-width joiner in "Laza\u200drus", a soft
hyphen, an Arabic letter mark, a line separator inside "APT\u202828" or mathematical bold
"𝐀𝐏𝐓𝟐𝟖" hides a group from the automaton while a reader still sees it. Pure ASCII text and
text that is already NFKC without invisible characters (most of it) is passed through as it
is, and text whose every change is one character for one (full-width forms, mathematical
letters) is translated with no map.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from ..textsafe import INVISIBLE

__all__ = ["Normalised", "normalise"]

_INVISIBLE = re.compile(f"[{INVISIBLE}]")
_TRIGGER = re.compile(f"[{INVISIBLE}\u2028\u2029]")
# The invisible characters that str.isprintable() accepts (combining grapheme joiner, Hangul
# fillers, variation selectors); it refuses every other one, and far faster than a search.
_PRINTABLE_INVISIBLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u3164\ufe00-\ufe0f\uffa0"
    "\U000e0100-\U000e01ef]"
)
_SEPARATORS = "\u2028\u2029"
# Half-width katakana voiced marks compose with the kana before them under NFKC (ｶﾞ → ガ),
# although they are not combining characters.
_VOICED = "\uff9e\uff9f"


@dataclass(frozen=True, slots=True)
class Normalised:
    """`text` to match; `starts[i]`/`ends[i]` are where its character i came from in the
    original (None: character i of `text` is character i of the original)."""

    text: str
    starts: list[int] | None = None
    ends: list[int] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of `text[start:end]` (a non-empty span)."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def normalise(text: str) -> Normalised:
    """`text` in NFKC without format or other invisible characters. A line or paragraph
    separator between a letter and a lowercase or uncased letter (kana, kanji) is dropped,
    since it splits a word; between other letters or digits it is a space, elsewhere a line
    break."""
    if _as_it_is(text):
        return Normalised(text)
    hot = "".join(sorted(c for c in set(text) if _needs_work(c)))
    swaps = {c: _swap(c) for c in hot}
    if all(swaps.values()):
        # one character for one (full-width forms, mathematical letters): offsets stay as
        # they are; a few distinct ones are fastest replaced one by one
        if len(swaps) > 16:
            return Normalised(text.translate({ord(c): r for c, r in swaps.items()}))
        for char, replacement in swaps.items():
            text = text.replace(char, replacement)
        return Normalised(text)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    done = 0  # text[:done] is in `out`
    # only the characters that change are visited one by one; the runs between are copied
    for match in _pattern(hot).finditer(text):
        i = match.start()
        if i < done:
            continue  # a mark already taken with its base character
        if i > done and _continues(text[i]):
            i -= 1  # a combining mark is normalised together with the character it follows
        if i > done:
            out.append(text[done:i])
            starts.extend(range(done, i))
            ends.extend(range(done + 1, i + 1))
        done = _one(text, i, out, starts, ends)
    if done < len(text):
        out.append(text[done:])
        starts.extend(range(done, len(text)))
        ends.extend(range(done + 1, len(text) + 1))
    return Normalised("".join(out), starts, ends)


def _as_it_is(text: str) -> bool:
    """Whether `text` is already NFKC with no invisible character and no line separator."""
    if text.isascii():
        return True
    if not unicodedata.is_normalized("NFKC", text):
        return False
    if text.isprintable():
        return not _PRINTABLE_INVISIBLE.search(text)
    return not _TRIGGER.search(text)


@functools.cache
def _needs_work(char: str) -> bool:
    return bool(
        _TRIGGER.match(char) or _continues(char) or unicodedata.normalize("NFKC", char) != char
    )


@functools.cache
def _swap(char: str) -> str:
    """The one character that replaces `char`, or "" if its normal form is not exactly one
    character that composes with nothing (a removal, an expansion, a combining mark)."""
    if _TRIGGER.match(char) or _continues(char):
        return ""
    normal = unicodedata.normalize("NFKC", char)
    return normal if len(normal) == 1 and not _continues(normal) else ""


@functools.lru_cache(maxsize=256)
def _pattern(chars: str) -> re.Pattern[str]:
    return re.compile(f"[{re.escape(chars)}]")


def _continues(char: str) -> bool:
    return bool(unicodedata.combining(char)) or char in _VOICED


def _one(text: str, i: int, out: list[str], starts: list[int], ends: list[int]) -> int:
    """Normalise the cluster (a character and its combining marks) at `i`; returns its end."""
    char = text[i]
    if _INVISIBLE.match(char):
        return i + 1
    if char in _SEPARATORS:
        before = out[-1][-1:] if out else ""
        after = text[i + 1 : i + 2]
        # "Laz<LS>arus", "北朝鮮<LS>の": inside a word; "APT<LS>28", "Lazarus<LS>Group": between
        # two words of one name; elsewhere the line break it is
        if before.isalpha() and after.isalpha() and not after.isupper():
            return i + 1
        out.append(" " if before.isalnum() and after.isalnum() else "\n")
        starts.append(i)
        ends.append(i + 1)
        return i + 1
    j = i + 1
    while j < len(text) and _continues(text[j]):
        j += 1
    normal = _nfkc(text[i:j])
    out.append(normal)
    starts.extend([i] * len(normal))
    ends.extend([j] * len(normal))
    return j


@functools.lru_cache(maxsize=4096)
def _nfkc(cluster: str) -> str:
    return unicodedata.normalize("NFKC", cluster)
