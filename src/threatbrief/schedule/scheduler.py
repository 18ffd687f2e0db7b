# SPDX-License-Identifier: Apache-2.0
"""APScheduler 3.x wiring for `threatbrief run`: jobs only, no business logic.

Each feed is fetched at its own interval with jitter; digests and periodic briefs follow the
cron strings of `schedules:` in their time zone. Jobs receive ids and paths and call `pipeline`.
State lives in SQLite, so digest and brief jobs also run once at start: a window missed while
the scheduler was down is caught up once (the pipeline skips windows already built).
"""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from ..config import Config
from ..models import utc_now
from . import jobs

__all__ = ["build_scheduler"]

log = logging.getLogger(__name__)


def _log_job(event: JobExecutionEvent) -> None:
    duration = (
        datetime.now(event.scheduled_run_time.tzinfo) - event.scheduled_run_time
    ).total_seconds()
    if event.exception is not None:
        log.error(
            "job=%s outcome=error duration=%.1fs error=%r",
            event.job_id,
            duration,
            str(event.exception),
        )
    elif getattr(event.retval, "ok", True):
        log.info("job=%s outcome=ok duration=%.1fs result=%s", event.job_id, duration, event.retval)
    else:
        log.warning(
            "job=%s outcome=failed duration=%.1fs result=%s", event.job_id, duration, event.retval
        )


def build_scheduler(
    config: Config, config_path: str, db_path: str, lexicon_dir: str, now: datetime | None = None
) -> BlockingScheduler:
    """A scheduler with every job of `config`; `now` is when the start-up runs are due."""
    zone = config.schedules.timezone
    scheduler = BlockingScheduler(
        timezone=zone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
    )
    start = now or utc_now()
    for feed in config.feeds:
        if not feed.enabled:
            continue
        seconds = feed.interval.total_seconds()
        scheduler.add_job(
            jobs.job_fetch,
            IntervalTrigger(seconds=seconds, jitter=min(300, seconds / 10)),
            id=f"fetch:{feed.id}",
            replace_existing=True,
            max_instances=1,  # a slow feed's next run waits; it never overlaps itself
            next_run_time=start,
            args=[config_path, db_path, feed.id, lexicon_dir],
        )
    for cadence, cron in (
        ("daily", config.schedules.daily_digest),
        ("weekly", config.schedules.weekly_digest),
    ):
        scheduler.add_job(
            jobs.job_digests,
            CronTrigger.from_crontab(cron, timezone=zone),
            id=f"digest:{cadence}",
            replace_existing=True,
            args=[config_path, db_path, cadence],
        )
        scheduler.add_job(
            jobs.job_digests,
            id=f"digest:{cadence}:catch-up",
            next_run_time=start,
            args=[config_path, db_path, cadence],
        )
    for spec in config.schedules.briefs:
        scheduler.add_job(
            jobs.job_brief,
            CronTrigger.from_crontab(spec.cron, timezone=zone),
            id=f"brief:{spec.name}",
            replace_existing=True,
            args=[config_path, db_path, spec.name],
        )
        scheduler.add_job(  # a period missed while the scheduler was down is written now
            jobs.job_brief,
            id=f"brief:{spec.name}:catch-up",
            next_run_time=start,
            args=[config_path, db_path, spec.name],
        )
    scheduler.add_listener(_log_job, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    return scheduler
