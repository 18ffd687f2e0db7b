# SPDX-License-Identifier: Apache-2.0
"""Write the model of a bilateral threat brief from a period's items, tags and feed health.

`BriefItem`s in, `BriefContext` out; pure, no I/O. Items are clustered into stories
(`brief.stories`), and every sentence of the key judgements and conclusions is generated from
figures computed here, so each is true of the data it cites.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ..models import TLP, BriefItem, PartnerAssessment, Period, StoryLink
from ..vocab import (
    COUNTRY_NAMES,
    LANGUAGE_NAMES,
    MAIN_SETS,
    PARTNER_LANGUAGES,
    SECTOR_NAMES,
    SET_NAMES,
    counted,
)
from .analysis import AIM_NAMES
from .analysis import aims as analysis_aims
from .analysis import methods as methods_of
from .change import findings, since_last
from .charts import figures
from .conclusions import conclusions as final_points
from .context import ActorSection, BriefContext, Judgement
from .exploited import Said, tied_to_a_state
from .exploited import exploited as exploited_flaws
from .nonstate import KINDS as NONSTATE_KINDS
from .nonstate import kinds as nonstate_kinds
from .nonstate import nonstate
from .notes import Notes
from .prose import alternate, join, lede, linked, names, told_by
from .sections import actor_section
from .stories import Story, cluster, cves_of, first_sentence, make_story, trusted
from .watch import follow_ups

__all__ = ["UNVERIFIED_LISTED", "build_brief"]

UNVERIFIED_LISTED = 25  # unverified stories the annex lists, with notes; more are counted

# how a partner's own language names it: "国内" (at home), "Eesti", "Eestis", "Eestit"
PARTNER_WORDS = {
    "EE": re.compile(r"\bEest(?:i|is|it|ile|ist|isse|ga)\b|\bTallinn"),
    "JP": re.compile(r"日本|国内|わが国|我が国"),
}


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
    last: dict[str, Any] | None = None,
) -> BriefContext:
    """The whole brief model for one period and pair of partners.

    `actor_states` maps group names to their actor set, so that a section names only its own
    groups (a story may also mention a criminal group); `aliases` maps every alias to its
    group's name, so that stories match reports that spell a group differently; `links` are
    analysts' decisions that two items are one story or two; `places` the names of countries
    and cities, which tell no victim from another. Without a `baseline` (the store did not
    fetch its feeds through the previous period) no count is compared with that period;
    without `fetched_during` the annex says its feeds' health in the period is not known.
    `last` is the last archived brief for the same partners (`label` of its period and its
    `findings`), against which the brief says what is new.
    """
    clustering = _Clustering.of(aliases, links, places)
    actor_states = actor_states or {}
    partner_names = [COUNTRY_NAMES.get(p, p) for p in partners]
    label = period.label
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
    every = _stories(items, partners, clustering, period.start)
    # a story that only feeds of unknown kind report is listed in the annex and nowhere else:
    # it counts for no section, partner, chart, judgement or conclusion
    unverified = [s for s in every if not trusted(s)]
    stories = [s for s in every if trusted(s) and not s.historical]
    background = [s for s in every if trusted(s) and s.historical]
    quarantined = _stories(held, partners, clustering)  # marked so by make_story
    notes = Notes()
    # events, not items: a joint advisory through three feeds counts once
    counts = Counter(a for s in stories for a in s.actor_sets)
    earlier = (
        [
            s
            for s in _stories([i for i in previous if not i.quarantined], partners, clustering)
            if not s.historical and trusted(s)
        ]
        if baseline
        else []
    )
    before = Counter(a for s in earlier for a in s.actor_sets)

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
            actor_section(
                number,
                key,
                own,
                [s for s in earlier if key in s.actor_sets],
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
    said = Said()  # what each report says was exploited, read once
    tied = tied_to_a_state(stories, said)
    relevance_rows = _partner_relevance(stories, partners, notes, tied)
    charts = figures(stories, [sec.key for sec in sections], period, relevance_rows)
    for story in background:
        story.notes = [notes.cite(story.items[0])]
    for story in unverified[:UNVERIFIED_LISTED]:  # the templates list these; the rest counted
        story.notes = [notes.cite(story.items[0])]
    judgements = _judgements(sections, stories, partners, counts, before, feed_health)
    _note_judgements(judgements, stories, notes)
    exploited = exploited_flaws(stories, notes, said)
    for row in relevance_rows:
        if row["code"] == "common":
            row["claims"] = _common_claims(stories, partners, exploited, notes)
    threats = nonstate(stories, partners, notes, tied)
    watch = follow_ups(stories, period.end)
    by_id = {s.id: s for s in stories}
    for follow in watch:
        follow.notes = notes.of([by_id[follow.story_id]])
    change = since_last(stories, exploited, last, notes)
    conclusions = final_points(sections, stories, partners, exploited, notes)
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
        f"{join(partner_names)}. It draws on {counted(len(items), 'item')} from "
        f"{counted(feeds_used, 'feed')} in "
        f"{join([f'{LANGUAGE_NAMES.get(k, k)} ({v})' for k, v in langs.most_common()])}, "
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
        nonstate=threats,
        since_last=change,
        has_last=last is not None,
        follow_ups=watch,
        findings=findings(stories, exploited),
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
        unverified=unverified,
        heatmap=charts.heatmap,
        weekly=charts.weekly,
        partner_matrix=charts.partner_matrix,
    )


@dataclass(frozen=True, slots=True)
class _Clustering:
    """What `cluster` reads besides the items: group aliases and analysts' decisions."""

    aliases: Mapping[str, str] | None
    links: Sequence[StoryLink]
    places: Sequence[str]
    spellings: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @classmethod
    def of(
        cls, aliases: Mapping[str, str] | None, links: Sequence[StoryLink], places: Sequence[str]
    ) -> _Clustering:
        """With each group's Latin aliases by its name, inverted once per brief."""
        spellings: dict[str, list[str]] = defaultdict(list)
        for alias, name in (aliases or {}).items():
            if alias != name and alias.isascii():
                spellings[name].append(alias)
        return cls(aliases, links, places, spellings)


