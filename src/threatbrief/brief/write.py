# SPDX-License-Identifier: Apache-2.0
"""Write the model of a bilateral threat brief from a period's items, tags and feed health.

`BriefItem`s in, `BriefContext` out; pure, no I/O. Items are clustered into stories
(`brief.stories`), and every sentence of the key judgements and conclusions is generated from
figures computed here, so each is true of the data it cites.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import zip_longest
from typing import Any

from ..models import TLP, BriefItem, PartnerAssessment, Period, StoryLink
from ..vocab import COUNTRY_NAMES, LANGUAGE_NAMES, MAIN_SETS, SECTOR_NAMES, SET_NAMES, counted
from .context import ActorSection, BriefContext, Footnote, Judgement
from .stories import AUTHORITY, CVE_ID, Story, cluster, first_sentence, make_story

__all__ = ["build_brief"]


NO_BASELINE = "no baseline: the store holds no earlier period"
SMALL_COUNT = 5  # below this, a percentage says more than the counts can


def _trend(now: int, before: int) -> str:
    if before == 0:
        return "with none in the previous period" if now else "none in either period"
    if now == before:
        return f"as many as in the previous period ({before})"
    if min(now, before) < SMALL_COUNT:  # "down 83% from 6" on single digits misleads
        return f"{'more' if now > before else 'fewer'} than the {before} of the previous period"
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
    # "education and research, and government": a name with its own "and" takes a comma
    last = ", and " if any(" and " in w for w in words) else " and "
    return ", ".join(words[:-1]) + last + words[-1]


def _linked(names: Sequence[str]) -> str:
    """A suspended compound: "Russia-linked", "China- and North Korea-linked"."""
    names = list(names)
    return _join([f"{n}-" for n in names[:-1]] + [names[-1]]) + "-linked" if names else ""


def _groups_sentence(groups: Sequence[str]) -> str:
    if not groups:
        return ""
    if len(groups) == 1:
        return f"The group named was {groups[0]}."
    return f"The groups named were {_join(groups)}."


def _targets_sentence(sectors: Sequence[str], countries: Sequence[str]) -> str:
    """ "They were reported to target the government sector in Estonia." and the like."""
    where = f" in {_join(countries)}" if countries else ""
    if sectors:
        noun = "sector" if len(sectors) == 1 else "sectors"
        return f"They were reported to target the {_join(sectors)} {noun}{where}."
    return f"They were reported to target organisations{where}." if countries else ""


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
                via=item.via if item.via and item.via != item.publisher else "",
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
    *,
    aliases: Mapping[str, str] | None = None,
    links: Sequence[StoryLink] = (),
    places: Sequence[str] = (),
    baseline: bool = True,
    fetched_during: bool = True,
) -> BriefContext:
    """The whole brief model for one period and pair of partners.

    `actor_states` maps group names to their actor set, so that a section names only its own
    groups (a story may also mention a criminal group); `aliases` maps every alias to its
    group's name, so that stories match reports that spell a group differently; `links` are
    analysts' decisions that two items are one story or two; `places` the names of countries
    and cities, which tell no victim from another. Without a `baseline` (the store did not
    fetch its feeds through the previous period) no count is compared with that period;
    without `fetched_during` the annex says its feeds' health in the period is not known.
    """
    clustering = _Clustering(aliases, links, places)
    actor_states = actor_states or {}
    partner_names = [COUNTRY_NAMES.get(p, p) for p in partners]
    label = _period_label(period)
    title = f"Threat brief · {' – '.join(partner_names)} · {label}"
    # the trends and judgements count the previous period's items too: they are in the brief
    tlp = max(
        [*(i.tlp for i in items), *(i.tlp for i in previous), *(a.tlp for a in assessments)],
        default=TLP.CLEAR,
    )
    # quarantined items (active content in their text) are listed as such and counted in the
    # annex, nowhere else; historical stories (old activity) are background
    held = [i for i in items if i.quarantined]
    items = [i for i in items if not i.quarantined]
    every = _stories(items, partners, clustering)
    stories = [s for s in every if not s.historical]
    background = [s for s in every if s.historical]
    quarantined = _stories(held, partners, clustering)  # marked so by make_story
    notes = _Notes()
    # events, not items: a joint advisory through three feeds counts once
    counts = Counter(a for s in stories for a in s.actor_sets)
    before: Counter[str] = (
        Counter(
            a
            for s in _stories([i for i in previous if not i.quarantined], partners, clustering)
            if not s.historical
            for a in s.actor_sets
        )
        if baseline
        else Counter()
    )

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
            _section(
                number,
                key,
                own,
                counts[key],
                before[key],
                partners,
                notes,
                actor_states,
                baseline=baseline,
            )
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
    for story in background:
        story.notes = [notes.cite(story.items[0])]
    judgements = _judgements(sections, stories, partners, counts, before, feed_health)
    _note_judgements(judgements, stories, notes)
    conclusions = _conclusions(sections, stories, partners, relevance_rows)
    exploited = _exploited(stories, notes)
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
    feeds_used = len({i.feed_id for i in items})
    intro = [
        f"This brief covers {label} and the threat landscape as seen from "
        f"{_join(partner_names)}. It draws on {counted(len(items), 'item')} from "
        f"{counted(feeds_used, 'feed')} in "
        f"{_join([f'{LANGUAGE_NAMES.get(k, k)} ({v})' for k, v in langs.most_common()])}, "
        f"which {'reports' if len(items) == 1 else 'report'} {counted(len(every), 'event')}"
        + (
            f", {len(background)} of them past activity reported again (see Background)."
            if background
            else "."
        ),
        *(
            []
            if baseline
            else [
                "There is no baseline: the store holds no earlier period, so no count here is "
                "compared with the one before."
            ]
        ),
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
        exploited=exploited,
        empty=not items,
        item_count=len(items),
        baseline=baseline,
        fetched_during=fetched_during,
        story_count=len(every),
        quarantined=len(held),
        stories=every + quarantined,
        background=background,
    )


@dataclass(frozen=True, slots=True)
class _Clustering:
    """What `cluster` reads besides the items: group aliases and analysts' decisions."""

    aliases: Mapping[str, str] | None
    links: Sequence[StoryLink]
    places: Sequence[str]


