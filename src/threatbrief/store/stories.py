# SPDX-License-Identifier: Apache-2.0
"""The `story_links` table: analysts' decisions that two items are one story or two. Call
the writer inside `store.db.transaction`."""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from ..errors import UsageError
from ..models import StoryLink
from ._sql import rows, table, ts

__all__ = ["STORY_ACTIONS", "active_links", "add_link", "generation", "item_links"]

STORY_ACTIONS = ("join", "split")


def add_link(
    db: sqlite_utils.Database,
    item_id: str,
    other_id: str,
    action: str,
    note: str,
    decided_by: str,
    now: datetime,
) -> None:
    """Record that `item_id` and `other_id` are one story (`join`) or two (`split`).

    Raises:
        UsageError: an unknown action or item, or an item paired with itself.
    """
    if action not in STORY_ACTIONS:
        raise UsageError(f"unknown story action {action!r}; use join or split")
    if item_id == other_id:
        raise UsageError(f"an item is always in its own story ({item_id!r} twice)")
    for wanted in (item_id, other_id):
        if db.execute("select 1 from items where id = ?", [wanted]).fetchone() is None:
            raise UsageError(f"no item with id {wanted!r}")
    table(db, "story_links").insert(
        {
            "item_id": item_id,
            "other_id": other_id,
            "action": action,
            "note": note,
            "decided_by": decided_by,
            "decided_at": ts(now),
        }
    )


def _link(r: dict[str, object]) -> StoryLink:
    return StoryLink(
        item_id=str(r["item_id"]),
        other_id=str(r["other_id"]),
        action=str(r["action"]),
        note=str(r["note"] or ""),
        decided_by=str(r["decided_by"] or ""),
        decided_at=str(r["decided_at"]),
    )


def _latest(found: list[StoryLink]) -> list[StoryLink]:
    """The latest decision for each unordered pair, oldest first (the rows come in order)."""
    by_pair: dict[frozenset[str], StoryLink] = {}
    for link in found:
        pair = frozenset((link.item_id, link.other_id))
        by_pair.pop(pair, None)
        by_pair[pair] = link
    return list(by_pair.values())


_SELECT = "select item_id, other_id, action, note, decided_by, decided_at from story_links"


def active_links(db: sqlite_utils.Database) -> list[StoryLink]:
    """Every pair's latest decision: what clustering keeps to. The table holds analysts'
    decisions only, so it stays small enough to read whole."""
    return _latest([_link(r) for r in rows(db.execute(f"{_SELECT} order by id"))])


def item_links(db: sqlite_utils.Database, item_id: str) -> list[StoryLink]:
    """The latest decision for each pair that holds `item_id`, oldest first."""
    found = db.execute(
        f"{_SELECT} where item_id = ? or other_id = ? order by id", [item_id, item_id]
    )
    return _latest([_link(r) for r in rows(found)])


def generation(db: sqlite_utils.Database) -> int:
    """The story generation: it moves whenever items, tags or story decisions change."""
    row = db.execute("select n from story_generation where id = 1").fetchone()
    return int(row[0]) if row else 0
