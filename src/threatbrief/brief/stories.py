# SPDX-License-Identifier: Apache-2.0
"""The story model: items that report one event, clustered, merged and ranked.

`BriefItem`s in, `Story`s out; pure. Briefs, digests and exports all group items here, so a
reader sees the same stories everywhere. A story is ranked by corroboration, the authority of
its sources, the confidence of its attribution and its relevance to the partners.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..models import BriefItem
from ..vocab import PARTNER_LANGUAGES

__all__ = ["AUTHORITY", "Story", "cluster", "first_sentence", "make_story"]

# Source authority by feed kind; a feed that does not say what it is counts least.
AUTHORITY = {
    "government": 1.0,
    "cert": 1.0,
    "vendor": 0.7,
    "news": 0.4,
    "aggregator": 0.3,
    "unknown": 0.1,
}
_CVE = re.compile(r"\bCVE-\d{4}-\d{4,7}\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+|[\u3040-\u30ff\u3400-\u9fff]")


@dataclass
class Story:
    """Items that report the same event, with their combined labels and a rank."""

    id: str
    title: str
    summary: str
    items: list[BriefItem]
    actor_sets: list[str]
    actors: list[str]
    sectors: list[str]
    targets: list[str]
    publishers: list[str]
    score: float
    confidence: float
    first_seen: datetime | None
    notes: list[int] = field(default_factory=list)

    @property
    def corroboration(self) -> int:
        return len({i.feed_id for i in self.items})


def _shingles(title: str) -> set[str]:
    words = _WORD.findall(title.lower())
    return {" ".join(words[i : i + 3]) for i in range(max(len(words) - 2, 1))} if words else set()


def cluster(items: Sequence[BriefItem], threshold: float = 0.5) -> list[list[BriefItem]]:
    """Group items that report the same event: a linked address, a shared CVE, or titles
    whose word 3-shingles overlap (Jaccard ≥ threshold), found through an inverted index."""
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    index: dict[str, list[int]] = defaultdict(list)
    position = {item.id: n for n, item in enumerate(items)}
    # A feed that gives one address to many entries links to a listing page, not a story.
    listing = {u for u, c in Counter((i.feed_id, i.url) for i in items).items() if c > 1}
    shingles = []
    for n, item in enumerate(items):
        if item.url and (item.feed_id, item.url) not in listing:
            index[f"url:{item.url}"].append(n)
        for cve in {c.upper() for c in _CVE.findall(f"{item.title} {item.summary}")}:
            index[f"cve:{cve}"].append(n)
        for other in item.linked:
            if other in position:
                union(n, position[other])
        shingles.append(_shingles(item.title))
    for members in index.values():
        if len(members) <= 25:  # a CVE in every KEV entry of a bulk update is no story
            for m in members[1:]:
                union(members[0], m)
    by_shingle: dict[str, list[int]] = defaultdict(list)
    for n, sh in enumerate(shingles):
        for s in sh:
            by_shingle[s].append(n)
    overlap: Counter[tuple[int, int]] = Counter()
    for members in by_shingle.values():
        if 1 < len(members) <= 50:
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    overlap[(a, b)] += 1
    for (a, b), shared in overlap.items():
        if shared / len(shingles[a] | shingles[b]) >= threshold:
            union(a, b)
    groups: dict[int, list[BriefItem]] = defaultdict(list)
    for n, item in enumerate(items):
        groups[find(n)].append(item)
    return list(groups.values())


def first_sentence(text: str) -> str:
    """The first sentence: up to 。 or to . ! ? before a capital ("2020. aasta" goes on)."""
    match = re.match(r"(.+?(?:。|[.!?](?=\s+[A-Z\u00c0-\u00de\u0100-\u024f]|\s*$)))", text.strip())
    return (match.group(1) if match else text.strip())[:400]


def make_story(members: list[BriefItem], partners: Sequence[str]) -> Story:
    members = sorted(
        members,
        key=lambda i: (
            -AUTHORITY.get(i.kind, AUTHORITY["unknown"]),
            i.published_at or datetime.max.replace(tzinfo=None)
            if i.published_at is None
            else i.published_at,
        ),
    )
    lead = members[0]

    def union(attr: str) -> list[str]:
        return sorted({v for i in members for v in getattr(i, attr)})

    targets = union("targets")
    corroboration = len({i.feed_id for i in members})
    authority = max(AUTHORITY.get(i.kind, AUTHORITY["unknown"]) for i in members)
    confidence = max((i.confidence for i in members), default=0.0)
    relevance = sum(1.0 for p in partners if p in targets)
    relevance += 0.5 * any(i.lang == PARTNER_LANGUAGES.get(p) for p in partners for i in members)
    score = corroboration + authority + confidence + 1.5 * relevance
    dates = [i.published_at for i in members if i.published_at]
    return Story(
        id=lead.id,
        title=lead.title,
        summary=lead.summary,
        items=members,
        actor_sets=union("actor_sets"),
        actors=union("actors"),
        sectors=union("sectors"),
        targets=targets,
        publishers=sorted({i.publisher for i in members}),
        score=round(score, 3),
        confidence=confidence,
        first_seen=min(dates) if dates else None,
    )
