# SPDX-License-Identifier: Apache-2.0
"""Fetching as a use case: fetch → parse → store → tag for many feeds, with per-feed
isolation, and the feed health report.

Configuration, database and clock in; per-feed outcomes out. One feed's failure, of any kind,
is recorded in `fetch_log` and in its health row, and never stops the others.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import BrokenExecutor, Executor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from .._net import redact_url
from .._workers import orphan_proof_pool
from ..config import Config
from ..errors import FetchError, ParseError, ThreatbriefError, UsageError
from ..ingest.fetch import AddressPolicy, ClientSet, FetchGate, fetch_feed
from ..ingest.parse import parse_feed
from ..models import TLP, Clock, Evidence, Feed, FetchResult, ParsedFeed, utc_now
from ..store import feeds as feed_table
from ..store import items as item_table
from ..store import tags as tag_table
from ..store.db import transaction
from ..tag import Tagger
from .tagging import evidence_for

__all__ = [
    "PARALLEL_PARSE_MIN_FEEDS",
    "FeedOutcome",
    "feed_report",
    "recent_fetches",
    "run_fetch",
    "run_reparse",
    "select_feeds",
]

log = logging.getLogger(__name__)
T = TypeVar("T")
# Below this many feeds, starting worker processes costs more than parsing in-process saves.
PARALLEL_PARSE_MIN_FEEDS = 8


@dataclass(slots=True)
class FeedOutcome:
    """What happened to one feed in one run."""

    feed_id: str
    outcome: str  # stored | unchanged | not-modified | failed
    new: int = 0
    updated: int = 0
    items: int = 0
    status: int | None = None
    duration: float = 0.0
    error: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"


@dataclass(slots=True)
class _Run:
    """What every feed of one run shares."""

    config: Config
    db: sqlite_utils.Database
    tagger: Tagger
    clock: Clock
    gate: FetchGate
    executor: Executor | None = None


def select_feeds(config: Config, feed_ids: Sequence[str] = ()) -> list[Feed]:
    """The enabled feeds, or exactly the named ones.

    Raises:
        UsageError: a named feed is not in the configuration.
    """
    if not feed_ids:
        return [f for f in config.feeds if f.enabled]
    known = {f.id for f in config.feeds}
    unknown = [i for i in feed_ids if i not in known]
    if unknown:
        raise UsageError(
            f"unknown feed id {', '.join(repr(u) for u in unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )
    return [config.feed(i) for i in dict.fromkeys(feed_ids)]


def feed_report(config: Config, db: sqlite_utils.Database) -> list[feed_table.FeedHealth]:
    """The health of every configured feed, in id order (a feed never fetched has a row too)."""
    with transaction(db):
        feed_table.sync_feeds(db, config.feeds)
    return feed_table.feed_health(db, [f.id for f in config.feeds])


def recent_fetches(
    config: Config, db: sqlite_utils.Database, clearance: TLP, limit: int = 30
) -> list[dict[str, Any]]:
    """The newest fetches of the feeds at or below `clearance` (a feed's name and health are
    as sensitive as what it serves), newest first."""
    visible = [f.id for f in config.feeds if f.tlp <= clearance]
    return feed_table.recent_fetches(db, visible, limit)


def _parse_and_tag(
    parse: Callable[[], ParsedFeed], sources: tuple[Path, ...], feed_kind: str = "cert"
) -> tuple[ParsedFeed, list[tuple[Evidence, ...]]]:
    """In a parse worker: the parsed feed, and the evidence for each of its items (the worker
    builds the same default Tagger; unchanged items are tagged too and then dropped)."""
    parsed = parse()
    rows = [("", i.title, i.summary, i.content, feed_kind) for i in parsed.items]
    tagger = Tagger.default(list(sources))
    return parsed, [evidence for _, evidence in evidence_for(tagger, rows)]


async def _parse_with(executor: Executor | None, parse: Callable[[], T]) -> T:
    """Parse in the executor (other cores keep parsing while this loop fetches), or here."""
    if executor is not None:
        try:
            future = asyncio.get_running_loop().run_in_executor(executor, parse)
        except (RuntimeError, OSError) as exc:  # the pool cannot start its processes here
            log.warning("parse workers unavailable (%s); parsing in-process", str(exc).strip())
            return parse()
        try:
            return await future
        except BrokenExecutor:
            log.warning("parse worker pool broke; parsing in-process")
    return parse()


async def _store_parsed(
    run: _Run, feed: Feed, result: FetchResult, digest: str, started_at: datetime
) -> FeedOutcome:
    db, now, body = run.db, run.clock(), result.body or b""
    parse = functools.partial(
        parse_feed,
        feed,
        body,
        content_type=result.headers.get("content-type", ""),
        base_url=result.final_url,
        now=now,
    )
    record = functools.partial(
        feed_table.record_fetch,
        db,
        feed.id,
        started_at=started_at,
        duration=result.duration,
        status=result.status,
        size=len(body),
        attempts=result.attempts,
    )
    evidence: list[tuple[Evidence, ...]] | None = None
    try:  # parse and tag first; the write transaction below only writes
        if run.executor is not None and run.tagger.sources is not None:
            # tag in the worker too: the event loop keeps fetching instead of running rules
            parsed, evidence = await _parse_with(
                run.executor,
                functools.partial(_parse_and_tag, parse, run.tagger.sources, feed.kind),
            )
        else:
            parsed = await _parse_with(run.executor, parse)
    except ParseError as exc:
        exc.feed_id = feed.id
        with transaction(db):
            feed_table.save_body(db, result, digest, now)  # kept for `reparse` after a parser fix
            record(outcome="failed", error=exc)
        return FeedOutcome(
            feed.id, "failed", status=result.status, duration=result.duration, error=f"parse: {exc}"
        )
    if evidence is None:
        rows = [("", i.title, i.summary, i.content, feed.kind) for i in parsed.items]
        evidence = [found for _, found in evidence_for(run.tagger, rows)]
    with transaction(db):
        saved = item_table.save_items(db, parsed.items, now)
        written = [(item_id, evidence[position]) for item_id, position in saved.written]
        tag_table.save_taggings(db, written, run.tagger.version, now)
        feed_table.save_body(db, result, digest, now)
        record(
            new=len(saved.new),
            updated=len(saved.updated),
            outcome="stored",
            result=result,
            body_hash=digest,
        )
    for warning in parsed.warnings:
        log.warning("feed %s: %s", feed.id, warning)
    return FeedOutcome(
        feed.id,
        "stored",
        new=len(saved.new),
        updated=len(saved.updated),
        items=len(parsed.items),
        status=result.status,
        duration=result.duration,
        warnings=parsed.warnings,
    )


def _credentials(feed: Feed, environ: Mapping[str, str]) -> dict[str, str]:
    """The feed's headers_env, each header with the value of its environment variable.

    Raises:
        FetchError: a variable is unset or empty.
    """
    headers = {}
    for header, env in feed.headers_env:
        value = environ.get(env, "")
        if not value:
            raise FetchError(
                f"the environment variable {env} (headers_env {header} of feed '{feed.id}') "
                "is not set; export it before fetching",
                feed_id=feed.id,
                url=redact_url(feed.url),
            )
        headers[header] = value
    return headers


async def _run_one(run: _Run, clients: ClientSet, feed: Feed) -> FeedOutcome:
    db, started_at, t0 = run.db, run.clock(), time.monotonic()
    # Marked before the fetch, so that a fetch whose outcome cannot be recorded (the store
    # locked or full) never leaves the feed looking healthy in `threatbrief feeds`.
    with transaction(db):
        feed_table.mark_attempt(db, feed.id, started_at)
    state = feed_table.feed_state(db, feed.id)
    try:
        credentials = _credentials(feed, os.environ)
        async with run.gate.slot(feed.url):
            result = await fetch_feed(
                clients.client_for(feed), feed, state, run.config.limits, credentials
            )
    except FetchError as exc:
        duration = time.monotonic() - t0
        with transaction(db):
            feed_table.record_fetch(
                db,
                feed.id,
                started_at=started_at,
                duration=duration,
                status=exc.status,
                outcome="failed",
                error=exc,
            )
        return FeedOutcome(feed.id, "failed", status=exc.status, duration=duration, error=str(exc))
    if result.not_modified:
        with transaction(db):
            feed_table.record_fetch(
                db,
                feed.id,
                started_at=started_at,
                duration=result.duration,
                status=304,
                attempts=result.attempts,
                outcome="not-modified",
            )
        return FeedOutcome(feed.id, "not-modified", status=304, duration=result.duration)
    digest = hashlib.sha256(result.body or b"").hexdigest()
    if digest == state.body_hash:
        with transaction(db):
            feed_table.record_fetch(
                db,
                feed.id,
                started_at=started_at,
                duration=result.duration,
                status=result.status,
                size=len(result.body or b""),
                attempts=result.attempts,
                outcome="unchanged",
                result=result,
                body_hash=digest,
            )
        return FeedOutcome(feed.id, "unchanged", status=result.status, duration=result.duration)
    return await _store_parsed(run, feed, result, digest, started_at)


async def _guarded(run: _Run, work: Awaitable[FeedOutcome], feed: Feed) -> FeedOutcome:
    try:
        return await work
    except ThreatbriefError as exc:
        error: BaseException = exc
    except Exception as exc:  # a bug must not stop the other feeds; it is logged in full
        log.exception("feed %s: internal error", feed.id)
        error = exc
    try:
        with transaction(run.db):
            feed_table.record_fetch(
                run.db,
                feed.id,
                started_at=run.clock(),
                duration=0.0,
                status=None,
                outcome="failed",
                error=error,
            )
    except ThreatbriefError:
        log.exception("feed %s: could not record the failure", feed.id)
    return FeedOutcome(feed.id, "failed", error=f"{type(error).__name__}: {error}")


async def fetch_all(
    run: _Run, feeds: Sequence[Feed], on_done: Callable[[FeedOutcome], None] | None = None
) -> list[FeedOutcome]:
    """Fetch, parse, store and tag `feeds` concurrently; outcomes in the order of `feeds`."""
    with transaction(run.db):
        feed_table.sync_feeds(run.db, run.config.feeds)
    policy = AddressPolicy(run.config.allow_private_networks, run.config.allow_networks)
    async with ClientSet(run.config.limits, policy) as clients:

        async def one(feed: Feed) -> FeedOutcome:
            outcome = await _guarded(run, _run_one(run, clients, feed), feed)
            if on_done is not None:
                on_done(outcome)
            return outcome

        return list(await asyncio.gather(*(one(f) for f in feeds)))


def run_fetch(
    config: Config,
    db: sqlite_utils.Database,
    feed_ids: Sequence[str] = (),
    clock: Clock = utc_now,
    on_done: Callable[[FeedOutcome], None] | None = None,
    tagger: Tagger | None = None,
) -> list[FeedOutcome]:
    """Fetch the selected feeds (all enabled ones by default), store and tag their items.

    Raises:
        UsageError: an unknown feed id was named.
        ConfigError: the lexicon is invalid.
    """
    feeds = select_feeds(config, feed_ids)
    run = _Run(
        config,
        db,
        tagger or Tagger.default(),
        clock,
        FetchGate(config.limits.concurrency, config.limits.per_host),
    )
    workers = min(os.cpu_count() or 1, len(feeds))
    if workers < 2 or len(feeds) < PARALLEL_PARSE_MIN_FEEDS:
        return asyncio.run(fetch_all(run, feeds, on_done))
    with orphan_proof_pool(workers) as run.executor:
        return asyncio.run(fetch_all(run, feeds, on_done))


def run_reparse(
    config: Config,
    db: sqlite_utils.Database,
    feed_ids: Sequence[str] = (),
    clock: Clock = utc_now,
    tagger: Tagger | None = None,
) -> list[FeedOutcome]:
    """Rebuild items from the raw bodies kept in the store (after a parser fix)."""
    select_feeds(config, feed_ids)
    tagger = tagger or Tagger.default()
    outcomes = []
    for feed_id, body, content_type, final_url in feed_table.stored_bodies(db, feed_ids):
        try:
            feed = config.feed(feed_id)
        except KeyError:
            continue
        now = clock()
        try:
            parsed = parse_feed(feed, body, content_type=content_type, base_url=final_url, now=now)
        except ParseError as exc:
            outcomes.append(FeedOutcome(feed_id, "failed", error=f"parse: {exc}"))
            continue
        rows = [("", i.title, i.summary, i.content, feed.kind) for i in parsed.items]
        evidence = [found for _, found in evidence_for(tagger, rows)]
        with transaction(db):
            saved = item_table.save_items(db, parsed.items, now)
            written = [(item_id, evidence[position]) for item_id, position in saved.written]
            tag_table.save_taggings(db, written, tagger.version, now)
        outcomes.append(
            FeedOutcome(
                feed_id,
                "stored",
                new=len(saved.new),
                updated=len(saved.updated),
                items=len(parsed.items),
                warnings=parsed.warnings,
            )
        )
    return outcomes
