# SPDX-License-Identifier: Apache-2.0
"""Text laid out for a terminal or a plain-text brief: wrapped by display width, where an East
Asian wide or full-width character takes two columns, and lines may break between two CJK
characters as Japanese does, with block or hanging indents. No imports of ours; no I/O.

`textwrap` counts code points, so a line of Japanese came out at nearly twice its width.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["display_width", "wrap"]

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
