# SPDX-License-Identifier: Apache-2.0
"""Build the model of a bilateral threat brief from a period's items, tags and feed health.

Rows in, `BriefContext` out; pure, no I/O. Items are clustered into stories (shared address,
shared CVE, similar titles), stories are ranked (corroboration, source authority, attribution
confidence, relevance to the partners), and every sentence of the key judgements and conclusions
is generated from figures computed here, so each is true of the data it cites.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .models import TLP, Period

__all__ = ["BriefContext", "BriefItem", "build_brief"]

SET_NAMES = {
    "china": "China",
    "north-korea": "North Korea",
    "russia": "Russia",
    "iran": "Iran",
    "belarus": "Belarus",
    "vietnam": "Vietnam",
    "pakistan": "Pakistan",
    "india": "India",
    "turkey": "Türkiye",
    "lebanon": "Lebanon",
    "united-states": "United States",
    "united-arab-emirates": "United Arab Emirates",
}
MAIN_SETS = ("china", "north-korea", "russia")
COUNTRY_NAMES = {
    "EE": "Estonia",
    "JP": "Japan",
    "US": "the United States",
    "GB": "the United Kingdom",
    "UA": "Ukraine",
    "KR": "South Korea",
    "TW": "Taiwan",
    "DE": "Germany",
    "FR": "France",
    "NL": "the Netherlands",
    "PL": "Poland",
    "LV": "Latvia",
    "LT": "Lithuania",
    "FI": "Finland",
    "AU": "Australia",
    "CA": "Canada",
    "IN": "India",
    "RU": "Russia",
    "CN": "China",
    "EU": "the EU institutions",
    "AL": "Albania",
    "AF": "Afghanistan",
    "AE": "the United Arab Emirates",
    "MD": "Moldova",
    "IL": "Israel",
    "IR": "Iran",
    "KP": "North Korea",
    "BY": "Belarus",
    "SE": "Sweden",
    "NO": "Norway",
    "DK": "Denmark",
    "CZ": "Czechia",
    "IT": "Italy",
    "ES": "Spain",
    "BE": "Belgium",
    "AT": "Austria",
    "GE": "Georgia",
    "NZ": "New Zealand",
    "PK": "Pakistan",
    "PH": "the Philippines",
    "VN": "Vietnam",
    "SG": "Singapore",
    "SA": "Saudi Arabia",
}
LANGUAGES = {"EE": "et", "JP": "ja"}
LANGUAGE_NAMES = {
    "en": "English",
    "ja": "Japanese",
    "et": "Estonian",
    "fr": "French",
    "uk": "Ukrainian",
}
SECTOR_NAMES = {
    "government": "government",
    "defence": "defence",
    "energy": "energy",
    "finance": "finance",
    "health": "health",
    "telecom": "telecommunications",
    "transport": "transport",
    "manufacturing": "manufacturing",
    "education-research": "education and research",
    "media": "media",
    "elections": "elections",
    "it-services": "IT services",
    "critical-infrastructure-other": "other critical infrastructure",
    "crypto-currency": "cryptocurrency",
}
AUTHORITY = {"government": 1.0, "cert": 1.0, "vendor": 0.7, "news": 0.4}
_CVE = re.compile(r"\bCVE-\d{4}-\d{4,7}\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+|[\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True, slots=True)
class BriefItem:
    """One stored item with its effective labels, as the brief needs it."""

    id: str
    feed_id: str
    publisher: str
    kind: str
    lang: str
    url: str
    title: str
    summary: str
    published_at: datetime | None
    tlp: TLP
    actor_sets: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    confidence: float = 0.0
    linked: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PartnerAssessment:
    """A partner agency's imported report or note, as the brief cites it."""

    partner: str
    name: str
    body: str
    published: datetime | None
    tlp: TLP
    url: str = ""
    actors: tuple[str, ...] = ()


@dataclass
class Footnote:
    """A numbered note citing one source in full: publisher, title, date, address."""

    number: int
    publisher: str
    title: str
    date: str
    url: str
    lang: str
    short: bool = False

    @property
    def language(self) -> str:
        return LANGUAGE_NAMES.get(self.lang, self.lang)


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


