# SPDX-License-Identifier: Apache-2.0
"""What a brief template renders: the brief's context, its sections and its notes.

Plain dataclasses filled by `brief.write` and read by `render`; every field of
`BriefContext` carries a `help` string, which docs/briefs.md and a contract test follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..models import Period
from ..vocab import LANGUAGE_NAMES
from .charts import Grid, Series, Week, Weekly
from .stories import Story
from .watch import FollowUp

__all__ = [
    "ActorSection",
    "BriefContext",
    "Claim",
    "Footnote",
    "Grid",
    "Judgement",
    "Series",
    "Week",
    "Weekly",
]


@dataclass
class Footnote:
    """A numbered note citing one source in full: publisher (and the feed it came via, when
    that is another organisation), title, date, address."""

    number: int
    publisher: str
    title: str
    date: str
    url: str
    lang: str
    short: bool = False
    via: str = ""  # the feed's publisher, when it is not the item's

    @property
    def language(self) -> str:
        return LANGUAGE_NAMES.get(self.lang, self.lang)


@dataclass
class Claim:
    """One sentence that states a fact, and the stories it rests on; reads as its text. Key
    judgements, the sentences of an actor section and the conclusions are claims."""

    text: str
    story_ids: list[str] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)  # the notes its sentence carries
    # how many of its stories' notes it carries: 3, or one per part it states ("finance and
    # government … in both Estonia and Japan": four)
    cites: int = field(default=3, metadata={"brief": False})

    def __str__(self) -> str:
        return self.text


Judgement = Claim  # a key judgement is a claim


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
    targets: list[str]  # ISO codes
    stories: list[Story]
    paragraph: str
    pull_quote: str
    partner_stories: int
    story_ids: list[str] = field(default_factory=list)  # every story of the set, best first
    reports: int = 0  # the items behind those stories
    pull_quote_story_id: str = ""
    pull_quote_credit: str = ""  # the publisher quoted and the date: "CISA, 8 January 2025"
    pull_quote_gloss: str = ""  # an English gloss of a quote in another language, from facts
    pull_quote_lang: str = "en"
    # the analytic prose: paragraphs of claims, each sentence with its notes
    paragraphs: list[list[Claim]] = field(default_factory=list)
    aims: dict[str, int] = field(default_factory=dict)  # aim -> events whose sources name it
    methods: dict[str, int] = field(default_factory=dict)  # method -> events
    organs: list[str] = field(default_factory=list)  # state organs the sources name
    hedged: int = 0  # events whose lead source hedges the attribution


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
    key_judgements: list[Judgement] = field(
        metadata={"help": "Bottom line up front, 3-5 sentences, each with its stories"}
    )
    introduction: list[str] = field(metadata={"help": "Introduction paragraphs"})
    sections: list[ActorSection] = field(metadata={"help": "One per actor set, by relevance"})
    sector_table: list[dict[str, Any]] = field(metadata={"help": "Actor set × sector counts"})
    sector_columns: list[str] = field(metadata={"help": "Sectors in the table, by total"})
    partner_relevance: list[dict[str, Any]] = field(metadata={"help": "Per partner, and common"})
    conclusions: list[Claim] = field(
        metadata={
            "help": "Numbered conclusions, each {text, story_ids, notes}: one joint, one per "
            "partner direction, and active defence and deterrence where the period gives "
            "grounds"
        }
    )
    sources: list[dict[str, Any]] = field(metadata={"help": "Sources consulted, per feed"})
    feed_health: list[dict[str, Any]] = field(metadata={"help": "Feed failures in the period"})
    method: list[str] = field(metadata={"help": "Method and confidence paragraphs"})
    footnotes: list[Footnote] = field(metadata={"help": "Numbered notes, in order of first use"})
    partner_assessments: list[dict[str, Any]] = field(
        default_factory=list,
        metadata={"help": "Partners' imported assessments: partner, name, text, actors, notes"},
    )
    exploited: list[dict[str, Any]] = field(
        default_factory=list,
        metadata={
            "help": "Vulnerabilities the sources say were exploited: cve, story_ids, "
            "actor_sets, set_names, actors, first_reported, publisher, notes"
        },
    )
    nonstate: list[dict[str, Any]] = field(
        default_factory=list,
        metadata={
            "help": "Per partner, events no source attributes to a state: partner, code, "
            "claim {text, story_ids, notes}, story_ids, kinds (ransomware, hacktivism, ddos, "
            "fraud, other -> story ids)"
        },
    )
    since_last: dict[str, Any] = field(
        default_factory=dict,
        metadata={
            "help": "New since the last archived brief for the same partners: label (its "
            "period), groups, targets, cves, each [{name, story_ids, notes}]; empty without one"
        },
    )
    has_last: bool = field(
        default=False,
        metadata={"help": "True when the archive held an earlier brief for these partners"},
    )
    follow_ups: list[FollowUp] = field(
        default_factory=list,
        metadata={
            "help": "To watch: sentences of the sources that announce something after the "
            "period: text, story_id, publisher, published, when (ISO date or empty), notes"
        },
    )
    findings: dict[str, list[str]] = field(
        default_factory=dict,
        metadata={
            "help": "What this brief found (groups, targets, sectors, cves), kept with the "
            "archive so the next brief can say what is new"
        },
    )
    empty: bool = field(default=False, metadata={"help": "True when the period had no items"})
    item_count: int = field(default=0, metadata={"help": "Items in the period"})
    fetched_during: bool = field(
        default=True,
        metadata={"help": "True when the store fetched its feeds during the period itself"},
    )
    baseline: bool = field(
        default=True,
        metadata={
            "help": "True when the store fetched its feeds through the previous period, so "
            "that counts can be compared with it"
        },
    )
    story_count: int = field(default=0, metadata={"help": "Stories after clustering"})
    quarantined: int = field(
        default=0, metadata={"help": "Items held back for active content (annex)"}
    )
    stories: list[Story] = field(
        default_factory=list,
        metadata={"help": "Every story of the period: current, historical and quarantined"},
    )
    unverified: list[Story] = field(
        default_factory=list,
        metadata={
            "help": "Stories only feeds of unknown kind report: listed in the annex, counted "
            "nowhere"
        },
    )
    background: list[Story] = field(
        default_factory=list,
        metadata={"help": "Historical stories: past activity reported again in the period"},
    )
    heatmap: Grid = field(
        default_factory=lambda: Grid([], [], [], [], []),
        metadata={
            "help": "The sectors chart: events per targeted sector (rows, most first) and "
            "actor set (columns, in section order): rows, row_keys, columns, column_keys, "
            "counts[row][column]"
        },
    )
    weekly: Weekly = field(
        default_factory=lambda: Weekly([], []),
        metadata={
            "help": "Events per actor set in 7-day bins from the period's start: weeks "
            "[{start, end, partial}], series [{key, name, counts}], undated (events with no "
            "date)"
        },
    )
    partner_matrix: Grid = field(
        default_factory=lambda: Grid([], [], [], [], []),
        metadata={
            "help": "Events per partner (rows) and actor set (columns) that concern the "
            "partner, as its section tells them; same keys as heatmap"
        },
    )