def _stories(
    items: Sequence[BriefItem], partners: Sequence[str], clustering: _Clustering
) -> list[Story]:
    """The items' events as stories, best first (`make_story` marks those whose items all
    date their activity long before they were published as historical)."""
    groups = cluster(
        items, aliases=clustering.aliases, links=clustering.links, places=clustering.places
    )
    return sorted((make_story(g, partners) for g in groups), key=lambda s: (-s.score, s.title))


def _section(
    number: int,
    key: str,
    stories: list[Story],
    count: int,
    previous: int,
    partners: Sequence[str],
    notes: _Notes,
    actor_states: dict[str, str],
    *,
    baseline: bool = True,
) -> ActorSection:
    name = SET_NAMES.get(key, key)
    own_groups = Counter(a for s in stories for a in s.actors if actor_states.get(a, key) == key)
    groups = [g for g, _ in own_groups.most_common(6)]
    sectors = [x for x, _ in Counter(x for s in stories for x in s.sectors).most_common(5)]
    targets = [x for x, _ in Counter(x for s in stories for x in s.targets).most_common(6)]
    top = stories[:5]
    for story in top:
        story.notes = [notes.cite(story.items[0])]
    trend = _trend(count, previous) if baseline else NO_BASELINE
    reports = sum(len(s.items) for s in stories)
    compared = f", {trend}" if baseline else ""  # the introduction says there is none, once
    text = [
        f"Sources reported {count} event{'s' if count != 1 else ''} attributed to {name}-linked "
        f"actors this period ({reports} report{'s' if reports != 1 else ''}){compared}."
    ]
    text.append(_groups_sentence(groups))
    text.append(_targets_sentence(_names(sectors, SECTOR_NAMES), _names(targets, COUNTRY_NAMES)))
    text = [t for t in text if t]
    hits = [p for p in partners if any(p in s.targets for s in stories)]
    if hits:
        text.append(f"Activity against {_join(_names(hits, COUNTRY_NAMES))} was reported.")
    best = max(stories, key=lambda s: (s.corroboration, s.score)) if stories else None
    quote = first_sentence(best.summary or best.title) if best else ""
    for story in top:
        story.lede = lede(story, key, avoid=quote)
    return ActorSection(
        number=number,
        key=key,
        name=name,
        count=count,
        previous=previous,
        trend=trend,
        groups=groups,
        sectors=_names(sectors, SECTOR_NAMES),
        targets=targets,
        stories=top,
        paragraph=" ".join(text),
        pull_quote=quote,
        partner_stories=sum(1 for s in stories if set(partners) & set(s.targets)),
        story_ids=[s.id for s in stories],
        reports=reports,
        pull_quote_story_id=best.id if best and quote else "",
        # "— National Police Agency, 8 January 2025": who said it, and when
        pull_quote_credit=(
            f"{best.items[0].publisher}, {_day(best.items[0].published_at)}"
            if best and quote
            else ""
        ),
    )


