# SPDX-License-Identifier: Apache-2.0
"""The store's mail tables: subscribers and the digest outbox.

Its tables are made by m004 of `store.schema`. An outbox row is one
digest for one subscriber and window, moving `pending → sending → sent | failed` (or
`written` when it went to an .eml file instead of SMTP).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from ..models import Period, Subscriber
from ._sql import decode_tlp, marks, rows, table, ts, ts_precise

__all__ = [
    "delivered_digests",
    "mark_digest_sent",
    "outbox_message",
    "outbox_rows",
    "queue_message",
    "requeue_failed",
    "remove_subscriber",
    "remove_subscriber_by_token",
    "save_subscriber",
    "set_outbox_state",
    "subscribers",
]


def save_subscriber(db: sqlite_utils.Database, sub: Subscriber) -> None:
    """Insert or replace one subscriber (lists stored comma-separated)."""
    table(db, "subscribers").upsert(
        {
            "email": sub.email,
            "name": sub.name,
            "actor_sets": ",".join(sub.actor_sets),
            "sectors": ",".join(sub.sectors),
            "partners": ",".join(sub.partners),
            "cadence": sub.cadence,
            "tlp": sub.tlp.label,
            "token": sub.token,
            "created_at": sub.created_at,
            "last_digest_end": sub.last_digest_end,
        },
        pk="email",
    )


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(x for x in (value or "").split(",") if x)


def subscribers(db: sqlite_utils.Database, email: str | None = None) -> list[Subscriber]:
    """Every subscriber (or the one with `email`) with the state of their newest digest."""
    return [
        Subscriber(
            email=r["email"],
            name=r["name"] or "",
            actor_sets=_split(r["actor_sets"]),
            sectors=_split(r["sectors"]),
            partners=_split(r["partners"]),
            cadence=r["cadence"],
            tlp=decode_tlp(r["tlp"]),
            token=r["token"] or "",
            created_at=r["created_at"] or "",
            last_digest_end=r["last_digest_end"],
            last_state=r["last_state"],
            last_digest_seq=r["last_digest_seq"],
        )
        for r in rows(
            db.execute(
                "select s.*, (select state from outbox o where o.email = s.email "
                "order by period_end desc limit 1) as last_state from subscribers s "
                "where ? is null or s.email = ? order by email",
                [email, email],
            )
        )
    ]


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
    tlp: str,
    now: datetime,
) -> int | None:
    """Add a pending message for (subscriber, period) unless one exists; its row id or None.
    `tlp` is the highest level of what the message carries, checked again at send time."""
    cursor = db.execute(
        "insert into outbox (email, period_start, period_end, message_id, state, attempts, "
        "message, tlp, updated_at) values (?, ?, ?, ?, 'pending', 0, ?, ?, ?) "
        "on conflict(email, period_start, period_end) do nothing",
        [email, ts(start), ts(end), message_id, message, tlp, ts(now)],
    )
    return cursor.lastrowid if cursor.rowcount else None


def outbox_rows(db: sqlite_utils.Database, states: Sequence[str]) -> list[dict[str, Any]]:
    """Outbox rows in the given states, oldest first, without the message (`outbox_message`)."""
    return rows(
        db.execute(
            f"select id, email, message_id, state, attempts, tlp from outbox "
            f"where state in ({marks(states)}) order by id",
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
        [state, error, path, int(attempt), ts(now), row_id],
    )


def mark_digest_sent(db: sqlite_utils.Database, email: str, end: datetime, seq: int) -> None:
    """Remember the end of the newest digest built for a subscriber: its time, and the
    newest commit it covered."""
    db.execute(
        "update subscribers set last_digest_end = ?, last_digest_seq = ? where email = ?",
        [ts_precise(end), seq, email],
    )


# The states of a digest that reached its subscriber or is on its way (it goes before any
# digest queued after it); `failed` and `cancelled` ones did not.
DELIVERED = ("pending", "sending", "sent", "written")


def delivered_digests(db: sqlite_utils.Database) -> dict[str, Period]:
    """For each subscriber, the span of the digests that reached them or are on their way:
    from the start of the first one's window to the end of the newest one's, which is when it
    was built. Subscribers without one are left out."""
    return {
        email: Period(datetime.fromisoformat(start), datetime.fromisoformat(end))
        for email, start, end in db.execute(
            f"select email, min(period_start), max(period_end) from outbox "
            f"where state in ({marks(DELIVERED)}) group by email",
            DELIVERED,
        )
    }


def requeue_failed(db: sqlite_utils.Database, now: datetime) -> int:
    """Put every message that failed back in the queue; how many."""
    return db.execute(
        "update outbox set state = 'pending', updated_at = ? where state = 'failed'", [ts(now)]
    ).rowcount
