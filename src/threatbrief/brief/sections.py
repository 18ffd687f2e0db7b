# SPDX-License-Identifier: Apache-2.0
"""One actor section of a brief, written as analytic prose from the tagged facts.

Stories in, `ActorSection` out; pure but for the notes it numbers. A section says, in the
order of the report's actor sections: who (the state organ behind the groups, where the
sources name it), what the actor was after, what happened (the key stories), to whom, how,
and what changed against the baseline. Each sentence is a `Claim` with the stories it rests
on, so that it carries their notes; a fact no source states is never written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ..models import BriefItem
from ..vocab import COUNTRY_NAMES, SECTOR_NAMES, SET_NAMES, counted
from . import analysis
from .analysis import AIM_NAMES
from .context import ActorSection, Claim
from .notes import Notes
from .prose import (
    HEDGED_BELOW,
    NO_BASELINE,
    SMALL_COUNT,
    STATE_WORDS,
    alternate,
    day,
    join,
    lede,
    names,
    the,
    trend,
)
from .stories import Story, trusted

__all__ = ["actor_section", "own_country", "pull_quote"]

KEY_STORIES = 5

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_CODES = {name: code for code, name in COUNTRY_NAMES.items()}
# a sentence tells its consequence: what was taken, broken into, disrupted or targeted
_CONSEQUENCE = re.compile(
    r"stole|stolen|theft|breach|compromis|intru|exfiltrat|disrupt|delay|halt|leak|encrypt"
    r"|took over|hijack|targeted|attack|spied|steal|wiped|deface|侵害|窃取|被害|攻撃|流出"
    r"|rünna|rünnak|sihti|varasta",
    re.IGNORECASE,
)


def _credit(item: BriefItem) -> str:
    credit = f"{item.publisher}, {day(item.published_at)}"
    if item.via and item.via != item.publisher:
        credit += f", as summarised by {item.via}"
    return credit


def own_country(key: str) -> str:
    """The ISO code of the state behind actor set `key` ("china" -> "CN"), or ""."""
    return _CODES.get(SET_NAMES.get(key, ""), "")


def _claim(text: str, backing: Sequence[Story], notes: Notes) -> Claim:
    return Claim(text, [s.id for s in backing], notes.of(backing))


def _overview(name: str, stories: Sequence[Story], aims: Counter[str]) -> str:
    """ "Sources reported 6 events attributed to North Korea-linked actors (7 reports), most
    of them theft for revenue." The aim is named only when sources name one for most events,
    or it leads the others."""
    reports = sum(len(s.items) for s in stories)
    text = (
        f"Sources reported {counted(len(stories), 'event')} attributed to {name}-linked actors "
        f"({counted(reports, 'report')})"
    )
    ranked = aims.most_common()
    if ranked:
        aim, n = ranked[0]
        if len(stories) == 1:
            text += f", {AIM_NAMES[aim]}" + (
                f" and {AIM_NAMES[ranked[1][0]]}" if len(ranked) > 1 else ""
            )
        elif n * 2 > len(stories):
            text += f", most of them {AIM_NAMES[aim]}"
        elif len(ranked) == 1 or n > ranked[1][1]:
            text += f"; {AIM_NAMES[aim]} made up the largest share ({n} of {len(stories)})"
        else:
            text += f", as much {AIM_NAMES[aim]} as {AIM_NAMES[ranked[1][0]]}"
    return text + "."


def _hedged(stories: Sequence[Story], hedged: Sequence[Story]) -> str:
    """ "For 2 events the sources hedge the attribution (“likely”, “suspected”)." in the
    sources' own estimative words where they gave them."""
    words = sorted({w for s in hedged if (w := analysis.hedge(s))})
    said = f" ({join([f'“{w}”' for w in words[:3]])})" if words else ""
    if len(hedged) == len(stories):
        subject = "The source hedges" if len(stories) == 1 else "For every event the sources hedge"
        return f"{subject} the attribution{said}."
    return f"For {counted(len(hedged), 'event')} the sources hedge the attribution{said}."