def _partner_relevance(
    stories: list[Story], partners: Sequence[str], notes: _Notes
) -> list[dict[str, Any]]:
    rows = []
    for p in partners:
        own = [s for s in stories if p in s.targets]  # every one: a partner's own events
        for s in own:
            if not s.notes:
                s.notes = [notes.cite(s.items[0])]
            if not s.lede:
                s.lede = lede(s, s.actor_sets[0] if s.actor_sets else "")
        rows.append(
            {
                "partner": COUNTRY_NAMES.get(p, p),
                "code": p,
                "summary": _partner_summary(COUNTRY_NAMES.get(p, p), own),
                "stories": own,
                "story_ids": [s.id for s in stories if p in s.targets],
                "sectors": _names(sorted({x for s in own for x in s.sectors}), SECTOR_NAMES),
            }
        )
    if len(partners) >= 2:
        trusted = [s for s in stories if _trusted(s)]
        sector_sets = [
            set(x for s in trusted if p in s.targets for x in s.sectors) for p in partners
        ]
        actor_sets = [set(a for s in trusted if p in s.targets for a in s.actors) for p in partners]
        common_sectors = sorted(set.intersection(*sector_sets))
        common_actors = sorted(set.intersection(*actor_sets))
        rows.append(
            {
                "partner": "Common to both",
                "code": "common",
                "stories": [],
                "story_ids": [s.id for s in stories if all(p in s.targets for p in partners)],
                "sectors": _names(common_sectors, SECTOR_NAMES),
                "actors": common_actors,
            }
        )
    return rows


# how a source names a state actor set in English, to tell a sentence about the actor
STATE_WORDS = {
    "china": ("China", "Chinese", "Beijing", "PRC"),
    "russia": ("Russia", "Russian", "Moscow", "Kremlin", "GRU", "FSB", "SVR"),
    "north-korea": ("North Korea", "North Korean", "DPRK", "Pyongyang"),
    "iran": ("Iran", "Iranian", "Tehran", "IRGC"),
}


# an institution's name takes "the" ("the National Police Agency"); a brand or acronym not
INSTITUTION_WORDS = {
    "National", "Ministry", "Federal", "Department", "Office", "Agency", "Centre", "Center",
    "Information", "Estonian", "Japanese", "Canadian", "Czech", "Australian", "Dutch",
    "German", "French", "Polish", "Korean", "European", "Cyber", "Cybersecurity", "Police",
}  # fmt: skip


# acronyms said with "the" ("the FBI"), unlike those said as a word ("CISA")
THE_ACRONYMS = {"FBI", "NSA", "NCSC", "NPA", "NISC", "GCHQ", "BSI", "ANSSI"}


def _the(publisher: str) -> str:
    words = publisher.split()
    if words and words[0] in THE_ACRONYMS:
        return f"the {publisher}"
    return f"the {publisher}" if len(words) > 1 and words[0] in INSTITUTION_WORDS else publisher


def _day(when: datetime | None) -> str:
    return f"{when:%-d %B %Y}" if when else "an unknown date"


