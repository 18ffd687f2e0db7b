# SPDX-License-Identifier: Apache-2.0
"""Stories as a use case for a reader: find the stories of a period that match a search and
filters, and open one story, always at the reader's TLP clearance.

The clearance bounds the store query itself (`models.ceiling`), so nothing above it is read:
not in a list, a count or a search hit. Stories are grouped exactly as in briefs and digests
(`brief.stories`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from ..brief.stories import Story, cluster, make_story
from ..config import Config
from ..errors import UsageError
from ..models import TLP, BriefItem, Period, ceiling
from ..store import items as item_table
from .briefs import period_items

__all__ = ["StoryFilter", "StoryPage", "find_stories", "get_story"]

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


def _visible(clearance: TLP) -> TLP:
    return ceiling(clearance, "local") or TLP.CLEAR


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
    items = period_items(config, db, Period(wanted.since, wanted.until), _visible(clearance))
    hits = item_table.search_ids(db, wanted.q) if wanted.q.strip() else None
    kept = [i for i in items if _matches(i, wanted) and (hits is None or i.id in hits)]
    partners = (wanted.partner,) if wanted.partner else ()
    stories = sorted(
        (make_story(group, partners) for group in cluster(kept)), key=lambda s: (-s.score, s.title)
    )
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
    try:
        row = item_table.get_item(db, story_id)
    except UsageError:  # an unknown id is simply no story
        return None
    when = datetime.fromisoformat(row["published_at"] or row["fetched_at"])
    period = Period(when - STORY_REACH, when + STORY_REACH)
    items = period_items(config, db, period, level)
    for group in cluster(items):
        if any(i.id == story_id for i in group):
            return make_story(group, ())
    return None