@dataclass
class ActorSection:
    """One numbered section: an actor set as seen by the partners."""

    number: int
    key: str
    name: str
    count: int
    previous: int
    trend: str
    groups: list[str]
    sectors: list[str]
    targets: list[str]
    stories: list[Story]
    paragraph: str
    pull_quote: str
    partner_stories: int


@dataclass
class BriefContext:
    """Everything a brief template renders; see docs/briefs.md for each field."""

    title: str = field(metadata={"help": "Full title, e.g. Threat brief · Estonia – Japan · …"})
    organisation: str = field(metadata={"help": "Issuing organisation"})
    period: Period = field(metadata={"help": "The half-open period covered"})
    period_label: str = field(metadata={"help": "Human label of the period"})
    partners: list[str] = field(metadata={"help": "ISO codes of the partners"})
    partner_names: list[str] = field(metadata={"help": "Display names of the partners"})
    generated_at: datetime = field(metadata={"help": "When the brief was generated (UTC)"})
    tlp: str = field(metadata={"help": "Highest TLP of what the brief contains"})
    key_judgements: list[str] = field(metadata={"help": "Bottom line up front, 3-5 sentences"})
    introduction: list[str] = field(metadata={"help": "Introduction paragraphs"})
    sections: list[ActorSection] = field(metadata={"help": "One per actor set, by relevance"})
    sector_table: list[dict[str, Any]] = field(metadata={"help": "Actor set × sector counts"})
    sector_columns: list[str] = field(metadata={"help": "Sectors in the table, by total"})
    partner_relevance: list[dict[str, Any]] = field(metadata={"help": "Per partner, and common"})
    conclusions: list[str] = field(metadata={"help": "Numbered conclusions"})
    sources: list[dict[str, Any]] = field(metadata={"help": "Sources consulted, per feed"})
    feed_health: list[dict[str, Any]] = field(metadata={"help": "Feed failures in the period"})
    method: list[str] = field(metadata={"help": "Method and confidence paragraphs"})
    footnotes: list[Footnote] = field(metadata={"help": "Numbered notes, in order of first use"})
    partner_assessments: list[dict[str, Any]] = field(
        default_factory=list,
        metadata={"help": "Partners' imported assessments: partner, name, text, actors, notes"},
    )
    empty: bool = field(default=False, metadata={"help": "True when the period had no items"})
    item_count: int = field(default=0, metadata={"help": "Items in the period"})
    story_count: int = field(default=0, metadata={"help": "Stories after clustering"})


# ------------------------------------------------------------------------- clustering
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


# ------------------------------------------------------------------------- ranking
def first_sentence(text: str) -> str:
    """The first sentence: up to 。 or to . ! ? before a capital ("2020. aasta" goes on)."""
    match = re.match(r"(.+?(?:。|[.!?](?=\s+[A-Z\u00c0-\u00de\u0100-\u024f]|\s*$)))", text.strip())
    return (match.group(1) if match else text.strip())[:400]


