# SPDX-License-Identifier: Apache-2.0
"""Every benchmark script still runs: each once, at a tiny size, in its own process.

The figures are not checked (performance is measured by running the scripts, not by tests);
only that the scripts keep working as the code they measure changes, and print their report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "script,args,expect",
    [
        ("bench_brief.py", ["--items", "300"], "whole command path"),
        ("bench_digest.py", ["--subscribers", "20", "--items", "200"], "messages/s"),
        ("bench_share.py", ["--items", "200", "--objects", "400"], "import again with --validate"),
        ("bench_tag.py", ["--docs", "300", "--naive-sample", "20"], "retag of 300 stored items"),
        ("bench_retag.py", ["--items", "300", "--workers", "1", "2"], "retag of 300 items, 2"),
        ("bench_stories.py", ["--items", "500"], "pairwise precision"),
        (
            "bench_web.py",
            ["--items", "3000", "--repeat", "2", "--readers", "2", "--seconds", "1"],
            "concurrent readers",
        ),
        (
            "bench_ingest.py",
            ["--feeds", "12", "--entries", "5", "--latency", "0.01"],
            "gzip bomb",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and v.endswith(".py") else "",
)
def test_benchmark_runs(script: str, args: list[str], expect: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THREATBRIEF_")}
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert expect in done.stdout


def test_tagger_evaluation_runs(tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.jsonl"
    rows = [
        {
            "id": "1",
            "lang": "en",
            "title": "Hackers linked to North Korea stole cryptocurrency from an exchange",
            "summary": "",
            "actor_sets": ["north-korea"],
            "extra_actor_sets": [],
            "sectors": ["crypto-currency"],
        },
        {
            "id": "2",
            "lang": "en",
            "title": "A Russian bank was hit by a DDoS attack",
            "summary": "",
            "actor_sets": [],
            "extra_actor_sets": [],
            "sectors": ["finance"],
        },
    ]
    labelled.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "eval_tagger.py"), str(labelled), "--show-errors"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "micro" in done.stdout
