# SPDX-License-Identifier: Apache-2.0
"""The `tags` table: the lexicon's evidence, analysts' corrections and partners' tags.

Lexicon rows are replaced on every re-tag; analyst and partner rows are kept, so corrections
survive `retag`. Call the writers inside `store.db.transaction`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from ..errors import UsageError
from ..models import Evidence, StoredTag
from ..vocab import TAG_KINDS
from ._sql import chunks, decode_tlp, marks, table, ts

__all__ = ["add_analyst_tag", "item_tags", "save_taggings"]


def save_taggings(
    db: sqlite_utils.Database,
    taggings: Sequence[tuple[str, Sequence[Evidence]]],
    lexicon_version: str,
    now: datetime,
) -> None:
    """Replace the lexicon tags of each (item id, evidence) pair; analyst and partner rows are
    kept. One delete per chunk of items and one bulk insert, for ingest and retag alike."""
    ids = [item_id for item_id, _ in taggings]
    for chunk in chunks(ids):
        db.execute(
            f"delete from tags where origin = 'lexicon' and item_id in ({marks(chunk)})", chunk
        )
    created = ts(now)
    rows = [
        (
            item_id, e.kind, e.label, e.confidence, e.rule, e.text, e.field, e.start, e.end,
            "lexicon", "add", lexicon_version, created, e.role, e.hedge, e.attribution_type,
        )
        for item_id, evidence in taggings
        for e in evidence
    ]  # fmt: skip
    db.conn.executemany(
        "insert into tags (item_id, kind, value, confidence, rule, evidence_text, field, start, "
        '"end", origin, action, lexicon_version, created_at, role, hedge, attribution_type) '
        "values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def add_analyst_tag(
    db: sqlite_utils.Database,
    item_id: str,
    kind: str,
    value: str,
    action: str,
    note: str,
    now: datetime,
    decided_by: str = "",
) -> None:
    """Record an analyst's correction: add or remove one label on one item, and who made it.

    Raises:
        UsageError: unknown item, kind or action.
    """
    if kind not in TAG_KINDS or action not in ("add", "remove"):
        raise UsageError(f"cannot {action} a {kind!r} tag")
    if db.execute("select 1 from items where id = ?", [item_id]).fetchone() is None:
        raise UsageError(f"no item with id {item_id!r}")
    db.execute(
        "delete from tags where item_id = ? and origin = 'analyst' and kind = ? and value = ?",
        [item_id, kind, value],
    )
    table(db, "tags").insert(
        {
            "item_id": item_id,
            "kind": kind,
            "value": value,
            "confidence": 1.0,
            "rule": "analyst",
            "evidence_text": note,
            "origin": "analyst",
            "action": action,
            "note": note,
            "created_at": ts(now),
            "decided_by": decided_by,
        }
    )


_TAG_COLUMNS = (
    'kind, value, origin, action, confidence, rule, evidence_text, field, start, "end", '
    "lexicon_version, note, tlp, role, hedge, attribution_type, decided_by, created_at"
)


def item_tags(db: sqlite_utils.Database, item_id: str) -> list[StoredTag]:
    """Every tag of an item (lexicon evidence, analyst corrections, partner tags), oldest
    first."""
    cursor = db.execute(f"select {_TAG_COLUMNS} from tags where item_id = ? order by id", [item_id])
    return [_stored_tag(row) for row in cursor]


def _stored_tag(row: tuple[Any, ...]) -> StoredTag:
    kind, value, origin, action, confidence, rule, text, field, start, end, version, note = row[:12]
    tlp, role, hedge, attribution_type, decided_by, created_at = row[12:]
    return StoredTag(
        kind=kind,
        value=value,
        origin=origin,
        action=action or "add",
        confidence=float(confidence or 0.0),
        rule=rule or "",
        evidence_text=text or "",
        field=field or "",
        start=start,
        end=end,
        lexicon_version=version or "",
        note=note or "",
        tlp=decode_tlp(tlp),
        role=role or "",
        hedge=hedge or "",
        attribution_type=attribution_type or "",
        decided_by=decided_by or "",
        created_at=created_at or "",
    )
