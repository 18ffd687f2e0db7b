# SPDX-License-Identifier: Apache-2.0
"""Whether an item reports old activity: its own words date the event at least 90 days before
it was published ("in 2016", "In January 2016", 「2019年以降」, "2020. aastal").

Pure. A story of such items is *historical*: a report of 2016 intrusions republished now, or
a retrospective, is background, not this period's activity. An item that makes a new
attribution ("attributes", "identified", 特定, omistas) is this period's news however old
the intrusions it attributes, and so is one whose text also names a recent date.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta

from ..models import BriefItem

__all__ = ["HISTORICAL_AFTER", "event_dates", "is_historical"]

HISTORICAL_AFTER = timedelta(days=90)

_MONTHS_EN = {m.lower(): n for n, m in enumerate(calendar.month_name) if m}
_MONTHS_ET = {
    m: n
    for n, m in enumerate(
        "jaanuar veebruar märts aprill mai juuni juuli august september oktoober november "
        "detsember".split(),
        start=1,
    )
}
_YEAR = r"((?:19|20)\d{2})"
_EN = re.compile(
    r"\b(?:(?:in|since|from|during|between|until|through|early|late|mid-?)\s+(?:(?:early|late"
    r"|mid-?)\s+)?(?:(" + "|".join(_MONTHS_EN) + r")\s+)?" + _YEAR + r"\b"
    r"|(" + "|".join(_MONTHS_EN) + r")\s+" + _YEAR + r"\b"
    r"|" + _YEAR + r"\s+(?:cyber|attack|intrusion|breach|hack|campaign|theft|compromise))",
    re.IGNORECASE,
)
_JA = re.compile(_YEAR + r"年(?:\s*(\d{1,2})月)?")
_ET = re.compile(
    _YEAR + r"\.\s*aasta|(" + "|".join(_MONTHS_ET) + r")(?:is|s)?\s+" + _YEAR, re.IGNORECASE
)
# A new attribution or finding made now is this period's news, however old the activity.
_NEW_FINDING = re.compile(
    r"\b(?:attribut(?:es|ed|ion)|identif(?:y|ies|ied)|assess(?:es|ed)?|expos(?:es|ed)|"
    r"indict(?:s|ed|ment)|sanction(?:s|ed))\b|特定|断定|帰属|起訴|omista|süüdist",
    re.IGNORECASE,
)


def _end(year: int, month: int | None) -> datetime:
    if month:
        last = calendar.monthrange(year, month)[1]
        return datetime(year, month, last, 23, 59, tzinfo=UTC)
    return datetime(year, 12, 31, 23, 59, tzinfo=UTC)


def event_dates(text: str) -> list[datetime]:
    """The end of every period the text dates activity to (a year → its 31 December, a month
    → its last day), in English, Japanese and Estonian."""
    found: list[datetime] = []
    for m in _EN.finditer(text):
        month_a, year_a, month_b, year_b, year_c = m.groups()
        year = year_a or year_b or year_c
        month = month_a or month_b
        found.append(_end(int(year), _MONTHS_EN[month.lower()] if month else None))
    for m in _JA.finditer(text):
        month = int(m.group(2)) if m.group(2) else None
        found.append(_end(int(m.group(1)), month if month and 1 <= month <= 12 else None))
    for m in _ET.finditer(text):
        year_a, month, year_b = m.groups()
        found.append(_end(int(year_a or year_b), _MONTHS_ET[month.lower()] if month else None))
    return found


def is_historical(item: BriefItem, since: datetime | None = None) -> bool:
    """Whether every date the item's text gives is at least 90 days before it was published,
    and the item makes no new attribution. With `since` (the start of the brief's period),
    activity dated inside the period is the period's own, however late it was reported
    ("in February 2025", published in June, in a brief from November 2024)."""
    if item.published_at is None:
        return False
    text = f"{item.title}. {item.summary}"
    dates = event_dates(text)
    if not dates or _NEW_FINDING.search(text):
        return False
    latest = max(dates)
    if since is not None and latest >= since:
        return False
    return latest <= item.published_at - HISTORICAL_AFTER
