# SPDX-License-Identifier: Apache-2.0
"""The `feeds` table family: conditional-GET state, health, the fetch log and the last raw
body of each feed (for `reparse`). Call the writers inside `store.db.transaction`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from .._net import redact_url
from ..models import Feed, FeedState, FetchResult
from ._sql import marks, table, ts

__all__ = [
    "FeedHealth",
    "feed_health",
    "feed_state",
    "first_success",
    "mark_attempt",
    "period_failures",
    "recent_fetches",
    "record_fetch",
    "save_body",
    "stored_bodies",
    "sync_feeds",
]


def feed_state(db: sqlite_utils.Database, feed_id: str) -> FeedState:
    """The conditional-GET state remembered for a feed (empty for a new feed)."""
    row = db.execute(
        "select etag, last_modified, body_hash from feeds where id = ?", [feed_id]
    ).fetchone()
    if row is None:
        return FeedState()
    return FeedState(etag=row[0] or "", last_modified=row[1] or "", body_hash=row[2] or "")


def sync_feeds(db: sqlite_utils.Database, feeds: Iterable[Feed]) -> None:
    """Make sure every configured feed has a row (and its current URL, credentials hidden,
    and kind: the attribution type of its texts that name no attributor)."""
    for feed in feeds:
        db.execute(
            "insert into feeds (id, url, consecutive_failures, kind) values (?, ?, 0, ?) "
            "on conflict(id) do update set url = excluded.url, kind = excluded.kind",
            [feed.id, redact_url(feed.url), feed.kind],
        )


def mark_attempt(db: sqlite_utils.Database, feed_id: str, started_at: datetime) -> None:
    """Note that a fetch of the feed has begun; its outcome is recorded by `record_fetch`."""
    db.execute("update feeds set last_attempt_at = ? where id = ?", [ts(started_at), feed_id])


def save_body(
    db: sqlite_utils.Database, result: FetchResult, body_hash: str, now: datetime
) -> None:
    """Keep the last raw body of a feed, so `reparse` can rebuild its items."""
    table(db, "feed_bodies").upsert(
        {
            "feed_id": result.feed_id,
            "fetched_at": ts(now),
            "final_url": redact_url(result.final_url),
            "content_type": result.headers.get("content-type", ""),
            "sha256": body_hash,
            "body": result.body,
        },
        pk="feed_id",
    )


def stored_bodies(
    db: sqlite_utils.Database, feed_ids: Sequence[str] = ()
) -> list[tuple[str, bytes, str, str]]:
    """(feed_id, body, content_type, final_url) of the kept raw bodies."""
    sql = "select feed_id, body, content_type, final_url from feed_bodies"
    params: list[str] = []
    if feed_ids:
        sql += f" where feed_id in ({','.join('?' * len(feed_ids))})"
        params = list(feed_ids)
    return [
        (r[0], bytes(r[1]), r[2] or "", r[3] or "")
        for r in db.execute(sql + " order by feed_id", params).fetchall()
    ]


def record_fetch(
    db: sqlite_utils.Database,
    feed_id: str,
    *,
    started_at: datetime,
    duration: float,
    status: int | None,
    size: int = 0,
    attempts: int = 1,
    new: int = 0,
    updated: int = 0,
    outcome: str = "stored",
    error: BaseException | None = None,
    result: FetchResult | None = None,
    body_hash: str | None = None,
) -> None:
    """Log one fetch and update the feed's health and conditional-GET state.

    A 304 (`outcome="not-modified"`) refreshes nothing but the fetch time: it neither clears
    an earlier failure nor counts as one.
    """
    stamp = ts(started_at)
    table(db, "fetch_log").insert(
        {
            "feed_id": feed_id,
            "started_at": stamp,
            "duration": round(duration, 4),
            "status": status,
            "bytes": size,
            "attempts": attempts,
            "new": new,
            "updated": updated,
            "outcome": outcome,
            "error_class": type(error).__name__ if error else None,
            "error": str(error)[:2000] if error else None,
        }
    )
    if error is not None:
        db.execute(
            "update feeds set last_fetch_at = ?, last_status = ?, last_error = ?, "
            "last_error_class = ?, last_error_at = ?, "
            "consecutive_failures = consecutive_failures + 1, "
            "failing_since = coalesce(failing_since, ?) where id = ?",
            [stamp, status, str(error)[:2000], type(error).__name__, stamp, stamp, feed_id],
        )
    elif outcome == "not-modified":
        db.execute(
            "update feeds set last_fetch_at = ?, last_status = ? where id = ?",
            [stamp, status, feed_id],
        )
    else:
        headers = result.headers if result else {}
        db.execute(
            "update feeds set last_fetch_at = ?, last_success_at = ?, last_status = ?, "
            "etag = ?, last_modified = ?, body_hash = coalesce(?, body_hash), "
            "consecutive_failures = 0, failing_since = null where id = ?",
            [
                stamp,
                stamp,
                status,
                headers.get("etag", ""),
                headers.get("last-modified", ""),
                body_hash,
                feed_id,
            ],
        )


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """One feed's health, as `threatbrief feeds` shows it."""

    id: str
    url: str
    items: int
    last_fetch_at: str | None
    last_success_at: str | None
    last_status: int | None
    consecutive_failures: int
    failing_since: str | None
    last_error: str | None
    last_attempt_at: str | None = None

    @property
    def state(self) -> str:
        """`ok`, `failing`, `never fetched`, or `unconfirmed`: the newest attempt has no
        recorded outcome (it is running, or it failed and the failure could not be stored)."""
        if self.last_attempt_at and self.last_attempt_at > (self.last_fetch_at or ""):
            return "unconfirmed"
        if self.last_fetch_at is None:
            return "never fetched"
        if self.consecutive_failures:
            return "failing"
        return "ok"