def _stories(
    items: Sequence[BriefItem],
    partners: Sequence[str],
    clustering: _Clustering,
    since: datetime | None = None,
) -> list[Story]:
    """The items' events as stories, best first, those from sources of unknown kind alone
    last (`make_story` marks those whose items all date their activity long before they were
    published as historical)."""
    groups = cluster(
        items, aliases=clustering.aliases, links=clustering.links, places=clustering.places
    )
    made = [make_story(g, partners, since) for g in groups]
    for story in made:
        _spell(story, clustering.spellings)
    # a story that only a feed of unknown kind reports comes after every other: listed, it
    # never leads a section, a partner's list, a judgement or a quote
    return sorted(made, key=lambda s: (not trusted(s), -s.score, s.title))


def _spell(story: Story, spellings: Mapping[str, Sequence[str]]) -> None:
    """The name its lead report gives each group, where it uses an alias ("Marbled Dust" for
    Sea Turtle): the brief names the group as the source did, with the lexicon's name."""
    lead = story.items[0]
    text = f"{lead.title} {lead.summary}"
    for actor in story.actors:
        if re.search(rf"(?<!\w){re.escape(actor)}(?!\w)", text):
            continue
        for alias in spellings.get(actor, ()):
            written = len(alias) > 3 and alias in text
            if written and re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", text):
                story.spelled[actor] = alias
                break