def _who(name: str, organs: Sequence[str], groups: Sequence[str]) -> str:
    if organs and groups:
        return (
            f"The sources tie the activity to {join(organs)}; the "
            f"{'group they name' if len(groups) == 1 else 'groups they name most'} "
            f"{'is' if len(groups) == 1 else 'are'} {join(groups)}."
        )
    if organs:
        return f"The sources tie the activity to {join(organs)}."
    if groups:
        if len(groups) == 1:
            return f"The one group named is {groups[0]}."
        return f"The groups named most are {join(groups)}."
    return f"No source names a group; the attribution is to {name} as a state."


def _sums(thefts: Sequence[Story]) -> str:
    """ "The sources name the sums: 308 million USD (FBI, 24 December 2024) and …" """
    named = [(s, found[0]) for s in thefts if (found := analysis.sums(s))]
    if not named:
        return ""
    parts = [
        f"{amount} ({s.items[0].publisher}, {day(s.items[0].published_at)})" for s, amount in named
    ]
    return f"The sources name the sum{'s' if len(parts) > 1 else ''} involved: {join(parts[:4])}."


def _whom(sectors: Sequence[str], countries: Sequence[str]) -> str:
    """ "Their reported targets were in the government and defence sectors, in Japan." """
    if not sectors and not countries:
        return ""
    where = join(countries)
    if sectors:
        noun = "sector" if len(sectors) == 1 else "sectors"
        return f"Their reported targets were in the {join(sectors)} {noun}" + (
            f", in {where}." if where else "."
        )
    return f"Their reported targets were in {where}."


def _partners(partner_hits: Sequence[tuple[str, int]]) -> str:
    if not partner_hits:
        return ""
    said = [f"{counted(n, 'event')} against {COUNTRY_NAMES.get(p, p)}" for p, n in partner_hits]
    # "1 event against Japan and 2 events against Estonia" reads best with the noun once
    return f"Of these, the sources report {join(said)}."


def _how(methods: Sequence[tuple[str, int]]) -> str:
    if not methods:
        return ""
    said = [f"{m} ({n})" if len(methods) > 1 else m for m, n in methods]
    return (
        f"The methods the sources name are {join(said)}."
        if len(said) > 1
        else (f"The method the sources name is {said[0]}.")
    )


def _changed(
    name: str,
    count: int,
    previous: int,
    groups: Sequence[str],
    before_groups: set[str],
) -> str:
    """ "The previous period had 5 events attributed to China-linked actors; this period's 8
    are up 60%. MirrorFace was not named in it." Percentages only on counts of `SMALL_COUNT`
    or more."""
    if not previous:
        return f"The previous period had no event attributed to {name}-linked actors."
    text = (
        f"The previous period had {counted(previous, 'event')} attributed to {name}-linked actors"
    )
    change = (count - previous) / previous
    if count == previous:
        text += ", as many as this one"
    elif min(count, previous) < SMALL_COUNT or abs(change) < 0.1:
        text += (
            f", {'fewer' if count > previous else 'more'} than this one"
            if abs(change) >= 0.1
            else ", about as many as this one"
        )
    else:
        text += f"; this period's {count} are {'up' if change > 0 else 'down'} {abs(change):.0%}"
    new = [g for g in groups if g not in before_groups][:3]
    if new:
        text += f". {join(new)} {'was' if len(new) == 1 else 'were'} not named in it"
    return text + "."


