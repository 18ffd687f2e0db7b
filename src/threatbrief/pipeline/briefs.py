# SPDX-License-Identifier: Apache-2.0
"""Briefs as a use case: read a period at a clearance, build the brief, render, write and
archive it.

Configuration, database, period and clock in; a `BriefResult` out. The TLP gate
(`models.ceiling`) bounds the store query, so nothing above the clearance is ever read.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils
import yaml

from .._files import write_whole
from ..brief.write import build_brief
from ..config import Config
from ..errors import UsageError
from ..models import (
    TLP,
    BriefItem,
    Clock,
    PartnerAssessment,
    Period,
    StoryLink,
    ceiling,
    utc_now,
)
from ..render import render_brief
from ..store import briefs as brief_table
from ..store import feeds as feed_table
from ..store import items as item_table
from ..store import sharing as sharing_table
from ..store import stories as story_table
from ..store.db import transaction
from ..tag.lexicon import PACKAGED, actor_states

# a store whose first fetch came a day into the previous period still covers it
BASELINE_SLACK = timedelta(days=1)

__all__ = [
    "BriefResult",
    "actor_aliases",
    "analyst_links",
    "place_names",
    "brief_is_archived",
    "newest_archived",
    "check_partners",
    "partner_assessments",
    "period_items",
    "run_brief",
]


@functools.cache
def actor_aliases() -> dict[str, str]:
    """Alias → canonical group name, from the packaged actors.yaml: the data with which
    stories read ミラーフェイス, MirrorFace and Earth Kasha as one group."""
    doc = yaml.safe_load((PACKAGED / "actors.yaml").read_text(encoding="utf-8")) or {}
    return {
        str(alias): str(a["name"])
        for a in doc.get("actors") or []
        if isinstance(a, dict) and "name" in a
        for alias in [a["name"], *(a.get("aliases") or [])]
    }


@functools.cache
def place_names() -> tuple[str, ...]:
    """Every country's names in the packaged countries.yaml (Estonia, Eesti, 日本, Tallinn):
    words with which stories never tell one victim from another."""
    doc = yaml.safe_load((PACKAGED / "countries.yaml").read_text(encoding="utf-8")) or {}
    return tuple(str(n) for names in (doc.get("countries") or {}).values() for n in names or ())


def analyst_links(db: sqlite_utils.Database) -> list[StoryLink]:
    """Analysts' decisions that two items are one story or two, for `cluster`."""
    return story_table.active_links(db)


def period_items(
    config: Config,
    db: sqlite_utils.Database,
    period: Period,
    clearance: TLP,
    *,
    changes: tuple[int, int] | None = None,
) -> list[BriefItem]:
    """The period's items at or below `clearance`, with their labels and publishers; with
    `changes` (after, upto), those committed in that range instead (digests)."""
    feeds = {f.id: f for f in config.feeds}
    return item_table.period_items(db, period.start, period.end, clearance, feeds, changes=changes)


def partner_assessments(
    db: sqlite_utils.Database, period: Period, clearance: TLP
) -> list[PartnerAssessment]:
    """Partners' assessments published in the period, at or below `clearance`."""
    return sharing_table.assessments_in(db, period.start, period.end, clearance)


def _keep(item: BriefItem, actors: Sequence[str], sectors: Sequence[str]) -> bool:
    return (
        not actors or bool(set(actors) & set(item.actor_sets) | set(actors) & set(item.actors))
    ) and (not sectors or bool(set(sectors) & set(item.sectors)))


@dataclass
class BriefResult:
    """Where a brief went and what it held."""

    path: Path
    fmt: str
    items: int
    tlp: str
    sha256: str
    brief_id: int = 0  # its row in the archive


def check_partners(partners: Sequence[str]) -> None:
    """Raises UsageError unless `partners` are ISO 3166 alpha-2 codes, at least one."""
    unknown = [p for p in partners if not re.fullmatch(r"[A-Z]{2}", p)]
    if unknown or not partners:
        raise UsageError(
            f"partners must be ISO 3166 alpha-2 codes such as EE,JP; got "
            f"{', '.join(partners) or 'none'}"
        )


def brief_is_archived(db: sqlite_utils.Database, out: Path) -> bool:
    """True when `out` holds exactly the brief the archive recorded for it: a file that is
    missing, truncated or changed since is not, and a scheduled run writes it again."""
    recorded = brief_table.archived_sha256(db, str(out))
    if recorded is None or not out.is_file():
        return False
    return hashlib.sha256(out.read_bytes()).hexdigest() == recorded


