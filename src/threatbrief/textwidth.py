# SPDX-License-Identifier: Apache-2.0
"""Text laid out for a terminal or a plain-text brief: wrapped by display width, where an East
Asian wide or full-width character takes two columns, and lines may break between two CJK
characters as Japanese does, with block or hanging indents. No imports of ours; no I/O.

`textwrap` counts code points, so a line of Japanese came out at nearly twice its width.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

__all__ = ["display_width", "table", "truncate", "wrap"]

# A run of spaces, a single wide character (a break is allowed on either side of it), or a run
# of anything else (a word, which breaks only where it must).
_WIDE = (
    "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
    "\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd"
)
_TOKEN = re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")
# Japanese punctuation that must not begin a line (kinsoku): it stays with what precedes it.
_NO_START = set(
    "、。，．・：；？！ー)）]］｝〕〉》」』】〙〗〟’”"  # closing marks
    "ゝゞ々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"  # small kana and iteration marks
)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns `text` takes in a monospaced terminal."""
    if text.isascii():
        return len(text)
    return sum(_char_width(c) for c in text)


def _split_long(word: str, room: int) -> tuple[str, str]:
    """The longest head of `word` that fits in `room` columns (at least one character)."""
    used = 0
    for n, char in enumerate(word):
        used += _char_width(char)
        if used > room:
            return word[: max(n, 1)], word[max(n, 1) :]
    return word, ""


def wrap(text: str, width: int, indent: str = "", hanging: str | None = None) -> str:
    """`text` in lines of at most `width` columns. Every line starts with `indent`, or, with
    `hanging`, the first line with `indent` and the rest with `hanging` (a list item's text
    under its text, not under its bullet). Spaces collapse; a word longer than a line is cut.
    """
    rest_indent = indent if hanging is None else hanging
    tokens = _TOKEN.findall(" ".join(text.split()))
    lines: list[str] = []
    line, used, lead = indent, display_width(indent), indent
    pending_space = False
    for token in tokens:
        if token.isspace():
            pending_space = line != lead
            continue
        size = display_width(token)
        space = 1 if pending_space and line != lead else 0  # the source's own spacing, collapsed
        fits = used + space + size <= width
        if not fits and token[0] in _NO_START and line != lead:
            fits = True  # 、。 and closing brackets stay on their line, one column over at most
        if fits:
            line += " " * space + token
            used += space + size
        else:
            if line != lead:
                lines.append(line)
            lead = rest_indent
            line, used = rest_indent, display_width(rest_indent)
            while used + display_width(token) > width and display_width(token) > 1:
                head, token = _split_long(token, max(width - used, 1))
                lines.append(line + head)
                line, used = rest_indent, display_width(rest_indent)
            line += token
            used += display_width(token)
        pending_space = False
    if line != lead or not lines:
        lines.append(line)
    return "\n".join(lines)


def truncate(text: str, width: int) -> str:
    """`text` cut to at most `width` columns, a cut marked with a final "." ("North Ko.")."""
    if display_width(text) <= width:
        return text
    head, _ = _split_long(text, max(width - 1, 1))
    if display_width(head) > max(width - 1, 1):  # one wide character in a column of one
        return text[:0] + "." * min(width, 1)
    return head.rstrip() + "."


def _pad(text: str, width: int, right: bool) -> str:
    room = " " * max(width - display_width(text), 0)
    return room + text if right else text + room


def _header_lines(text: str, width: int) -> list[str]:
    """A heading in at most two lines of `width` columns, cut if it needs more."""
    lines = wrap(text, width).split("\n") if text else [""]
    if len(lines) > 2:
        lines = [lines[0], truncate(" ".join(lines[1:]), width)]
    return [truncate(line, width) for line in lines]


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    width: int = 80,
    indent: str = "",
    gap: int = 2,
    footer: Sequence[Sequence[object]] = (),
) -> str:
    """An aligned text table of at most `width` display columns: the first column (labels)
    left-aligned, the others (figures) right-aligned, a rule under the heading and another
    above the `footer` rows (totals). Headings wrap onto a second line and labels are cut to
    fit; when the figures alone do not fit, the columns are split into several tables, each
    repeating the labels."""
    body = [[str(c) for c in row] for row in rows]
    tail = [[str(c) for c in row] for row in footer]
    cells = body + tail
    count = len(header)
    natural = [
        max([display_width(header[c]), *(display_width(r[c]) for r in cells)]) for c in range(count)
    ]
    # a figure is never cut, and a heading keeps its longest word (up to 8 columns)
    least = [min(natural[0], 16)] + [
        max(
            [3, *(display_width(r[c]) for r in cells)]
            + [min(display_width(w), 8) for w in header[c].split()]
        )
        for c in range(1, count)
    ]
    room = width - display_width(indent)

    def used(widths: Sequence[int]) -> int:
        return sum(widths) + gap * (len(widths) - 1)

    if count > 2 and used(least) > room:
        # split the figures into tables that fit, each under the same labels
        blocks: list[list[int]] = [[]]
        for c in range(1, count):
            if blocks[-1] and used([least[0], *(least[x] for x in blocks[-1]), least[c]]) > room:
                blocks.append([])
            blocks[-1].append(c)
        return "\n\n".join(
            table(
                [header[0], *(header[c] for c in block)],
                [[row[0], *(row[c] for c in block)] for row in body],
                width,
                indent,
                gap,
                [[row[0], *(row[c] for c in block)] for row in tail],
            )
            for block in blocks
        )
    widths = list(natural)
    while used(widths) > room:
        # take a column from the widest heading or label that can still give one
        c = max((c for c in range(count) if widths[c] > least[c]), key=lambda c: widths[c])
        widths[c] -= 1
    heads = [_header_lines(h, w) for h, w in zip(header, widths, strict=True)]
    depth = max(len(h) for h in heads)
    lines = []
    for n in range(depth):
        parts = []
        for c, head in enumerate(heads):
            line = head[n - (depth - len(head))] if n >= depth - len(head) else ""
            parts.append(_pad(line, widths[c], c > 0))
        lines.append(parts)
    rule = ["-" * w for w in widths]
    lines.append(rule)
    for n, row in enumerate(cells):
        if n == len(body) and tail:
            lines.append(rule)
        lines.append(
            [_pad(truncate(cell, widths[c]), widths[c], c > 0) for c, cell in enumerate(row)]
        )
    return "\n".join(indent + (" " * gap).join(parts).rstrip() for parts in lines)
