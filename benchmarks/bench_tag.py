# SPDX-License-Identifier: Apache-2.0
"""Tagger speed: 20,000 documents of about 1 KB against the full lexicon, on one core.

Prints documents per second, in one run, for the whole tagger (automaton and rules), for the
two automaton passes alone (the floor the rules sit on) and, on a sample, for a naive loop of
one compiled regex per alias (what the tagger replaces), with the ratios; then the real
`threatbrief classify` command end to end over the same documents as a JSON Lines file
(process start, lexicon load and JSON I/O included) in one process and with its worker
processes, its start-up alone, and `retag` of the documents stored in SQLite, with the peak
memory of each.

    python benchmarks/bench_tag.py [--docs 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from threatbrief import pipeline
from threatbrief.store.db import open_db
from threatbrief.tag import Tagger
from threatbrief.tag.classify import auto_workers
from threatbrief.tag.lexicon import fold, load_lexicon

ROOT = Path(__file__).resolve().parent.parent
SENTENCES = [
    "Partners warn that state-sponsored actors exploit VPN appliances in government networks.",
    "The ransomware gang encrypted hospital systems and demanded payment in bitcoin.",
    "Researchers observed phishing lures themed on the Japanese defence ministry.",
    "北朝鮮のハッカー集団が暗号資産交換業者を標的にした攻撃を続けている。",
    "Eesti riigiasutuste veebilehti tabasid ummistusründed, ründajaid ei tuvastatud.",
    "Administrators should update to the fixed version and review logs for anomalies.",
    "Hackers linked to China compromised telecommunications providers in several countries.",
    "The campaign used password spraying against think tanks and universities in Europe.",
    "A Russian bank was hit by a DDoS attack claimed by pro-Ukraine hacktivists.",
    "Microsoft tracks the activity as Forest Blizzard, also known as APT28.",
]


def make_docs(n: int, seed: int = 7, dense: bool = False) -> list[tuple[str, str]]:
    """Documents of about 1 KB. Realistic ones are summaries from the bundled sample corpus
    (threat-intelligence prose, already rich in names); dense ones put a cue in every sentence."""
    rng = random.Random(seed)
    pool = SENTENCES if dense else _corpus_summaries()
    docs = []
    for _ in range(n):
        title = rng.choice(pool)[:90]
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < 950:
            parts.append(rng.choice(pool))
        docs.append((title, " ".join(parts)[:1000]))
    return docs


def _corpus_summaries() -> list[str]:
    corpus = yaml.safe_load((ROOT / "scripts" / "sample_corpus.yaml").read_text(encoding="utf-8"))
    return [item["summary"] for feed in corpus["feeds"] for item in feed["items"]]


def run(tagger: Tagger, docs: list[tuple[str, str]]) -> tuple[float, int]:
    t0 = time.perf_counter()
    labelled = 0
    for title, summary in docs:
        labelled += bool(tagger.tag([("title", title), ("summary", summary)]).evidence)
    return len(docs) / (time.perf_counter() - t0), labelled


def automaton_only(lexicon: Any, docs: list[tuple[str, str]]) -> float:
    """Both Aho-Corasick passes over the folded fields, nothing else: the floor of the tagger."""
    t0 = time.perf_counter()
    for title, summary in docs:
        for text in (title, summary):
            low = fold(text)
            lexicon.automaton.find_matches_as_indexes(low, overlapping=False)
            lexicon.cue_automaton.find_matches_as_indexes(low, overlapping=False)
    return len(docs) / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--naive-sample", type=int, default=200)
    args = parser.parse_args()
    lexicon = load_lexicon()
    tagger = Tagger(lexicon)
    docs = make_docs(args.docs)
    size = sum(len(t) + len(s) for t, s in docs) / len(docs)
    fast, labelled = run(tagger, docs)
    dense, _ = run(tagger, make_docs(args.docs // 4, dense=True))

    aliases = [a for actor in lexicon.actors.values() for a in (actor.name, *actor.aliases)]
    regexes = [re.compile(rf"(?<![A-Za-z0-9]){re.escape(a)}(?![A-Za-z0-9])", re.I) for a in aliases]
    sample = docs[: args.naive_sample]
    t0 = time.perf_counter()
    for title, summary in sample:
        for rx in regexes:
            rx.search(title)
            rx.search(summary)
    naive = len(sample) / (time.perf_counter() - t0)
    floor = automaton_only(lexicon, docs)
    print(
        f"lexicon {lexicon.version}: {len(lexicon.actors)} groups, {len(aliases)} aliases, "
        f"{len(lexicon.patterns)} patterns in one automaton"
    )
    print(f"documents: {len(docs):,}, mean {size:.0f} characters, {labelled:,} with a label")
    print(f"tagger (Aho-Corasick + rules)     {fast:10,.0f} docs/s")
    print(f"tagger on dense docs (a cue in every sentence) {dense:10,.0f} docs/s")
    print(f"naive regex per alias (aliases only, {len(sample)} docs) {naive:10,.0f} docs/s")
    print(f"automaton passes alone            {floor:10,.0f} docs/s")
    print(f"ratio to the naive regex loop     {fast / naive:10,.1f}x")
    print(f"share of the automaton alone      {fast / floor:10,.2f}x")
    for workers, rate, seconds, peak in classify_command(docs):
        how = "--workers 1" if workers == 1 else f"default, {workers} workers"
        print(
            f"threatbrief classify ({how}) {rate:10,.0f} docs/s end to end "
            f"({seconds:.2f} s, peak {peak:,.0f} MB in its largest process); "
            f"{rate / naive:,.0f}x the naive loop, {rate / floor:.2f}x the automaton alone"
        )
    _, _, start, peak = classify_command([], ("1",))[0]
    print(f"threatbrief classify start-up (empty input) {start:.2f} s, peak {peak:,.0f} MB")
    retag(docs)


class Peaks:
    """The peak resident memory (MB) of each process below this one, sampled every `every`
    seconds from /proc (worker processes are the fork server's children, so rusage does not
    see them, and a child's own rusage counts the memory of this process it was forked from)."""

    def __init__(self, every: float = 0.5) -> None:
        self.every = every
        self.peak: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Peaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.every):
            parents: dict[int, int] = {}
            rss: dict[int, float] = {}
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    status = (entry / "status").read_text()
                except OSError:
                    continue  # gone meanwhile
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                pid = int(entry.name)
                parents[pid] = int(fields.get("PPid", "0"))
                rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
            for pid, mb in rss.items():
                p = parents.get(pid, 0)
                while p and p != me:
                    p = parents.get(p, 0)
                if p == me:
                    self.peak[pid] = max(self.peak.get(pid, 0.0), mb)


