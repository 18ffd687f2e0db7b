# SPDX-License-Identifier: Apache-2.0
"""One field of an item as the tagger's rules see it: normalised and folded text, the
automaton's hits, the sentence-level cue marks, and the map back to the original text."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .lexicon import CJK, Term
from .normalise import Normalised

__all__ = ["CJK", "Field", "Hit", "any_between", "matches", "word_end"]

# A sentence ends at . ! ? followed by a space, but not after an initial ("U.S.", "e.g.").
# The pattern opens with the class of every ending character, so the regex engine skips to
# the next candidate with a fast scan instead of trying the lookbehinds at every position
# (six times faster on 1 KB of prose); the lookbehinds then look back past the character.
_SENTENCE_END = re.compile(
    r"[.!?。！？\n;](?:(?<=[.!?])(?<![\s.][a-z][.!?])(?<!^[a-z][.!?])(?=\s|$)\s*"
    r"|(?<=[。！？\n])\s*|(?<=;)\s)"
)
# the characters _LATIN_CHAR matched, as a set: one lookup per match edge instead of a regex
_LATIN = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    + "".join(map(chr, range(0xC0, 0x250)))
)


@dataclass(slots=True)
class Hit:
    term: Term
    start: int
    end: int


@dataclass(slots=True)
class Field:
    """One field as the rules see it: `text` is the normalised text (`low` its folded form),
    and every offset the rules use is into it; `span()` maps one back to `original`."""

    name: str
    original: str
    normal: Normalised
    low: str
    hits: list[Hit] = field(default_factory=list)
    marks: dict[str, list[int]] = field(default_factory=dict)
    mark_ends: dict[str, list[int]] = field(default_factory=dict)
    # answers the rules give once per sentence (the attribution type), keyed by their question
    memo: dict[tuple[str, int], str] = field(default_factory=dict)
    _sentences: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    # start and end of every sentence, in order; found on the first question about one
    _starts: list[int] = field(default_factory=list)
    _ends: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.normal.text

    def quote(self, start: int, end: int) -> tuple[str, int, int]:
        """The original text behind `text[start:end]`, with its offsets in the original."""
        s, e = self.normal.span(start, end)
        return self.original[s:e], s, e

    def _bounds(self) -> None:
        starts, ends = self._starts, self._ends
        starts.append(0)
        for m in _SENTENCE_END.finditer(self.low):
            ends.append(m.start())
            starts.append(m.end())
        ends.append(len(self.low))

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """The sentence (or sentences) around text[start:end]; the rules ask about the same
        hit several times (targeting, hedge, attributor), so answers are remembered."""
        key = (start, end)
        found = self._sentences.get(key)
        if found is None:
            if not self._ends:
                self._bounds()
            starts, ends = self._starts, self._ends
            i = max(bisect.bisect_right(starts, start) - 1, 0)
            j = min(max(bisect.bisect_left(ends, end), i), len(ends) - 1)
            found = self._sentences[key] = (starts[i], ends[j])
        return found


def matches(low: str, automaton: Any, edges: list[tuple[bool, bool]]) -> list[tuple[int, int, int]]:
    """Automaton matches whose Latin ends are not glued to other Latin letters or digits
    (Python's \\b would count kana as word characters, so "Lazarusが" must pass here)."""
    size, latin = len(low), _LATIN
    return [
        (index, start, end)
        for index, start, end in automaton.find_matches_as_indexes(low, overlapping=False)
        if not (edges[index][0] and start > 0 and low[start - 1] in latin)
        and not (edges[index][1] and end < size and low[end] in latin)
    ]


def any_between(positions: Sequence[int], low: int, high: int) -> bool:
    i = bisect.bisect_left(positions, low)
    return i < len(positions) and positions[i] < high


def word_end(f: Field, hit: Hit) -> int:
    """Where the word of a hit ends: past the inflection of a stem ("Venemaa*" in
    "Venemaaga"), at the hit's own end for any other term."""
    end = hit.end
    if hit.term.original.endswith("*"):
        text = f.text
        while end < len(text) and text[end].isalpha():
            end += 1
    return end
