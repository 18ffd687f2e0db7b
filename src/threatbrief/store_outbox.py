# SPDX-License-Identifier: Apache-2.0
"""The store's mail tables: subscribers and the digest outbox.

Registered on `store.migrations` (m004), so `store.open_db` applies it. An outbox row is one
digest for one subscriber and window, moving `pending → sending → sent | failed` (or
`written` when it went to an .eml file instead of SMTP).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from .store import _dicts, _table, _ts, _ts_precise, migrations

__all__ = [
    "mark_digest_sent",
    "outbox_message",
    "outbox_rows",
    "queue_message",
    "remove_subscriber",
    "remove_subscriber_by_token",
    "save_subscriber",
    "set_outbox_state",
    "subscribers",
]


@migrations()
def m004_subscribers(db: sqlite_utils.Database) -> None:
    _table(db, "subscribers").create(
        {
            "email": str,
            "name": str,
            "actor_sets": str,
            "sectors": str,
            "partners": str,
            "cadence": str,
            "tlp": str,
            "token": str,
            "created_at": str,
            "last_digest_end": str,
        },
        pk="email",
    )
    _table(db, "outbox").create(
        {
            "id": int,
            "email": str,
            "period_start": str,
            "period_end": str,
            "message_id": str,
            "state": str,
            "attempts": int,
            "last_error": str,
            "path": str,
            "message": bytes,
            "updated_at": str,
        },
        pk="id",
    )
    _table(db, "outbox").create_index(["email", "period_start", "period_end"], unique=True)
    _table(db, "outbox").create_index(["state"])


def save_subscriber(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """Insert or replace one subscriber (lists stored comma-separated)."""
    _table(db, "subscribers").upsert(row, pk="email")


def subscribers(db: sqlite_utils.Database, email: str | None = None) -> list[dict[str, Any]]:
    """Every subscriber (or the one with `email`) with the state of their newest digest."""
    return _dicts(
        db.execute(
            "select s.*, (select state from outbox o where o.email = s.email "
            "order by period_end desc limit 1) as last_state from subscribers s "
            "where ? is null or s.email = ? order by email",
            [email, email],
        )
    )


def remove_subscriber(db: sqlite_utils.Database, email: str) -> bool:
    """Delete a subscriber; False if there was none."""
    return db.execute("delete from subscribers where email = ?", [email]).rowcount > 0


def remove_subscriber_by_token(db: sqlite_utils.Database, token: str) -> str | None:
    """Delete the subscriber holding an unsubscribe token; their address, or None."""
    row = db.execute("select email from subscribers where token = ?", [token]).fetchone()
    if row is None or not token:
        return None
    remove_subscriber(db, row[0])
    return str(row[0])


def queue_message(
    db: sqlite_utils.Database,
    *,
    email: str,
    start: datetime,
    end: datetime,
    message_id: str,
    message: bytes,
    now: datetime,
) -> int | None:
    """Add a pending message for (subscriber, period) unless one exists; its row id or None."""
    cursor = db.execute(
        "insert into outbox (email, period_start, period_end, message_id, state, attempts, "
        "message, updated_at) values (?, ?, ?, ?, 'pending', 0, ?, ?) "
        "on conflict(email, period_start, period_end) do nothing",
        [email, _ts(start), _ts(end), message_id, message, _ts(now)],
    )
    return cursor.lastrowid if cursor.rowcount else None


def outbox_rows(db: sqlite_utils.Database, states: Sequence[str]) -> list[dict[str, Any]]:
    """Outbox rows in the given states, oldest first, without the message (`outbox_message`)."""
    marks = ",".join("?" * len(states))
    return _dicts(
        db.execute(
            f"select id, email, message_id, state, attempts from outbox "
            f"where state in ({marks}) order by id",
            list(states),
        )
    )


def outbox_message(db: sqlite_utils.Database, row_id: int) -> bytes:
    """The stored message of one outbox row."""
    return bytes(db.execute("select message from outbox where id = ?", [row_id]).fetchone()[0])


def set_outbox_state(
    db: sqlite_utils.Database,
    row_id: int,
    state: str,
    now: datetime,
    *,
    error: str = "",
    path: str = "",
    attempt: bool = False,
) -> None:
    """Move an outbox row to a new state (pending → sending → sent | failed | written)."""
    db.execute(
        "update outbox set state = ?, last_error = ?, path = coalesce(nullif(?, ''), "
        "path), attempts = attempts + ?, updated_at = ? where id = ?",
        [state, error, path, int(attempt), _ts(now), row_id],
    )


def mark_digest_sent(db: sqlite_utils.Database, email: str, end: datetime) -> None:
    """Remember the end of the newest digest period built for a subscriber."""
    db.execute(
        "update subscribers set last_digest_end = ? where email = ?", [_ts_precise(end), email]
    )
