# SPDX-License-Identifier: Apache-2.0
"""Every migration of the store, in the order they run: the whole schema in one file.

A new migration is appended here, named `mNNN_<what>`; sqlite-utils records which have run in
`_sqlite_migrations`, so each runs once per database. Only `store.db` applies them.
"""

from __future__ import annotations

import sqlite_utils

from ._sql import table

__all__ = ["migrations"]

migrations = sqlite_utils.Migrations("threatbrief")


@migrations()
def m001_ingest(db: sqlite_utils.Database) -> None:
    table(db, "feeds").create(
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
    table(db, "fetch_log").create(
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
    table(db, "fetch_log").create_index(["feed_id", "started_at"])
    table(db, "items").create(
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
    items = table(db, "items")
    items.create_index(["feed_id", "guid"], unique=True)
    items.create_index(["feed_id", "url"])
    items.create_index(["url"])
    items.create_index(["published_at"])
    table(db, "item_sources").create(
        {"item_id": str, "other_id": str, "match": str, "linked_at": str},
        pk=("item_id", "other_id"),
    )
    table(db, "feed_bodies").create(
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
    table(db, "tags").create(
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
    tags = table(db, "tags")
    tags.create_index(["item_id"])
    tags.create_index(["kind", "value"])


@migrations()
def m003_briefs(db: sqlite_utils.Database) -> None:
    table(db, "briefs").create(
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
    table(db, "items").create_index(["feed_id", "published_at"])


@migrations()
def m004_subscribers(db: sqlite_utils.Database) -> None:
    table(db, "subscribers").create(
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
    table(db, "outbox").create(
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
    table(db, "outbox").create_index(["email", "period_start", "period_end"], unique=True)
    table(db, "outbox").create_index(["state"])


@migrations()
def m005_sharing(db: sqlite_utils.Database) -> None:
    table(db, "tags").add_column("tlp", str, not_null_default="clear")
    table(db, "assessments").create(
        {
            "stix_id": str,
            "partner": str,
            "type": str,
            "name": str,
            "body": str,
            "published": str,
            "modified": str,
            "tlp": str,
            "marking_notes": str,
            "urls": str,
            "actors": str,
            "file_sha256": str,
            "source": str,
            "imported_at": str,
        },
        pk=("partner", "stix_id"),
    )
    table(db, "assessments").create_index(["published"])
    table(db, "tags").create_index(["origin", "note"])
    table(db, "taxii_bookmarks").create(
        {"server": str, "collection": str, "added_after": str, "updated_at": str},
        pk=("server", "collection"),
    )


@migrations()
def m006_commit_order(db: sqlite_utils.Database) -> None:
    """Digests window on the order of commits, not on clocks; queued mail keeps its level; a
    fetch whose outcome was never recorded is visible as such."""
    items = table(db, "items")
    # One number per write transaction, in commit order (writers are serialised by
    # BEGIN IMMEDIATE), so a digest that reads up to N has seen every commit up to N.
    items.add_column("seq", int)
    db.execute(
        "update items set seq = (select r from (select id, dense_rank() over "
        "(order by changed_at) as r from items) ranked where ranked.id = items.id)"
    )
    items.create_index(["seq"])
    table(db, "subscribers").add_column("last_digest_seq", int)
    table(db, "outbox").add_column("tlp", str)
    table(db, "feeds").add_column("last_attempt_at", str)


@migrations()
def m007_attribution(db: sqlite_utils.Database) -> None:
    """Each lexicon tag keeps the mention's role in its clause (actor, beneficiary, target),
    the source's own hedge and who attributes (official, vendor, media, self-claimed); rows
    written before stay empty until the next `retag`. Feeds keep their kind (cert,
    government, vendor, news), the attribution type when a text names no attributor."""
    tags = table(db, "tags")
    tags.add_column("role", str)
    tags.add_column("hedge", str)
    tags.add_column("attribution_type", str)
    table(db, "feeds").add_column("kind", str)


@migrations()
def m008_events(db: sqlite_utils.Database) -> None:
    """Items carry their own publisher (not their feed's), and the active content that holds
    them back from briefs and digests until an analyst releases them."""
    items = table(db, "items")
    items.add_column("publisher", str, not_null_default="")
    items.add_column("quarantine", str, not_null_default="")  # why; "" for none
    items.add_column("released_at", str)  # when an analyst released a quarantined item
    db.execute(
        "create index if not exists items_quarantine on items (quarantine) where quarantine != ''"
    )


@migrations()
def m009_users(db: sqlite_utils.Database) -> None:
    """The people who use the web workspace: their role, their TLP clearance and an argon2
    hash of their password, with the count of failed logins that slows the next attempt."""
    table(db, "users").create(
        {
            "email": str,
            "role": str,
            "tlp": str,
            "password_hash": str,
            "created_at": str,
            "updated_at": str,
            "failed_logins": int,
            "last_failed_at": str,
        },
        pk="email",
        not_null={"role", "tlp", "password_hash"},
        defaults={"failed_logins": 0},
    )


@migrations()
def m010_analyst_actions(db: sqlite_utils.Database) -> None:
    """Who made each analyst decision: a label's correction, a quarantine release, and the
    new decisions that two items are one story (`join`) or two (`split`), which clustering
    keeps to (the latest decision for a pair holds)."""
    table(db, "tags").add_column("decided_by", str)
    table(db, "items").add_column("released_by", str)
    table(db, "story_links").create(
        {
            "id": int,
            "item_id": str,
            "other_id": str,
            "action": str,
            "note": str,
            "decided_by": str,
            "decided_at": str,
        },
        pk="id",
        not_null={"item_id", "other_id", "action", "decided_at"},
        foreign_keys=[("item_id", "items", "id"), ("other_id", "items", "id")],
    )
    db.execute("create index if not exists story_links_item on story_links (item_id)")
    db.execute("create index if not exists story_links_other on story_links (other_id)")


@migrations()
def m011_brief_requests(db: sqlite_utils.Database) -> None:
    """Who asked for each brief of the archive: a workspace user's address, or "" for the
    command line and the scheduler."""
    table(db, "briefs").add_column("requested_by", str, not_null_default="")


@migrations()
def m012_story_generation(db: sqlite_utils.Database) -> None:
    """A counter that moves with every change to what stories are built from (items, their
    tags, analysts' story decisions), kept by triggers, so a reader's kept clustering is
    thrown away for those and never for a login, a feed's health or a brief's archive row."""
    db.execute(
        "create table if not exists story_generation "
        "(id integer primary key check (id = 1), n integer not null)"
    )
    db.execute("insert or ignore into story_generation (id, n) values (1, 0)")
    for source in ("items", "tags", "story_links"):
        for event in ("insert", "update", "delete"):
            db.execute(
                f"create trigger if not exists {source}_{event}_generation after {event} "
                f"on {source} begin update story_generation set n = n + 1 where id = 1; end"
            )


@migrations()
def m013_brief_findings(db: sqlite_utils.Database) -> None:
    """What each archived brief found (its groups, victims and exploited vulnerabilities, as
    JSON), so the next brief for the same partners can say what is new since it."""
    table(db, "briefs").add_column("findings", str, not_null_default="{}")
