# SPDX-License-Identifier: Apache-2.0
"""The scheduler: jobs and their next fire times at an injected `now` (no sleeping), the run
lock, and one end-to-end `threatbrief run` subprocess against local feed and SMTP servers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer

from helpers import Sink, free_port
from threatbrief import pipeline
from threatbrief.config import Config, load_config, parse_config
from threatbrief.errors import ConfigError, UsageError
from threatbrief.pipeline import subscribers
from threatbrief.schedule.scheduler import build_scheduler
from threatbrief.store.db import open_db, run_lock

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday


def _config(**schedules: object) -> Config:
    return parse_config(
        {
            "version": 1,
            "schedules": {"timezone": "Europe/Tallinn", **schedules},
            "feeds": [
                {"id": "a", "url": "https://a.example/rss", "interval": "2h"},
                {"id": "b", "url": "https://b.example/rss", "enabled": False},
            ],
        },
        "t",
    )


def test_jobs_and_their_next_fire_times() -> None:
    config = _config(
        daily_digest="0 7 * * *",
        weekly_digest="30 6 * * mon",
        briefs=[{"name": "monthly-ee-jp", "cron": "0 6 1 * *"}],
    )
    scheduler = build_scheduler(config, "feeds.yaml", "t.db", "lex", now=NOW)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == {
        "fetch:a",
        "digest:daily",
        "digest:weekly",
        "digest:daily:catch-up",
        "digest:weekly:catch-up",
        "brief:monthly-ee-jp",
        "brief:monthly-ee-jp:catch-up",
    }
    tallinn = ZoneInfo("Europe/Tallinn")
    daily = jobs["digest:daily"].trigger.get_next_fire_time(None, NOW)
    assert daily == datetime(2026, 11, 24, 7, 0, tzinfo=tallinn)  # 07:00 in Tallinn, not UTC
    weekly = jobs["digest:weekly"].trigger.get_next_fire_time(None, NOW)
    assert weekly == datetime(2026, 11, 30, 6, 30, tzinfo=tallinn)
    brief = jobs["brief:monthly-ee-jp"].trigger.get_next_fire_time(None, NOW)
    assert brief == datetime(2026, 12, 1, 6, 0, tzinfo=tallinn)
    fetch = jobs["fetch:a"]
    assert fetch.max_instances == 1 and fetch.next_run_time == NOW  # first fetch at start
    due = NOW + timedelta(hours=2)  # its interval; jitter spreads feeds over up to 5 minutes
    fires = {fetch.trigger.get_next_fire_time(NOW, NOW) for _ in range(20)}
    assert all(due <= t <= due + timedelta(minutes=5) for t in fires) and len(fires) > 1


def test_tokyo_and_tallinn_schedules_differ_by_their_offset() -> None:
    tokyo = build_scheduler(_config(timezone="Asia/Tokyo"), "f", "d", "l", now=NOW)
    tallinn = build_scheduler(_config(), "f", "d", "l", now=NOW)
    t1 = tokyo.get_job("digest:daily").trigger.get_next_fire_time(None, NOW)
    t2 = tallinn.get_job("digest:daily").trigger.get_next_fire_time(None, NOW)
    assert (t2 - t1) == timedelta(hours=7)


@pytest.mark.parametrize(
    "cron,message",
    [
        ("0 7 * * 1", "give weekdays by name"),
        ("61 7 * * *", "is invalid"),
        ("every day", "not a five-field cron"),
    ],
    ids=["numeric-weekday", "bad-minute", "words"],
)
def test_bad_cron_fails_at_load_time(cron: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _config(daily_digest=cron)
    assert message in str(info.value) and "schedules.daily_digest" in str(info.value)


def test_second_run_on_the_same_database_refuses(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    with run_lock(db):
        with pytest.raises(UsageError, match="another `threatbrief run` is already using"):
            with run_lock(db):
                pass
    with run_lock(db):  # released on exit
        pass


@pytest.mark.slow
def test_threatbrief_run_end_to_end(tmp_path: Path, httpserver: HTTPServer) -> None:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).replace(hour=12, minute=0, second=0)
    httpserver.expect_request("/f").respond_with_data(
        f'<rss version="2.0"><channel><title>t</title><item><title>GRU hackers target '
        f"Estonian ministries</title><link>https://x.example/1</link><guid>1</guid>"
        f"<pubDate>{format_datetime(yesterday)}</pubDate></item></channel></rss>"
    )
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    config = tmp_path / "feeds.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "defaults": {"allow_networks": ["127.0.0.1/32"], "retries": 0},
                "feeds": [{"id": "f", "url": httpserver.url_for("/f"), "interval": "1h"}],
                "mail": {
                    "host": "127.0.0.1",
                    "port": port,
                    "security": "none",
                    "outbox": str(tmp_path / "outbox"),
                },
            }
        )
    )
    db_path = tmp_path / "t.db"
    db = open_db(db_path)
    subscribers.add_subscriber(
        db, "liaison@cert.example", actor_sets=["russia"], cadence="daily", now=datetime.now(UTC)
    )
    # a first fetch before `run`: the digest catch-up at start then has an item to send
    outcomes = pipeline.run_fetch(load_config(config), db)
    assert [o.new for o in outcomes] == [1], outcomes
    db.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("THREATBRIEF_")}
    cmd = [
        sys.executable,
        "-m",
        "threatbrief",
        "-c",
        str(config),
        "--db",
        str(db_path),
        "-v",
        "run",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not sink.messages:
            time.sleep(0.2)
        second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=30)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
        controller.stop()
    assert proc.returncode == 0, err
    assert second.returncode == 2 and "already using" in second.stderr
    with sqlite3.connect(db_path) as conn:
        sent_rows = conn.execute("select state, last_error from outbox").fetchall()
    assert [m["To"] for m in sink.messages] == ["liaison@cert.example"], (sent_rows, err[-1500:])
    assert "job=fetch:f outcome=ok" in err
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        assert conn.execute("select count(*) from items").fetchone() == (1,)
        assert conn.execute("select state from outbox").fetchall() == [("sent",)]
