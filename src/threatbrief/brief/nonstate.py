# SPDX-License-Identifier: Apache-2.0
"""Non-state threats to the partners: ransomware, hacktivists, DDoS and fraud that no source
attributes to a state, kept apart from state attribution.

Pure but for the notes it numbers. A story is here when it targets a partner and carries no
actor set; its kind comes from the methods and words its sources use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..vocab import COUNTRY_NAMES, counted
from . import analysis
from .context import Claim
from .notes import Notes
from .prose import join
from .stories import Story, cves_of

__all__ = ["KINDS", "kind", "kinds", "nonstate"]

_HACKTIVIST = re.compile(r"hacktivis|ハクティビスト|häktivist|NoName057|pro-Russian hackers", re.I)
# a review of a year, not an event: "annual assessment", "Cyber Security in Estonia 2025"
_ASSESSMENT = re.compile(
    r"\bannual (?:report|review|assessment|cyber ?security assessment)|yearbook|year in review|"
    r"aastaraamat|küberturvalisuse aastaraamat|年次報告|年報|白書|Cyber Security in Estonia \d{4}",
    re.IGNORECASE,
)
# a flaw used against the partner ("confirmed exploitation of a vulnerability", 悪用)
_EXPLOITATION = re.compile(r"exploit(?:ation|ed|ing)|zero-day|悪用|ära kasutat", re.I)
# (key, how a list of them reads): the first that fits a story is its kind
KINDS = {
    "assessment": ("annual assessment", "annual assessments"),
    "ransomware": ("ransomware attack", "ransomware attacks"),
    "hacktivism": ("hacktivist campaign", "hacktivist campaigns"),
    "ddos": ("DDoS attack", "DDoS attacks"),
    "fraud": ("phishing or fraud campaign", "phishing or fraud campaigns"),
    "exploitation": ("exploitation of a flaw", "exploitations of flaws"),
    "other": ("other incident", "other incidents"),
}


def kinds(story: Story) -> list[str]:
    """Every kind of `KINDS` a non-state story's words name, in that order ("other" when
    none): a hacktivist DDoS is both."""
    methods = analysis.methods(story)
    text = " ".join(f"{i.title} {i.summary}" for i in story.items)
    found = {
        "assessment": bool(_ASSESSMENT.search(text)),
        "ransomware": "ransomware" in methods,
        "hacktivism": bool(_HACKTIVIST.search(text)),
        "ddos": "DDoS" in methods,
        "fraud": bool({"phishing", "spear-phishing", "credential theft"} & set(methods)),
        "exploitation": bool(_EXPLOITATION.search(text)),
    }
    return [k for k, yes in found.items() if yes] or ["other"]


def kind(story: Story) -> str:
    """A non-state story's kind, the first of `KINDS` that fits it."""
    return kinds(story)[0]


def nonstate(
    stories: Sequence[Story],
    partners: Sequence[str],
    notes: Notes,
    attributed_cves: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Per partner with such events: `{partner, code, text, notes, story_ids, kinds}`, the
    text a sentence such as "Against Japan, the sources report 5 events that none attributes
    to a state: 3 DDoS attacks and 2 ransomware attacks (Qilin, LockBit).". A story about a
    flaw that another story ties to a state actor (`attributed_cves`) is not among them:
    "no source attributes" would not be true of it."""
    rows = []
    for code in partners:
        own = [
            s
            for s in stories
            if code in s.targets and not s.actor_sets and not cves_of(s) & attributed_cves
        ]
        if not own:
            continue
        by_kind: dict[str, list[Story]] = {}
        for story in own:
            by_kind.setdefault(kind(story), []).append(story)
        parts = []
        for key, (one, many) in KINDS.items():
            group = by_kind.get(key, [])
            if not group:
                continue
            named = sorted({a for s in group for a in s.actors})
            noun = one if len(group) == 1 else many
            parts.append(f"{len(group)} {noun}" + (f" ({', '.join(named[:3])})" if named else ""))
        name = COUNTRY_NAMES.get(code, code)
        text = (
            f"Against {name}, the sources report {counted(len(own), 'event')} that none "
            f"attributes to a state: {join(parts)}."
        )
        # one note per kind: the best-ranked story of each
        backing = [g[0] for g in by_kind.values()]
        claim = Claim(text, [s.id for s in own], notes.of(backing, most=len(backing)))
        rows.append(
            {
                "partner": name,
                "code": code,
                "claim": claim,
                "story_ids": [s.id for s in own],
                "kinds": {k: [s.id for s in v] for k, v in by_kind.items()},
            }
        )
    return rows
