# SPDX-License-Identifier: Apache-2.0
"""Stories as a use case for a reader: find the stories of a period that match a search and
filters, and open one story, always at the reader's TLP clearance.

The clearance bounds the store query itself (`models.ceiling`), so nothing above it is read:
not in a list, a count or a search hit. Stories are grouped exactly as in briefs and digests
(`brief.stories`).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta

import sqlite_utils

from ..brief.stories import Event, Story, cluster, make_story
from ..config import Config
from ..errors import UsageError
from ..models import TLP, BriefItem, Period, StoryLink, ceiling
from ..store import items as item_table
from ..store import stories as story_table
from ..store.db import transaction
from ._windows import Window, cached_window, find_cached_story
from .briefs import actor_aliases, analyst_links, period_items, place_names

__all__ = [
    "Overview",
    "Story",
    "StoryFilter",
    "StoryPage",
    "TEXT_FILTERS",
    "find_stories",
    "get_story",
    "join_stories",
    "default_period",
    "latest_activity",
    "overview",
    "split_story",
    "story_decisions",
    "warm",
]

# A story page looks this far either side of the item it is opened from, to find the rest of
# its story.
STORY_REACH = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class StoryFilter:
    """What a reader asks for; empty fields do not filter."""

    since: datetime
    until: datetime
    q: str = ""
    actor_set: str = ""
    actor: str = ""
    sector: str = ""
    target: str = ""
    partner: str = ""
    feed: str = ""
    lang: str = ""
    quarantined: str = ""  # "yes": only stories held back for review; "no": none of them
    historical: str = ""  # "yes": only past activity republished; "no": none of it


# the filters a reader names by word (query parameters); `since` and `until` are dates
TEXT_FILTERS = tuple(f.name for f in fields(StoryFilter) if f.name not in ("since", "until"))


@dataclass(frozen=True, slots=True)
class StoryPage:
    """One page of matching stories, best first, and how many matched in all."""

    stories: list[Story]
    total: int
    page: int
    pages: int


def _matches(item: BriefItem, f: StoryFilter) -> bool:
    return (
        (not f.actor_set or f.actor_set in item.actor_sets)
        and (not f.actor or f.actor in item.actors)
        and (not f.sector or f.sector in item.sectors)
        and (not f.target or f.target in item.targets)
        and (not f.partner or f.partner in item.targets)
        and (not f.feed or f.feed == item.feed_id)
        and (not f.lang or f.lang == item.lang)
    )


def _flag(wanted: str, value: bool) -> bool:
    return wanted not in ("yes", "no") or (wanted == "yes") == value


def _visible(clearance: TLP) -> TLP:
    return ceiling(clearance, "local") or TLP.CLEAR


def _settings(config: Config) -> tuple[object, ...]:
    """What of the configuration decides which items a reader sees and how they read."""
    return tuple((f.id, f.tlp, f.kind, f.publisher, f.name) for f in config.feeds)


def _window(config: Config, db: sqlite_utils.Database, period: Period, level: TLP) -> Window:
    def build() -> Window:
        items = period_items(config, db, period, level)
        events = _events(db, items)
        return Window(items, events, [make_story(group, ()) for group in events])

    key = (period.start, period.end, int(level), _settings(config))
    return cached_window(db, key, build)


def find_stories(
    config: Config,
    db: sqlite_utils.Database,
    clearance: TLP,
    wanted: StoryFilter,
    *,
    page: int = 1,
    per_page: int = 25,
) -> StoryPage:
    """The stories of [since, until) that hold at least one matching item, best first."""
    window = _window(config, db, Period(wanted.since, wanted.until), _visible(clearance))
    hits = (
        item_table.search_ids(db, wanted.q, wanted.since, wanted.until)
        if wanted.q.strip()
        else None
    )
    partners = (wanted.partner,) if wanted.partner else ()

    # clustered whole, as briefs cluster them, then filtered: a filter on the language must
    # not cut an English and a Japanese report of one event into two stories
    def wanted_group(group: Event) -> bool:
        return any(_matches(i, wanted) and (hits is None or i.id in hits) for i in group)

    def shown(story: Story) -> bool:
        return _flag(wanted.quarantined, story.quarantined) and _flag(
            wanted.historical, story.historical
        )

    if partners:  # a partner's own events rank higher for them: rank again
        stories = sorted(
            (
                story
                for story in (make_story(g, partners) for g in window.events if wanted_group(g))
                if shown(story)
            ),
            key=lambda s: (-s.score, s.title),
        )
    else:  # the window's own ranking, kept with it
        stories = [
            window.stories[n]
            for n in window.ranked
            if wanted_group(window.events[n]) and shown(window.stories[n])
        ]
    pages = max(1, math.ceil(len(stories) / per_page))
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    return StoryPage(stories[start : start + per_page], len(stories), page, pages)


def get_story(
    config: Config, db: sqlite_utils.Database, clearance: TLP, story_id: str
) -> Story | None:
    """The story that holds item `story_id`, as the reader may see it; None if the item is
    unknown or above their clearance."""
    level = _visible(clearance)
    settings = (int(level), _settings(config))
    # the story as the reader just saw it in a list, if a kept window holds it
    kept = find_cached_story(db, story_id, lambda key: key[2:] == settings)
    if kept is not None:
        return kept
    try:
        row = item_table.get_item(db, story_id)
    except UsageError:  # an unknown id is simply no story
        return None
    when = datetime.fromisoformat(row["published_at"] or row["fetched_at"])
    period = Period(when - STORY_REACH, when + STORY_REACH)
    items = period_items(config, db, period, level)
    for group in _events(db, items):
        if any(i.id == story_id for i in group):
            return make_story(group, ())
    return None


@dataclass(frozen=True, slots=True)
class Overview:
    """A period at a glance: events per actor set per week, each partner's latest events,
    and the stories held back for review."""

    period: Period
    events: int
    weeks: list[tuple[datetime, dict[str, int]]]  # Monday of each week -> events per set
    partners: dict[str, list[Story]] = field(default_factory=dict)
    held: list[Story] = field(default_factory=list)


def latest_activity(
    config: Config, db: sqlite_utils.Database, clearance: TLP, now: datetime
) -> datetime:
    """Where a reader's default view should end (exclusive, at midnight UTC): after today, or,
    in a store whose newest item at their clearance is older than a week (a sample corpus, a
    store no longer fetched), after that item's day. Whole days keep a default view the same
    period all day, so the kept clustering of it serves every reader."""
    visible = [f.id for f in config.feeds if f.tlp <= _visible(clearance)]
    newest = item_table.newest_visible(db, _visible(clearance), visible, now)
    last = now if newest is None or now - newest < timedelta(days=7) else newest
    return last.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


DEFAULT_DAYS = 31  # what a reader sees first: the Stories list and the overview


def default_period(
    config: Config, db: sqlite_utils.Database, clearance: TLP, now: datetime
) -> Period:
    """The period the Stories list and the overview show when the reader names none: the
    last 31 whole days up to `latest_activity`."""
    end = latest_activity(config, db, clearance, now)
    return Period(end - timedelta(days=DEFAULT_DAYS), end)


def warm(config: Config, db: sqlite_utils.Database, clearances: set[TLP], now: datetime) -> int:
    """Cluster the default period at each of `clearances` ahead of the first reader (the
    workspace does this when it starts, for the clearances its users hold); the number of
    stories made ready."""
    ready = 0
    for clearance in sorted(clearances):
        level = _visible(clearance)
        ready += len(_window(config, db, default_period(config, db, level, now), level).stories)
    return ready


def _monday(when: datetime) -> datetime:
    day = when.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def overview(
    config: Config,
    db: sqlite_utils.Database,
    clearance: TLP,
    period: Period,
    partners: tuple[str, ...],
    *,
    latest: int = 5,
) -> Overview:
    """The period's events, each counted once (in the week it was first reported, once for
    every actor set it is attributed to), from one clustering of the period."""
    stories = _window(config, db, period, _visible(clearance)).stories
    first = _monday(period.start)
    weeks: dict[datetime, Counter[str]] = {}
    monday = first
    while monday < period.end:
        weeks[monday] = Counter()
        monday += timedelta(days=7)
    for story in stories:
        if story.first_seen is None or story.historical:
            continue
        week = weeks.get(_monday(story.first_seen))
        if week is not None:
            week.update(story.actor_sets)
    newest = sorted(stories, key=lambda s: s.first_seen or period.start, reverse=True)
    return Overview(
        period=period,
        events=len(stories),
        weeks=[(m, dict(c)) for m, c in weeks.items()],
        partners={
            p: [s for s in newest if p in s.targets and not s.quarantined][:latest]
            for p in partners
        },
        held=[s for s in newest if s.quarantined],
    )


def _events(db: sqlite_utils.Database, items: list[BriefItem]) -> list[Event]:
    return cluster(items, aliases=actor_aliases(), links=analyst_links(db), places=place_names())


def story_decisions(db: sqlite_utils.Database, item_id: str) -> list[StoryLink]:
    """Analysts' decisions that hold this item, the latest for each pair, oldest first."""
    return story_table.item_links(db, item_id)


def join_stories(
    db: sqlite_utils.Database,
    item_id: str,
    other_id: str,
    *,
    note: str = "",
    by: str = "",
    now: datetime,
) -> None:
    """Record that two items report one event: their stories become one everywhere (briefs,
    digests, exports, the workspace) and stay one through re-clustering.

    Raises:
        UsageError: an unknown item, or one item twice.
    """
    with transaction(db):
        story_table.add_link(db, item_id, other_id, "join", note, by, now)


def split_story(
    config: Config,
    db: sqlite_utils.Database,
    item_id: str,
    *,
    note: str = "",
    by: str = "",
    now: datetime,
    clearance: TLP = TLP.RED,
) -> list[str]:
    """Take one item out of its story: it is kept apart from every other item of the story
    it is in now (as far as `clearance` shows it), and no rule puts them together again.
    Returns the ids it was split from (none when it already stands alone).

    Raises:
        UsageError: an unknown item.
    """
    story = get_story(config, db, clearance, item_id)
    if story is None:
        raise UsageError(f"no item with id {item_id!r}")
    others = [i.id for i in story.items if i.id != item_id]
    with transaction(db):
        for other in others:
            story_table.add_link(db, item_id, other, "split", note, by, now)
    return others
