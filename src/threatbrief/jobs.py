# SPDX-License-Identifier: Apache-2.0
"""The jobs that `threatbrief run` schedules, and the lock that keeps one run per database.

The scheduler passes ids and paths, never open connections: each job opens its own database in
its own thread and reads the configuration afresh, then calls the pipeline or the outbox.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import sqlite_utils

from . import store
from .config import load_config
from .errors import UsageError
from .mail import smtp_settings
from .models import Period
from .outbox import run_digests
from .pipeline import run_brief, run_fetch, utc_now
from .tag import Tagger

__all__ = ["job_brief", "job_digests", "job_fetch", "run_lock"]


@contextlib.contextmanager
def _job_db(db_path: str) -> Iterator[sqlite_utils.Database]:
    db = store.open_db(db_path)
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
    settings = smtp_settings(config.mail, os.environ)
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
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if spec.period == "previous-week":
        end = day - timedelta(days=day.weekday())
        period = Period(end - timedelta(days=7), end)
    else:
        end = day.replace(day=1)
        start = (end - timedelta(days=1)).replace(day=1)
        period = Period(start, end)
    folder = Path(spec.folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{spec.name}-{period.start:%Y-%m-%d}.{spec.fmt}"
    if out.exists():
        return f"exists {out}"
    with _job_db(db_path) as db:
        result = run_brief(config, db, period, list(spec.partners), out, spec.fmt)
    return f"wrote {result.path} items={result.items}"


@contextlib.contextmanager
def run_lock(db_path: str) -> Iterator[None]:
    """Hold an exclusive lock on the database for `threatbrief run`; a second run refuses.

    Raises:
        UsageError: another process holds the lock.
    """
    lock_path = Path(f"{db_path}.run.lock")
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise UsageError(
                f"another `threatbrief run` is already using {db_path} "
                f"(pid {holder}); stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
