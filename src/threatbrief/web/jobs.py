# SPDX-License-Identifier: Apache-2.0
"""Fetches an admin starts from the Feeds page: each runs in a thread of the server with its
own store connection, one at a time per feed, and leaves its progress where the page reads
it. A fetch is the same `pipeline.run_fetch` the scheduler runs, so it shares its short write
transactions with every other writer of the store."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from .. import pipeline
from ..config import Config
from ..models import utc_now
from ..store.db import open_db

__all__ = ["FetchJob", "FetchJobs"]

log = logging.getLogger(__name__)
KEEP = 50  # finished jobs remembered for the page


@dataclass(frozen=True, slots=True)
class FetchJob:
    """One fetch of one feed, as the page shows it."""

    feed_id: str
    started_by: str
    started_at: datetime
    state: str = "running"  # running | stored | unchanged | not-modified | failed
    finished_at: datetime | None = None
    new: int = 0
    updated: int = 0
    error: str = ""

    @property
    def running(self) -> bool:
        return self.state == "running"


class FetchJobs:
    """The workspace's background fetches, newest first."""

    def __init__(self, db_path: Path) -> None:
        self._db_path = db_path
        self._lock = threading.Lock()
        self._jobs: list[FetchJob] = []

    def jobs(self) -> list[FetchJob]:
        with self._lock:
            return list(self._jobs)

    def start(self, config: Config, feed_id: str, by: str) -> FetchJob | None:
        """Start fetching `feed_id` now; None when a fetch of it is already running."""
        with self._lock:
            if any(j.feed_id == feed_id and j.running for j in self._jobs):
                return None
            job = FetchJob(feed_id, by, utc_now())
            self._jobs.insert(0, job)
            del self._jobs[KEEP:]
        thread = threading.Thread(
            target=self._run, args=(config, job), name=f"fetch-{feed_id}", daemon=True
        )
        thread.start()
        return job

    def _finish(self, job: FetchJob, done: FetchJob) -> None:
        with self._lock:
            self._jobs = [done if j is job else j for j in self._jobs]

    def _run(self, config: Config, job: FetchJob) -> None:
        db = open_db(self._db_path)
        try:
            (outcome,) = pipeline.run_fetch(config, db, [job.feed_id])
            done = replace(
                job,
                state=outcome.outcome,
                finished_at=utc_now(),
                new=outcome.new,
                updated=outcome.updated,
                error=outcome.error,
            )
        except Exception as exc:  # a job's failure is shown on the page, never lost
            log.exception("fetch of %s failed", job.feed_id)
            done = replace(job, state="failed", finished_at=utc_now(), error=str(exc)[:500])
        finally:
            db.close()
        self._finish(job, done)
