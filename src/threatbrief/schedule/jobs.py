# SPDX-License-Identifier: Apache-2.0
"""The jobs that `threatbrief run` schedules.

The scheduler passes ids and paths, never open connections: each job opens its own database in
its own thread and reads the configuration afresh, then calls one pipeline function and
returns a line for the job log.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from ..config import load_config
from ..models import Period, utc_now
from ..pipeline.briefs import brief_is_archived, newest_archived, run_brief
from ..pipeline.digests import digest_settings, run_digests
from ..pipeline.ingest import run_fetch
from ..store.db import open_db
from ..tag import Tagger

__all__ = ["JobReport", "job_brief", "job_digests", "job_fetch"]


@dataclass(frozen=True, slots=True)
class JobReport:
    """A job's outcome for the job log: `ok` is False when its work failed (a feed that could
    not be fetched, a digest not delivered), even though the job itself ran to its end."""

    ok: bool
    summary: str

    def __str__(self) -> str:
        return self.summary


@contextlib.contextmanager
def _job_db(db_path: str) -> Iterator[sqlite_utils.Database]:
    db = open_db(db_path)
    try:
        yield db
    finally:
        db.close()


def job_fetch(config_path: str, db_path: str, feed_id: str, lexicon_dir: str) -> JobReport:
    """Scheduled fetch of one feed; returns its outcome for the job log."""
    config = load_config(config_path)
    with _job_db(db_path) as db:
        (outcome,) = run_fetch(config, db, [feed_id], tagger=Tagger.default([Path(lexicon_dir)]))
    return JobReport(
        not outcome.failed,
        f"{outcome.outcome} new={outcome.new} updated={outcome.updated}"
        + (f" error={outcome.error}" if outcome.error else ""),
    )


def job_digests(config_path: str, db_path: str, cadence: str) -> JobReport:
    """Scheduled digests of one cadence: queue due windows, deliver (SMTP if configured)."""
    config = load_config(config_path)
    settings = digest_settings(config, os.environ)
    with _job_db(db_path) as db:
        run = run_digests(
            config,
            db,
            now=utc_now(),
            send=settings is not None,
            settings=settings,
            outbox=Path(config.mail.outbox),
            cadence=cadence,
        )
    return JobReport(
        not run.failed and not run.deferred_because,
        f"queued={run.queued} sent={run.sent} written={len(run.written)} "
        f"deferred={run.deferred} failed={len(run.failed)}"
        + (f" error={run.deferred_because}" if run.deferred_because else ""),
    )


# A scheduler that was down for longer than this many periods catches up only the newest.
CATCH_UP_PERIODS = 12


def job_brief(config_path: str, db_path: str, name: str) -> JobReport:
    """Scheduled brief: the previous month or week, written once into its folder.

    Periods missed while the scheduler was down (those after the newest one it archived, up
    to CATCH_UP_PERIODS) are written too, and a file that is missing, truncated or changed
    since the archive recorded it is written again. A schedule that never wrote a brief
    starts with the latest period only.
    """
    config = load_config(config_path)
    spec = next(b for b in config.schedules.briefs if b.name == name)
    previous = Period.previous_week if spec.period == "previous-week" else Period.previous_month
    period = previous(utc_now())
    folder = Path(spec.folder)
    folder.mkdir(parents=True, exist_ok=True)
    wrote = []
    with _job_db(db_path) as db:
        since = newest_archived(db, folder, spec.name)
        for _ in range(CATCH_UP_PERIODS):
            out = folder / f"{spec.name}-{period.start:%Y-%m-%d}.{spec.fmt}"
            if not brief_is_archived(db, out):
                result = run_brief(config, db, period, list(spec.partners), out, spec.fmt)
                wrote.append(f"{result.path} items={result.items}")
            period = previous(period.start)
            if since is None or period.start <= since:
                break
    if not wrote:
        return JobReport(True, "up to date")
    return JobReport(True, "wrote " + "; ".join(wrote))
