# SPDX-License-Identifier: Apache-2.0
"""The SQLite store: schema migrations, item upserts with dedup, feed state and health.

`Database` in, rows out. One feed's write is one transaction (`feed_transaction`), so a crash
loses at most the feed being written. Items are deduplicated within a feed on guid or canonical
URL: an edited entry updates its row and bumps `revision`. Items of different feeds never touch
each other; the same URL seen in several feeds is linked in `item_sources` instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import Table

from .errors import StoreError, UsageError
from .models import TLP, Feed, FeedState, FetchResult, Item

__all__ = ["FeedHealth", "open_db", "save_items", "feed_transaction"]

migrations = sqlite_utils.Migrations("threatbrief")
_BATCH = 400


def _ts(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _ts_precise(value: datetime) -> str:
    """Microsecond timestamps for what digests compare against their window, so an item
    stored in the same second as a digest run is never lost between two windows."""
    return value.isoformat(timespec="microseconds")


def _dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    """A query's rows as dicts keyed by column name."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _table(db: sqlite_utils.Database, name: str) -> Table:
    table = db[name]
    assert isinstance(table, Table)
    return table


@migrations()
def m001_ingest(db: sqlite_utils.Database) -> None:
    _table(db, "feeds").create(
        {
            "id": str,
            "url": str,
            "etag": str,
            "last_modified": str,
            "body_hash": str,
            "last_fetch_at": str,
            "last_success_at": str,
            "last_status": int,
            "last_error": str,
            "last_error_class": str,
            "last_error_at": str,
            "consecutive_failures": int,
            "failing_since": str,
        },
        pk="id",
        not_null={"url"},
        defaults={"consecutive_failures": 0},
    )
    _table(db, "fetch_log").create(
        {
            "id": int,
            "feed_id": str,
            "started_at": str,
            "duration": float,
            "status": int,
            "bytes": int,
            "attempts": int,
            "new": int,
            "updated": int,
            "outcome": str,
            "error_class": str,
            "error": str,
        },
        pk="id",
    )
    _table(db, "fetch_log").create_index(["feed_id", "started_at"])
    _table(db, "items").create(
        {
            "id": str,
            "feed_id": str,
            "guid": str,
            "url": str,
            "title": str,
            "summary": str,
            "content": str,
            "published_at": str,
            "fetched_at": str,
            "updated_at": str,
            "changed_at": str,
            "lang": str,
            "content_hash": str,
            "revision": int,
            "tlp": str,
            "authors": str,
            "categories": str,
        },
        pk="id",
        not_null={"feed_id", "guid"},
    )
    items = _table(db, "items")
    items.create_index(["feed_id", "guid"], unique=True)
    items.create_index(["feed_id", "url"])
    items.create_index(["url"])
    items.create_index(["published_at"])
    _table(db, "item_sources").create(
        {"item_id": str, "other_id": str, "match": str, "linked_at": str},
        pk=("item_id", "other_id"),
    )
    _table(db, "feed_bodies").create(
        {
            "feed_id": str,
            "fetched_at": str,
            "final_url": str,
            "content_type": str,
            "sha256": str,
            "body": bytes,
        },
        pk="feed_id",
    )
    items.enable_fts(
        ["title", "summary", "content"],
        fts_version="FTS5",
        create_triggers=True,
        tokenize="trigram",
    )


