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
from pathlib import Path

import sqlite_utils

from ..config import load_config
from ..models import Period, utc_now
from ..pipeline.briefs import run_brief
from ..pipeline.digests import digest_settings, run_digests
from ..pipeline.ingest import run_fetch
from ..store.db import open_db
from ..tag import Tagger

__all__ = ["job_brief", "job_digests", "job_fetch"]


@contextlib.contextmanager
def _job_db(db_path: str) -> Iterator[sqlite_utils.Database]:
    db = open_db(db_path)
    try:
        yield db
    finally:
        db.close()


def job_fetch(config_path: str, db_path: str, feed_id: str, lexicon_dir: str) -> str:
    """Scheduled fetch of one feed; returns its outcome for the job log."""
    config = load_config(config_path)
    with _job_db(db_path) as db:
        (outcome,) = run_fetch(config, db, [feed_id], tagger=Tagger.default([Path(lexicon_dir)]))
    return f"{outcome.outcome} new={outcome.new} updated={outcome.updated}" + (
        f" error={outcome.error}" if outcome.error else ""
    )


def job_digests(config_path: str, db_path: str, cadence: str) -> str:
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
    return (
        f"queued={run.queued} sent={run.sent} written={len(run.written)} "
        f"deferred={run.deferred} failed={len(run.failed)}"
    )


def job_brief(config_path: str, db_path: str, name: str) -> str:
    """Scheduled brief: the previous month or week, written once into its folder."""
    config = load_config(config_path)
    spec = next(b for b in config.schedules.briefs if b.name == name)
    now = utc_now()
    period = (
        Period.previous_week(now) if spec.period == "previous-week" else Period.previous_month(now)
    )
    folder = Path(spec.folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{spec.name}-{period.start:%Y-%m-%d}.{spec.fmt}"
    if out.exists():
        return f"exists {out}"
    with _job_db(db_path) as db:
        result = run_brief(config, db, period, list(spec.partners), out, spec.fmt)
    return f"wrote {result.path} items={result.items}"