def _partner_relevance(
    stories: list[Story], partners: Sequence[str], notes: Notes, tied: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    rows = []
    for p in partners:
        own = [s for s in stories if p in s.targets]  # every one: a partner's own events
        # and what a source in the partner's language says about the partner, no target named
        about = [s for s in stories if p not in s.targets and _about(s, p)]
        for s in own + about:
            if not s.lede:  # not a key story of an actor section: told for this partner
                told = notes.number(told_by(s, p))
                s.lede = lede(s, s.actor_sets[0] if s.actor_sets else "", about=p)
                s.notes = [told, *(n for n in s.notes if n != told)]
        name = COUNTRY_NAMES.get(p, p)
        summary = _partner_summary(name, own, tied)
        if about:
            language = LANGUAGE_NAMES.get(PARTNER_LANGUAGES.get(p, ""), "its language")
            summary += (
                f"{' ' if summary else ''}"
                f"{counted(len(about), 'more report' if summary else 'report', opening=True)} "
                f"in {language} "
                f"{'concerns' if len(about) == 1 else 'concern'} {name} without naming it as "
                "a target."
            )
        rows.append(
            {
                "partner": name,
                "code": p,
                "summary": summary,
                "stories": own + about,
                "story_ids": [s.id for s in own + about],
                "sectors": names(sorted({x for s in own for x in s.sectors}), SECTOR_NAMES),
            }
        )
    if len(partners) >= 2:
        known = [s for s in stories if trusted(s)]
        sector_sets = [set(x for s in known if p in s.targets for x in s.sectors) for p in partners]
        actor_sets = [set(a for s in known if p in s.targets for a in s.actors) for p in partners]
        common_sectors = sorted(set.intersection(*sector_sets))
        common_actors = sorted(set.intersection(*actor_sets))
        rows.append(
            {
                "partner": "Common to both",
                "code": "common",
                "stories": [],
                "story_ids": [s.id for s in stories if all(p in s.targets for p in partners)],
                "sectors": names(common_sectors, SECTOR_NAMES),
                "actors": common_actors,
            }
        )
    return rows


def _about(story: Story, partner: str) -> bool:
    """Does a source in the partner's own language write about the partner ("国内", "Eestis"),
    or does one of the partner's own authorities (a CERT or government body under its country
    domain) write in its language about an actor ("Välisluureamet: Hiina häkkerid …")?"""
    lang = PARTNER_LANGUAGES.get(partner)
    words = PARTNER_WORDS.get(partner)
    if not lang or words is None:
        return False
    home = f".{partner.lower()}"
    attributed = bool(story.actor_sets or story.actors)
    return any(
        i.lang == lang
        and (
            words.search(f"{i.title} {i.summary}")
            or (attributed and i.kind in ("cert", "government") and _host(i.url).endswith(home))
        )
        for i in story.items
    )


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _partner_summary(name: str, own: Sequence[Story], tied: frozenset[str] = frozenset()) -> str:
    """What the events against one partner come to: how many, by which states, how many
    exploit a flaw that other sources tie to a state actor (`tied`), and how many no source
    attributed to a state (ransomware, hacktivists, unnamed actors)."""
    if not own:
        return ""
    by_set = Counter(a for s in own for a in s.actor_sets)
    states = [f"{SET_NAMES.get(k, k)} ({v})" for k, v in by_set.most_common()]
    flaws = sum(1 for s in own if not s.actor_sets and cves_of(s) & tied)
    unattributed = sum(1 for s in own if not s.actor_sets) - flaws
    text = f"Sources reported {counted(len(own), 'event')} against {name}"
    text += f": attributed to {join(states)}" if states else ", none attributed to a state"
    parts = [f"{flaws} exploiting a flaw that other sources tie to a state actor"] if flaws else []
    if unattributed and (states or flaws):
        parts.append(f"{unattributed} attributed to no state")
    if len(parts) == 1:
        text += f", and {parts[0]}"
    elif parts:
        text += f"; {parts[0]}; and {parts[1]}"
    return text + "."


def _note_judgements(judgements: list[Judgement], stories: list[Story], notes: Notes) -> None:
    """Each judgement carries the notes of the stories it rests on (up to three, the best
    ranked first); a story not cited yet is cited now, so no judgement stands without one."""
    by_id = {s.id: s for s in stories}
    for judgement in judgements:
        backing = [by_id[i] for i in judgement.story_ids if i in by_id]
        judgement.notes = notes.of(backing, most=judgement.cites)


def _each_sector_each_partner(
    stories: Sequence[Story], sectors: Sequence[str], partners: Sequence[str]
) -> list[str]:
    """For "the finance and government sectors were targeted in both": one story for each
    sector and partner first (finance in Estonia, finance in Japan, government in …), so the
    notes back every part of the sentence, then the others."""
    found = [
        [s.id for s in stories if trusted(s) and x in s.sectors and p in s.targets]
        for x in sectors
        for p in partners
    ]
    return list(dict.fromkeys([*(ids[0] for ids in found if ids), *alternate(found)]))


def _led_by(section: ActorSection, stories: Sequence[Story]) -> list[str]:
    """The section's stories with the groups that lead it first, one for each group: the
    notes of "led by MirrorFace, Salt Typhoon and APT31" are those groups' own."""
    own = [s for s in stories if section.key in s.actor_sets]
    first = [
        found.id
        for g in section.groups[:3]
        if (found := next((s for s in own if g in s.actors), None)) is not None
    ]
    return list(dict.fromkeys([*first, *section.story_ids]))


def _with_aim(section: ActorSection, stories: Sequence[Story]) -> list[str]:
    """The section's stories whose sources name its leading aim ("theft for revenue")."""
    aim = next(iter(section.aims), "")
    key = next((k for k, v in AIM_NAMES.items() if v == aim), "")
    own = [s for s in stories if section.key in s.actor_sets]
    return [s.id for s in own if key in analysis_aims(s)] or section.story_ids


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
        out.append(
            Judgement("No activity attributed to a state actor was reported in this period.")
        )
        if shared := _shared_nonstate(stories, partners):
            out.append(shared)
        return out + _health_judgement(feed_health)
    top = max(sections, key=lambda s: s.count)
    out.append(
        Judgement(
            f"{top.name}-linked actors were the most reported, with "
            f"{counted(top.count, 'attributed event')}{_aim_clause(top)}"
            + (f", led by {join(top.groups[:3])}." if top.groups else "."),
            _led_by(top, stories),
        )
    )
    # what the other main sets were after, where the sources say it for most of their events
    others = [s for s in sections if s is not top and s.key in MAIN_SETS and _aim_clause(s)]
    if others:
        parts = []
        for sec in others:
            aim, n = next(iter(sec.aims.items()))
            parts.append(
                f"the one {sec.name}-linked event was {aim}"
                if sec.count == 1
                else f"most {sec.name}-linked events were {aim} ({n} of {sec.count})"
            )
        text = "; ".join(parts)
        out.append(
            Judgement(
                f"{text[:1].upper()}{text[1:]}.",
                alternate([_with_aim(sec, stories) for sec in others]),
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
        set(x for s in stories if p in s.targets and trusted(s) for x in s.sectors)
        for p in partners
    ]
    if len(partners) >= 2 and partner_sectors and set.intersection(*partner_sectors):
        common = sorted(set.intersection(*partner_sectors))
        out.append(
            Judgement(
                f"The {join(names(common, SECTOR_NAMES))} sector"
                f"{'s were' if len(common) > 1 else ' was'} targeted in both "
                f"{join([COUNTRY_NAMES.get(p, p) for p in partners])}.",
                _each_sector_each_partner(stories, common, partners),
                cites=max(3, min(6, len(common) * len(partners))),
            )
        )
    # one sentence for the partners named as targets, each partner's evidence in turn
    said, backing = [], []
    for p in partners:
        # every event of the set against the partner, from a source above the lowest trust
        against = {
            sec.key: [st.id for st in stories if sec.key in st.actor_sets and p in st.targets
                      and trusted(st)]
            for sec in sections
        }  # fmt: skip
        hit = [sec for sec in sections if against[sec.key]]
        if hit:
            said.append((COUNTRY_NAMES.get(p, p), linked([s.name for s in hit])))
            backing.append([i for sec in hit for i in against[sec.key]])
    if said:
        first, *rest = said
        text = f"{first[0]} was named as a target of {first[1]} activity"
        text += "".join(f", {name} of {what} activity" for name, what in rest)
        out.append(Judgement(text + ".", alternate(backing)))
    shared = _shared_nonstate(stories, partners)
    if shared:
        out.append(shared)
    health = _health_judgement(feed_health)  # an outage is always said: it bounds the rest
    return out[: 5 - len(health)] + health


def _health_judgement(feed_health: Sequence[dict[str, Any]]) -> list[Judgement]:
    if not feed_health:
        return []
    return [
        Judgement(
            f"{counted(len(feed_health), 'feed')} failed at some point in the period; coverage "
            "may be incomplete (see annex)."
        )
    ]


def _common_claims(
    stories: Sequence[Story],
    partners: Sequence[str],
    exploited: Sequence[dict[str, Any]],
    notes: Notes,
) -> list[Judgement]:
    """What both partners faced, from sources above the lowest trust: the same groups, the
    same methods, the same exploited vulnerabilities; each with the notes of each partner's
    own stories first."""
    per = [[s for s in stories if p in s.targets and trusted(s)] for p in partners]
    if len(per) < 2 or not all(per):
        return []
    out: list[Judgement] = []
    by_id = {s.id: s for s in stories}

    def claim(text: str, has: Callable[[Story], bool]) -> None:
        ids = alternate([[s.id for s in own if has(s)] for own in per])
        out.append(Judgement(text, ids, notes.of([by_id[i] for i in ids])))

    groups = set.intersection(*(set(a for s in own for a in s.actors) for own in per))
    if groups:
        claim(
            f"{join(sorted(groups))} {'was' if len(groups) == 1 else 'were'} reported against "
            "both.",
            lambda s: bool(set(s.actors) & groups),
        )
    sets = set.intersection(*(set(a for s in own for a in s.actor_sets) for own in per))
    if sets and not groups:
        claim(
            f"{linked([SET_NAMES.get(k, k) for k in sorted(sets)])} actors were reported against "
            "both.",
            lambda s: bool(set(s.actor_sets) & sets),
        )
    methods = set.intersection(*(set(m for s in own for m in methods_of(s)) for own in per))
    if methods:
        claim(
            f"Both faced {join(sorted(methods))}.",
            lambda s: bool(set(methods_of(s)) & methods),
        )
    cves = [
        str(v["cve"])
        for v in exploited
        if all(set(v["story_ids"]) & {s.id for s in own} for own in per)
    ]
    if cves:
        ids = {i for v in exploited if v["cve"] in cves for i in v["story_ids"]}
        claim(
            f"{join(cves)} {'was' if len(cves) == 1 else 'were'} exploited against both.",
            lambda s: s.id in ids,
        )
    return out


def _aim_clause(section: ActorSection) -> str:
    """ ", most of them espionage" when the sources name one aim for most of a set's events,
    else ""."""
    if not section.aims:
        return ""
    aim, n = next(iter(section.aims.items()))
    return f", most of them {aim}" if n * 2 > section.count else ""


def _shared_nonstate(stories: Sequence[Story], partners: Sequence[str]) -> Judgement | None:
    """ "Both Estonia and Japan faced DDoS attacks that no source attributes to a state." when
    trusted sources report one kind of non-state attack against every partner."""
    if len(partners) < 2:
        return None
    per = [
        {s.id: set(nonstate_kinds(s)) for s in stories if p in s.targets and not s.actor_sets
         and trusted(s)}
        for p in partners
    ]  # fmt: skip
    shared = set.intersection(*(set().union(*own.values()) for own in per)) - {"other"}
    if not shared:
        return None
    said = [NONSTATE_KINDS[k][1] for k in NONSTATE_KINDS if k in shared]
    return Judgement(
        f"Both {join([COUNTRY_NAMES.get(p, p) for p in partners])} faced {join(said)} that no "
        "source attributes to a state.",
        alternate([[i for i, k in own.items() if k & shared] for own in per]),
    )


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
        "The threatbrief explain command shows the evidence behind every label.",
    ]