# the installed command, as a user runs it
_SCRIPT = Path(sys.executable).with_name("threatbrief")
THREATBRIEF = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "threatbrief"]


def classify_command(
    docs: list[tuple[str, str]], workers: tuple[str, ...] = ("1", "0")
) -> list[tuple[int, float, float, float]]:
    """`threatbrief classify -i FILE -o FILE` in a fresh process: (workers, docs/s, seconds,
    peak MB of its largest process, workers included)."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        source, sink = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        with source.open("w", encoding="utf-8") as f:
            for n, (title, summary) in enumerate(docs):
                f.write(json.dumps({"id": n, "title": title, "summary": summary}) + "\n")
        for choice in workers:
            t0 = time.perf_counter()
            with Peaks(every=0.05) as peaks:
                command = ["classify", "--workers", choice, "-i", str(source), "-o", str(sink)]
                subprocess.run([*THREATBRIEF, *command], check=True)
            seconds = time.perf_counter() - t0
            peak = max(peaks.peak.values(), default=0.0)
            lines = sum(1 for _ in sink.open("rb")) if sink.exists() else 0
            assert lines == len(docs), f"{lines} output lines for {len(docs)} documents"
            with source.open("rb") as f:
                used = int(choice) or auto_workers(f)
            out.append((used, len(docs) / seconds, seconds, peak))
    return out


def retag(docs: list[tuple[str, str]]) -> None:
    """`threatbrief retag` over the same documents stored in SQLite: in-process, then with one
    worker process per core, each in batches of pipeline.RETAG_BATCH per transaction."""
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        stamp = "2026-10-01T00:00:00+00:00"
        with db.atomic():
            db.conn.executemany(
                "insert into items (id, feed_id, guid, url, title, summary, content, "
                "published_at, fetched_at, lang, tlp, revision) values (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (f"t{n}", "f", f"g{n}", f"https://x.example/{n}", title, summary, "",
                     stamp, stamp, "en", "clear", 1)
                    for n, (title, summary) in enumerate(docs)
                ],
            )  # fmt: skip
        tagger = Tagger.default()
        for workers in (1, os.cpu_count() or 1):
            t0 = time.perf_counter()
            count = pipeline.run_retag(db, tagger, workers=workers)
            rate = count / (time.perf_counter() - t0)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"retag of {count:,} stored items, {workers} process(es) {rate:10,.0f} items/s"
                f" (peak {peak:,.0f} MB in this process)"
            )
        db.close()


if __name__ == "__main__":
    main()
