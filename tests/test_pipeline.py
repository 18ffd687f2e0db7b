# SPDX-License-Identifier: Apache-2.0
"""The ingest pipeline end to end: real loopback HTTP server, real SQLite file."""

from __future__ import annotations

import asyncio
import concurrent.futures
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from pytest_httpserver import HTTPServer

from helpers import local_config, rss
from threatbrief import pipeline
from threatbrief.errors import UsageError
from threatbrief.models import Clock, ParsedFeed
from threatbrief.store import feeds as feed_table
from threatbrief.store import items as item_table
from threatbrief.store.db import open_db

BOMB = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>
<rss version="2.0"><channel><title>&b;</title></channel></rss>"""


def _clock(now: datetime) -> Clock:
    return lambda: now


def _rows(db: sqlite_utils.Database, sql: str, *params: object) -> list[tuple[object, ...]]:
    return [tuple(r) for r in db.execute(sql, list(params)).fetchall()]


def test_one_bad_feed_never_stops_the_others(
    httpserver: HTTPServer, db: sqlite_utils.Database, now: datetime
) -> None:
    httpserver.expect_request("/good").respond_with_data(
        rss(("g1", "Good one", "https://x.example/1"), ("g2", "Good two", "https://x.example/2"))
    )
    httpserver.expect_request("/missing").respond_with_data("no", status=404)
    httpserver.expect_request("/html").respond_with_data(
        "<!doctype html><html></html>", content_type="text/html"
    )
    httpserver.expect_request("/bomb").respond_with_data(BOMB)
    httpserver.expect_request("/empty").respond_with_data("")
    config = local_config(
        {k: httpserver.url_for(f"/{k}") for k in ("good", "missing", "html", "bomb", "empty")}
    )
    outcomes = {o.feed_id: o for o in pipeline.run_fetch(config, db, clock=_clock(now))}
    assert outcomes["good"].outcome == "stored" and outcomes["good"].new == 2
    assert {k for k, o in outcomes.items() if o.failed} == {"missing", "html", "bomb", "empty"}
    assert "HTTP 404" in outcomes["missing"].error
    assert "HTML page" in outcomes["html"].error
    assert "entities" in outcomes["bomb"].error
    assert "empty body" in outcomes["empty"].error
    assert item_table.count_items(db) == 2
    health = {h.id: h for h in feed_table.feed_health(db)}
    assert health["good"].state == "ok" and health["good"].items == 2
    assert health["missing"].consecutive_failures == 1 and health["missing"].state == "failing"
    log = _rows(db, "select feed_id, outcome, error_class from fetch_log order by feed_id")
    assert log == [
        ("bomb", "failed", "ParseError"),
        ("empty", "failed", "ParseError"),
        ("good", "stored", None),
        ("html", "failed", "ParseError"),
        ("missing", "failed", "FetchError"),
    ]


def test_304_changes_nothing_and_never_clears_a_failure(
    httpserver: HTTPServer, db: sqlite_utils.Database, now: datetime
) -> None:
    body = rss(("a", "Alpha", "https://x.example/a"))
    httpserver.expect_ordered_request("/f").respond_with_data(body, headers={"ETag": '"1"'})
    httpserver.expect_ordered_request("/f").respond_with_data("down", status=500)
    httpserver.expect_ordered_request("/f", headers={"If-None-Match": '"1"'}).respond_with_data(
        "", status=304
    )
    config = local_config({"f": httpserver.url_for("/f")})
    results = [pipeline.run_fetch(config, db, clock=_clock(now))[0].outcome for _ in range(3)]
    assert results == ["stored", "failed", "not-modified"]
    (health,) = feed_table.feed_health(db)
    assert health.consecutive_failures == 1 and health.state == "failing"
    assert item_table.count_items(db) == 1


def test_unchanged_body_is_not_parsed_again(
    httpserver: HTTPServer, db: sqlite_utils.Database, now: datetime
) -> None:
    httpserver.expect_request("/f").respond_with_data(rss(("a", "Alpha", "https://x.example/a")))
    config = local_config({"f": httpserver.url_for("/f")})
    first = pipeline.run_fetch(config, db, clock=_clock(now))[0]
    second = pipeline.run_fetch(config, db, clock=_clock(now))[0]
    assert (first.outcome, second.outcome) == ("stored", "unchanged")


def test_edited_entry_updates_its_row_and_bumps_revision(
    httpserver: HTTPServer, db: sqlite_utils.Database, now: datetime
) -> None:
    httpserver.expect_ordered_request("/f").respond_with_data(
        rss(("a", "Draft title", "https://x.example/a"))
    )
    httpserver.expect_ordered_request("/f").respond_with_data(
        rss(("a", "Final title", "https://x.example/a"))
    )
    httpserver.expect_ordered_request("/f").respond_with_data(
        rss(("a-renamed-guid", "Final title, corrected", "https://x.example/a"))
    )
    config = local_config({"f": httpserver.url_for("/f")})
    outcomes = [pipeline.run_fetch(config, db, clock=_clock(now))[0] for _ in range(3)]
    assert [(o.new, o.updated) for o in outcomes] == [(1, 0), (0, 1), (0, 1)]
    assert _rows(db, "select guid, title, revision from items") == [
        ("a-renamed-guid", "Final title, corrected", 3)
    ]


def test_same_story_in_two_feeds_is_linked_not_merged(
    httpserver: HTTPServer, db: sqlite_utils.Database, now: datetime
) -> None:
    story = "https://news.example/story?utm_source=feed-a"
    httpserver.expect_request("/a").respond_with_data(rss(("x1", "Story (A)", story)))
    httpserver.expect_request("/b").respond_with_data(
        rss(("y1", "Story (B)", "https://news.example/story#top"))
    )
    config = local_config({"a": httpserver.url_for("/a"), "b": httpserver.url_for("/b")})
    pipeline.run_fetch(config, db, clock=_clock(now))
    assert sorted(_rows(db, "select feed_id, title, url from items")) == [
        ("a", "Story (A)", "https://news.example/story"),
        ("b", "Story (B)", "https://news.example/story"),
    ]
    links = _rows(
        db,
        "select i.feed_id, o.feed_id from item_sources s join items i "
        "on i.id = s.item_id join items o on o.id = s.other_id order by 1",
    )
    assert links == [("a", "b"), ("b", "a")]


def test_feeds_with_the_same_guid_keep_separate_items(
    httpserver: HTTPServer, db: sqlite_utils.Database, now: datetime
) -> None:
    httpserver.expect_request("/a").respond_with_data(rss(("1", "From A", "https://a.example/1")))
    httpserver.expect_request("/b").respond_with_data(rss(("1", "From B", "https://b.example/1")))
    config = local_config({"a": httpserver.url_for("/a"), "b": httpserver.url_for("/b")})
    pipeline.run_fetch(config, db, clock=_clock(now))
    assert sorted(_rows(db, "select feed_id, title from items")) == [
        ("a", "From A"),
        ("b", "From B"),
    ]


def test_reparse_rebuilds_items_from_kept_bodies(
    httpserver: HTTPServer, db: sqlite_utils.Database, now: datetime
) -> None:
    httpserver.expect_request("/f").respond_with_data(
        rss(("a", "Alpha", "https://x.example/a"), ("b", "Beta", "https://x.example/b"))
    )
    config = local_config({"f": httpserver.url_for("/f")})
    pipeline.run_fetch(config, db, clock=_clock(now))
    db.execute("delete from items")
    (outcome,) = pipeline.run_reparse(config, db, clock=_clock(now))
    assert outcome.new == 2 and item_table.count_items(db) == 2
    assert len(httpserver.log) == 1  # reparse fetched nothing


def test_full_text_search_finds_japanese_and_english(
    httpserver: HTTPServer, db: sqlite_utils.Database, now: datetime
) -> None:
    httpserver.expect_request("/f").respond_with_data(
        rss(
            ("1", "北朝鮮のハッカー集団が暗号資産を窃取", "https://x.example/1"),
            ("2", "Volt Typhoon persists in critical infrastructure", "https://x.example/2"),
        )
    )
    pipeline.run_fetch(local_config({"f": httpserver.url_for("/f")}), db, clock=_clock(now))
    search = (
        "select title from items where rowid in (select rowid from items_fts where "
        "items_fts match ?)"
    )
    assert _rows(db, search, '"ハッカー"') == [("北朝鮮のハッカー集団が暗号資産を窃取",)]
    assert _rows(db, search, '"Typhoon"') == [("Volt Typhoon persists in critical infrastructure",)]


def test_unknown_feed_id_is_a_usage_error(db: sqlite_utils.Database) -> None:
    config = local_config({"a": "http://127.0.0.1:9/a"})
    try:
        pipeline.run_fetch(config, db, ["nope"])
    except UsageError as exc:
        assert str(exc) == "unknown feed id 'nope'; known: a"
    else:
        raise AssertionError("expected UsageError")


def test_guid_change_alone_is_not_a_revision(
    httpserver: HTTPServer, db: sqlite_utils.Database, now: datetime
) -> None:
    httpserver.expect_ordered_request("/f").respond_with_data(
        rss(("old-guid", "Same", "https://x.example/a"))
    )
    httpserver.expect_ordered_request("/f").respond_with_data(
        rss(("new-guid", "Same", "https://x.example/a"))
    )
    config = local_config({"f": httpserver.url_for("/f")})
    for _ in range(2):
        pipeline.run_fetch(config, db, clock=_clock(now))
    assert _rows(db, "select guid, revision from items") == [("new-guid", 1)]


def test_many_feeds_parse_in_worker_processes_with_errors_intact(
    httpserver: HTTPServer, db: sqlite_utils.Database, now: datetime
) -> None:
    feeds = {}
    for n in range(pipeline.PARALLEL_PARSE_MIN_FEEDS):
        httpserver.expect_request(f"/f{n}").respond_with_data(
            rss((f"g{n}", f"Item {n}", f"https://x.example/{n}"))
        )
        feeds[f"f{n}"] = httpserver.url_for(f"/f{n}")
    httpserver.expect_request("/broken").respond_with_data(BOMB)
    feeds["broken"] = httpserver.url_for("/broken")
    outcomes = {
        o.feed_id: o for o in pipeline.run_fetch(local_config(feeds), db, clock=_clock(now))
    }
    assert outcomes["broken"].failed and "entities" in outcomes["broken"].error
    assert sum(o.new for o in outcomes.values()) == pipeline.PARALLEL_PARSE_MIN_FEEDS


class _Unstartable(concurrent.futures.Executor):
    """A pool that cannot start its processes (as in a script without a __main__ guard)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        raise RuntimeError("An attempt has been made to start a new process")


