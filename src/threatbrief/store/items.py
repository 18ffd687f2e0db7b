# SPDX-License-Identifier: Apache-2.0
"""The `items` table family: upserts with dedup within a feed, linked sources, and the read
model of a period (`BriefItem`s with their effective labels).

Items are deduplicated within a feed on guid or canonical URL: an edited entry updates its row
and bumps `revision`. Items of different feeds never touch each other; the same URL seen in
several feeds is linked in `item_sources` instead. Call the writers inside
`store.db.transaction`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from ..errors import UsageError
from ..models import TLP, BriefItem, Feed, Item, StoredTag, TagOrigin, effective_labels
from ._sql import BATCH, TLP_LEVEL_SQL, chunks, decode_tlp, marks, table, ts, ts_precise

__all__ = [
    "SaveResult",
    "content_hash",
    "count_items",
    "edited_items",
    "get_item",
    "item_ids",
    "item_texts",
    "last_seq",
    "next_seq",
    "seq_before",
    "newest_published",
    "period_items",
    "quarantined_items",
    "release_item",
    "save_items",
    "search_ids",
]


def content_hash(item: Item) -> str:
    """Hash of what a reader sees; a change bumps the item's revision."""
    parts = (item.title, item.summary, item.content, item.url, ts(item.published_at) or "")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _existing(
    db: sqlite_utils.Database, feed_id: str, column: str, values: Iterable[str]
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    keys = [v for v in dict.fromkeys(values) if v]
    for chunk in chunks(keys):
        sql = (
            f"select id, guid, url, content_hash, revision from items "
            f"where feed_id = ? and {column} in ({marks(chunk)})"
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


def _row(
    item: Item, item_id: str, digest: str, now: datetime, revision: int, seq: int
) -> dict[str, Any]:
    return {
        "id": item_id,
        "feed_id": item.feed_id,
        "guid": item.guid,
        "url": item.url,
        "title": item.title,
        "summary": item.summary,
        "content": item.content,
        "published_at": ts(item.published_at),
        "updated_at": ts(item.updated_at),
        "fetched_at": ts(now),
        "changed_at": ts_precise(now),
        "seq": seq,
        "lang": item.lang,
        "content_hash": digest,
        "revision": revision,
        "tlp": item.tlp.label,
        "authors": "\n".join(item.authors),
        "categories": "\n".join(item.categories),
        "publisher": item.publisher,
        "quarantine": item.quarantine,
        # changed text is new text: a release covered the text that was reviewed
        "released_at": None,
    }


def save_items(db: sqlite_utils.Database, items: Sequence[Item], now: datetime) -> SaveResult:
    """Insert new items and update changed ones (bumping revision); unchanged ones are left.

    Call inside `store.db.transaction`. Items are matched within their feed on guid, then on
    canonical URL, so an entry whose guid changed but whose address did not is an edit.
    """
    if not items:
        return SaveResult([], [])
    seq = next_seq(db)
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
    inserted: list[tuple[str, int]] = []
    for position, item in enumerate(items):
        old = by_guid.get(item.guid) or by_url.get(item.url)
        digest = content_hash(item)
        if old is not None and item.guid not in by_guid and old["content_hash"] == digest:
            renamed.append((item.guid, old["id"]))  # same entry, new guid: not a reader change
        if old is None:
            inserts.append(_row(item, item.id, digest, now, 1, seq))
            inserted.append((item.id, position))
            written.append((item.id, position))
        elif old["id"] not in claimed and old["content_hash"] != digest:
            claimed.add(old["id"])
            row = _row(item, old["id"], digest, now, old["revision"] + 1, seq)
            del row["fetched_at"]
            updates.append(row)
            written.append((old["id"], position))
    _free_ids(db, inserts, inserted, written)
    items_table = table(db, "items")
    if inserts:
        items_table.insert_all(inserts, batch_size=BATCH)
    for row in updates:
        items_table.update(row["id"], row)
    db.conn.executemany("update items set guid = ? where id = ?", renamed)
    _link_sources(db, inserts, now)
    return SaveResult([r["id"] for r in inserts], [r["id"] for r in updates], written)


def _free_ids(
    db: sqlite_utils.Database,
    inserts: list[dict[str, Any]],
    positions: list[tuple[str, int]],
    written: list[tuple[str, int]],
) -> None:
    """Give a new row whose id is taken a fresh one. An id is derived from the feed and the
    guid, so a publisher that renames an entry's guid and then gives the old guid to a new
    entry would otherwise fail every fetch of that feed on `UNIQUE constraint failed`."""
    wanted = [r["id"] for r in inserts]
    taken = {
        row[0]
        for chunk in chunks(wanted)
        for row in db.execute(f"select id from items where id in ({marks(chunk)})", list(chunk))
    }
    seen: set[str] = set()
    renames: dict[str, str] = {}
    for row in inserts:
        old = row["id"]
        fresh = old
        salt = 0
        while fresh in taken or fresh in seen:
            salt += 1
            key = f"{old}\x1f{row['url']}\x1f{row['guid']}\x1f{salt}"
            fresh = hashlib.sha256(key.encode()).hexdigest()[: len(old)]
        seen.add(fresh)
        if fresh != old:
            row["id"] = fresh
            renames[old] = fresh
    if renames:
        fresh_at = {pos: renames[old] for old, pos in positions if old in renames}
        written[:] = [(fresh_at.get(pos, i), pos) for i, pos in written]


def _link_sources(db: sqlite_utils.Database, rows: list[dict[str, Any]], now: datetime) -> None:
    """Link new items to items of other feeds that carry the same canonical URL."""
    by_url = {r["url"]: r for r in rows if r["url"]}
    links: list[dict[str, Any]] = []
    for chunk in chunks(list(by_url)):
        sql = f"select id, feed_id, url from items where url in ({marks(chunk)})"
        for other_id, other_feed, url in db.execute(sql, list(chunk)).fetchall():
            mine = by_url[url]
            if other_feed != mine["feed_id"]:
                stamp = ts(now)
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
        table(db, "item_sources").insert_all(links, ignore=True)


def item_texts(
    db: sqlite_utils.Database, ids: Sequence[str]
) -> Iterator[tuple[str, str, str, str, str]]:
    """(id, title, summary, content, kind of its feed) of the given items."""
    for chunk in chunks(list(ids)):
        yield from db.execute(
            "select items.id, title, summary, content, coalesce(feeds.kind, '') from items "
            f"left join feeds on feeds.id = items.feed_id where items.id in ({marks(chunk)})",
            list(chunk),
        )


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


def next_seq(db: sqlite_utils.Database) -> int:
    """The commit number for the items written by the current transaction. Writers hold the
    write lock (BEGIN IMMEDIATE) from before this read until they commit, so the numbers are
    given in commit order."""
    return int(db.execute("select coalesce(max(seq), 0) + 1 from items").fetchone()[0])


def last_seq(db: sqlite_utils.Database) -> int:
    """The newest committed change: a digest that reads up to it has seen everything before."""
    return int(db.execute("select coalesce(max(seq), 0) from items").fetchone()[0])


def seq_before(db: sqlite_utils.Database, instant: datetime) -> int:
    """The newest change stored before `instant`: where a first digest window starts."""
    return int(
        db.execute(
            "select coalesce(max(seq), 0) from items where changed_at < ?", [ts_precise(instant)]
        ).fetchone()[0]
    )


def edited_items(db: sqlite_utils.Database, ids: Sequence[str]) -> dict[str, datetime]:
    """The items among `ids` whose text changed after they were first stored (revision 2 or
    later), each with when it was first stored: a reader may have had its first text."""
    found: dict[str, datetime] = {}
    for chunk in chunks(list(ids)):
        found.update(
            (item_id, datetime.fromisoformat(first))
            for item_id, first in db.execute(
                f"select id, fetched_at from items where revision > 1 and fetched_at is not null "
                f"and id in ({marks(chunk)})",
                list(chunk),
            )
        )
    return found


def item_ids(db: sqlite_utils.Database) -> list[str]:
    """The id of every stored item, oldest first."""
    return [row[0] for row in db.execute("select id from items order by rowid")]


def newest_published(db: sqlite_utils.Database) -> datetime | None:
    """The publication time of the newest dated item, or None."""
    newest = db.execute("select max(published_at) from items").fetchone()[0]
    return datetime.fromisoformat(newest) if newest else None


def newest_visible(
    db: sqlite_utils.Database, clearance: TLP, feed_ids: Sequence[str], before: datetime
) -> datetime | None:
    """The publication time of the newest item before `before`, at or below `clearance`,
    from one of `feed_ids`; None if there is none."""
    if not feed_ids:
        return None
    # newest first down the published_at index, stopping at the first visible item
    row = db.execute(
        f"select published_at from items "
        f"where published_at < ? and {TLP_LEVEL_SQL} <= ? and feed_id in ({marks(feed_ids)}) "
        "order by published_at desc limit 1",
        [ts(before), int(clearance), *feed_ids],
    ).fetchone()
    return datetime.fromisoformat(row[0]) if row else None


def search_ids(
    db: sqlite_utils.Database,
    query: str,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 200_000,
) -> set[str]:
    """Ids of the items (dated in [start, end) when given) whose title, summary or content
    hold `query` as a substring. The FTS5 index uses the trigram tokenizer, so Japanese and
    inflected Estonian match inside words; a query shorter than three characters is matched
    with LIKE instead. The period bounds the search itself, so a word common over the years
    never crowds out the period's own matches."""
    needle = " ".join(query.split())
    if not needle:
        return set()
    within = ""
    params: dict[str, object] = {"n": limit}
    if start is not None and end is not None:
        within = (
            " and coalesce(i.published_at, i.fetched_at) >= :s"
            " and coalesce(i.published_at, i.fetched_at) < :e"
        )
        params.update(s=ts(start), e=ts(end))
    if len(needle) < 3:
        like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        found = db.execute(
            "select id from items i where (title like :q escape '\\' or summary like :q "
            f"escape '\\'){within} limit :n",
            {**params, "q": like},
        )
    else:
        phrase = '"' + needle.replace('"', '""') + '"'  # one FTS5 phrase: no operators
        found = db.execute(
            "select i.id from items_fts f join items i on i.rowid = f.rowid "
            f"where items_fts match :q{within} limit :n",
            {**params, "q": phrase},
        )
    return {row[0] for row in found}


def count_items(db: sqlite_utils.Database) -> int:
    """How many items the store holds."""
    return int(db.execute("select count(*) from items").fetchone()[0])


def quarantined_items(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Items held back for active content and not yet released, newest first."""
    cursor = db.execute(
        "select id, feed_id, title, url, quarantine, coalesce(published_at, fetched_at) "
        "from items where quarantine != '' and released_at is null "
        "order by coalesce(published_at, fetched_at) desc"
    )
    names = ("id", "feed_id", "title", "url", "reason", "published")
    return [dict(zip(names, row, strict=True)) for row in cursor]


def release_item(
    db: sqlite_utils.Database, item_id: str, now: datetime, released_by: str = ""
) -> str:
    """Release one quarantined item, recording who did; returns why it had been held.

    Raises:
        UsageError: no such item, or the item is not quarantined.
    """
    row = db.execute("select quarantine, released_at from items where id = ?", [item_id]).fetchone()
    if row is None:
        raise UsageError(f"no item with id {item_id!r}")
    if not row[0] or row[1]:
        raise UsageError(f"item {item_id} is not quarantined")
    db.execute(
        "update items set released_at = ?, released_by = ? where id = ?",
        [ts(now), released_by, item_id],
    )
    return str(row[0])


def period_items(
    db: sqlite_utils.Database,
    start: datetime,
    end: datetime,
    clearance: TLP,
    feeds: Mapping[str, Feed],
    *,
    changes: tuple[int, int] | None = None,
) -> list[BriefItem]:
    """Items dated in [start, end) at or below `clearance`, each with its effective labels,
    best confidence, the actor sets its own words state, and the ids of items linked to it in
    other feeds. `feeds` gives each item its publisher and source kind.

    An item with no publication date counts from when it was fetched. With `changes`
    (after, upto), the items are instead those whose commit number is in (after, upto]: what
    is new to a reader since `after`, counting only what was committed by `upto`. Tags above
    `clearance` (a partner's amber tag on a clear item) are left out as well; those that are
    kept raise the item's level.
    """
    # Two ranges rather than coalesce(), so that the published_at index can be used.
    params = {"s": ts(start), "e": ts(end), "tlp": int(clearance)}
    where = (
        "((published_at >= :s and published_at < :e) or (published_at is null and "
        f"fetched_at >= :s and fetched_at < :e)) and {TLP_LEVEL_SQL} <= :tlp"
    )
    if changes is not None:
        where = f"seq > :after and seq <= :upto and {TLP_LEVEL_SQL} <= :tlp"
        params.update(after=changes[0], upto=changes[1])
    found = db.execute(
        f"select id, feed_id, url, title, summary, published_at, lang, tlp, publisher, "
        f"quarantine != '' and released_at is null "
        f"from items where {where} order by coalesce(published_at, fetched_at)",
        params,
    ).fetchall()
    tags: dict[str, list[StoredTag]] = {}
    links: dict[str, list[str]] = {}
    inside = f"select id from items where {where}"
    tag_sql = (
        "select item_id, kind, value, origin, action, confidence, rule, tlp from tags "
        f"where item_id in ({inside}) and {TLP_LEVEL_SQL} <= :tlp"
    )
    for item_id, kind, value, origin, action, confidence, rule, tlp in db.execute(tag_sql, params):
        tags.setdefault(item_id, []).append(
            StoredTag(
                kind, value, origin, action, confidence or 0.0, rule or "", tlp=decode_tlp(tlp)
            )
        )
    link_sql = f"select item_id, other_id from item_sources where item_id in ({inside})"
    for item_id, other in db.execute(link_sql, params):
        links.setdefault(item_id, []).append(other)
    read = (
        _brief_item(row, feeds.get(row[1]), tags.get(row[0], []), links.get(row[0], []))
        for row in found
    )
    # a feed raised to a higher level since its items were stored takes them with it
    return [item for item in read if item.tlp <= clearance]


def _brief_item(
    row: tuple[Any, ...], feed: Feed | None, tags: list[StoredTag], linked: list[str]
) -> BriefItem:
    item_id, feed_id, url, title, summary, published_at, lang, tlp, publisher, held = row
    labels = effective_labels(tags)
    actor_sets = labels.get("actor_set", [])
    # actor sets the source's own words attribute (a state cue), not those that follow from
    # a group's entry in the lexicon
    stated = sorted(
        {
            t.value
            for t in tags
            if t.kind == "actor_set"
            and t.action == "add"
            and t.source is not TagOrigin.PARTNER  # a partner's judgement, not the source's
            and not t.rule.startswith("alias")
            and t.value in actor_sets
        }
    )
    via = (feed.publisher or feed.name or feed.id) if feed else feed_id
    return BriefItem(
        id=item_id,
        feed_id=feed_id,
        # rows stored before items had their own publisher fall back to the feed's
        publisher=publisher or via,
        via=via,
        kind=feed.kind if feed else "unknown",
        lang=lang or "en",
        url=url or "",
        title=title or "",
        summary=summary or "",
        published_at=datetime.fromisoformat(published_at) if published_at else None,
        # what a reader is shown rests on the item and on every tag kept: a partner's amber
        # attribution makes the item amber wherever it appears
        tlp=max([decode_tlp(tlp), feed.tlp if feed else TLP.CLEAR, *(t.tlp for t in tags)]),
        actor_sets=tuple(actor_sets),
        actors=tuple(labels.get("actor", [])),
        sectors=tuple(labels.get("sector", [])),
        targets=tuple(labels.get("target", [])),
        confidence=float(max((t.confidence for t in tags if t.kind == "actor_set"), default=0.0)),
        linked=tuple(linked),
        stated=tuple(stated),
        quarantined=bool(held),
    )
