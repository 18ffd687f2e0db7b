# SPDX-License-Identifier: Apache-2.0
"""The figures behind the brief's charts: sectors × actor sets, events per actor set per week,
and partners × actor sets. Stories in, counts out; pure, no drawing (`svgcharts` and
`textwidth.table` draw them).

Every figure counts events (stories), never items: a joint advisory carried by three feeds is
one event in every cell it belongs to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..models import Period
from ..vocab import COUNTRY_NAMES, SECTOR_NAMES, set_name
from .stories import Story

__all__ = [
    "Figures",
    "Grid",
    "Series",
    "Week",
    "Weekly",
    "figures",
    "heatmap",
    "partner_matrix",
    "weekly",
]

WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Grid:
    """Event counts in rows × columns: `counts[r][c]` for `rows[r]` and `columns[c]`, each
    a display name with its key beside it."""

    rows: list[str]
    row_keys: list[str]
    columns: list[str]
    column_keys: list[str]
    counts: list[list[int]]

    @property
    def peak(self) -> int:
        return max((n for row in self.counts for n in row), default=0)


@dataclass(frozen=True, slots=True)
class Week:
    """One bin of the weekly trend, half-open; `partial` when the period ends before its
    seventh day."""

    start: datetime
    end: datetime
    partial: bool

    @property
    def days(self) -> int:
        return round((self.end - self.start) / timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Series:
    """One actor set's events per week, in the order of `Weekly.weeks`."""

    key: str
    name: str
    counts: list[int]


@dataclass(frozen=True, slots=True)
class Weekly:
    """Events per actor set in 7-day bins from the period's start; `undated` counts the
    events whose sources give no date, which no bin holds."""

    weeks: list[Week]
    series: list[Series]
    undated: int = 0
    # the same events by calendar month, for a period longer than a quarter: what the text
    # and Markdown tables show instead of one row per week (`(label, counts per series)`)
    months: list[tuple[str, list[int]]] = field(default_factory=list)

    @property
    def peak(self) -> int:
        return max((n for s in self.series for n in s.counts), default=0)


def heatmap(stories: Sequence[Story], sets: Sequence[str]) -> Grid:
    """Sectors (rows, most events first) × actor sets (columns, in the order given): how many
    events of each set the sources say targeted each sector."""
    cells = Counter(
        (sector, key)
        for s in stories
        for sector in s.sectors
        for key in s.actor_sets
        if key in sets
    )
    totals = Counter[str]()
    for (sector, _), n in cells.items():
        totals[sector] += n
    sectors = sorted(totals, key=lambda k: (-totals[k], k))
    return Grid(
        rows=[SECTOR_NAMES.get(k, k) for k in sectors],
        row_keys=sectors,
        columns=[set_name(k) for k in sets],
        column_keys=list(sets),
        counts=[[cells[(sector, key)] for key in sets] for sector in sectors],
    )


def weeks(period: Period) -> list[Week]:
    """The period cut into 7-day bins from its start, the last one shorter if need be."""
    out = []
    start = period.start
    while start < period.end:
        end = min(start + WEEK, period.end)
        out.append(Week(start, end, end - start < WEEK))
        start = end
    return out


def weekly(stories: Sequence[Story], sets: Sequence[str], period: Period) -> Weekly:
    """Each actor set's events per week of the period, by the date its first source
    published it."""
    bins = weeks(period)
    counts = {key: [0] * len(bins) for key in sets}
    undated = 0
    for story in stories:
        keys = [k for k in story.actor_sets if k in counts]
        if not keys:
            continue
        when = story.first_seen
        if when is None or not period.start <= when < period.end:
            undated += 1
            continue
        n = min(int((when - period.start) / WEEK), len(bins) - 1)
        for key in keys:
            counts[key][n] += 1
    series = [Series(k, set_name(k), counts[k]) for k in sets]
    return Weekly(bins, series, undated, _months(stories, sets, period) if len(bins) > 13 else [])


def _months(
    stories: Sequence[Story], sets: Sequence[str], period: Period
) -> list[tuple[str, list[int]]]:
    """Each actor set's events per calendar month of the period, "Nov 2024" first (per year
    when the period spans more than three years)."""
    order: dict[tuple[int, int], list[int]] = {}
    when = period.start
    while when < period.end:
        order[(when.year, when.month)] = [0] * len(sets)
        when = (when.replace(day=1) + timedelta(days=32)).replace(day=1)
    for story in stories:
        seen = story.first_seen
        if seen is None or not period.start <= seen < period.end:
            continue
        for n, key in enumerate(sets):
            if key in story.actor_sets:
                order[(seen.year, seen.month)][n] += 1
    if len(order) > 36:  # years of reporting: by year
        years: dict[int, list[int]] = {}
        for (y, _m), row in order.items():
            years[y] = [a + b for a, b in zip(years.get(y, [0] * len(sets)), row, strict=True)]
        return [(str(y), row) for y, row in years.items()]
    return [(datetime(y, m, 1).strftime("%b %Y"), row) for (y, m), row in order.items()]


def partner_matrix(
    stories: Sequence[Story], concerning: Mapping[str, Sequence[str]], sets: Sequence[str]
) -> Grid:
    """Partners (rows) × actor sets (columns): the events of each set that concern each
    partner. `concerning` maps a partner's ISO code to the ids of the stories its section of
    the brief tells (events against it, and reports in its language about it), so the matrix
    and the partner sections agree."""
    by_id = {s.id: s for s in stories}
    rows = []
    for ids in concerning.values():
        own = [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
        rows.append([sum(1 for s in own if key in s.actor_sets) for key in sets])
    return Grid(
        rows=[COUNTRY_NAMES.get(code, code) for code in concerning],
        row_keys=list(concerning),
        columns=[set_name(k) for k in sets],
        column_keys=list(sets),
        counts=rows,
    )


@dataclass(frozen=True, slots=True)
class Figures:
    heatmap: Grid
    weekly: Weekly
    partner_matrix: Grid


def figures(
    stories: Sequence[Story],
    sets: Sequence[str],
    period: Period,
    partner_rows: Sequence[Mapping[str, Any]],
) -> Figures:
    """The three charts of a brief from its current stories, its sections' actor sets in
    order, and its partner rows (`code`, `story_ids`; the row common to both is skipped)."""
    concerning = {r["code"]: r["story_ids"] for r in partner_rows if r["code"] != "common"}
    return Figures(
        heatmap(stories, sets),
        weekly(stories, sets, period),
        partner_matrix(stories, concerning, sets),
    )
