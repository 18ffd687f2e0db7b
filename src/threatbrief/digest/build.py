# SPDX-License-Identifier: Apache-2.0
"""Build one subscriber's digest: the window's stories that match their filters and clearance.

Items in (already cut to the subscriber's TLP clearance by the store query), `DigestContext`
out; pure. Stories are grouped exactly as in briefs (`brief.cluster`), so an event that three
feeds report is one story, with its date, every publisher, its labels, a one-sentence summary,
its source links and the subscriber's partners it targets. Measured against the subscriber's
previous digest, a story is new, or was sent before and has news since (another report, an
edited text): new stories come first, and the others follow, marked. The subject line says
what is inside (`digest_subject`). An empty digest is marked empty and is not sent.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..brief.stories import Event, Story, cluster, first_sentence, make_story, trusted
from ..models import TLP, BriefItem, Period, Subscriber, may_receive
from ..textsafe import oneline
from ..vocab import COUNTRY_NAMES, SECTOR_NAMES, SET_NAMES, counted, set_name

__all__ = ["DigestContext", "DigestStory", "WindowStories", "build_digest", "digest_subject"]

# A digest is read in minutes: the best-ranked stories, then a count of the rest.
MAX_STORIES = 30
# Mail clients show about this many characters of a subject; it is never longer.
MAX_SUBJECT = 100
# A headline cut shorter than this says too little: the counts per actor set are cut first.
_MIN_HEADLINE = 24
# A feed's own TLP marker in a title would stand beside the digest's, and could contradict it.
_TLP_MARKER = re.compile(r"\[\s*TLP\s*:[^\]]*\]", re.IGNORECASE)


@dataclass
class DigestStory:
    """A story as a digest lists it."""

    title: str
    summary: str
    labels: list[str]
    links: list[tuple[str, str]]  # (publisher, address) of each report new to this digest
    story: Story
    date: datetime | None = None  # when its first report was published
    publishers: list[str] = field(default_factory=list)  # every publisher, once each
    partners: list[str] = field(default_factory=list)  # the subscriber's partners it targets
    sent_before: bool = False  # an earlier digest carried it; this one has news on it
    new_publishers: list[str] = field(default_factory=list)  # who reported it since, if sent
    # only feeds of unknown standing report it (the brief's "unverified" annex): listed after
    # the others and marked, so that a reader does not forward it as established
    unverified: bool = False

    @property
    def reported_by(self) -> str:
        """ "CISA, JPCERT/CC and NCSC UK", each name on one line."""
        return _joined([oneline(p) for p in self.publishers])

    @property
    def new_reports_by(self) -> str:
        """Who reported a story sent before since it was sent ("" when only its text changed)."""
        return _joined([oneline(p) for p in self.new_publishers])


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
    last_digest_at: datetime | None = None  # when their previous digest was built; None: none
    new_count: int = 0  # stories whose first report came after the previous digest
    update_count: int = 0  # stories an earlier digest carried, with news since
    # the actor set of every story after the first ("" for none), past MAX_STORIES too
    others: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.stories

    @property
    def news(self) -> list[DigestStory]:
        """The listed stories that were not sent before (every one without a previous digest)."""
        return [s for s in self.stories if not s.sent_before]

    @property
    def updates(self) -> list[DigestStory]:
        """The listed stories an earlier digest carried, with news since."""
        return [s for s in self.stories if s.sent_before]

    @property
    def since_last(self) -> str:
        """ "3 new stories since your last digest on 24 Nov." ("" without a previous digest)."""
        if self.last_digest_at is None:
            return ""
        last = self.last_digest_at
        on = f"{last:%-d %b}" + (f" {last:%Y}" if last.year != self.generated_at.year else "")
        if self.new_count:
            text = f"{counted(self.new_count, 'new story')} since your last digest on {on}"
        else:
            text = f"Nothing new since your last digest on {on}"
        if self.update_count:
            text += (", and" if self.new_count else ";") + (
                f" news on {counted(self.update_count, 'story')} sent before"
            )
        return text + "."

    @property
    def subject(self) -> str:
        return digest_subject(self)


def _joined(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _clean(text: str) -> str:
    """Feed text fit for a subject: one line, single spaces, no TLP marker of its own."""
    return " ".join(_TLP_MARKER.sub(" ", oneline(text)).split())


def _shorten(text: str, room: int) -> str:
    """`text` in at most `room` characters: cut at a word where one is near, with "…"."""
    if len(text) <= room:
        return text
    cut = text[: max(room - 1, 0)]
    space = cut.rfind(" ")
    if space >= room // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-–—") + "…"


def _others(keys: Sequence[str]) -> str:
    """ "; 2 more on Russia, 1 on Iran, 1 other" for the stories after the first."""
    if not keys:
        return ""
    counts = Counter(keys)
    unnamed = counts.pop("", 0)
    parts = [f"{n} on {_clean(set_name(k))}" for k, n in counts.most_common()]
    if unnamed:
        parts.append(counted(unnamed, "other") if parts else str(unnamed))
    first, *rest = parts
    number, _, tail = first.partition(" ")
    return "; " + ", ".join([f"{number} more {tail}".rstrip(), *rest])


def digest_subject(ctx: DigestContext) -> str:
    """What the digest holds, in one line of at most MAX_SUBJECT characters ending in its TLP
    marker: the first story's actor set and headline, then how many more on each other set,
    e.g. "China: Salt Typhoon joint advisory; 2 more on Russia [TLP:CLEAR]". The window's
    dates are added when they fit; a headline that does not fit is cut at a word. Titles are
    feed text: controls, line breaks, bidi controls and TLP markers of their own are dropped.
    """
    tlp = f"[TLP:{ctx.tlp.upper()}]"
    dates = f"{ctx.period.start:%-d %b} – {ctx.period.end:%-d %b %Y}"
    if not ctx.stories:
        return f"Threat digest {dates}: no stories {tlp}"
    top = ctx.stories[0]
    key = _main_set(top.story, ctx.subscriber)
    label = _clean(set_name(key)) if key else ""
    marks = [m for m, on in (("update", top.sent_before), ("unverified", top.unverified)) if on]
    if marks:
        label = f"{label} ({', '.join(marks)})" if label else ", ".join(marks).capitalize()
    headline = _clean(top.title) or _clean(next(iter(top.story.actors), "")) or "a story"
    full, compact = _others(ctx.others), (f"; {len(ctx.others)} more" if ctx.others else "")

    def line(head: str, others: str, tail: str = "") -> str:
        return f"{label + ': ' if label else ''}{head}{others}{tail} {tlp}"

    for candidate in (line(headline, full, f" · {dates}"), line(headline, full)):
        if len(candidate) <= MAX_SUBJECT:
            return candidate
    for others in (full, compact):
        room = MAX_SUBJECT - len(line("", others))
        if room >= _MIN_HEADLINE:
            return line(_shorten(headline, room), others)
    return line(_shorten(headline, MAX_SUBJECT - len(line("", compact))), compact)


def _main_set(story: Story, sub: Subscriber) -> str:
    """The actor set a story is listed under for this subscriber: the first of theirs."""
    theirs = [a for a in story.actor_sets if a in sub.actor_sets]
    return (theirs or story.actor_sets or [""])[0]


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
    Items from before the window (`earlier`, by id) are clustered with it only so that a new
    report of an event already sent is known as such: a story of nothing but them is left out.
    """

    def __init__(self, groups: Sequence[Event], earlier: Collection[str] = frozenset()) -> None:
        self.groups = list(groups)
        self.earlier = earlier
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
            if not kept or all(i.id in self.earlier for i in kept):
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