def lede(story: Story, key: str, avoid: str = "") -> str:
    """The key story in one sentence. An English source's own first sentence when it names
    the actor (a group of the story, or the state); otherwise one built from the story's
    facts: when, who reported, which group or state, against what, with the source's own
    headline. `avoid` is a sentence already used (the section's pull-quote)."""
    lead = story.items[0]
    said = first_sentence(story.summary).strip() if story.summary else ""
    states = STATE_WORDS.get(key, (SET_NAMES.get(key, key),)) if key else ()
    words = [*story.actors, *states]
    # with no group or state to name (ransomware, DDoS by no one named), any sentence will do
    named = not words or any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", said) for w in words)
    if (
        lead.lang == "en"
        and named
        and 40 <= len(said) <= 300
        and said[-1] in ".!?"
        and said != avoid.strip()
    ):
        return f"{said[:-1]} ({lead.publisher}, {_day(lead.published_at)}){said[-1]}"
    if story.actors:
        who = f"activity by {_join(story.actors[:2])}"
    elif key:
        who = f"activity by {SET_NAMES.get(key, key)}-linked actors"
    else:
        who = "unattributed activity"
    sectors = _names(story.sectors[:3], SECTOR_NAMES)
    places = _names(story.targets[:3], COUNTRY_NAMES)  # never the actor's own (the tagger)
    noun = "sectors" if len(sectors) > 1 else "sector"
    against = f" against the {_join(sectors)} {noun}" if sectors else ""
    if places:
        against += f" in {_join(places)}" if sectors else f" against targets in {_join(places)}"
    return (
        f"On {_day(lead.published_at)} {_the(lead.publisher)} reported {who}{against}: "
        f"“{story.title.strip()}”."
    )


# the source says the flaw is being used, not only that it exists ("exploited", "zero-day",
# 悪用, "ära kasutatud"); matched in the sentence that names the CVE
EXPLOITED = re.compile(
    r"exploit|zero-day|0-day|in the wild|悪用|ゼロデイ|ära ?kasuta|nõrkust kasuta", re.IGNORECASE
)
SENTENCE = re.compile(r"[^.!?。]+[.!?。]?")


def _exploited(stories: Sequence[Story], notes: _Notes) -> list[dict[str, Any]]:
    """The vulnerabilities the period's sources say were exploited: each CVE with the
    stories that say so, the actor sets and groups they name, and a note for the first."""
    found: dict[str, list[Story]] = {}
    for story in stories:
        for item in story.items:
            for sentence in SENTENCE.findall(f"{item.title}. {item.summary}"):
                if not EXPLOITED.search(sentence):
                    continue
                for cve in {c.upper() for c in CVE_ID.findall(sentence)}:
                    if story not in found.setdefault(cve, []):
                        found[cve].append(story)
    rows = []
    for cve, own in sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        first = min(own, key=lambda s: s.first_seen.timestamp() if s.first_seen else math.inf)
        if not first.notes:
            first.notes = [notes.cite(first.items[0])]
        rows.append(
            {
                "cve": cve,
                "story_ids": [s.id for s in own],
                "actor_sets": sorted({a for s in own for a in s.actor_sets}),
                "set_names": _names(sorted({a for s in own for a in s.actor_sets}), SET_NAMES),
                "actors": sorted({a for s in own for a in s.actors}),
                "first_reported": _day(first.first_seen),
                "publisher": first.items[0].publisher,
                "notes": first.notes[:1],
            }
        )
    return rows


def _partner_summary(name: str, own: Sequence[Story]) -> str:
    """What the events against one partner come to: how many, by which states, and how many
    no source attributed to a state (ransomware, hacktivists, unnamed actors)."""
    if not own:
        return ""
    by_set = Counter(a for s in own for a in s.actor_sets)
    states = [f"{SET_NAMES.get(k, k)} ({v})" for k, v in by_set.most_common()]
    unattributed = sum(1 for s in own if not s.actor_sets)
    text = f"Sources reported {counted(len(own), 'event')} against {name}"
    text += f": attributed to {_join(states)}" if states else ", none attributed to a state"
    if states and unattributed:
        text += f", and {unattributed} attributed to no state"
    return text + "."


def _alternate(lists: Iterable[list[str]]) -> list[str]:
    """One from each list in turn, without repeats: a claim about both partners is backed by
    each partner's own evidence first."""
    out: list[str] = []
    for row in zip_longest(*lists):
        out.extend(i for i in row if i is not None and i not in out)
    return out


