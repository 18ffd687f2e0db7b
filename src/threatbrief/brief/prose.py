# SPDX-License-Identifier: Apache-2.0
"""The brief's grammar: lists, compounds, counts, dates, trends and the one-sentence lede.

Small pure functions, each tested at 0, 1, 2 and many, so that every sentence the brief
builds from facts reads as prose ("China- and North Korea-linked", "1 event, 3 reports").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import zip_longest

from ..models import BriefItem
from ..vocab import COUNTRY_NAMES, LANGUAGE_NAMES, SECTOR_NAMES, SET_NAMES
from .analysis import hedge
from .stories import Story, first_sentence

HEDGED_BELOW = 0.8  # an attribution the tagger read with a hedge has less confidence

__all__ = [
    "NO_BASELINE",
    "SMALL_COUNT",
    "STATE_WORDS",
    "alternate",
    "day",
    "join",
    "lede",
    "told_by",
    "linked",
    "names",
    "the",
    "trend",
]

NO_BASELINE = "no baseline: the store holds no earlier period"
SMALL_COUNT = 5  # below this, a percentage says more than the counts can


def trend(now: int, before: int) -> str:
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


def names(values: Iterable[str], table: dict[str, str]) -> list[str]:
    return [table.get(v, v) for v in values]


def join(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    # "education and research, and government": a name with its own "and" takes a comma
    last = ", and " if any(" and " in w for w in words) else " and "
    return ", ".join(words[:-1]) + last + words[-1]


def linked(names: Sequence[str]) -> str:
    """A suspended compound: "Russia-linked", "China- and North Korea-linked"."""
    names = list(names)
    return join([f"{n}-" for n in names[:-1]] + [names[-1]]) + "-linked" if names else ""


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


def the(publisher: str) -> str:
    words = publisher.split()
    if words and words[0] in THE_ACRONYMS:
        return f"the {publisher}"
    return f"the {publisher}" if len(words) > 1 and words[0] in INSTITUTION_WORDS else publisher


def day(when: datetime | None) -> str:
    return f"{when:%-d %B %Y}" if when else "an unknown date"


# a warning of what may come, not a report of what happened ("Iranian actors may target …")
_WARNING = re.compile(
    r"\b(?:may|might|could|are likely to|are expected to|plan to|intend to)\s+(?:\w+\s+)?"
    r"(?:target|attack|exploit|strike|hit|disrupt)\b",
    re.IGNORECASE,
)


def _spelled(story: Story, actor: str) -> str:
    """A group as its source names it, with the lexicon's name: "Marbled Dust (Sea Turtle)"."""
    alias = story.spelled.get(actor)
    return f"{alias} ({actor})" if alias else actor


def told_by(story: Story, about: str = "") -> BriefItem:
    """The report a key story is told from: its lead item, or in a partner's list (`about`)
    the first English report that names the partner as the target, if the lead does not."""
    lead = story.items[0]
    if about and about not in lead.targets:
        for item in story.items:
            if about in item.targets and item.lang == "en" and item.summary:
                return item
    return lead


def lede(story: Story, key: str, avoid: str = "", about: str = "") -> str:
    """The key story in one sentence. An English source's own first sentence when it names
    the actor (a group of the story, or the state); otherwise one built from the story's
    facts: when, who reported, which group or state, against what, with the source's own
    headline. `avoid` is a sentence already used (the section's pull-quote). In a partner's
    list (`about`, a country code), the story is told from a report that names the partner
    as the target where one does ("exploitation … against organisations in Japan")."""
    lead = told_by(story, about)
    summary = story.summary if lead is story.items[0] else lead.summary
    said = first_sentence(summary).strip() if summary else ""
    states = STATE_WORDS.get(key, (SET_NAMES.get(key, key),)) if key else ()
    words = [*story.actors, *story.spelled.values(), *states]
    # with no group or state to name (ransomware, DDoS by no one named), any sentence will do
    named = not words or any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", said) for w in words)
    if not named and summary:
        # the group is named in the next sentence: "… after a ransomware attack. The Qilin
        # gang later claimed it."
        two = first_sentence(summary[len(first_sentence(summary)) :].strip()).strip()
        both = f"{said} {two}" if two else ""
        if any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", two) for w in words):
            said, named = both, True
    if (
        lead.lang == "en"
        and named
        and 40 <= len(said) <= 300
        and said[-1] in ".!?"
        and said != avoid.strip()
    ):
        return f"{said[:-1]} ({lead.publisher}, {day(lead.published_at)}){said[-1]}"
    by = join([_spelled(story, a) for a in story.actors[:2]])
    by = by or (f"{SET_NAMES.get(key, key)}-linked actors" if key else "")
    own_words = hedge(story)
    verb = "reported"
    if _WARNING.search(f"{lead.title} {summary}"):
        verb, who = "warned of", f"possible activity by {by}" if by else "possible attacks"
    elif not by:
        who = "unattributed activity"
    elif own_words:  # the source's own estimative words, as it gave them
        who = f"activity it links to {by} (“{own_words}”)"
    elif story.confidence < HEDGED_BELOW:
        who = f"suspected activity by {by}"
    else:
        who = f"activity by {by}"
    sectors = names(story.sectors[:3], SECTOR_NAMES)
    places = names(story.targets[:3], COUNTRY_NAMES)  # never the actor's own (the tagger)
    noun = "sectors" if len(sectors) > 1 else "sector"
    against = f" against the {join(sectors)} {noun}" if sectors else ""
    if places:
        against += f" in {join(places)}" if sectors else f" against targets in {join(places)}"
    # a headline in another language says which, as the notes do: “…” (in Estonian)
    # (the words decide where a feed says "en" of a Japanese headline)
    lang = "ja" if re.search(r"[\u3040-\u30ff\u3400-\u9fff]", story.title) else story.items[0].lang
    language = LANGUAGE_NAMES.get(lang, "") if lang != "en" else ""
    return (
        f"On {day(lead.published_at)} {the(lead.publisher)} {verb} {who}{against}: "
        f"“{story.title.strip()}”{f' (in {language})' if language else ''}."
    )


# the source says the flaw is being used, not only that it exists ("exploited", "zero-day",
# 悪用, "ära kasutatud"); matched in the sentence that names the CVE


def alternate(lists: Iterable[list[str]]) -> list[str]:
    """One from each list in turn, without repeats: a claim about both partners is backed by
    each partner's own evidence first."""
    out: list[str] = []
    for row in zip_longest(*lists):
        out.extend(i for i in row if i is not None and i not in out)
    return out