def test_parsing_falls_back_in_process_when_workers_cannot_start() -> None:
    parsed = ParsedFeed(items=[], title="t")
    assert asyncio.run(pipeline.ingest._parse_with(_Unstartable(), lambda: parsed)) is parsed


def test_parse_workers_tag_exactly_as_the_main_process_does(
    httpserver: HTTPServer, tmp_path: Path, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    titles = [
        "Russian GRU hackers target Estonian ministries",
        "北朝鮮のハッカー集団が暗号資産交換業者を攻撃",
        "Suspected Chinese state-sponsored actors breach Japanese telecoms",
        "LockBit hits a port operator",
    ]
    urls = {}
    for n in range(pipeline.PARALLEL_PARSE_MIN_FEEDS):
        httpserver.expect_request(f"/f{n}").respond_with_data(
            rss(*((f"{n}-{k}", t, f"https://x.example/{n}/{k}") for k, t in enumerate(titles)))
        )
        urls[f"f{n}"] = httpserver.url_for(f"/f{n}")
    config = local_config(urls)

    def tags(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
        return db.execute(
            "select i.guid, t.kind, t.value, t.rule, t.evidence_text, t.start from tags t "
            "join items i on i.id = t.item_id order by 1, 2, 3, 4, 6"
        ).fetchall()

    in_workers = open_db(tmp_path / "workers.db")
    pipeline.run_fetch(config, in_workers, clock=lambda: now)
    monkeypatch.setattr(pipeline, "PARALLEL_PARSE_MIN_FEEDS", 10**6)  # parse and tag here
    in_process = open_db(tmp_path / "process.db")
    pipeline.run_fetch(config, in_process, clock=lambda: now)
    assert tags(in_workers) == tags(in_process) and len(tags(in_process)) > 20
    in_workers.close()
    in_process.close()
