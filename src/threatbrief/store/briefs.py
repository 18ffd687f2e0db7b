# SPDX-License-Identifier: Apache-2.0
"""The `briefs` table: the archive of generated briefs (who asked for what, when, where it
went, and its checksum)."""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from ._sql import marks, table, ts

__all__ = [
    "archived_sha256",
    "get_brief",
    "last_findings",
    "list_briefs",
    "newest_archived_start",
    "record_brief",
]


def record_brief(
    db: sqlite_utils.Database,
    *,
    created_at: datetime,
    start: datetime,
    end: datetime,
    partners: str,
    filters: str,
    tlp: str,
    fmt: str,
    path: str,
    sha256: str,
    items: int,
    requested_by: str = "",
    findings: str = "{}",
) -> int:
    """Add a generated brief to the archive; its id."""
    inserted = table(db, "briefs").insert(
        {
            "created_at": ts(created_at),
            "period_start": ts(start),
            "period_end": ts(end),
            "partners": partners,
            "filters": filters,
            "tlp": tlp,
            "format": fmt,
            "path": path,
            "sha256": sha256,
            "items": items,
            "requested_by": requested_by,
            "findings": findings,
        }
    )
    return int(str(inserted.last_pk))


def archived_sha256(db: sqlite_utils.Database, path: str) -> str | None:
    """The checksum recorded for the newest brief written to `path`, or None."""
    row = db.execute(
        "select sha256 from briefs where path = ? order by id desc limit 1", [path]
    ).fetchone()
    return str(row[0]) if row else None


def newest_archived_start(db: sqlite_utils.Database, folder: str, name: str) -> datetime | None:
    """The start of the newest period archived as `<folder>/<name>-YYYY-MM-DD.<format>`: the
    date must follow the name at once, so schedule `monthly` never reads `monthly-jp`'s."""

    def literal(text: str) -> str:  # GLOB has no escape character: brackets quote
        return "".join(f"[{c}]" if c in "*?[" else c for c in text)

    pattern = f"{literal(folder)}/{literal(name)}-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].*"
    row = db.execute("select max(period_start) from briefs where path glob ?", [pattern]).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def list_briefs(
    db: sqlite_utils.Database, levels: list[str], limit: int
) -> list[dict[str, object]]:
    """The newest `limit` briefs of the archive at one of the TLP `levels`, newest first."""
    where = f"tlp in ({marks(levels) or 'null'})"
    return list(table(db, "briefs").rows_where(where, levels, order_by="id desc", limit=limit))


def get_brief(db: sqlite_utils.Database, brief_id: int) -> dict[str, object] | None:
    """One brief of the archive, or None."""
    rows = list(table(db, "briefs").rows_where("id = ?", [brief_id]))
    return rows[0] if rows else None


def last_findings(
    db: sqlite_utils.Database, partners: str, filters: str, before: datetime, levels: list[str]
) -> dict[str, object] | None:
    """The newest archived brief for exactly these `partners` and `filters` whose period
    ended by `before`, at one of the TLP `levels` (a brief never learns from one above its own
    clearance): its period, when it was made and its findings (JSON text), or None."""
    rows = list(
        db.execute(
            "select period_start, period_end, created_at, findings from briefs "
            f"where partners = ? and filters = ? and period_end <= ? "
            f"and tlp in ({marks(levels)}) and findings != '{{}}' "
            "order by period_end desc, created_at desc limit 1",
            [partners, filters, ts(before), *levels],
        ).fetchall()
    )
    if not rows:
        return None
    start, end, created, findings = rows[0]
    return {"start": start, "end": end, "created_at": created, "findings": findings}
