# SPDX-License-Identifier: Apache-2.0
"""Digest delivery: 5,000 subscribers with varied filters over a week of 3,000 items, sent to
an SMTP sink (aiosmtpd) on 127.0.0.1. Prints messages per second and peak memory.

    python benchmarks/bench_digest.py [--subscribers 5000] [--items 3000]
"""

from __future__ import annotations

import argparse
import random
import resource
import socket
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from threatbrief.config import parse_config
from threatbrief.digest.smtp import SmtpSettings
from threatbrief.pipeline import digests as outbox
from threatbrief.pipeline import subscribers
from threatbrief.store.db import open_db

SETS = ["china", "north-korea", "russia", "iran"]
SECTORS = ["government", "defence", "energy", "finance", "telecom", "health", "transport"]
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def fill(db_path: Path, items: int, people: int) -> None:
    rng = random.Random(5)
    db = open_db(db_path)
    rows, tags = [], []
    for n in range(items):
        when = NOW - timedelta(minutes=rng.randrange(7 * 24 * 60))
        state, sector = rng.choice(SETS), rng.choice(SECTORS)
        item_id = f"d{n:06d}"
        stamp = when.isoformat(timespec="microseconds")
        rows.append(
            (
                item_id,
                "feed",
                f"g{n}",
                f"https://x.example/{n}",
                f"Advisory {n}: {state} actors target {sector} organisations",
                f"Summary of advisory {n}. Partners describe the campaign.",
                "",
                when.isoformat(timespec="seconds"),
                stamp,
                stamp,
                "en",
                "clear",
                1,
                1,  # one commit: every item is in the subscribers' first window
            )
        )
        tags += [
            (item_id, "actor_set", state, 0.9, "bench", "lexicon", "add"),
            (item_id, "sector", sector, 0.8, "bench", "lexicon", "add"),
        ]
    with db.atomic():
        db.conn.executemany(
            "insert into items (id, feed_id, guid, url, title, summary, content, published_at, "
            "fetched_at, changed_at, lang, tlp, revision, seq) "
            "values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        db.conn.execute("update items set seq = 1")  # one commit, as one fetch would give
        db.conn.executemany(
            "insert into tags (item_id, kind, value, confidence, rule, origin, "
            "action) values (?,?,?,?,?,?,?)",
            tags,
        )
        for n in range(people):
            subscribers.add_subscriber(
                db,
                f"user{n}@partner.example",
                actor_sets=rng.sample(SETS, rng.randint(1, 2)),
                sectors=rng.sample(SECTORS, rng.randint(0, 2)),
                cadence="weekly",
                now=NOW - timedelta(days=30),
            )
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--items", type=int, default=3000)
    args = parser.parse_args()
    sink = Counter()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    config = parse_config(
        {"version": 1, "feeds": [{"id": "feed", "url": "https://f.example/"}]}, "bench"
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db_path = Path(tmp) / "bench.db"
            fill(db_path, args.items, args.subscribers)
            db = open_db(db_path)
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            t0 = time.perf_counter()
            run = outbox.run_digests(
                config,
                db,
                now=NOW,
                send=True,
                outbox=Path(tmp) / "outbox",
                settings=SmtpSettings(host="127.0.0.1", port=port, security="none"),
            )
            took = time.perf_counter() - t0
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            db.close()
    finally:
        controller.stop()
    print(f"{args.subscribers:,} subscribers, {args.items:,} items in the week")
    print(
        f"  queued {run.queued:,}, sent {run.sent:,} (sink received {sink.count:,}), "
        f"empty {run.empty}, failed {len(run.failed)}"
    )
    print(
        f"  {took:.1f} s: {run.sent / took:,.0f} messages/s (build, queue and SMTP, "
        f"one SMTP connection per 100 messages)"
    )
    print(f"  peak RSS {peak / 1024:.0f} MB (was {before / 1024:.0f} MB before the run)")


if __name__ == "__main__":
    main()
