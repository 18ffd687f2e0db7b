# SPDX-License-Identifier: Apache-2.0
"""The store's sharing tables: partners' assessments, partner tags and TAXII bookmarks.

Its tables are made by m005 of `store.schema`. Partner tags live in
`tags` with origin `partner:NAME` and carry their own TLP, so a partner's amber attribution on
a clear item never reaches a clear recipient: `store.items.period_items` filters tags by level too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from ..models import TLP, PartnerAssessment
from ._sql import TLP_LEVEL_SQL, chunks, decode_tlp, marks, rows, table, ts

__all__ = [
    "assessments",
    "assessments_in",
    "bookmark",
    "items_by_url",
    "replace_assessments",
    "set_bookmark",
]


def items_by_url(db: sqlite_utils.Database, urls: Iterable[str]) -> dict[str, list[str]]:
    """Our item ids for each address, through items and the sources linked to them."""
    wanted = sorted(set(urls))
    found: dict[str, list[str]] = {}
    for chunk in chunks(wanted):
        for item_id, url in db.execute(
            f"select id, url from items where url in ({marks(chunk)})", list(chunk)
        ).fetchall():
            found.setdefault(url, []).append(item_id)
    return found


def replace_assessments(
    db: sqlite_utils.Database,
    partner: str,
    rows: Sequence[dict[str, Any]],
    tags: Sequence[dict[str, Any]],
    now: datetime,
) -> int:
    """Store a bundle's assessments and their partner tags, replacing earlier versions of the
    same objects; an assessment we hold in the same or a newer version is left as it is.
    Returns how many were new or newer. Call inside a transaction."""
    origin = f"partner:{partner}"
    held = dict(
        db.execute("select stix_id, modified from assessments where partner = ?", [partner])
    )
    fresh = [r for r in rows if held.get(r["stix_id"], "") < r["modified"]]
    ids = [r["stix_id"] for r in fresh]
    for chunk in chunks(ids):
        db.execute(
            f"delete from tags where origin = ? and note in ({marks(chunk)})", [origin, *chunk]
        )
    table(db, "assessments").upsert_all(
        [{**r, "partner": partner, "imported_at": ts(now)} for r in fresh],
        pk=("partner", "stix_id"),
    )
    wanted, seen = set(ids), set()
    rows_out = []
    for t in tags:
        key = (t["note"], t["item_id"], t["kind"], t["value"])
        if t["note"] in wanted and key not in seen:
            seen.add(key)
            rows_out.append({**t, "origin": origin, "action": "add", "created_at": ts(now)})
    table(db, "tags").insert_all(rows_out, batch_size=1000)
    return len(fresh)


def assessments_in(
    db: sqlite_utils.Database, start: datetime, end: datetime, clearance: TLP
) -> list[PartnerAssessment]:
    """Partners' assessments published in [start, end) at or below `clearance`."""
    found = rows(
        db.execute(
            f"select * from assessments where published >= ? and published < ? "
            f"and {TLP_LEVEL_SQL} <= ? order by published, partner",
            [ts(start), ts(end), int(clearance)],
        )
    )
    return [
        PartnerAssessment(
            partner=r["partner"],
            name=r["name"],
            body=r["body"] or "",
            published=datetime.fromisoformat(r["published"]) if r["published"] else None,
            tlp=decode_tlp(r["tlp"]),
            url=(r["urls"] or "").split("\n")[0],
            actors=tuple(a for a in (r["actors"] or "").split(",") if a),
        )
        for r in found
    ]


def assessments(db: sqlite_utils.Database, partner: str | None = None) -> list[dict[str, Any]]:
    """Every stored assessment (of one partner), newest first."""
    return rows(
        db.execute(
            "select partner, stix_id, type, name, body, published, modified, tlp, actors, "
            "marking_notes, source, imported_at from assessments where ? is null or partner = ? "
            "order by published desc, partner",
            [partner, partner],
        )
    )


def bookmark(db: sqlite_utils.Database, server: str, collection: str) -> str | None:
    """The `added_after` to send on the next poll of a collection."""
    row = db.execute(
        "select added_after from taxii_bookmarks where server = ? and collection = ?",
        [server, collection],
    ).fetchone()
    return str(row[0]) if row else None


def set_bookmark(
    db: sqlite_utils.Database, server: str, collection: str, added_after: str, now: datetime
) -> None:
    table(db, "taxii_bookmarks").upsert(
        {
            "server": server,
            "collection": collection,
            "added_after": added_after,
            "updated_at": ts(now),
        },
        pk=("server", "collection"),
    )
