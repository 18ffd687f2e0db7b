# SPDX-License-Identifier: Apache-2.0
"""What to watch in the next period: the follow-ups the sources themselves announce.

Pure. A follow-up is a sentence of a source that looks ahead (an advisory to come, a trial,
an election, a deadline) and, where it gives a date, dates it after the period. Nothing is
invented: each entry is the source's own sentence, credited and with its story.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from . import analysis
from .stories import Story

__all__ = ["FollowUp", "follow_ups"]

# looking ahead: what is announced, scheduled or due
_AHEAD = re.compile(
    r"\bwill (?:be |hold|publish|release|issue|stand|go|take|vote)|\bis (?:expected|scheduled|"
    r"due) to\b|\bare (?:expected|scheduled|due) to\b|\bscheduled for\b|\bupcoming\b|"
    r"\bdeadline\b|\bdue date\b|\bmust (?:patch|apply|remediate|mitigate)\b.{0,40}\bby\b|"
    r"\btrial\b|\bsentencing\b|\bhearing\b|\belections? (?:on|in|next)\b|予定|見込み|期限|"
    r"\btoimub\b|\btoimuvad\b|\bvalimised\b|\btähtaeg\b",
    re.IGNORECASE,
)
RECENT_DAYS = 31  # a follow-up without a date counts only from this close to the period's end
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_DATE = re.compile(
    r"\b(?:(\d{1,2}) )?(" + "|".join(_MONTHS) + r")(?: (\d{1,2}),?)? (20\d\d)\b", re.IGNORECASE
)
_JA_DATE = re.compile(r"(20\d\d)年(\d{1,2})月(?:(\d{1,2})日)?")


@dataclass
class FollowUp:
    """One thing the sources say will happen, in the source's words."""

    text: str
    story_id: str
    publisher: str
    published: str
    when: str  # the date the sentence names, ISO, or ""
    notes: list[int]


def _dates(text: str) -> list[datetime]:
    out = []
    for day, month, day2, year in _DATE.findall(text):
        number = _MONTHS.index(month.lower()) + 1
        out.append(datetime(int(year), number, int(day or day2 or 1)))
    for year, month, day in _JA_DATE.findall(text):
        if 1 <= int(month) <= 12:
            out.append(datetime(int(year), int(month), int(day or 1)))
    return out


def follow_ups(stories: Sequence[Story], period_end: datetime, limit: int = 6) -> list[FollowUp]:
    """The sentences of the period's stories that announce something after the period: a
    sentence that looks ahead and names no date before the period's end. Best-ranked stories
    first, one entry per story."""
    end = period_end.replace(tzinfo=None)
    out: list[FollowUp] = []
    for sentence in analysis.sentences(stories):
        if len(out) >= limit:
            break
        if any(f.story_id == sentence.story.id for f in out):
            continue
        text = sentence.text
        if not _AHEAD.search(text):
            continue
        dates = _dates(text)
        if dates and max(dates) < end:
            continue  # the date it names is already past: it happened in the period
        item = sentence.story.items[sentence.item_index]
        published = item.published_at.replace(tzinfo=None) if item.published_at else None
        if not dates and (published is None or (end - published).days > RECENT_DAYS):
            continue  # "will" without a date, said months ago, may well have happened

        out.append(
            FollowUp(
                text=text,
                story_id=sentence.story.id,
                publisher=item.publisher,
                published=f"{item.published_at:%-d %B %Y}" if item.published_at else "",
                when=max(dates).date().isoformat() if dates else "",
                notes=[],
            )
        )
    return out