def pull_quote(key: str, stories: Sequence[Story]) -> analysis.Sentence | None:
    """The section's most telling sentence: from its best-corroborated story, the sentence of
    the most authoritative source that names the actor (a group or the state), a victim and
    a consequence; ties go to the earlier sentence."""
    if not stories:
        return None
    best = max(stories, key=lambda s: (trusted(s), s.corroboration, s.score))
    actors = [*best.actors, *STATE_WORDS.get(key, (SET_NAMES.get(key, key),))]
    victims = [
        *(COUNTRY_NAMES.get(t, t) for t in best.targets),
        *(SECTOR_NAMES.get(x, x) for x in best.sectors),
    ]

    def names_any(words: Sequence[str], text: str) -> bool:
        low = text.lower()
        return any(w and w.lower() in low for w in words)

    def rank(pair: tuple[int, analysis.Sentence]) -> tuple[float, ...]:
        order, sentence = pair
        text = sentence.text
        length_ok = 40 <= len(text) <= 320 or (
            sentence.story.items[sentence.item_index].lang != "en" and 15 <= len(text) <= 200
        )
        return (
            float(length_ok),
            float(names_any(actors, text))
            + float(names_any(victims, text))
            + float(bool(_CONSEQUENCE.search(text))),
            sentence.authority,
            float(sentence.story.items[sentence.item_index].lang == "en"),
            -order,
        )

    candidates = list(enumerate(analysis.sentences([best])))
    if not candidates:
        return None
    return max(candidates, key=rank)[1]


def _gloss(story: Story, key: str) -> str:
    """An English gloss of a quote in another language, built from the story's facts and
    marked as a gloss: who reported what, by whom, against whom."""
    lead = story.items[0]
    who = join(story.actors[:2]) or f"{SET_NAMES.get(key, key)}-linked actors"
    sectors = names(story.sectors[:3], SECTOR_NAMES)
    places = names(story.targets[:3], COUNTRY_NAMES)
    against = ""
    if sectors:
        against = f" against the {join(sectors)} sector{'s' if len(sectors) > 1 else ''}"
    if places:
        against += f" in {join(places)}" if sectors else f" against targets in {join(places)}"
    reporter = the(lead.publisher)
    return f"{reporter[:1].upper()}{reporter[1:]} reports activity by {who}{against}."


