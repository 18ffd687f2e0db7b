# SPDX-License-Identifier: Apache-2.0
"""Crash safety: `threatbrief fetch`, `retag`, `digest --send` and `import` killed with SIGKILL
at random moments, 30 times in all, against a real feed server and SMTP sink on 127.0.0.1.

After every kill the database passes `PRAGMA integrity_check` and no process of the killed
command is left (parse and tag workers, the fork server, the resource tracker). After each
series a rerun reaches the final state an uninterrupted run would, and mail is repeated at
most once per kill (a kill between the server's acceptance and the outbox update is the one
case that cannot be told apart).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from helpers import Sink
from threatbrief.pipeline import subscribers
from threatbrief.store.db import open_db

KILLS_PER_SERIES = 10
KILLS_PER_SHORT_SERIES = 5  # retag and import
FEEDS = 8  # PARALLEL_PARSE_MIN_FEEDS: each fetch starts its pool of parse workers
ITEMS_PER_VERSION = 80  # new items per feed in each fetch run
SUBSCRIBERS = 150
NOW = datetime.now(UTC).replace(microsecond=0)  # digests select items by when they were stored
STATES = ["GRU", "Lazarus", "APT41 (China)", "APT33 (Iran)"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


class VersionedFeeds:
    """Feed `/fN` at version v lists the items 0 … (v+1)·ITEMS_PER_VERSION - 1, so every run
    has new items to parse and store, and version v's final state is known in advance."""

    def __init__(self) -> None:
        self.version = 0

    def guids(self) -> set[str]:
        count = (self.version + 1) * ITEMS_PER_VERSION
        return {f"urn:test:f{f}-{n}" for f in range(FEEDS) for n in range(count)}

    def __call__(self, request: Request) -> Response:
        feed = request.path.strip("/")
        day = NOW - timedelta(days=2)
        entries = "".join(
            f"<item><title>{STATES[n % 4]} hackers target ministry {n} in Estonia</title>"
            f"<link>https://x.example/{feed}/{n}</link><guid>urn:test:{feed}-{n}</guid>"
            f"<description>Advisory {n} of {feed}: campaign details.</description>"
            f"<pubDate>{format_datetime(day - timedelta(minutes=n))}</pubDate></item>"
            for n in range((self.version + 1) * ITEMS_PER_VERSION)
        )
        body = f'<rss version="2.0"><channel><title>{feed}</title>{entries}</channel></rss>'
        return Response(body, content_type="application/rss+xml")


def _command(config: Path, db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "threatbrief", "-q", "-c", str(config), "--db", str(db), *args]


MARKER = f"crash-{uuid.uuid4()}"  # in the environment of every process a command starts


def _marked() -> list[int]:
    """Pids of live processes that carry this test's marker in their environment."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if MARKER.encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


def _no_process_left(within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while _marked() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _marked() == [], "processes of a killed command were left behind"


def _kill_at_random(cmd: list[str], rng: random.Random, within: float) -> bool:
    """Start `cmd`, SIGKILL it after a random delay; True if it was still running. Whatever it
    started must be gone shortly after."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("THREATBRIEF_")}
    env["TB_CRASH_MARKER"] = MARKER
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=rng.uniform(0.3, within))
        landed = False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        landed = True
    _no_process_left()
    return landed


