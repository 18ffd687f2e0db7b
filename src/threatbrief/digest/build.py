# SPDX-License-Identifier: Apache-2.0
"""Build one subscriber's digest: the period's stories that match their filters and clearance.

Items in (already cut to the subscriber's TLP clearance by the store query), `DigestContext`
out; pure. Stories are grouped exactly as in briefs (`brief.cluster`), each with its labels, a
one-sentence summary and its source links. An empty digest is marked empty and is not sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..brief.stories import Event, Story, cluster, first_sentence, make_story
from ..models import TLP, BriefItem, Period, Subscriber, may_receive
from ..vocab import SECTOR_NAMES, SET_NAMES

__all__ = ["DigestContext", "WindowStories", "build_digest"]

# A digest is read in minutes: the best-ranked stories, then a count of the rest.
MAX_STORIES = 30


@dataclass
class DigestStory:
    """A story as a digest lists it."""

    title: str
    summary: str
    labels: list[str]
    links: list[tuple[str, str]]
    story: Story


@dataclass
class DigestContext:
    """Everything the digest templates render."""

    subscriber: Subscriber
    period: Period
    generated_at: datetime
    stories: list[DigestStory] = field(default_factory=list)
    tlp: str = "clear"
    organisation: str = "threatbrief"
    unsubscribe_url: str = ""
    more: int = 0

    @property
    def empty(self) -> bool:
        return not self.stories

    @property
    def subject(self) -> str:
        count = len(self.stories) + self.more
        start, end = self.period.start, self.period.end
        return (
            f"Threat digest {start:%-d %b} – {end:%-d %b %Y}: {count} "
            f"{'story' if count == 1 else 'stories'} [TLP:{self.tlp.upper()}]"
        )


def _matches(item: BriefItem, sub: Subscriber) -> bool:
    if item.quarantined:  # held back for active content until an analyst releases it
        return False
    if not may_receive(item.tlp, sub.tlp, "email"):
        return False
    if sub.actor_sets and not any(a in sub.actor_sets for a in item.actor_sets):
        return False
    if sub.sectors and not any(x in sub.sectors for x in item.sectors):
        return False
    return not sub.partners or any(t in sub.partners for t in item.targets) or bool(item.actor_sets)


class WindowStories:
    """The clustered items of one digest window, shared by every subscriber who has it.

    Clustering runs once per window, and a story is ranked once per distinct (items kept,
    partners): thousands of subscribers with overlapping filters mostly keep whole stories.
    """

    def __init__(self, groups: Sequence[Event]) -> None:
        self.groups = list(groups)
        self._memo: dict[tuple[int, tuple[str, ...], tuple[str, ...]], Story] = {}
        # which groups hold an item of each actor set and sector: most subscribers filter on
        # one of them, so only those groups need checking item by item
        self._by_set: dict[str, set[int]] = defaultdict(set)
        self._by_sector: dict[str, set[int]] = defaultdict(set)
        for n, group in enumerate(self.groups):
            for item in group:
                for a in item.actor_sets:
                    self._by_set[a].add(n)
                for x in item.sectors:
                    self._by_sector[x].add(n)

    def _candidates(self, sub: Subscriber) -> Iterable[int]:
        if sub.actor_sets:
            return sorted(set().union(*(self._by_set.get(a, ()) for a in sub.actor_sets)))
        if sub.sectors:
            return sorted(set().union(*(self._by_sector.get(x, ()) for x in sub.sectors)))
        return range(len(self.groups))

    def stories(self, sub: Subscriber) -> list[Story]:
        """The subscriber's stories, best first: only their items, ranked for their partners."""
        found = []
        for n in self._candidates(sub):
            group = self.groups[n]
            kept = [i for i in group if _matches(i, sub)]
            if not kept:
                continue
            whole = len(kept) == len(group)
            key = (n, () if whole else tuple(i.id for i in kept), sub.partners)
            story = self._memo.get(key)
            if story is None:
                event = group if whole else Event(kept)
                event.merged_on = group.merged_on
                story = self._memo[key] = make_story(event, sub.partners)
            found.append(story)
        return sorted(found, key=lambda s: (-s.score, s.title))


def build_digest(
    items: Sequence[BriefItem],
    subscriber: Subscriber,
    period: Period,
    now: datetime,
    organisation: str = "threatbrief",
    unsubscribe_url: str = "",
    window: WindowStories | None = None,
) -> DigestContext:
    """The digest of `items` for one subscriber; TLP above their clearance is dropped here too,
    as a second line behind the query. Callers with many subscribers pass the clustered
    `window` instead of `items`."""
    if window is None:
        window = WindowStories(cluster(list(items)))
    stories = window.stories(subscriber)
    chosen = [i for s in stories for i in s.items]
    listed = []
    for s in stories[:MAX_STORIES]:
        labels = (
            [SET_NAMES.get(a, a) for a in s.actor_sets]
            + s.actors[:3]
            + [SECTOR_NAMES.get(x, x) for x in s.sectors[:3]]
        )
        links = [(i.publisher, i.url) for i in s.items if i.url]
        listed.append(DigestStory(s.title, first_sentence(s.summary or s.title), labels, links, s))
    tlp = max((i.tlp for i in chosen), default=TLP.CLEAR)
    return DigestContext(
        subscriber,
        period,
        now,
        listed,
        tlp.label,
        organisation,
        unsubscribe_url,
        more=max(0, len(stories) - MAX_STORIES),
    )