def actor_section(
    number: int,
    key: str,
    stories: list[Story],
    previous: Sequence[Story],
    partners: Sequence[str],
    notes: Notes,
    actor_states: dict[str, str],
    *,
    baseline: bool = True,
) -> ActorSection:
    """Actor set `key`'s section, from its stories this period (best first) and in the
    previous one (empty without a `baseline`)."""
    name = SET_NAMES.get(key, key)
    home = own_country(key)
    count = len(stories)
    own_groups = Counter(a for s in stories for a in s.actors if actor_states.get(a, key) == key)
    groups = [g for g, _ in own_groups.most_common(6)]
    sector_counts = Counter(x for s in stories for x in s.sectors)
    sectors = [x for x, _ in sector_counts.most_common(5)]
    # never the actor's own country as its target (a state spying on its dissidents abroad
    # is tagged with the country where they are)
    targets = [
        x for x, _ in Counter(x for s in stories for x in s.targets if x != home).most_common(6)
    ]
    top = stories[:KEY_STORIES]
    for story in top:
        if not story.notes:
            story.notes = [notes.cite(story.items[0])]
    by_aim: dict[str, list[Story]] = {}
    by_method: dict[str, list[Story]] = {}
    by_organ: dict[str, list[Story]] = {}
    words = [*STATE_WORDS.get(key, (name,)), *(g for g in own_groups)]
    for story in stories:
        for aim in analysis.aims(story, words):
            by_aim.setdefault(aim, []).append(story)
        for method in analysis.methods(story, words):
            by_method.setdefault(method, []).append(story)
        for organ in analysis.organs(story, key, words):
            by_organ.setdefault(organ, []).append(story)
    aims = Counter({a: len(v) for a, v in by_aim.items()})
    hedged = [s for s in stories if s.confidence < HEDGED_BELOW or analysis.hedge(s)]
    claims = [
        _claim(
            _overview(name, stories, aims),
            by_aim[aims.most_common(1)[0][0]] if aims else stories,
            notes,
        )
    ]
    if hedged:
        claims.append(_claim(_hedged(stories, hedged), hedged, notes))
    organs = sorted(by_organ, key=lambda o: -len(by_organ[o]))
    group_stories = [s for s in stories if set(s.actors) & set(groups[:3])]
    organ_stories = [s for s in stories if any(s in by_organ[o] for o in organs)]
    # a group every source of the section calls by one alias is named as they do
    spelled = {
        g: f"{g} ({found.pop()})"
        for g in groups[:3]
        if len(found := {s.spelled.get(g, g) for s in stories if g in s.actors} - {g}) == 1
        and all(g in s.spelled for s in stories if g in s.actors)
    }
    shown = [spelled.get(g, g) for g in groups[:3]]
    claims.append(_claim(_who(name, organs, shown), organ_stories or group_stories, notes))
    if "revenue" in by_aim and (text := _sums(by_aim["revenue"])):
        claims.append(_claim(text, [s for s in by_aim["revenue"] if analysis.sums(s)], notes))
    first = len(claims)  # who and what it was after; then to whom and how
    whom = _whom(names(sectors, SECTOR_NAMES), names(targets, COUNTRY_NAMES))
    if whom:
        claims.append(_claim(whom, [s for s in stories if s.sectors or s.targets], notes))
    partner_hits = [(p, sum(1 for s in stories if p in s.targets)) for p in partners]
    partner_hits = [(p, n) for p, n in partner_hits if n]
    if partner_hits and len(stories) > 1:  # of one event, "its targets" said it already
        backing = alternate([[s.id for s in stories if p in s.targets] for p, _ in partner_hits])
        by_id = {s.id: s for s in stories}
        claims.append(_claim(_partners(partner_hits), [by_id[i] for i in backing], notes))
    methods = sorted(by_method.items(), key=lambda kv: -len(kv[1]))[:5]
    if methods:
        backing_ids = alternate([[s.id for s in v] for _, v in methods])
        by_id = {s.id: s for s in stories}
        claims.append(
            _claim(_how([(m, len(v)) for m, v in methods]), [by_id[i] for i in backing_ids], notes)
        )
    second = len(claims)
    if baseline:
        # the previous period's count is the store's own (its stories are in the previous
        # brief); the groups new in this period are cited by their stories here
        before_groups = {a for s in previous for a in s.actors}
        new = [s for s in stories if previous and (set(s.actors) - before_groups) & set(groups)]
        claims.append(
            _claim(
                _changed(name, count, len(previous), groups, before_groups),
                new,
                notes,
            )
        )
    quote = pull_quote(key, stories)
    quote_story = quote.story if quote else None
    quote_item = quote_story.items[quote.item_index] if quote and quote_story else None
    for story in top:
        story.lede = lede(story, key, avoid=quote.text if quote else "")
        notes.of([story])
        notes.also(story)
    # a feed may say "en" of a Japanese sentence: the words decide
    quote_lang = quote_item.lang if quote_item else "en"
    if quote and _CJK.search(quote.text):
        quote_lang = "ja"
    return ActorSection(
        number=number,
        key=key,
        name=name,
        count=count,
        previous=len(previous),
        trend=trend(count, len(previous)) if baseline else NO_BASELINE,
        groups=groups,
        sectors=names(sectors, SECTOR_NAMES),
        targets=targets,
        stories=top,
        paragraph=" ".join(c.text for c in claims),
        pull_quote=quote.text if quote else "",
        partner_stories=sum(1 for s in stories if set(partners) & set(s.targets)),
        story_ids=[s.id for s in stories],
        reports=sum(len(s.items) for s in stories),
        pull_quote_story_id=quote_story.id if quote_story else "",
        # "— National Police Agency, 8 January 2025": who said it, and when; the words are the
        # feed's where another feed carried the report ("FBI, …, as summarised by JPCERT/CC")
        pull_quote_credit=_credit(quote_item) if quote_item else "",
        pull_quote_lang=quote_lang,
        pull_quote_gloss=_gloss(quote_story, key) if quote_story and quote_lang != "en" else "",
        paragraphs=[p for p in (claims[:first], claims[first:second], claims[second:]) if p],
        aims={AIM_NAMES[a]: n for a, n in aims.most_common()},
        methods={m: len(v) for m, v in methods},
        organs=organs,
        hedged=len(hedged),
    )
