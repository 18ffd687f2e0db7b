# SPDX-License-Identifier: Apache-2.0
"""Brief speed: a store of 100,000 items over two years, one month's brief in each format.

    python benchmarks/bench_brief.py [--items 100000]

Prints seconds per format and where the time goes (store query, brief model, rendering).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from threatbrief import pipeline, render
from threatbrief.brief import write as brief_module
from threatbrief.config import parse_config
from threatbrief.models import TLP, Period
from threatbrief.store.db import open_db

SETS = ["china", "north-korea", "russia", "iran", ""]
GROUPS = {
    "china": ["Volt Typhoon", "Salt Typhoon", "MirrorFace", "APT40"],
    "north-korea": ["Lazarus Group", "Kimsuky", "Andariel"],
    "russia": ["APT28", "APT29", "Sandworm", "Turla"],
    "iran": ["APT35"],
    "": ["LockBit"],
}
SECTORS = ["government", "defence", "energy", "finance", "telecom", "health", "transport"]
TARGETS = ["EE", "JP", "US", "GB", "UA", "DE", "KR"]


def fill(db_path: Path, count: int) -> None:
    rng = random.Random(3)
    db = open_db(db_path)
    start = datetime(2024, 11, 1, tzinfo=UTC)
    items, tags = [], []
    for n in range(count):
        when = start + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        state = rng.choice(SETS)
        group = rng.choice(GROUPS[state])
        sector, target = rng.choice(SECTORS), rng.choice(TARGETS)
        title = (
            f"{group} campaign {n} against {sector} organisations in {target}: "
            f"advisory {rng.randrange(10**6)}"
        )
        item_id = f"b{n:07d}"
        items.append(
            (
                item_id,
                f"feed{n % 40}",
                f"g{n}",
                f"https://x.example/{n}",
                title,
                f"Summary of {title}. Partners describe the intrusion and its tooling.",
                "",
                when.isoformat(timespec="seconds"),
                when.isoformat(timespec="seconds"),
                "en",
                "clear",
                1,
            )
        )
        for kind, value in (
            ("actor_set", state),
            ("actor", group),
            ("sector", sector),
            ("target", target),
        ):
            if value:
                tags.append(
                    (
                        item_id,
                        kind,
                        value,
                        0.9,
                        "bench",
                        value,
                        "title",
                        0,
                        1,
                        "lexicon",
                        "add",
                        "bench",
                    )
                )
    with db.atomic():
        db.conn.executemany(
            "insert into items (id, feed_id, guid, url, title, summary, content, published_at, "
            "fetched_at, lang, tlp, revision) values (?,?,?,?,?,?,?,?,?,?,?,?)",
            items,
        )
        db.conn.executemany(
            "insert into tags (item_id, kind, value, confidence, rule, evidence_text, field, "
            'start, "end", origin, action, lexicon_version) values (?,?,?,?,?,?,?,?,?,?,?,?)',
            tags,
        )
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    config = parse_config(
        {
            "version": 1,
            "feeds": [
                {
                    "id": f"feed{i}",
                    "url": f"https://feed{i}.example/rss",
                    "publisher": f"CERT {i}",
                    # vetted feeds of each kind, and a few of none, whose reports are only
                    # listed as unverified
                    "kind": ("cert", "vendor", "news", "unknown")[i % 4] if i % 10 else "unknown",
                }
                for i in range(40)
            ],
        },
        "bench",
    )
    period = Period(datetime(2025, 10, 1, tzinfo=UTC), datetime(2025, 11, 1, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        fill(db_path, args.items)
        print(
            f"store of {args.items:,} items over two years built in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        db = open_db(db_path)
        t0 = time.perf_counter()
        items = pipeline.period_items(config, db, period, TLP.AMBER)
        previous = pipeline.period_items(config, db, period.previous(), TLP.AMBER)
        query = time.perf_counter() - t0
        t0 = time.perf_counter()
        ctx = brief_module.build_brief(
            items, previous, period, ["EE", "JP"], "bench", datetime.now(UTC)
        )
        model = time.perf_counter() - t0
        print(
            f"one month: {len(items):,} items ({len(previous):,} in the previous month), "
            f"{ctx.story_count:,} stories"
        )
        print(f"  store query (both months, with tags) {query:6.3f} s")
        print(f"  brief model (cluster, rank, judge)   {model:6.3f} s")
        for fmt in ("html", "md", "txt", "json", "pdf"):
            t0 = time.perf_counter()
            out = render.render_brief(ctx, fmt)
            took = time.perf_counter() - t0
            pages = out.count(b"/Type /Page\n") if isinstance(out, bytes) else 0
            extra = f" ({pages} pages)" if pages else ""
            print(
                f"  render {fmt:<5} {took:6.3f} s, {len(out) / 1e3:8.1f} KB{extra}; "
                f"end to end {query + model + took:6.3f} s"
            )
        t0 = time.perf_counter()
        pipeline.run_brief(config, db, period, ["EE", "JP"], Path(tmp) / "b.html", "html")
        print(
            f"  threatbrief brief --format html, whole command path: "
            f"{time.perf_counter() - t0:.3f} s"
        )
        db.close()


if __name__ == "__main__":
    main()
