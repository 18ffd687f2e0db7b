# SPDX-License-Identifier: Apache-2.0
"""Build one subscriber's digest: the period's stories that match their filters and clearance.

Items in (already cut to the subscriber's TLP clearance by the store query), `DigestContext`
out; pure. Stories are grouped exactly as in briefs (`brief.cluster`), each with its labels, a
one-sentence summary and its source links. An empty digest is marked empty and is not sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .brief import SECTOR_NAMES, SET_NAMES, BriefItem, Story, cluster, first_sentence, make_story
from .models import TLP, Period

__all__ = ["DigestContext", "Subscriber", "build_digest"]

# A digest is read in minutes: the best-ranked stories, then a count of the rest.
MAX_STORIES = 30


@dataclass(frozen=True, slots=True)
class Subscriber:
    """Who receives digests, on what, and up to which TLP level."""

    email: str
    name: str = ""
    actor_sets: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    cadence: str = "weekly"
    tlp: TLP = TLP.CLEAR
    token: str = ""


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
    if item.tlp > sub.tlp:
        return False
    if sub.actor_sets and not set(sub.actor_sets) & set(item.actor_sets):
        return False
    if sub.sectors and not set(sub.sectors) & set(item.sectors):
        return False
    return not sub.partners or bool(set(sub.partners) & set(item.targets)) or bool(item.actor_sets)


def build_digest(
    items: Sequence[BriefItem],
    subscriber: Subscriber,
    period: Period,
    now: datetime,
    organisation: str = "threatbrief",
    unsubscribe_url: str = "",
    groups: Sequence[Sequence[BriefItem]] | None = None,
) -> DigestContext:
    """The digest of `items` for one subscriber; TLP above their clearance is dropped here too,
    as a second line behind the query."""
    if groups is None:  # clustering is per window: callers with many subscribers pass it in
        groups = cluster(list(items))
    kept = [[i for i in g if _matches(i, subscriber)] for g in groups]
    chosen = [i for g in kept for i in g]
    stories = sorted(
        (make_story(g, subscriber.partners) for g in kept if g),
        key=lambda s: (-s.score, s.title),
    )
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
