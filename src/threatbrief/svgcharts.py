# SPDX-License-Identifier: Apache-2.0
"""Charts as inline SVG strings for the HTML and PDF briefs: a grid of counts (a heat map)
and small multiples of weekly bars. Labels and counts in, markup out; no imports of ours, no
I/O, no script and no style sheet: presentation attributes only, which both Chromium and
WeasyPrint's own SVG renderer draw, and which a strict style policy allows.

Every label is escaped here, whoever calls: feed text may reach a chart.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence

__all__ = ["grid_svg", "weekly_svg"]

INK, MUTED, RULE, ACCENT = "#1d2430", "#5b6473", "#d9dde3", "#1f4e79"
EMPTY_CELL, FONT = "#f5f7f9", "sans-serif"
# shades from the palest blue to the brief's accent, for 1 event up to the chart's peak
LOW, HIGH = (0xDC, 0xE6, 0xF0), (0x1F, 0x4E, 0x79)
LABELLED_WEEKS = 16  # up to this many bars per panel carry their count; beyond, a scale line


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _text_width(text: str, size: float) -> float:
    """A rough width in pixels: a wide (CJK) character is a full em, others about half."""
    wide = sum(1 for c in text if unicodedata.east_asian_width(c) in ("W", "F"))
    return (wide + (len(text) - wide) * 0.56) * size


def _fit(text: str, width: float, size: float) -> str:
    """`text` cut with an ellipsis to fit `width` pixels."""
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _lines(text: str, width: float, size: float) -> list[str]:
    """A heading in at most two lines of `width` pixels, by words, the rest cut."""
    words, lines = text.split(), [""]
    for word in words:
        joined = f"{lines[-1]} {word}".strip()
        if _text_width(joined, size) <= width or not lines[-1]:
            lines[-1] = joined
        elif len(lines) < 2:
            lines.append(word)
        else:
            lines[-1] = joined
    return [_fit(line, width, size) for line in lines]


def _shade(count: int, peak: int) -> tuple[str, str]:
    """The fill of a cell and the colour of its figure."""
    if count <= 0 or peak <= 0:
        return EMPTY_CELL, MUTED
    t = count / peak
    rgb = (round(lo + (hi - lo) * t) for lo, hi in zip(LOW, HIGH, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb), ("#ffffff" if t > 0.5 else INK)


def _open(width: float, height: float, title: str, summary: str, css_class: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" role="img" '
        f'width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}" '
        f'aria-label="{_e(summary)}" font-family="{FONT}" font-size="12" fill="{INK}">'
        f"<title>{_e(title)}</title>"
    )


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def grid_svg(
    rows: Sequence[str],
    columns: Sequence[str],
    counts: Sequence[Sequence[int]],
    title: str,
    noun: str = "event",
) -> str:
    """A heat map: one cell per row and column, shaded by its count (the palest blue for one,
    the accent for the chart's peak; zero is left pale grey and shows a dot), the count in the
    cell, row labels on the left and column labels above."""
    size, cell_w, cell_h, gap = 12, 78.0, 26.0, 2.0
    label_w = min(max([_text_width(r, size) for r in rows] + [40.0]) + 12, 230.0)
    heads = [_lines(c, cell_w - 6, size) for c in columns]
    head_h = 16.0 * max([len(h) for h in heads] + [1]) + 6
    width = label_w + len(columns) * (cell_w + gap)
    height = head_h + len(rows) * (cell_h + gap)
    peak = max((n for row in counts for n in row), default=0)
    cells = [(counts[r][c], r, c) for r in range(len(rows)) for c in range(len(columns))]
    # the largest count, the first in reading order among equals
    top, r_top, c_top = max(cells, key=lambda t: (t[0], -t[1], -t[2]), default=(0, 0, 0))
    summary = f"{title}: {len(rows)} × {len(columns)} cells"
    if top:
        summary += f"; the most, {_plural(top, noun)}, for {columns[c_top]} in {rows[r_top]}"
    parts = [_open(width, height, title, summary + ".", "grid")]
    for c, head in enumerate(heads):
        x = label_w + c * (cell_w + gap) + cell_w / 2
        for n, line in enumerate(head):
            y = head_h - 8 - 16 * (len(head) - 1 - n)
            parts.append(f'<text x="{x:g}" y="{y:g}" text-anchor="middle">{_e(line)}</text>')
    for r, label in enumerate(rows):
        y = head_h + r * (cell_h + gap)
        parts.append(
            f'<text x="{label_w - 8:g}" y="{y + cell_h / 2 + 4:g}" text-anchor="end">'
            f"{_e(_fit(label, label_w - 12, size))}</text>"
        )
        for c, column in enumerate(columns):
            n = counts[r][c]
            fill, ink = _shade(n, peak)
            x = label_w + c * (cell_w + gap)
            parts.append(
                f'<rect x="{x:g}" y="{y:g}" width="{cell_w:g}" height="{cell_h:g}" '
                f'fill="{fill}"><title>{_e(f"{column}, {label}: {_plural(n, noun)}")}</title>'
                f"</rect>"
                f'<text x="{x + cell_w / 2:g}" y="{y + cell_h / 2 + 4:g}" text-anchor="middle" '
                f'fill="{ink}">{n if n else "·"}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def weekly_svg(
    weeks: Sequence[str],
    partial: Sequence[bool],
    series: Sequence[tuple[str, Sequence[int]]],
    title: str,
    partial_note: str = "",
    noun: str = "event",
) -> str:
    """Small multiples: one bar chart per series (an actor set), every panel on the same
    scale, one bar per week labelled with its count (or, with more than `LABELLED_WEEKS`
    weeks, a dashed line at the shared peak); a partial week is drawn pale with a
    dashed outline. `weeks` are the bins' labels ("1 Oct"), `partial` flags them, and
    `partial_note` says so in the accessible summary (the caption says it to the eye)."""
    size, panel_w, panel_h, per_row, gap = 12, 168.0, 112.0, 4, 14.0
    plot_top, plot_h = 34.0, 52.0
    peak = max((n for _, counts in series for n in counts), default=0) or 1
    rows = -(-len(series) // per_row) if series else 0
    across = min(len(series), per_row)
    width = across * panel_w + (across - 1) * gap
    height = rows * (panel_h + gap) - gap if rows else 0.0
    said = "; ".join(f"{name}: {', '.join(str(n) for n in counts)}" for name, counts in series)
    summary = f"{title}, weeks from {weeks[0]} to {weeks[-1]}: {said}" if weeks else title
    if partial_note:
        summary += f". {partial_note.rstrip('.')}"
    parts = [_open(width, height, title, summary + ".", "weekly")]
    slot = (panel_w - 8) / max(len(weeks), 1)
    for k, (name, counts) in enumerate(series):
        left = (k % per_row) * (panel_w + gap)
        top = (k // per_row) * (panel_h + gap)
        base = top + plot_top + plot_h
        heading = _fit(f"{name} ({sum(counts)})", panel_w - 4, size)
        parts.append(
            f'<text x="{left + 2:g}" y="{top + 13:g}" font-weight="bold">{_e(heading)}</text>'
            f'<line x1="{left:g}" y1="{base:g}" x2="{left + panel_w:g}" y2="{base:g}" '
            f'stroke="{MUTED}" stroke-width="1"/>'
        )
        if len(weeks) > LABELLED_WEEKS:  # too many bars to label: the shared scale instead
            y = base - plot_h
            parts.append(
                f'<line x1="{left:g}" y1="{y:g}" x2="{left + panel_w:g}" y2="{y:g}" '
                f'stroke="{RULE}" stroke-width="1" stroke-dasharray="2 2"/>'
                f'<text x="{left + panel_w:g}" y="{y - 3:g}" font-size="10" fill="{MUTED}" '
                f'text-anchor="end">{peak}</text>'
            )
        for n, count in enumerate(counts):
            h = count / peak * plot_h
            x = left + 4 + n * slot + slot * 0.15
            w = slot * 0.7
            pale = partial[n] if n < len(partial) else False
            style = (
                f'fill="#c9d6e3" stroke="{ACCENT}" stroke-width="1" stroke-dasharray="3 2"'
                if pale
                else f'fill="{ACCENT}"'
            )
            what = f"{name}, week of {weeks[n]}{' (partial)' if pale else ''}: "
            if count:
                parts.append(
                    f'<rect x="{x:g}" y="{base - h:g}" width="{w:g}" height="{h:g}" {style}>'
                    f"<title>{_e(what + _plural(count, noun))}</title></rect>"
                )
            if count and len(weeks) <= LABELLED_WEEKS:
                parts.append(
                    f'<text x="{x + w / 2:g}" y="{base - h - 3:g}" text-anchor="middle" '
                    f'font-size="10">{count}</text>'
                )
        if weeks:
            parts.append(
                f'<text x="{left + 4:g}" y="{base + 14:g}" font-size="10" fill="{MUTED}">'
                f"{_e(weeks[0])}</text>"
                f'<text x="{left + panel_w - 4:g}" y="{base + 14:g}" font-size="10" '
                f'fill="{MUTED}" text-anchor="end">{_e(weeks[-1])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