@migrations()
def m002_tags(db: sqlite_utils.Database) -> None:
    _table(db, "tags").create(
        {
            "id": int,
            "item_id": str,
            "kind": str,
            "value": str,
            "confidence": float,
            "rule": str,
            "evidence_text": str,
            "field": str,
            "start": int,
            "end": int,
            "origin": str,
            "action": str,
            "lexicon_version": str,
            "note": str,
            "created_at": str,
        },
        pk="id",
        not_null={"item_id", "kind", "value", "origin"},
    )
    tags = _table(db, "tags")
    tags.create_index(["item_id"])
    tags.create_index(["kind", "value"])


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the database, in WAL mode with a busy timeout.

    Raises:
        StoreError: the file is not a database, is read-only, or cannot be migrated.
    """
    path = Path(path)
    try:
        if path.parent and not path.parent.exists():
            raise StoreError(f"folder {path.parent} does not exist", db_path=str(path))
        conn = sqlite3.connect(str(path), timeout=10, isolation_level=None, check_same_thread=True)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA busy_timeout = 10000")
        db.execute("PRAGMA journal_mode = wal")
        db.execute("PRAGMA synchronous = normal")
        db.execute("PRAGMA foreign_keys = on")
        migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open database {path}: {exc}", db_path=str(path)) from exc
    return db


@contextlib.contextmanager
def feed_transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """One transaction for everything written about one feed fetch."""
    try:
        with db.atomic():
            yield
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"database write failed: {exc}") from exc


_MEMORY_LOCKS: dict[str, threading.Lock] = {}


@contextlib.contextmanager
def exclusive(db: sqlite_utils.Database, name: str) -> Iterator[None]:
    """Wait for, then hold, the lock `name` of this database: one holder at a time across
    threads and processes. It is an flock on `<db>.<name>.lock`, so the kernel releases it when
    its holder dies, even by SIGKILL; anything the holder left half-done may then be resumed."""
    path = db.execute("pragma database_list").fetchone()[2]
    if not path:  # an in-memory database lives in one process
        with _MEMORY_LOCKS.setdefault(name, threading.Lock()):
            yield
        return
    with open(f"{path}.{name}.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def content_hash(item: Item) -> str:
    """Hash of what a reader sees; a change bumps the item's revision."""
    parts = (item.title, item.summary, item.content, item.url, _ts(item.published_at) or "")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _chunks(values: Sequence[str], size: int = _BATCH) -> Iterator[Sequence[str]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _existing(
    db: sqlite_utils.Database, feed_id: str, column: str, values: Iterable[str]
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    keys = [v for v in dict.fromkeys(values) if v]
    for chunk in _chunks(keys):
        marks = ",".join("?" * len(chunk))
        sql = (
            f"select id, guid, url, content_hash, revision from items "
            f"where feed_id = ? and {column} in ({marks})"
        )
        for row in db.execute(sql, [feed_id, *chunk]).fetchall():
            found[row[1] if column == "guid" else row[2]] = {
                "id": row[0],
                "content_hash": row[3],
                "revision": row[4],
            }
    return found


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What one save did: ids of new and of changed items, and for each of them the position
    of the item that wrote it in the saved sequence."""

    new: list[str]
    updated: list[str]
    written: list[tuple[str, int]] = field(default_factory=list)


def _row(item: Item, item_id: str, digest: str, now: datetime, revision: int) -> dict[str, Any]:
    return {
        "id": item_id,
        "feed_id": item.feed_id,
        "guid": item.guid,
        "url": item.url,
        "title": item.title,
        "summary": item.summary,
        "content": item.content,
        "published_at": _ts(item.published_at),
        "updated_at": _ts(item.updated_at),
        "fetched_at": _ts(now),
        "changed_at": _ts_precise(now),
        "lang": item.lang,
        "content_hash": digest,
        "revision": revision,
        "tlp": item.tlp.label,
        "authors": "\n".join(item.authors),
        "categories": "\n".join(item.categories),
    }


def save_items(db: sqlite_utils.Database, items: Sequence[Item], now: datetime) -> SaveResult:
    """Insert new items and update changed ones (bumping revision); unchanged ones are left.

    Call inside `feed_transaction`. Items are matched within their feed on guid, then on
    canonical URL, so an entry whose guid changed but whose address did not is an edit.
    """
    if not items:
        return SaveResult([], [])
    feed_id = items[0].feed_id
    by_guid = _existing(db, feed_id, "guid", (i.guid for i in items))
    # Some feeds link every entry to one listing page; a URL identifies an entry only when
    # it is unique in the body.
    url_counts = Counter(i.url for i in items)
    by_url = _existing(
        db,
        feed_id,
        "url",
        (i.url for i in items if i.guid not in by_guid and url_counts[i.url] == 1),
    )
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    claimed: set[str] = set()
    renamed: list[tuple[str, str]] = []
    written: list[tuple[str, int]] = []
    for position, item in enumerate(items):
        old = by_guid.get(item.guid) or by_url.get(item.url)
        digest = content_hash(item)
        if old is not None and item.guid not in by_guid and old["content_hash"] == digest:
            renamed.append((item.guid, old["id"]))  # same entry, new guid: not a reader change
        if old is None:
            inserts.append(_row(item, item.id, digest, now, 1))
            written.append((item.id, position))
        elif old["id"] not in claimed and old["content_hash"] != digest:
            claimed.add(old["id"])
            row = _row(item, old["id"], digest, now, old["revision"] + 1)
            del row["fetched_at"]
            updates.append(row)
            written.append((old["id"], position))
    items_table = _table(db, "items")
    if inserts:
        items_table.insert_all(inserts, batch_size=_BATCH)
    for row in updates:
        items_table.update(row["id"], row)
    db.conn.executemany("update items set guid = ? where id = ?", renamed)
    _link_sources(db, inserts, now)
    return SaveResult([r["id"] for r in inserts], [r["id"] for r in updates], written)


def _link_sources(db: sqlite_utils.Database, rows: list[dict[str, Any]], now: datetime) -> None:
    """Link new items to items of other feeds that carry the same canonical URL."""
    by_url = {r["url"]: r for r in rows if r["url"]}
    links: list[dict[str, Any]] = []
    for chunk in _chunks(list(by_url)):
        marks = ",".join("?" * len(chunk))
        sql = f"select id, feed_id, url from items where url in ({marks})"
        for other_id, other_feed, url in db.execute(sql, list(chunk)).fetchall():
            mine = by_url[url]
            if other_feed != mine["feed_id"]:
                stamp = _ts(now)
                links.append(
                    {
                        "item_id": mine["id"],
                        "other_id": other_id,
                        "match": "url",
                        "linked_at": stamp,
                    }
                )
                links.append(
                    {
                        "item_id": other_id,
                        "other_id": mine["id"],
                        "match": "url",
                        "linked_at": stamp,
                    }
                )
    if links:
        _table(db, "item_sources").insert_all(links, ignore=True)


def feed_state(db: sqlite_utils.Database, feed_id: str) -> FeedState:
    """The conditional-GET state remembered for a feed (empty for a new feed)."""
    row = db.execute(
        "select etag, last_modified, body_hash from feeds where id = ?", [feed_id]
    ).fetchone()
    if row is None:
        return FeedState()
    return FeedState(etag=row[0] or "", last_modified=row[1] or "", body_hash=row[2] or "")


def sync_feeds(db: sqlite_utils.Database, feeds: Iterable[Feed]) -> None:
    """Make sure every configured feed has a row (and its current URL)."""
    for feed in feeds:
        db.execute(
            "insert into feeds (id, url, consecutive_failures) values (?, ?, 0) "
            "on conflict(id) do update set url = excluded.url",
            [feed.id, feed.url],
        )


def save_body(
    db: sqlite_utils.Database, result: FetchResult, body_hash: str, now: datetime
) -> None:
    """Keep the last raw body of a feed, so `reparse` can rebuild its items."""
    _table(db, "feed_bodies").upsert(
        {
            "feed_id": result.feed_id,
            "fetched_at": _ts(now),
            "final_url": result.final_url,
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
    stamp = _ts(started_at)
    _table(db, "fetch_log").insert(
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

    @property
    def state(self) -> str:
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
        "f.failing_since, f.last_error from feeds f"
    )
    params: list[str] = []
    if feed_ids:
        sql += f" where f.id in ({','.join('?' * len(feed_ids))})"
        params = list(feed_ids)
    return [FeedHealth(*row) for row in db.execute(sql + " order by f.id", params).fetchall()]


def count_items(db: sqlite_utils.Database) -> int:
    """How many items the store holds."""
    return int(db.execute("select count(*) from items").fetchone()[0])


def item_tlp(value: str | None) -> TLP:
    """The stored TLP label as a level; an unreadable label is the most restrictive."""
    try:
        return TLP.parse(value or "red")
    except ValueError:
        return TLP.RED


TAG_KINDS = ("actor_set", "actor", "sector", "target")


def item_texts(
    db: sqlite_utils.Database, ids: Sequence[str]
) -> Iterator[tuple[str, str, str, str]]:
    """(id, title, summary, content) of the given items."""
    for chunk in _chunks(list(ids)):
        marks = ",".join("?" * len(chunk))
        yield from db.execute(
            f"select id, title, summary, content from items where id in ({marks})", list(chunk)
        )


def save_taggings(
    db: sqlite_utils.Database,
    taggings: Sequence[tuple[str, Sequence[dict[str, Any]]]],
    lexicon_version: str,
    now: datetime,
) -> None:
    """Replace the lexicon tags of each (item id, evidence) pair; analyst and partner rows are
    kept. One delete per chunk of items and one bulk insert, for ingest and retag alike."""
    ids = [item_id for item_id, _ in taggings]
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        db.execute(f"delete from tags where origin = 'lexicon' and item_id in ({marks})", chunk)
    created = _ts(now)
    rows = [
        (
            item_id, e["kind"], e["label"], e["confidence"], e["rule"], e["text"], e["field"],
            e["start"], e["end"], "lexicon", "add", lexicon_version, created,
        )
        for item_id, evidence in taggings
        for e in evidence
    ]  # fmt: skip
    db.conn.executemany(
        "insert into tags (item_id, kind, value, confidence, rule, evidence_text, field, start, "
        '"end", origin, action, lexicon_version, created_at) values (?,?,?,?,?,?,?,?,?,?,?,?,?)',
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
) -> None:
    """Record an analyst's correction: add or remove one label on one item.

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
    _table(db, "tags").insert(
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
            "created_at": _ts(now),
        }
    )


def item_tags(db: sqlite_utils.Database, item_id: str) -> list[dict[str, Any]]:
    """Every tag row of an item (lexicon evidence and analyst corrections), oldest first."""
    return _dicts(db.execute("select * from tags where item_id = ? order by id", [item_id]))


def effective_labels(rows: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """Labels after analyst corrections: an analyst's add or remove wins over the lexicon."""
    rows = list(rows)
    decided = {(r["kind"], r["value"]): r["action"] for r in rows if r["origin"] == "analyst"}
    labels: dict[str, set[str]] = {k: set() for k in TAG_KINDS}
    for r in rows:
        if r["origin"] != "analyst" and decided.get((r["kind"], r["value"])) != "remove":
            labels.setdefault(r["kind"], set()).add(r["value"])
    for (kind, value), action in decided.items():
        if action == "add":
            labels.setdefault(kind, set()).add(value)
    return {k: sorted(v) for k, v in labels.items()}


def get_item(db: sqlite_utils.Database, item_id: str) -> dict[str, Any]:
    """One stored item as a dict.

    Raises:
        UsageError: no such item.
    """
    cursor = db.execute("select * from items where id = ?", [item_id])
    row = cursor.fetchone()
    if row is None:
        raise UsageError(f"no item with id {item_id!r}")
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


@migrations()
def m003_briefs(db: sqlite_utils.Database) -> None:
    _table(db, "briefs").create(
        {
            "id": int,
            "created_at": str,
            "period_start": str,
            "period_end": str,
            "partners": str,
            "filters": str,
            "tlp": str,
            "format": str,
            "path": str,
            "sha256": str,
            "items": int,
        },
        pk="id",
    )
    _table(db, "items").create_index(["feed_id", "published_at"])


_TLP_LEVEL = (
    "case tlp when 'clear' then 0 when 'green' then 1 when 'amber' then 2 "
    "when 'amber+strict' then 3 else 4 end"
)


def period_items(
    db: sqlite_utils.Database,
    start: datetime,
    end: datetime,
    clearance: TLP,
    *,
    by_change: bool = False,
) -> list[dict[str, Any]]:
    """Items dated in [start, end) at or below `clearance`, each with its effective labels,
    best confidence and the ids of items linked to it in other feeds.

    An item with no publication date counts from when it was fetched. With `by_change`, the
    items are those stored or changed in [start, end) instead: what is new to a reader.
    """
    # Two ranges rather than coalesce(), so that the published_at index can be used.
    params = {"s": _ts(start), "e": _ts(end), "tlp": int(clearance)}
    where = (
        "((published_at >= :s and published_at < :e) or (published_at is null and "
        f"fetched_at >= :s and fetched_at < :e)) and {_TLP_LEVEL} <= :tlp"
    )
    if by_change:
        where = f"changed_at >= :s and changed_at < :e and {_TLP_LEVEL} <= :tlp"
        params.update(s=_ts_precise(start), e=_ts_precise(end))
    cursor = db.execute(
        f"select id, feed_id, url, title, summary, published_at, fetched_at, lang, tlp "
        f"from items where {where} order by coalesce(published_at, fetched_at)",
        params,
    )
    names = [d[0] for d in cursor.description]
    rows = {r[0]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}
    tags: dict[str, list[dict[str, Any]]] = {}
    links: dict[str, list[str]] = {}
    inside = f"select id from items where {where}"
    tag_sql = (
        "select item_id, kind, value, origin, action, confidence, rule from tags "
        f"where item_id in ({inside}) and {_TLP_LEVEL} <= :tlp"
    )
    for item_id, kind, value, origin, action, confidence, rule in db.execute(tag_sql, params):
        tags.setdefault(item_id, []).append(
            {
                "kind": kind,
                "value": value,
                "origin": origin,
                "action": action,
                "confidence": confidence,
                "rule": rule or "",
            }
        )
    link_sql = f"select item_id, other_id from item_sources where item_id in ({inside})"
    for item_id, other in db.execute(link_sql, params):
        links.setdefault(item_id, []).append(other)
    for item_id, row in rows.items():
        item_tags = tags.get(item_id, [])
        row["labels"] = effective_labels(item_tags)
        row["confidence"] = max(
            (t["confidence"] or 0 for t in item_tags if t["kind"] == "actor_set"), default=0.0
        )
        row["linked"] = links.get(item_id, [])
        # actor sets the source's own words attribute (a state cue), not those that follow
        # from a group's entry in the lexicon
        row["stated"] = sorted(
            {
                t["value"]
                for t in item_tags
                if t["kind"] == "actor_set"
                and t["action"] == "add"
                and not t["rule"].startswith("alias")
                and t["value"] in row["labels"].get("actor_set", [])
            }
        )
    return list(rows.values())


def period_failures(
    db: sqlite_utils.Database, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Feeds whose fetches failed during [start, end): how often, first and last failure."""
    cursor = db.execute(
        "select feed_id, count(*), min(started_at), max(started_at), "
        "(select error from fetch_log l2 where l2.feed_id = l.feed_id and l2.outcome = 'failed' "
        " order by started_at desc limit 1) from fetch_log l where outcome = 'failed' "
        "and started_at >= ? and started_at < ? group by feed_id order by feed_id",
        [_ts(start), _ts(end)],
    )
    return [
        {"feed_id": r[0], "failures": r[1], "first": r[2], "last": r[3], "error": r[4]}
        for r in cursor.fetchall()
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
) -> None:
    """Add a generated brief to the archive."""
    _table(db, "briefs").insert(
        {
            "created_at": _ts(created_at),
            "period_start": _ts(start),
            "period_end": _ts(end),
            "partners": partners,
            "filters": filters,
            "tlp": tlp,
            "format": fmt,
            "path": path,
            "sha256": sha256,
            "items": items,
        }
    )


# The subscriber and outbox tables (m004) and the sharing tables (m005) are defined beside
# their queries; importing the modules registers them on `migrations`, in order, before any
# `open_db`.
from . import store_outbox, store_share  # noqa: E402, F401