def _finish(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THREATBRIEF_")}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _integrity(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        assert conn.execute("pragma foreign_key_check").fetchall() == []


def _timed(cmd: list[str]) -> float:
    start = time.monotonic()
    _finish(cmd)
    return time.monotonic() - start


def test_kill_9_during_fetch_and_digest(
    tmp_path: Path, httpserver: HTTPServer, smtp: tuple[Sink, int]
) -> None:
    sink, port = smtp
    feeds = VersionedFeeds()
    for f in range(FEEDS):
        httpserver.expect_request(f"/f{f}").respond_with_handler(feeds)
    config = tmp_path / "feeds.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "defaults": {"allow_networks": ["127.0.0.1/32"], "retries": 0},
                "feeds": [
                    {"id": f"f{f}", "url": httpserver.url_for(f"/f{f}")} for f in range(FEEDS)
                ],
                "mail": {"host": "127.0.0.1", "port": port, "security": "none"},
            }
        )
    )
    db = tmp_path / "t.db"
    rng = random.Random(20261123)
    fetch = _command(config, db, "fetch")

    # Series 1: each run has a new version of every feed to parse, tag and store.
    duration = _timed(fetch)  # version 0, uninterrupted: how long one run takes here
    landed = 0
    for _ in range(KILLS_PER_SERIES):
        feeds.version += 1
        landed += _kill_at_random(fetch, rng, within=max(1.0, duration * 1.5))
        _integrity(db)
    _finish(fetch)
    _integrity(db)
    with sqlite3.connect(db) as conn:
        stored = [g for (g,) in conn.execute("select guid from items")]
        untagged = conn.execute(
            "select count(*) from items where id not in (select item_id from tags)"
        ).fetchone()[0]
    assert len(stored) == len(set(stored)) and set(stored) == feeds.guids()
    assert untagged == 0  # items and their tags are written in one transaction
    assert landed >= 1, "no kill landed while fetch was running"

    # Series 2: the digests of 150 subscribers, killed while being built and sent.
    handle = open_db(db)
    sets = ["russia", "north-korea", "china", "iran"]
    for n in range(SUBSCRIBERS):
        subscribers.add_subscriber(
            handle,
            f"user{n}@partner.example",
            actor_sets=[sets[n % 4]],
            cadence="weekly",
            now=NOW - timedelta(days=3),
        )
    handle.close()
    digest = _command(config, db, "digest", "--send")
    kills = 0
    for _ in range(KILLS_PER_SERIES):
        kills += _kill_at_random(digest, rng, within=2.0)
        _integrity(db)
    _finish(digest)
    _integrity(db)
    with sqlite3.connect(db) as conn:
        sent_rows = conn.execute("select email, message_id, state from outbox").fetchall()
    assert len(sent_rows) == SUBSCRIBERS and {s for _, _, s in sent_rows} == {"sent"}
    received = Counter(m["Message-ID"] for m in sink.messages)
    assert set(received) == {mid for _, mid, _ in sent_rows}
    repeats = sum(c - 1 for c in received.values())
    assert repeats <= kills, (repeats, kills)
    assert kills >= 1, "no kill landed while digests were running"
    # a rerun after the final state sends nothing new
    _finish(digest)
    assert len(sink.messages) == sum(received.values())

    # Series 3: retag over every stored item (worker processes tag, this one writes).
    retag = _command(config, db, "retag")
    retagged = 0
    for _ in range(KILLS_PER_SHORT_SERIES):
        retagged += _kill_at_random(retag, rng, within=max(1.0, _timed(retag) * 1.2))
        _integrity(db)
    _finish(retag)
    _integrity(db)
    with sqlite3.connect(db) as conn:
        untagged = conn.execute(
            "select count(*) from items where id not in (select item_id from tags)"
        ).fetchone()[0]
    assert untagged == 0
    assert retagged >= 1, "no kill landed while retag was running"

    # Series 4: a partner's large bundle, imported all or nothing.
    bundle = tmp_path / "partner.json"
    bundle.write_text(_partner_bundle(NOTES_IN_BUNDLE))
    load = _command(config, db, "import", str(bundle), "--partner", "CERT-X")
    imported = 0
    for _ in range(KILLS_PER_SHORT_SERIES):
        imported += _kill_at_random(load, rng, within=max(1.0, 1.5))
        _integrity(db)
        with sqlite3.connect(db) as conn:
            count = conn.execute("select count(*) from assessments").fetchone()[0]
        assert count in (0, NOTES_IN_BUNDLE + 1), count  # the whole bundle or nothing
    _finish(load)
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from assessments").fetchone() == (NOTES_IN_BUNDLE + 1,)
    assert landed + kills + retagged + imported >= 20


NOTES_IN_BUNDLE = 1500


def _partner_bundle(notes: int) -> str:
    """A partner's report with many notes, each citing one of our items' addresses."""
    created = "2026-11-01T00:00:00.000Z"
    marking = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"  # TLP:GREEN
    objects = [
        {
            "type": "note",
            "spec_version": "2.1",
            "id": f"note--{uuid.uuid5(uuid.NAMESPACE_URL, str(n))}",
            "created": created,
            "modified": created,
            "content": f"Lazarus activity seen in case {n}.",
            "object_refs": [f"note--{uuid.uuid5(uuid.NAMESPACE_URL, str(n + 1))}"],
            "external_references": [
                {"source_name": "partner", "url": f"https://x.example/f{n % FEEDS}/{n}"}
            ],
            "object_marking_refs": [marking],
        }
        for n in range(notes)
    ]
    report = {
        "type": "report",
        "spec_version": "2.1",
        "id": "report--2b1e4f0c-5d9a-4c58-8f3e-0a6c1d9b7e21",
        "created": created,
        "modified": created,
        "name": "Partner assessment",
        "published": created,
        "report_types": ["threat-report"],
        "object_refs": [o["id"] for o in objects],
        "object_marking_refs": [marking],
    }
    return json.dumps(
        {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [*objects, report]}
    )