def _note_judgements(judgements: list[Judgement], stories: list[Story], notes: _Notes) -> None:
    """Each judgement carries the notes of the stories it rests on (up to three, the best
    ranked first); a story not cited yet is cited now, so no judgement stands without one."""
    by_id = {s.id: s for s in stories}
    for judgement in judgements:
        backing = [by_id[i] for i in judgement.story_ids if i in by_id][:3]
        for story in backing:
            if not story.notes:
                story.notes = [notes.cite(story.items[0])]
        judgement.notes = sorted({s.notes[0] for s in backing})


def _trusted(story: Story) -> bool:
    """Does a source above the lowest trust (a feed of known kind) report the story?"""
    return any(
        AUTHORITY.get(i.kind, AUTHORITY["unknown"]) > AUTHORITY["unknown"] for i in story.items
    )


def _judgements(
    sections: list[ActorSection],
    stories: list[Story],
    partners: Sequence[str],
    counts: Counter[str],
    before: Counter[str],
    feed_health: Sequence[dict[str, Any]],
) -> list[Judgement]:
    out: list[Judgement] = []
    if not sections:
        return [Judgement("No activity attributed to a state actor was reported in this period.")]
    top = max(sections, key=lambda s: s.count)
    out.append(
        Judgement(
            f"{top.name} was the most reported actor set, with {top.count} attributed "
            f"event{'s' if top.count != 1 else ''}"
            + (f", led by {_join(top.groups[:3])}." if top.groups else "."),
            top.story_ids,
        )
    )
    changes = sorted(((counts[k] - before[k], k) for k in counts | before), reverse=True)
    if changes and changes[0][0] > 0 and before:
        delta, key = changes[0]
        out.append(
            Judgement(
                f"The largest rise against the previous period was for "
                f"{SET_NAMES.get(key, key)}: {counts[key]} event{'s' if counts[key] != 1 else ''} "
                f"against {before[key]}.",
                [s.id for s in stories if key in s.actor_sets],
            )
        )
    # "in both" rests on at least one event per partner from a source above the lowest trust
    partner_sectors = [
        set(x for s in stories if p in s.targets and _trusted(s) for x in s.sectors)
        for p in partners
    ]
    if len(partners) >= 2 and partner_sectors and set.intersection(*partner_sectors):
        common = sorted(set.intersection(*partner_sectors))
        out.append(
            Judgement(
                f"The {_join(_names(common, SECTOR_NAMES))} sector"
                f"{'s were' if len(common) > 1 else ' was'} targeted in both "
                f"{_join([COUNTRY_NAMES.get(p, p) for p in partners])}.",
                _alternate(
                    [
                        s.id
                        for s in stories
                        if _trusted(s) and set(s.sectors) & set(common) and p in s.targets
                    ]
                    for p in partners
                ),
            )
        )
    for p in partners:
        hit = [s for s in sections if any(p in st.targets for st in s.stories)]
        if hit:
            out.append(
                Judgement(
                    f"{COUNTRY_NAMES.get(p, p)} was named as a target of "
                    f"{_linked([s.name for s in hit])} activity.",
                    [st.id for s in hit for st in s.stories if p in st.targets],
                )
            )
    if feed_health:
        out.append(
            Judgement(
                f"{len(feed_health)} feed{'s' if len(feed_health) != 1 else ''} failed at "
                "some point in the period; coverage may be incomplete (see annex)."
            )
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
            f"Because the {_join(common['sectors'])} "
            f"{'sector was' if len(common['sectors']) == 1 else 'sectors were'} hit in both "
            "countries, the partners' "
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
        "grouped into stories, one per event: items that share an address or an advisory "
        "identifier, that name the same group against the same sector or country within a "
        "week, or whose text is a near-duplicate once a group's aliases are read as one name. "
        "A story is ranked by how many feeds report it, the authority of its sources "
        "(government CERTs above vendors, vendors above news), the confidence of its "
        "attribution and its relevance to the partners.",
        "Attribution labels come from threatbrief's lexicon: a named group, or a state named "
        "in an attributive construction by the source. Hedged wording ('suspected', 'likely') "
        "is kept with lower confidence. Analysts' corrections override the lexicon. "
        "`threatbrief explain` shows the evidence behind every label.",
    ]
