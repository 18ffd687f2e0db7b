# SPDX-License-Identifier: Apache-2.0
"""Evidence shown in the text it was found in: a field cut into plain and marked pieces, so
the template can wrap the marked ones in `<mark>` while Jinja2 escapes every piece."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..models import StoredTag

__all__ = ["Piece", "marked"]


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    label: str = ""  # the tag's "kind=value" for a marked piece, "" for plain text


def marked(text: str, field: str, tags: Iterable[StoredTag]) -> list[Piece]:
    """`text` (the item's `field`) cut at each lexicon tag's evidence span. A span that no
    longer matches the text (stored before an edit of the item) or overlaps an earlier one
    is left unmarked rather than guessed at."""
    spans = sorted(
        {
            (t.start, t.end, f"{t.kind}={t.value}")
            for t in tags
            if t.field == field
            and t.start is not None
            and t.end is not None
            and 0 <= t.start < t.end <= len(text)
            and text[t.start : t.end] == t.evidence_text
        }
    )
    pieces: list[Piece] = []
    pos = 0
    for start, end, label in spans:
        if start < pos:
            continue
        if start > pos:
            pieces.append(Piece(text[pos:start]))
        pieces.append(Piece(text[start:end], label))
        pos = end
    if pos < len(text):
        pieces.append(Piece(text[pos:]))
    return pieces