def _listed(
    story: Story,
    sub: Subscriber,
    sent: Collection[str],
    earlier: Collection[str],
    unverified: bool,
) -> DigestStory:
    """A story as listed; the links are those of the window's reports only, so a report
    reaches a subscriber's digests once (its publisher is named again, its link is not)."""
    labels = (
        [SET_NAMES.get(a, a) for a in story.actor_sets]
        + story.actors[:3]
        + [SECTOR_NAMES.get(x, x) for x in story.sectors[:3]]
    )
    had = [i for i in story.items if i.id in sent]
    # a story sent before keeps the headline the reader had (items come lead first)
    known = had[0] if had else story
    return DigestStory(
        known.title,
        first_sentence(known.summary or known.title),
        labels,
        [(i.publisher, i.url) for i in story.items if i.url and i.id not in earlier],
        story,
        date=story.first_seen,
        publishers=story.publishers,
        partners=[COUNTRY_NAMES.get(p, p) for p in sub.partners if p in story.targets],
        sent_before=bool(had),
        new_publishers=sorted({i.publisher for i in story.items if i.id not in sent}),
        unverified=unverified,
    )


def build_digest(
    items: Sequence[BriefItem],
    subscriber: Subscriber,
    period: Period,
    now: datetime,
    organisation: str = "threatbrief",
    unsubscribe_url: str = "",
    window: WindowStories | None = None,
    *,
    last_digest_at: datetime | None = None,
    sent: Collection[str] = frozenset(),
) -> DigestContext:
    """The digest of `items` for one subscriber; TLP above their clearance is dropped here too,
    as a second line behind the query. Callers with many subscribers pass the clustered
    `window` instead of `items`.

    `last_digest_at` is when the subscriber's previous digest was built (None: they have had
    none), and `sent` the ids of the items it or an earlier one carried: a story holding one
    of them was sent before, and is listed after the new ones.
    """
    if window is None:
        window = WindowStories(cluster(list(items)))
    stories = window.stories(subscriber)
    if last_digest_at is None:
        sent = frozenset()
    before = [any(i.id in sent for i in s.items) for s in stories]
    # new before sent, and within each what a known source reports before the unverified;
    # stable: the rank is kept within
    unverified = [not trusted(s) for s in stories]
    order = sorted(range(len(stories)), key=lambda n: (before[n], unverified[n]))
    stories, unverified = [stories[n] for n in order], [unverified[n] for n in order]
    listed = [
        _listed(s, subscriber, sent, window.earlier, unchecked)
        for s, unchecked in zip(stories[:MAX_STORIES], unverified, strict=False)
    ]
    tlp = max((i.tlp for s in stories for i in s.items), default=TLP.CLEAR)
    updates = sum(before)
    return DigestContext(
        subscriber,
        period,
        now,
        listed,
        tlp.label,
        organisation,
        unsubscribe_url,
        more=max(0, len(stories) - MAX_STORIES),
        last_digest_at=last_digest_at,
        new_count=len(stories) - updates,
        update_count=updates,
        others=[_main_set(s, subscriber) for s in stories[1:]],
    )
