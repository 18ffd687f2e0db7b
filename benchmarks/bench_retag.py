# SPDX-License-Identifier: Apache-2.0
"""`threatbrief retag` over a large store: 1,000,000 items of about 1 KB by default.

Fills a fresh SQLite store with the documents of bench_tag (repeated, each with its own id;
the full-text index left empty), then re-tags it with `pipeline.run_retag` and prints, in one
run: items per second, the tag rows written, the store's size, and the peak resident memory
of this process (which reads and writes) and of each worker process (which tags), sampled
from /proc.

    python benchmarks/bench_retag.py [--items 1000000] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from bench_tag import Peaks, make_docs

from threatbrief import pipeline
from threatbrief.store.db import open_db
from threatbrief.tag import Tagger

FILL_BATCH = 10_000


def fill(db_path: Path, items: int) -> float:
    """Store `items` items; returns the seconds it took. The full-text index's insert trigger
    is held off meanwhile (a trigram index of a million items takes half an hour, and retag
    neither reads nor writes it), then put back."""
    docs = make_docs(min(items, 20_000))
    stamp = "2026-10-01T00:00:00+00:00"
    db = open_db(db_path)
    (trigger,) = db.execute("select sql from sqlite_master where name = 'items_ai'").fetchone()
    db.execute("drop trigger items_ai")
    t0 = time.perf_counter()
    for first in range(0, items, FILL_BATCH):
        rows = [
            (f"t{n}", "f", f"g{n}", f"https://x.example/{n}", *docs[n % len(docs)], "",
             stamp, stamp, "en", "clear", 1)
            for n in range(first, min(first + FILL_BATCH, items))
        ]  # fmt: skip
        with db.atomic():
            db.conn.executemany(
                "insert into items (id, feed_id, guid, url, title, summary, content, "
                "published_at, fetched_at, lang, tlp, revision) values (?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
    db.execute(trigger)
    db.close()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[os.cpu_count() or 1])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        seconds = fill(db_path, args.items)
        size = db_path.stat().st_size / 2**20
        print(f"store of {args.items:,} items filled in {seconds:.1f} s ({size:,.0f} MB)")
        tagger = Tagger.default()
        for workers in args.workers:
            db = open_db(db_path)
            with Peaks() as peaks:
                t0 = time.perf_counter()
                count = pipeline.run_retag(db, tagger, workers=workers)
                seconds = time.perf_counter() - t0
            rows = db.execute("select count(*) from tags").fetchone()[0]
            db.close()
            mine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            # the fork server and the resource tracker hold a few MB each; the workers are the
            # processes that tagged (the largest ones)
            others = sorted(peaks.peak.values(), reverse=True)[:workers] if workers > 1 else []
            shown = ", ".join(f"{mb:,.0f}" for mb in others) or "none"
            print(
                f"retag of {count:,} items, {workers} process(es): {count / seconds:,.0f} items/s"
                f" ({seconds:.1f} s, {rows:,} tag rows); peak memory {mine:,.0f} MB here,"
                f" workers {shown} MB; store {db_path.stat().st_size / 2**20:,.0f} MB"
            )


if __name__ == "__main__":
    main()
