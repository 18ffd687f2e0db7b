# SPDX-License-Identifier: Apache-2.0
"""Quarantined items: those whose text carried active content (script, event handlers,
`javascript:` links, template syntax). They are stored and explainable, counted in a brief's
annex, and kept out of key stories, pull-quotes, judgements, digests and exports until an
analyst releases them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from ..store import items as item_table
from ..store.db import transaction

__all__ = ["Quarantined", "list_quarantine", "release_item"]


@dataclass(frozen=True, slots=True)
class Quarantined:
    """One item held back, and why."""

    id: str
    feed_id: str
    title: str
    url: str
    reason: str
    published: str


def list_quarantine(db: sqlite_utils.Database) -> list[Quarantined]:
    """Every item held back and not yet released, newest first."""
    return [Quarantined(**row) for row in item_table.quarantined_items(db)]


def release_item(db: sqlite_utils.Database, item_id: str, *, now: datetime, by: str = "") -> str:
    """Release one quarantined item into briefs, digests and exports, recording who did
    (`by`); returns why it was held.
    A later change to the item's text quarantines it again if that text carries active content.

    Raises:
        UsageError: no such item, or the item is not quarantined.
    """
    with transaction(db):
        return item_table.release_item(db, item_id, now, by)
