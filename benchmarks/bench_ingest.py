# SPDX-License-Identifier: Apache-2.0
"""Ingest benchmarks (issue: foundation and ingest). Prints figures; asserts nothing on time.

1. Fetch 300 feeds x 50 entries from a loopback server with 200 ms added latency, cold and then
   conditional (304s): wall time against the latency floor, and client CPU time.
2. Items per second through parse and store, against feedparser alone.
3. Peak memory while fetching a 50 MB body and a gzip bomb, against the size cap.

Run: python benchmarks/bench_ingest.py [--feeds 300] [--entries 50] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import io
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import sqlite_utils

from threatbrief import pipeline
from threatbrief.config import Config, parse_config
from threatbrief.errors import FetchError
from threatbrief.ingest.fetch import AddressPolicy, ClientSet, fetch_feed, make_client
from threatbrief.ingest.parse import parse_feed
from threatbrief.models import Feed, FeedState, FetchLimits
from threatbrief.store import items as item_table
from threatbrief.store.db import open_db, transaction

HERE = Path(__file__).parent
NOW = datetime(2026, 10, 15, tzinfo=UTC)
sys.path.insert(0, str(HERE))
from _feedserver import feed_body  # noqa: E402


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (not the forkserver's workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


@contextlib.contextmanager
def _feed_server(feeds: int, entries: int, latency: float) -> Iterator[int]:
    """The loopback feed server in its own process, so its CPU is not counted; yields its port."""
    server = subprocess.Popen(
        [sys.executable, str(HERE / "_feedserver.py"), str(feeds), str(entries), str(latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield int(server.stdout.readline())
    finally:
        server.terminate()
        server.wait(5)


def bench_fetch(feeds: int, entries: int, latency: float, concurrency: int) -> None:
    with _feed_server(feeds, entries, latency) as port:
        config = parse_config(
            {
                "version": 1,
                "defaults": {
                    "allow_networks": ["127.0.0.1/32"],
                    "concurrency": concurrency,
                    "per_host": concurrency,
                    "retries": 0,
                    "timeout": "30s",
                },
                "feeds": [
                    {"id": f"f{i}", "url": f"http://127.0.0.1:{port}/feed/{i}.xml"}
                    for i in range(feeds)
                ],
            },
            "bench",
        )
        floor = math.ceil(feeds / concurrency) * latency
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            db = open_db(Path(tmp) / "bench.db")
            for label in ("cold (200, parse+store)", "conditional (304)"):
                rows.append((label, *_timed_fetch(config, db)))
            db.close()
            # The parse workers are the forkserver's children, not ours, so their CPU is not
            # in the figures above: a cold round parsed in this process is the fair baseline.
            in_process = open_db(Path(tmp) / "single.db")
            workers_from = pipeline.PARALLEL_PARSE_MIN_FEEDS
            pipeline.PARALLEL_PARSE_MIN_FEEDS = 10**9
            try:
                rows.append(("cold, parsed in-process", *_timed_fetch(config, in_process)))
            finally:
                pipeline.PARALLEL_PARSE_MIN_FEEDS = workers_from
                in_process.close()
        print(
            f"\n[fetch] {feeds} feeds x {entries} entries, {latency * 1000:.0f} ms latency, "
            f"concurrency {concurrency}: latency floor {floor:.2f} s"
        )
        for label, wall, cpu, failed in rows:
            print(
                f"  {label:<26} wall {wall:6.2f} s ({wall / floor:4.2f}x floor)  "
                f"CPU of this process {cpu:6.2f} s  failed {failed}"
            )
        print(f"  304 round CPU / in-process cold round CPU = {rows[1][2] / rows[2][2]:.3f}")


def _timed_fetch(config: Config, db: sqlite_utils.Database) -> tuple[float, float, int]:
    wall0, cpu0 = time.perf_counter(), _cpu()
    outcomes = pipeline.run_fetch(config, db, clock=lambda: NOW)
    wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
    return wall, cpu, sum(o.failed for o in outcomes)


def bench_fetch_only(
    feeds: int, entries: int, latency: float, concurrency: int, sharded: bool
) -> None:
    """Fetch without parse/store, to separate network time from ingest CPU."""
    with _feed_server(feeds, entries, latency) as port:
        limits = FetchLimits(concurrency=concurrency, per_host=concurrency, retries=0)
        sem = asyncio.Semaphore(concurrency)

        async def run() -> None:
            policy = AddressPolicy(allowed_networks=("127.0.0.1/32",))
            async with (
                ClientSet(limits, policy) if sharded else make_client(limits, policy) as pool
            ):

                async def one(i: int) -> None:
                    feed = Feed(id=f"f{i}", url=f"http://127.0.0.1:{port}/feed/{i}.xml")
                    client = pool.client_for(feed) if isinstance(pool, ClientSet) else pool
                    async with sem:
                        await fetch_feed(client, feed, FeedState(), limits)

                await asyncio.gather(*(one(i) for i in range(feeds)))

        wall0, cpu0 = time.perf_counter(), time.process_time()
        asyncio.run(run())
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        floor = math.ceil(feeds / concurrency) * latency
        kind = "sharded clients" if sharded else "one client     "
        print(
            f"  fetch only, {kind}, concurrency {concurrency:<3} wall {wall:6.2f} s "
            f"({wall / floor:4.2f}x floor {floor:.2f} s)  client CPU {cpu:6.2f} s"
        )


def bench_parse_store(feeds: int, entries: int) -> None:
    bodies = [feed_body(i, entries) for i in range(feeds)]
    total = feeds * entries
    t0 = time.perf_counter()
    for body in bodies:
        feedparser.parse(io.BytesIO(body), sanitize_html=False)
    fp_alone = time.perf_counter() - t0
    t0 = time.perf_counter()
    for body in bodies:
        feedparser.parse(io.BytesIO(body))
    fp_sanitise = time.perf_counter() - t0
    t0 = time.perf_counter()
    parsed = [
        parse_feed(Feed(id=f"f{i}", url="https://x.example/"), body, now=NOW)
        for i, body in enumerate(bodies)
    ]
    parse_time = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        t0 = time.perf_counter()
        for result in parsed:
            with transaction(db):
                item_table.save_items(db, result.items, NOW)
        store_time = time.perf_counter() - t0
        db.close()
    print(f"\n[parse+store] {total:,} items in {feeds} bodies")
    print(f"  feedparser alone (sanitize_html=False) {total / fp_alone:8,.0f} items/s")
    print(f"  feedparser with its own sanitiser      {total / fp_sanitise:8,.0f} items/s")
    print(
        f"  parse_feed (decode, screen, feedparser, nh3, dates, URLs) "
        f"{total / parse_time:8,.0f} items/s ({parse_time / fp_alone:.2f}x feedparser alone)"
    )
    print(
        f"  save_items (upsert + FTS5 triggers, one transaction per feed) "
        f"{total / store_time:8,.0f} items/s"
    )
    end_to_end = parse_time + store_time
    print(
        f"  end to end parse+store {total / end_to_end:8,.0f} items/s; time split: "
        f"feedparser {fp_alone / end_to_end:.0%}, "
        f"our parsing {(parse_time - fp_alone) / end_to_end:.0%}, "
        f"store {store_time / end_to_end:.0%}"
    )


class _BigHandler(BaseHTTPRequestHandler):
    bomb = gzip.compress(b"\0" * 200_000_000, compresslevel=9)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        if self.path == "/bomb":
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(self.bomb)))
            self.end_headers()
            self.wfile.write(self.bomb)
            return
        self.end_headers()  # 50 MB with no Content-Length
        chunk = b"z" * 65_536
        try:
            for _ in range(800):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass


def bench_memory(cap: int) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BigHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    limits = FetchLimits(max_bytes=cap, retries=0, timeout=30)
    print(f"\n[memory] size cap {cap / 1e6:.0f} MB (tracemalloc peak of Python allocations)")
    for path, what in (
        ("/big", "50 MB body, no Content-Length"),
        ("/bomb", f"gzip bomb, {len(_BigHandler.bomb) / 1e3:.0f} KB -> 200 MB"),
    ):

        async def run(path: str = path) -> str:
            async with make_client(
                limits, AddressPolicy(allowed_networks=("127.0.0.1/32",))
            ) as client:
                try:
                    await fetch_feed(
                        client,
                        Feed(id="m", url=f"http://127.0.0.1:{port}{path}"),
                        FeedState(),
                        limits,
                    )
                    return "fetched"
                except FetchError as exc:
                    return str(exc)

        tracemalloc.start()
        outcome = asyncio.run(run())
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"  {what:<38} peak {peak / 1e6:6.1f} MB ({peak / cap:.2f}x cap): {outcome}")
    server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()
    for concurrency in (20, 50, 100):
        bench_fetch(args.feeds, args.entries, args.latency, concurrency)
    print()
    for concurrency in (20, 50, 100, 200):
        for sharded in (False, True):
            bench_fetch_only(args.feeds, args.entries, args.latency, concurrency, sharded)
    bench_parse_store(40, 500)
    bench_memory(10_000_000)


if __name__ == "__main__":
    main()
