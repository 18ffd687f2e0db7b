# SPDX-License-Identifier: Apache-2.0
"""The overview's chart, drawn on the server as inline SVG: events per actor set per week,
stacked. Only presentation attributes are used, so the page's strict style policy holds and
nothing is fetched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..vocab import set_name

__all__ = ["Bar", "WeekChart", "week_chart"]

# the actor sets a brief treats in turn first, then the rest
ORDER = ("china", "north-korea", "russia", "iran")
COLOURS = {"china": "#a4262c", "north-korea": "#5c2d91", "russia": "#1f4e79", "iran": "#2e7d32"}
OTHER = "#7a8692"
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 220, 36, 28, 10


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True, slots=True)
class WeekChart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # x, week label
    scale: list[tuple[float, int]]  # y, count
    legend: list[tuple[str, str]]  # colour, name
    empty: bool


def week_chart(weeks: list[tuple[datetime, dict[str, int]]]) -> WeekChart:
    """Stacked bars, one per week, from (Monday, events per set)."""
    sets = sorted(
        {s for _, counts in weeks for s in counts},
        key=lambda s: (ORDER.index(s) if s in ORDER else len(ORDER), s),
    )
    top = max((sum(c.values()) for _, c in weeks), default=0)
    span = max(top, 1)
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(weeks), 1)
    bars: list[Bar] = []
    ticks: list[tuple[float, str]] = []
    for n, (monday, counts) in enumerate(weeks):
        x = LEFT + n * slot + slot * 0.15
        base = float(HEIGHT - BOTTOM)
        for s in sets:
            count = counts.get(s, 0)
            if not count:
                continue
            h = count / span * plot_h
            base -= h
            events = f"{count} event{'s' if count != 1 else ''}"
            label = f"{set_name(s)}: {events}, week of {monday:%-d %b}"
            bar = Bar(round(x, 1), round(base, 1), round(slot * 0.7, 1), round(h, 1),
                      COLOURS.get(s, OTHER), label)  # fmt: skip
            bars.append(bar)
        ticks.append((round(x + slot * 0.35, 1), f"{monday:%-d %b}"))
    step = max(1, -(-span // 4))
    scale = [(round(HEIGHT - BOTTOM - v / span * plot_h, 1), v) for v in range(0, span + 1, step)]
    legend = [(COLOURS.get(s, OTHER), set_name(s)) for s in sets]
    return WeekChart(WIDTH, HEIGHT, bars, ticks, scale, legend, top == 0)