def newest_archived(db: sqlite_utils.Database, folder: Path, name: str) -> datetime | None:
    """The start of the newest period archived for schedule `name` in `folder`, or None if it
    never wrote one."""
    return brief_table.newest_archived_start(db, str(folder), name)


def _last_brief(
    db: sqlite_utils.Database,
    partners: Sequence[str],
    filters: str,
    period: Period,
    clearance: TLP,
) -> dict[str, object] | None:
    """The last archived brief for the same partners and filters, of a period that ended by
    this one's start and at or below `clearance`: its period's label and its findings."""
    levels = [t.label for t in TLP if t <= clearance]
    row = brief_table.last_findings(db, ",".join(partners), filters, period.start, levels)
    if row is None:
        return None
    try:
        findings = json.loads(str(row["findings"]))
        start = datetime.fromisoformat(str(row["start"]))
        end = datetime.fromisoformat(str(row["end"]))
    except ValueError:
        return None  # an archive row that cannot be read is no baseline
    return {"label": Period(start, end).label, "findings": findings}


def run_brief(
    config: Config,
    db: sqlite_utils.Database,
    period: Period,
    partners: Sequence[str],
    out: Path,
    fmt: str,
    *,
    clock: Clock = utc_now,
    actors: Sequence[str] = (),
    sectors: Sequence[str] = (),
    clearance: TLP = TLP.AMBER,
    template_dir: Path | None = None,
    groups: dict[str, str] | None = None,
    requested_by: str = "",
) -> BriefResult:
    """Build, render, write and archive one brief. `groups` maps group names to their actor
    set (a `Lexicon.actor_states()`, with local overrides); the packaged lexicon's by default.
    `requested_by` names who asked (a workspace user), recorded in the archive.

    Raises:
        UsageError: unknown partner codes or format, or an output folder that does not exist.
    """
    check_partners(partners)
    if not out.parent.exists():
        raise UsageError(f"output folder {out.parent} does not exist")
    clearance = ceiling(clearance, "local") or TLP.CLEAR  # a brief is written for local reading
    items = [i for i in period_items(config, db, period, clearance) if _keep(i, actors, sectors)]
    previous = [
        i
        for i in period_items(config, db, period.previous(), clearance)
        if _keep(i, actors, sectors)
    ]
    per_feed = Counter(i.feed_id for i in items)
    # A feed's name and health are as sensitive as what it serves: the annex lists only the
    # feeds at or below the brief's clearance.
    visible = {f.id: f for f in config.feeds if f.tlp <= clearance}
    feeds = [
        {
            "id": f.id,
            "publisher": f.publisher or f.name,
            "lang": f.lang,
            "items": per_feed.get(f.id, 0),
        }
        for f in visible.values()
    ]
    failures = [
        h
        for h in feed_table.period_failures(db, period.start, period.end)
        if h["feed_id"] in visible
    ]
    now = clock()
    filters = json.dumps({"actors": list(actors), "sectors": list(sectors)})
    last = _last_brief(db, partners, filters, period, clearance)
    # a trend needs a baseline: the store fetched these feeds through the previous period
    first = feed_table.first_success(db, list(visible))
    baseline = first is not None and first <= period.previous().start + BASELINE_SLACK
    ctx = build_brief(
        items,
        previous,
        period,
        partners,
        config.organisation,
        now,
        failures,
        feeds,
        groups if groups is not None else actor_states(),
        partner_assessments(db, period, clearance),
        aliases=actor_aliases(),
        links=analyst_links(db),
        places=place_names(),
        baseline=baseline,
        fetched_during=first is not None and first < period.end,
        last=last,
    )
    body = render_brief(ctx, fmt, template_dir)
    data = body.encode("utf-8") if isinstance(body, str) else body
    write_whole(out, data)
    digest = hashlib.sha256(data).hexdigest()
    with transaction(db):
        brief_id = brief_table.record_brief(
            db,
            created_at=now,
            start=period.start,
            end=period.end,
            partners=",".join(partners),
            filters=filters,
            tlp=ctx.tlp,
            fmt=fmt,
            path=str(out),
            sha256=digest,
            items=ctx.item_count,  # as the brief counts them: held items are in its annex
            requested_by=requested_by,
            findings=json.dumps(ctx.findings, sort_keys=True),
        )
    return BriefResult(out, fmt, ctx.item_count, ctx.tlp, digest, brief_id)
