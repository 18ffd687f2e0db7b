# SPDX-License-Identifier: Apache-2.0
"""The only module that chains stages: fetch → parse → store → tag, with per-feed isolation.

Configuration, database and clock in; per-feed outcomes out. One feed's failure, of any kind, is
recorded in `fetch_log` and in its health row, and never stops the others.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import hashlib
import json
import logging
import multiprocessing
import os
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from . import store, store_share
from ._lexicon import actor_states
from .brief import BriefItem, PartnerAssessment, build_brief
from .config import Config
from .errors import FetchError, ParseError, ThreatbriefError, UsageError
from .fetch import AddressPolicy, ClientSet, FetchGate, fetch_feed
from .models import TLP, Feed, FetchResult, ParsedFeed, Period, ceiling
from .parse import parse_feed
from .render import render_brief
from .tag import Tagger

__all__ = ["FeedOutcome", "run_fetch", "run_reparse", "run_retag", "select_feeds", "tag_items"]

log = logging.getLogger(__name__)
T = TypeVar("T")
# Below this many feeds, starting worker processes costs more than parsing in-process saves.
PARALLEL_PARSE_MIN_FEEDS = 8
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock; everything else takes `now` as a parameter."""
    return datetime.now(UTC)


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


def _evidence(
    tagger: Tagger, rows: Iterable[tuple[str, str, str, str]]
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The evidence for each (id, title, summary, content) row."""
    return [
        (
            item_id,
            [
                e.as_dict()
                for e in tagger.tag(
                    [("title", title or ""), ("summary", summary or ""), ("content", content or "")]
                ).evidence
            ],
        )
        for item_id, title, summary, content in rows
    ]


def tag_items(
    db: sqlite_utils.Database, tagger: Tagger, item_ids: Sequence[str], now: datetime
) -> int:
    """Tag the given items and store the evidence; returns the count.

    Analyst corrections are kept: only the lexicon's own rows are replaced.
    """
    taggings = _evidence(tagger, store.item_texts(db, item_ids))
    store.save_taggings(db, taggings, tagger.version, now)
    return len(taggings)


def _parse_and_tag(
    parse: Callable[[], ParsedFeed], sources: tuple[Path, ...]
) -> tuple[ParsedFeed, list[list[dict[str, Any]]]]:
    """In a parse worker: the parsed feed, and the evidence for each of its items (the worker
    builds the same default Tagger; unchanged items are tagged too and then dropped)."""
    parsed = parse()
    rows = [("", i.title, i.summary, i.content) for i in parsed.items]
    return parsed, [evidence for _, evidence in _evidence(Tagger.default(list(sources)), rows)]


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
        store.record_fetch,
        db,
        feed.id,
        started_at=started_at,
        duration=result.duration,
        status=result.status,
        size=len(body),
        attempts=result.attempts,
    )
    evidence: list[list[dict[str, Any]]] | None = None
    try:
        if run.executor is not None and run.tagger.sources is not None:
            # tag in the worker too: the event loop keeps fetching instead of running rules
            parsed, evidence = await _parse_with(
                run.executor, functools.partial(_parse_and_tag, parse, run.tagger.sources)
            )
        else:
            parsed = await _parse_with(run.executor, parse)
    except ParseError as exc:
        exc.feed_id = feed.id
        with store.feed_transaction(db):
            store.save_body(db, result, digest, now)  # kept for `reparse` after a parser fix
            record(outcome="failed", error=exc)
        return FeedOutcome(
            feed.id, "failed", status=result.status, duration=result.duration, error=f"parse: {exc}"
        )
    with store.feed_transaction(db):
        saved = store.save_items(db, parsed.items, now)
        if evidence is None:
            tag_items(db, run.tagger, [*saved.new, *saved.updated], now)
        else:
            written = [(item_id, evidence[position]) for item_id, position in saved.written]
            store.save_taggings(db, written, run.tagger.version, now)
        store.save_body(db, result, digest, now)
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


async def _run_one(run: _Run, clients: ClientSet, feed: Feed) -> FeedOutcome:
    db, started_at, t0 = run.db, run.clock(), time.monotonic()
    state = store.feed_state(db, feed.id)
    try:
        async with run.gate.slot(feed.url):
            result = await fetch_feed(clients.client_for(feed), feed, state, run.config.limits)
    except FetchError as exc:
        duration = time.monotonic() - t0
        with store.feed_transaction(db):
            store.record_fetch(
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
        with store.feed_transaction(db):
            store.record_fetch(
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
        with store.feed_transaction(db):
            store.record_fetch(
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
        with store.feed_transaction(run.db):
            store.record_fetch(
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
    store.sync_feeds(run.db, run.config.feeds)
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
    # forkserver: forking a process that runs threads (a scheduler, a demo server) is unsafe.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as run.executor:
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
    for feed_id, body, content_type, final_url in store.stored_bodies(db, feed_ids):
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
        with store.feed_transaction(db):
            saved = store.save_items(db, parsed.items, now)
            tag_items(db, tagger, [*saved.new, *saved.updated], now)
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


RETAG_BATCH = 2_000  # items per transaction: fetch jobs can write between batches
_worker_tagger: Tagger | None = None


def _init_tag_worker(sources: tuple[Path, ...]) -> None:
    global _worker_tagger
    _worker_tagger = Tagger.default(list(sources))


def _tag_batch(rows: list[tuple[str, str, str, str]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """In a worker process: the evidence for each row."""
    assert _worker_tagger is not None
    return _evidence(_worker_tagger, rows)


def run_retag(
    db: sqlite_utils.Database,
    tagger: Tagger | None = None,
    clock: Clock = utc_now,
    workers: int | None = None,
) -> int:
    """Re-run the tagger over every stored item (after a lexicon change); returns the count.

    Items are re-tagged in batches of RETAG_BATCH, one transaction each, so the database stays
    writable for fetches meanwhile; a stopped retag is finished by running it again. With
    several cores, worker processes tag while this process writes. Analyst corrections survive.
    """
    tagger = tagger or Tagger.default()
    now = clock()
    ids = [row[0] for row in db.execute("select id from items order by rowid")]
    batches = [ids[n : n + RETAG_BATCH] for n in range(0, len(ids), RETAG_BATCH)]
    workers = min(os.cpu_count() or 1, len(batches)) if workers is None else workers
    if workers < 2 or tagger.sources is None:
        for batch in batches:
            with store.feed_transaction(db):
                tag_items(db, tagger, batch, now)
        return len(ids)
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_tag_worker,
        initargs=(tagger.sources,),
    ) as pool:
        pending: collections.deque[Future[list[tuple[str, list[dict[str, Any]]]]]] = (
            collections.deque()
        )
        for n, batch in enumerate(batches):
            pending.append(pool.submit(_tag_batch, list(store.item_texts(db, batch))))
            last = n == len(batches) - 1
            while pending and (last or len(pending) > 2 * workers):  # two per worker in flight
                results = pending.popleft().result()
                with store.feed_transaction(db):
                    store.save_taggings(db, results, tagger.version, now)
    return len(ids)


def parse_period(since: str | None, until: str | None, period: str | None, now: datetime) -> Period:
    """A period from --since/--until dates or a shorthand: 2026-10, 2026-W44, last-7d.

    Raises:
        UsageError: unreadable dates, an empty or reversed range.
    """
    try:
        if period:
            return _shorthand(period.strip(), now)
        if not since or not until:
            raise UsageError(
                "give --since and --until (YYYY-MM-DD), or --period "
                "(e.g. 2026-10, 2026-W44, last-30d)"
            )
        start = (
            datetime.fromisoformat(since).replace(tzinfo=UTC)
            if "T" not in since
            else datetime.fromisoformat(since).astimezone(UTC)
        )
        end = (
            datetime.fromisoformat(until).replace(tzinfo=UTC)
            if "T" not in until
            else datetime.fromisoformat(until).astimezone(UTC)
        )
    except ValueError as exc:
        raise UsageError(f"cannot read the period: {exc}") from exc
    if end <= start:
        raise UsageError(f"--since ({since}) must be before --until ({until})")
    return Period(start, end)


def _shorthand(text: str, now: datetime) -> Period:
    month = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if month:
        y, m = int(month.group(1)), int(month.group(2))
        start = datetime(y, m, 1, tzinfo=UTC)
        return Period(start, datetime(y + m // 12, m % 12 + 1, 1, tzinfo=UTC))
    week = re.fullmatch(r"(\d{4})-W(\d{2})", text)
    if week:
        start = datetime.fromisocalendar(int(week.group(1)), int(week.group(2)), 1)
        start = start.replace(tzinfo=UTC)
        return Period(start, start + timedelta(days=7))
    last = re.fullmatch(r"last-(\d+)d", text)
    if last:
        end = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        return Period(end - timedelta(days=int(last.group(1))), end)
    raise ValueError(f"{text!r} is not a period; use 2026-10, 2026-W44 or last-30d")


def brief_items(config: Config, rows: Sequence[dict[str, Any]]) -> list[BriefItem]:
    feeds = {f.id: f for f in config.feeds}
    out = []
    for r in rows:
        feed = feeds.get(r["feed_id"])
        labels = r["labels"]
        out.append(
            BriefItem(
                id=r["id"],
                feed_id=r["feed_id"],
                publisher=(feed.publisher or feed.name or feed.id) if feed else r["feed_id"],
                kind=feed.kind if feed else "news",
                lang=r["lang"] or "en",
                url=r["url"] or "",
                title=r["title"] or "",
                summary=r["summary"] or "",
                published_at=datetime.fromisoformat(r["published_at"])
                if r["published_at"]
                else None,
                tlp=store.item_tlp(r["tlp"]),
                actor_sets=tuple(labels.get("actor_set", [])),
                actors=tuple(labels.get("actor", [])),
                sectors=tuple(labels.get("sector", [])),
                targets=tuple(labels.get("target", [])),
                confidence=float(r["confidence"] or 0),
                linked=tuple(r["linked"]),
            )
        )
    return out


def partner_assessments(
    db: sqlite_utils.Database, period: Period, clearance: TLP
) -> list[PartnerAssessment]:
    """Partners' assessments published in the period, at or below `clearance`."""
    return [
        PartnerAssessment(
            partner=r["partner"],
            name=r["name"],
            body=r["body"] or "",
            published=datetime.fromisoformat(r["published"]) if r["published"] else None,
            tlp=store.item_tlp(r["tlp"]),
            url=(r["urls"] or "").split("\n")[0],
            actors=tuple(a for a in (r["actors"] or "").split(",") if a),
        )
        for r in store_share.assessments_in(db, period.start, period.end, clearance)
    ]


def _keep(item: BriefItem, actors: Sequence[str], sectors: Sequence[str]) -> bool:
    return (
        not actors or bool(set(actors) & set(item.actor_sets) | set(actors) & set(item.actors))
    ) and (not sectors or bool(set(sectors) & set(item.sectors)))


@dataclass
class BriefResult:
    """Where a brief went and what it held."""

    path: Path
    fmt: str
    items: int
    tlp: str
    sha256: str


def check_partners(partners: Sequence[str]) -> None:
    """Raises UsageError unless `partners` are ISO 3166 alpha-2 codes, at least one."""
    unknown = [p for p in partners if not re.fullmatch(r"[A-Z]{2}", p)]
    if unknown or not partners:
        raise UsageError(
            f"partners must be ISO 3166 alpha-2 codes such as EE,JP; got "
            f"{', '.join(partners) or 'none'}"
        )


def run_brief(
    config: Config,
    db: sqlite_utils.Database,
    period: Period,
    partners: Sequence[str],
    out: Path,
    fmt: str,
    *,
    clock: Clock = utc_now,
    actors: Sequence[str] = (),
    sectors: Sequence[str] = (),
    clearance: TLP = TLP.AMBER,
    template_dir: Path | None = None,
) -> BriefResult:
    """Build, render, write and archive one brief.

    Raises:
        UsageError: unknown partner codes or format, or an output folder that does not exist.
    """
    check_partners(partners)
    if not out.parent.exists():
        raise UsageError(f"output folder {out.parent} does not exist")
    clearance = ceiling(clearance, "local") or TLP.CLEAR  # a brief is written for local reading
    rows = store.period_items(db, period.start, period.end, clearance)
    items = [i for i in brief_items(config, rows) if _keep(i, actors, sectors)]
    prev_period = period.previous()
    previous = [
        i
        for i in brief_items(
            config, store.period_items(db, prev_period.start, prev_period.end, clearance)
        )
        if _keep(i, actors, sectors)
    ]
    per_feed = Counter(i.feed_id for i in items)
    feeds = [
        {
            "id": f.id,
            "publisher": f.publisher or f.name,
            "lang": f.lang,
            "items": per_feed.get(f.id, 0),
        }
        for f in config.feeds
    ]
    now = clock()
    ctx = build_brief(
        items,
        previous,
        period,
        partners,
        config.organisation,
        now,
        store.period_failures(db, period.start, period.end),
        feeds,
        actor_states(),
        partner_assessments(db, period, clearance),
    )
    body = render_brief(ctx, fmt, template_dir)
    data = body.encode("utf-8") if isinstance(body, str) else body
    out.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    with store.feed_transaction(db):
        store.record_brief(
            db,
            created_at=now,
            start=period.start,
            end=period.end,
            partners=",".join(partners),
            filters=json.dumps({"actors": list(actors), "sectors": list(sectors)}),
            tlp=ctx.tlp,
            fmt=fmt,
            path=str(out),
            sha256=digest,
            items=len(items),
        )
    return BriefResult(out, fmt, len(items), ctx.tlp, digest)