def make_story(members: list[BriefItem], partners: Sequence[str]) -> Story:
    members = sorted(
        members,
        key=lambda i: (
            -AUTHORITY.get(i.kind, 0.5),
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
    authority = max(AUTHORITY.get(i.kind, 0.5) for i in members)
    confidence = max((i.confidence for i in members), default=0.0)
    relevance = sum(1.0 for p in partners if p in targets)
    relevance += 0.5 * any(i.lang == LANGUAGES.get(p) for p in partners for i in members)
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


def _trend(now: int, before: int) -> str:
    if before == 0:
        return "new this period" if now else "none in either period"
    change = (now - before) / before
    if abs(change) < 0.1:
        return f"about the same as the previous period ({before})"
    return (
        f"{'up' if change > 0 else 'down'} {abs(change):.0%} from {before} in the previous period"
    )


def _names(values: Iterable[str], table: dict[str, str]) -> list[str]:
    return [table.get(v, v) for v in values]


def _join(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


class _Notes:
    """Numbered footnotes in order of first use; a repeated source gets a short form."""

    def __init__(self) -> None:
        self.notes: list[Footnote] = []
        self._by_item: dict[str, int] = {}

    def cite(self, item: BriefItem) -> int:
        first = item.id not in self._by_item
        number = len(self.notes) + 1
        self.notes.append(
            Footnote(
                number,
                item.publisher,
                item.title,
                item.published_at.strftime("%-d %B %Y") if item.published_at else "date unknown",
                item.url,
                item.lang,
                short=not first,
            )
        )
        self._by_item.setdefault(item.id, number)
        return number

    def cite_assessment(self, a: PartnerAssessment) -> int:
        number = len(self.notes) + 1
        date = a.published.strftime("%-d %B %Y") if a.published else "date unknown"
        self.notes.append(
            Footnote(number, a.partner, a.name, f"{date}, TLP:{a.tlp.label.upper()}", a.url, "en")
        )
        return number


def _period_label(period: Period) -> str:
    start, end = period.start, period.end
    if (
        start.day == 1
        and (end.month - start.month) % 12 == 1
        and end.day == 1
        and (end - start).days < 32
    ):
        return start.strftime("%B %Y")
    last = end.fromtimestamp(end.timestamp() - 1, tz=end.tzinfo)
    return f"{start.strftime('%-d %B %Y')} – {last.strftime('%-d %B %Y')}"


def build_brief(
    items: Sequence[BriefItem],
    previous: Sequence[BriefItem],
    period: Period,
    partners: Sequence[str],
    organisation: str,
    now: datetime,
    feed_health: Sequence[dict[str, Any]] = (),
    feeds: Sequence[dict[str, Any]] = (),
    actor_states: dict[str, str] | None = None,
    assessments: Sequence[PartnerAssessment] = (),
) -> BriefContext:
    """The whole brief model for one period and pair of partners.

    `actor_states` maps group names to their actor set, so that a section names only its own
    groups (a story may also mention a criminal group).
    """
    actor_states = actor_states or {}
    partner_names = [COUNTRY_NAMES.get(p, p) for p in partners]
    label = _period_label(period)
    title = f"Threat brief · {' – '.join(partner_names)} · {label}"
    tlp = max([*(i.tlp for i in items), *(a.tlp for a in assessments)], default=TLP.CLEAR)
    stories = sorted(
        (make_story(g, partners) for g in cluster(items)), key=lambda s: (-s.score, s.title)
    )
    notes = _Notes()
    counts = Counter(s for i in items for s in i.actor_sets)
    before = Counter(s for i in previous for s in i.actor_sets)

    def relevance(key: str) -> tuple[float, int, str]:
        partner_hits = sum(
            1 for s in stories if key in s.actor_sets and set(partners) & set(s.targets)
        )
        main = 1 if key in MAIN_SETS else 0
        return (-(counts[key] + 3 * partner_hits + 2 * main), -counts[key], key)

    sections = []
    for number, key in enumerate(sorted(counts, key=relevance), start=1):
        own = [s for s in stories if key in s.actor_sets]
        sections.append(
            _section(number, key, own, counts[key], before[key], partners, notes, actor_states)
        )
    per_set = {
        sec.key: Counter(x for st in stories if sec.key in st.actor_sets for x in st.sectors)
        for sec in sections
    }
    totals = sum(per_set.values(), Counter())
    keys = [k for k, _ in totals.most_common()]
    sector_columns = [SECTOR_NAMES.get(k, k) for k in keys]
    sector_table = [
        {"set": SET_NAMES.get(sec.key, sec.key), "counts": [per_set[sec.key][k] for k in keys]}
        for sec in sections
    ]
    relevance_rows = _partner_relevance(stories, partners, notes)
    judgements = _judgements(sections, stories, partners, counts, before, feed_health)
    conclusions = _conclusions(sections, stories, partners, relevance_rows)
    partner_rows = [
        {
            "partner": a.partner,
            "name": a.name,
            "text": first_sentence(a.body) if a.body else "",
            "actors": list(a.actors),
            "tlp": a.tlp.label,
            "notes": [notes.cite_assessment(a)],
        }
        for a in assessments
    ]
    langs = Counter(i.lang for i in items)
    intro = [
        f"This brief covers {label} and the threat landscape as seen from "
        f"{_join(partner_names)}. It draws on {len(items)} items from "
        f"{len({i.feed_id for i in items})} feeds in "
        f"{_join([f'{LANGUAGE_NAMES.get(k, k)} ({v})' for k, v in langs.most_common()])}, "
        f"grouped into {len(stories)} stories.",
        "Attribution follows what the sources themselves say, with their confidence: a named "
        "group, or a state named as the actor. We attribute nothing ourselves, and a country "
        "that is only mentioned, as victim or setting, is never read as the actor.",
    ]
    if not items:
        down = [h["feed_id"] for h in feed_health]
        intro = [
            f"No items were published in {label} by the monitored feeds."
            + (
                f" Feeds that failed during the period: {', '.join(down)}; the silence may"
                " partly reflect these outages."
                if down
                else " All feeds were reachable, so the silence reflects the sources."
            )
        ]
    return BriefContext(
        title=title,
        organisation=organisation,
        period=period,
        period_label=label,
        partners=list(partners),
        partner_names=partner_names,
        generated_at=now,
        tlp=tlp.label,
        key_judgements=judgements,
        introduction=intro,
        sections=sections,
        sector_table=sector_table,
        sector_columns=sector_columns,
        partner_relevance=relevance_rows,
        conclusions=conclusions,
        sources=list(feeds),
        feed_health=list(feed_health),
        method=_method(),
        footnotes=notes.notes,
        partner_assessments=partner_rows,
        empty=not items,
        item_count=len(items),
        story_count=len(stories),
    )


def _section(
    number: int,
    key: str,
    stories: list[Story],
    count: int,
    previous: int,
    partners: Sequence[str],
    notes: _Notes,
    actor_states: dict[str, str],
) -> ActorSection:
    name = SET_NAMES.get(key, key)
    own_groups = Counter(a for s in stories for a in s.actors if actor_states.get(a, key) == key)
    groups = [g for g, _ in own_groups.most_common(6)]
    sectors = [x for x, _ in Counter(x for s in stories for x in s.sectors).most_common(5)]
    targets = [x for x, _ in Counter(x for s in stories for x in s.targets).most_common(6)]
    top = stories[:5]
    for story in top:
        story.notes = [notes.cite(story.items[0])]
    trend = _trend(count, previous)
    text = [
        f"Sources attributed {count} item{'s' if count != 1 else ''} to {name}-linked "
        f"actors this period, {trend}."
    ]
    if groups:
        text.append(f"The groups named were {_join(groups)}.")
    if sectors:
        text.append(
            f"Their reported targets were in {_join(_names(sectors, SECTOR_NAMES))}"
            + (f", in {_join(_names(targets, COUNTRY_NAMES))}." if targets else ".")
        )
    hits = [p for p in partners if any(p in s.targets for s in stories)]
    if hits:
        text.append(f"Activity against {_join(_names(hits, COUNTRY_NAMES))} was reported.")
    best = max(stories, key=lambda s: (s.corroboration, s.score)) if stories else None
    quote = first_sentence(best.summary or best.title) if best else ""
    return ActorSection(
        number=number,
        key=key,
        name=name,
        count=count,
        previous=previous,
        trend=trend,
        groups=groups,
        sectors=_names(sectors, SECTOR_NAMES),
        targets=_names(targets, COUNTRY_NAMES),
        stories=top,
        paragraph=" ".join(text),
        pull_quote=quote,
        partner_stories=sum(1 for s in stories if set(partners) & set(s.targets)),
    )


def _partner_relevance(
    stories: list[Story], partners: Sequence[str], notes: _Notes
) -> list[dict[str, Any]]:
    rows = []
    for p in partners:
        own = [s for s in stories if p in s.targets][:6]
        for s in own:
            if not s.notes:
                s.notes = [notes.cite(s.items[0])]
        rows.append(
            {
                "partner": COUNTRY_NAMES.get(p, p),
                "code": p,
                "stories": own,
                "sectors": _names(sorted({x for s in own for x in s.sectors}), SECTOR_NAMES),
            }
        )
    if len(partners) >= 2:
        sector_sets = [
            set(x for s in stories if p in s.targets for x in s.sectors) for p in partners
        ]
        actor_sets = [set(a for s in stories if p in s.targets for a in s.actors) for p in partners]
        common_sectors = sorted(set.intersection(*sector_sets))
        common_actors = sorted(set.intersection(*actor_sets))
        rows.append(
            {
                "partner": "Common to both",
                "code": "common",
                "stories": [],
                "sectors": _names(common_sectors, SECTOR_NAMES),
                "actors": common_actors,
            }
        )
    return rows


def _judgements(
    sections: list[ActorSection],
    stories: list[Story],
    partners: Sequence[str],
    counts: Counter[str],
    before: Counter[str],
    feed_health: Sequence[dict[str, Any]],
) -> list[str]:
    out: list[str] = []
    if not sections:
        return ["No activity attributed to a state actor was reported in this period."]
    top = max(sections, key=lambda s: s.count)
    out.append(
        f"{top.name} was the most reported actor set, with {top.count} attributed "
        f"item{'s' if top.count != 1 else ''}"
        + (f", led by {_join(top.groups[:3])}." if top.groups else ".")
    )
    changes = sorted(((counts[k] - before[k], k) for k in counts | before), reverse=True)
    if changes and changes[0][0] > 0 and before:
        delta, key = changes[0]
        out.append(
            f"The largest rise against the previous period was for "
            f"{SET_NAMES.get(key, key)}: {counts[key]} items against {before[key]}."
        )
    partner_sectors = [
        set(x for s in stories if p in s.targets for x in s.sectors) for p in partners
    ]
    if len(partners) >= 2 and partner_sectors and set.intersection(*partner_sectors):
        common = sorted(set.intersection(*partner_sectors))
        out.append(
            f"The {_join(_names(common, SECTOR_NAMES))} sector"
            f"{'s were' if len(common) > 1 else ' was'} targeted in both "
            f"{_join([COUNTRY_NAMES.get(p, p) for p in partners])}."
        )
    for p in partners:
        hit = [s for s in sections if any(p in st.targets for st in s.stories)]
        if hit:
            out.append(
                f"{COUNTRY_NAMES.get(p, p)} was named as a target of "
                f"{_join([s.name for s in hit])}-linked activity."
            )
    if feed_health:
        out.append(
            f"{len(feed_health)} feed{'s' if len(feed_health) != 1 else ''} failed at "
            "some point in the period; coverage may be incomplete (see annex)."
        )
    return out[:5]


def _conclusions(
    sections: list[ActorSection],
    stories: list[Story],
    partners: Sequence[str],
    relevance_rows: list[dict[str, Any]],
) -> list[str]:
    out = []
    names = _join([COUNTRY_NAMES.get(p, p) for p in partners])
    common = next((r for r in relevance_rows if r["code"] == "common"), None)
    if common and common.get("actors"):
        out.append(
            f"{_join(common['actors'])} targeted both partners in this period. "
            f"{names} should share indicators and assessments on "
            f"{'these groups' if len(common['actors']) > 1 else 'this group'} as they "
            "are found, and monitor them jointly, rather than each in isolation."
        )
    if common and common.get("sectors"):
        out.append(
            f"Because {_join(common['sectors'])} was hit in both countries, the partners' "
            "CERTs should compare the intrusions there and agree on common hardening "
            "guidance: an active defence that raises the cost of the next attempt."
        )
    state_sections = [s for s in sections if s.key in MAIN_SETS and s.count]
    if state_sections:
        out.append(
            f"Activity attributed to {_join([s.name for s in state_sections])} shows "
            "that the state actors highlighted in the partners' own assessments remain "
            "active. Public, coordinated attribution of the kind cited in this brief is "
            "part of deterrence; the partners should join such statements where their "
            "own evidence allows."
        )
    if not out:
        out.append(
            f"Nothing in this period was attributed against {names}. Sharing threat "
            "assessments and monitoring together remain the basis of the partnership."
        )
    out.append(
        "Shared threat assessments need common formats: exchange this brief's "
        "assessments as STIX 2.1 with TLP markings, so that each partner's next brief "
        "starts from the other's findings."
    )
    return out


def _method() -> list[str]:
    return [
        "Items come from the public feeds listed above; they are normalised, deduplicated and "
        "grouped into stories when they share an address, a CVE identifier or most of their "
        "title. A story is ranked by how many feeds report it, the authority of its sources "
        "(government CERTs above vendors, vendors above news), the confidence of its "
        "attribution and its relevance to the partners.",
        "Attribution labels come from threatbrief's lexicon: a named group, or a state named "
        "in an attributive construction by the source. Hedged wording ('suspected', 'likely') "
        "is kept with lower confidence. Analysts' corrections override the lexicon. "
        "`threatbrief explain` shows the evidence behind every label.",
    ]
