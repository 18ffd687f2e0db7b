# SPDX-License-Identifier: Apache-2.0
"""Workspace speed: the real `threatbrief serve` over a synthetic tagged store of 1,000,000
items (two years, 15 % of events reported by a second feed), measured from a client on
loopback.

    python benchmarks/bench_web.py [--items 1000000] [--repeat 20] [--readers 20]

Prints, for the Stories page (first page, a filtered page, a full-text search), a story page
and the brief builder's month preview: the first (cold) request, then the median and p95 of
warm ones; the server's memory; and the throughput of concurrent readers, bounded in count
and time. The store is built once per size in the system's temporary folder and reused.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from bench_brief import GROUPS, SETS  # the same actor sets and groups as the brief bench

from threatbrief import pipeline
from threatbrief.store.db import open_db

SECTORS = ["government", "defence", "finance", "energy", "telecommunications", "health"]
TARGETS = ["JP", "EE", "US", "DE", "UA", "KR", "TW", "PL"]
START = datetime(2024, 11, 1, tzinfo=UTC)
DAYS = 730
PASSWORD = "a long enough benchmark password"
FEEDS = 40


def fill(db_path: Path, count: int) -> None:
    """Items and their tags straight into the store, in batches (the tagger's own speed is
    bench_tag's subject); a sixth of the events get a second report from another feed."""
    rng = random.Random(5)
    db = open_db(db_path)
    n = 0
    batch_items: list[tuple[object, ...]] = []
    batch_tags: list[tuple[object, ...]] = []

    def flush() -> None:
        with db.atomic():
            db.conn.executemany(
                "insert into items (id, feed_id, guid, url, title, summary, content, "
                "published_at, fetched_at, lang, tlp, revision) values (?,?,?,?,?,?,?,?,?,?,?,?)",
                batch_items,
            )
            db.conn.executemany(
                "insert into tags (item_id, kind, value, confidence, rule, evidence_text, "
                'field, start, "end", origin, action, lexicon_version) '
                "values (?,?,?,?,?,?,?,?,?,?,?,?)",
                batch_tags,
            )
        batch_items.clear()
        batch_tags.clear()

    event = 0
    while n < count:
        event += 1
        when = START + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
        state = rng.choice(SETS)
        group = rng.choice(GROUPS[state])
        sector, target = rng.choice(SECTORS), rng.choice(TARGETS)
        victim = f"Org{rng.randrange(10**6)}"
        advisory = f"AA{rng.randrange(24, 27)}-{rng.randrange(1, 366):03d}{rng.choice('ABC')}"
        reports = 2 if rng.random() < 0.15 else 1
        for r in range(min(reports, count - n)):
            at = when + timedelta(hours=rng.randrange(0, 30) * r)
            title = (
                f"{group} intrusion at {victim}, a {sector} organisation in {target}"
                if r == 0
                else f"Advisory {advisory}: {group} behind the {victim} intrusion"
            )
            summary = (
                f"{group} compromised {victim} in {target}; partners describe the tooling "
                f"and the {sector} networks reached. Advisory {advisory}."
            )
            item_id = f"w{n:07d}"
            stamp = at.isoformat(timespec="seconds")
            batch_items.append(
                (item_id, f"feed{(event + r) % FEEDS}", f"g{n}", f"https://x.example/{n}", title,
                 summary, "", stamp, stamp, "en", "clear", 1)
            )  # fmt: skip
            for kind, value in (("actor_set", state), ("actor", group), ("sector", sector),
                                ("target", target)):  # fmt: skip
                if value:
                    batch_tags.append(
                        (item_id, kind, value, 0.9, "bench", value, "title", 0, 1, "lexicon",
                         "add", "bench")
                    )  # fmt: skip
            n += 1
        if len(batch_items) >= 20_000:
            flush()
    flush()
    db.close()


def config_file(folder: Path) -> Path:
    path = folder / "feeds.yaml"
    feeds = "".join(
        f"  - id: feed{i}\n    url: https://feed{i}.example/rss\n    kind: cert\n"
        for i in range(FEEDS)
    )
    path.write_text(f"version: 1\nfeeds:\n{feeds}", encoding="utf-8")
    return path


def rss_kb(pid: int) -> tuple[int, int]:
    """The process's resident memory now and at its peak, in kB."""
    status = Path(f"/proc/{pid}/status").read_text()
    now = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return now, peak


def timed(
    client: httpx.Client, method: str, path: str, **kw: object
) -> tuple[float, httpx.Response]:
    t0 = time.perf_counter()
    response = client.request(method, path, **kw)  # type: ignore[arg-type]
    return (time.perf_counter() - t0) * 1000, response


def login(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=600, follow_redirects=False)
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, answer.text[:300]
    return client


def report(name: str, cold: float, warm: list[float], aim: str) -> None:
    p95 = statistics.quantiles(warm, n=20)[-1] if len(warm) >= 2 else warm[0]
    print(
        f"{name:34} cold {cold:8.0f} ms   warm median {statistics.median(warm):7.1f} ms"
        f"   p95 {p95:7.1f} ms   (aim {aim})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0, help="bound of the load phase")
    args = parser.parse_args()
    folder = Path(tempfile.gettempdir()) / f"threatbrief-bench-web-{args.items}"
    folder.mkdir(exist_ok=True)
    db_path = folder / "store.db"
    config = config_file(folder)
    if not db_path.exists():
        t0 = time.perf_counter()
        fill(db_path, args.items)
        print(f"store of {args.items:,} items built in {time.perf_counter() - t0:.0f} s")
    db = open_db(db_path)
    if pipeline.get_user(db, "reader@bench.example") is None:
        pipeline.add_user(db, "reader@bench.example", "reader", "amber", PASSWORD,
                          now=datetime.now(UTC))  # fmt: skip
    newest = db.execute("select max(published_at) from items").fetchone()[0]
    story_id = db.execute(
        "select id from items where published_at >= ? order by published_at limit 1",
        [(datetime.fromisoformat(newest) - timedelta(days=10)).isoformat()],
    ).fetchone()[0]
    old_id = db.execute(
        "select id from items where published_at >= ? order by published_at limit 1",
        [(datetime.fromisoformat(newest) - timedelta(days=365)).isoformat()],
    ).fetchone()[0]
    count = db.execute("select count(*) from items").fetchone()[0]
    db.close()
    server = subprocess.Popen(
        [sys.executable, "-m", "threatbrief", "-c", str(config), "--db", str(db_path), "serve",
         "--port", "0"],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        base = re.search(r"(http://127\.0\.0\.1:\d+)/", line).group(1)  # type: ignore[union-attr]
        threading.Thread(target=server.stderr.read, daemon=True).start()  # keep the pipe empty
        print(f"store: {count:,} items; server pid {server.pid}; memory at start "
              f"{rss_kb(server.pid)[0] / 1024:.0f} MB")  # fmt: skip
        client = login(base, "reader@bench.example")
        pages = [
            ("/stories (first page)", "/stories", "≤150 ms median, ≤400 ms p95"),
            ("/stories filtered", "/stories?actor_set=russia&sector=government&partner=EE",
             "≤150 ms median, ≤400 ms p95"),
            ("/stories full-text search", "/stories?q=Volt%20Typhoon",
             "≤150 ms median, ≤400 ms p95"),
            ("/stories/<id> (in the listed period)", f"/stories/{story_id}", "≤50 ms"),
            ("/stories/<id> (a year before)", f"/stories/{old_id}", "≤50 ms"),
            ("/ (overview, eight weeks)", "/", "—"),
        ]  # fmt: skip
        month = datetime.fromisoformat(newest).replace(day=1) - timedelta(days=1)
        period = f"{month:%Y-%m}"
        for name, path, aim in pages:
            cold, first = timed(client, "GET", path)
            assert first.status_code == 200, (path, first.status_code)
            warm = [timed(client, "GET", path)[0] for _ in range(args.repeat)]
            report(name, cold, warm, aim)
        # the brief builder: build one month's HTML brief and open its preview
        builds = []
        for _ in range(3):
            page = client.get("/briefs/new").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            ms, built = timed(client, "POST", "/briefs/new", data={
                "period": period, "partners": "EE,JP", "format": "html", "tlp": "amber",
                "csrf_token": token})  # fmt: skip
            assert built.status_code == 302, built.text[:300]
            preview_ms, preview = timed(client, "GET", built.headers["location"] + "/preview")
            assert preview.status_code == 200
            builds.append(ms + preview_ms)
        print(
            f"{'brief builder, month ' + period + ' (HTML)':34} first {builds[0]:7.0f} ms   "
            f"then {statistics.median(builds[1:]):7.0f} ms   (aim ≤1 s)"
        )
        now_kb, peak_kb = rss_kb(server.pid)
        print(f"server memory: {now_kb / 1024:.0f} MB resident, peak {peak_kb / 1024:.0f} MB")
        load(base, args.readers, args.seconds)
        print(f"server memory after the load: peak {rss_kb(server.pid)[1] / 1024:.0f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)


def load(base: str, readers: int, seconds: float) -> None:
    """`readers` logged-in clients, each paging and filtering the Stories list and opening
    stories, until `seconds` pass or each made 200 requests."""
    paths = ["/stories", "/stories?page=2", "/stories?actor_set=china", "/stories?sector=energy",
             "/stories?q=Lazarus", "/stories?partner=JP&page=3"]  # fmt: skip
    done: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def reader(n: int) -> None:
        client = login(base, "reader@bench.example")
        for k in range(200):
            if time.monotonic() > deadline:
                break
            ms, answer = timed(client, "GET", paths[(n + k) % len(paths)])
            with lock:
                (done.append(ms) if answer.status_code == 200 else errors.append(str(answer)))
        client.close()

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(readers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    elapsed = time.perf_counter() - t0
    p95 = statistics.quantiles(done, n=20)[-1] if len(done) >= 2 else 0.0
    print(
        f"{readers} concurrent readers for {elapsed:.1f} s: {len(done):,} pages, "
        f"{len(done) / elapsed:,.1f} pages/s, median {statistics.median(done):.0f} ms, "
        f"p95 {p95:.0f} ms, {len(errors)} errors"
    )


if __name__ == "__main__":
    main()