def feed_health(db: sqlite_utils.Database, feed_ids: Sequence[str] = ()) -> list[FeedHealth]:
    """Health of the given feeds (all known feeds when empty), in id order."""
    sql = (
        "select f.id, f.url, (select count(*) from items i where i.feed_id = f.id), "
        "f.last_fetch_at, f.last_success_at, f.last_status, f.consecutive_failures, "
        "f.failing_since, f.last_error, f.last_attempt_at from feeds f"
    )
    params: list[str] = []
    if feed_ids:
        sql += f" where f.id in ({','.join('?' * len(feed_ids))})"
        params = list(feed_ids)
    return [FeedHealth(*row) for row in db.execute(sql + " order by f.id", params).fetchall()]


def period_failures(
    db: sqlite_utils.Database, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Feeds whose fetches failed during [start, end): how often, first and last failure."""
    cursor = db.execute(
        "select feed_id, count(*), min(started_at), max(started_at), "
        "(select error from fetch_log l2 where l2.feed_id = l.feed_id and l2.outcome = 'failed' "
        " order by started_at desc limit 1) from fetch_log l where outcome = 'failed' "
        "and started_at >= ? and started_at < ? group by feed_id order by feed_id",
        [ts(start), ts(end)],
    )
    return [
        {"feed_id": r[0], "failures": r[1], "first": r[2], "last": r[3], "error": r[4]}
        for r in cursor.fetchall()
    ]


def recent_fetches(
    db: sqlite_utils.Database, feed_ids: Sequence[str], limit: int
) -> list[dict[str, Any]]:
    """The newest `limit` fetches of these feeds, newest first, with their outcome and error."""
    if not feed_ids:
        return []
    cursor = db.execute(
        "select feed_id, started_at, duration, status, new, updated, outcome, error "
        f"from fetch_log where feed_id in ({marks(feed_ids)}) "
        "order by started_at desc, id desc limit ?",
        [*feed_ids, limit],
    )
    keys = ("feed_id", "started_at", "duration", "status", "new", "updated", "outcome", "error")
    return [dict(zip(keys, r, strict=True)) for r in cursor.fetchall()]


def first_success(db: sqlite_utils.Database, feed_ids: Sequence[str]) -> datetime | None:
    """When the first fetch of any of these feeds that did not fail started; None if none."""
    if not feed_ids:
        return None
    row = db.execute(
        "select min(started_at) from fetch_log where outcome != 'failed' "
        f"and feed_id in ({marks(feed_ids)})",
        list(feed_ids),
    ).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None
