# SPDX-License-Identifier: Apache-2.0
"""Many writers, faults and lost work (issue #10): each case of the audit that concerns the
store, the digests, the scheduler and the workers, against real local parts (a feed server and
an SMTP sink on 127.0.0.1, SQLite files, the real command line in subprocesses)."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
import stix2
import yaml
from aiosmtpd.controller import Controller
from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from helpers import Sink, free_port, local_config, rss
from threatbrief import pipeline
from threatbrief.cli import cli
from threatbrief.config import load_config
from threatbrief.errors import ShareError
from threatbrief.models import TLP, Item, Period
from threatbrief.pipeline import digests as outbox
from threatbrief.pipeline import subscribers
from threatbrief.pipeline.exchange import run_export, run_import
from threatbrief.schedule import jobs
from threatbrief.schedule.scheduler import _log_job
from threatbrief.share import markings
from threatbrief.store import items as item_table
from threatbrief.store.db import open_db, transaction

NOW = datetime.now(UTC).replace(microsecond=0)
ENV = {k: v for k, v in os.environ.items() if not k.startswith("THREATBRIEF_")}


def _cli(db: Path, config: Path, *args: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "threatbrief", "-q", "-c", str(config), "--db", str(db), *args]
    return subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _done(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out + err


def _yaml(path: Path, urls: dict[str, str], smtp_port: int | None = None, **more: Any) -> Path:
    doc: dict[str, Any] = {
        "version": 1,
        "defaults": {"allow_networks": ["127.0.0.1/32"], "retries": 0, "timeout": "10s"},
        "feeds": [{"id": k, "url": v} for k, v in urls.items()],
        **more,
    }
    if smtp_port is not None:
        doc["mail"] = {
            "host": "127.0.0.1",
            "port": smtp_port,
            "security": "none",
            "outbox": str(path.parent / "outbox"),
        }
    path.write_text(yaml.safe_dump(doc))
    return path


class Rounds:
    """Feed `/fN` at round r lists ITEMS new items per round so far, each with its own
    address and a title that shares no words with the others (so no two cluster)."""

    ITEMS = 3
    WORDS = ("GRU", "Lazarus", "Kimsuky", "APT41", "Sandworm", "Turla", "Andariel", "APT29")

    def __init__(self) -> None:
        self.round = 0

    def url(self, feed: str, r: int, n: int) -> str:
        return f"https://advisories.example/{feed}/r{r}/n{n}"

    def __call__(self, request: Request) -> Response:
        feed = request.path.strip("/")
        entries = [
            (
                f"{feed}-{r}-{n}",
                f"{self.WORDS[(r + n) % len(self.WORDS)]} intrusion {feed}x{r}y{n} reported",
                self.url(feed, r, n),
            )
            for r in range(self.round + 1)
            for n in range(self.ITEMS)
        ]
        return Response(rss(*entries), content_type="application/rss+xml")

    def all_urls(self, feeds: list[str]) -> set[str]:
        return {
            self.url(f, r, n)
            for f in feeds
            for r in range(self.round + 1)
            for n in range(self.ITEMS)
        }


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    box, port = Sink(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


# ------------------------------------------------------------------------- 1: many writers
@pytest.mark.slow
def test_two_fetches_and_a_retag_on_one_store_all_succeed(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """Case 1: deferred transactions failed at once with `database is locked`; immediate
    ones wait their turn. Ten feeds, so each fetch also starts its parse workers."""
    rounds = Rounds()
    rounds.ITEMS = 40
    feeds = [f"f{n}" for n in range(10)]
    for feed in feeds:
        httpserver.expect_request(f"/{feed}").respond_with_handler(rounds)
    config = _yaml(tmp_path / "feeds.yaml", {f: httpserver.url_for(f"/{f}") for f in feeds})
    db = tmp_path / "t.db"
    assert _done(_cli(db, config, "fetch"))[0] == 0
    for _ in range(3):
        rounds.round += 1
        procs = [_cli(db, config, "fetch"), _cli(db, config, "fetch"), _cli(db, config, "retag")]
        results = [_done(p) for p in procs]
        assert [code for code, _ in results] == [0, 0, 0], [out[-600:] for _, out in results]
    with sqlite3.connect(db) as conn:
        urls = {u for (u,) in conn.execute("select url from items")}
        failed = conn.execute("select count(*) from fetch_log where outcome = 'failed'").fetchone()
    assert urls == rounds.all_urls(feeds) and failed == (0,)


def test_a_fetch_whose_failure_cannot_be_recorded_never_looks_healthy(
    httpserver: HTTPServer, db: sqlite_utils.Database
) -> None:
    """Case 1: the attempt is marked before the fetch, so a lost outcome shows."""
    httpserver.expect_ordered_request("/f").respond_with_data(rss(("1", "GRU", "https://x/1")))
    httpserver.expect_ordered_request("/f").respond_with_data("down", status=503)
    config = local_config({"f": httpserver.url_for("/f")})
    pipeline.run_fetch(config, db, clock=lambda: NOW - timedelta(hours=1))
    assert [h.state for h in pipeline.feed_report(config, db)] == ["ok"]
    # the store refuses the next fetch's log rows, as a full disk or a corrupt page would
    db.execute(
        "create trigger refuse after insert on fetch_log "
        "begin select raise(abort, 'disk I/O error'); end"
    )
    (outcome,) = pipeline.run_fetch(config, db, clock=lambda: NOW)
    assert outcome.failed
    assert [h.state for h in pipeline.feed_report(config, db)] == ["unconfirmed"]


def test_the_job_log_says_failed_for_a_failed_fetch(
    tmp_path: Path, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Case 1: the scheduler's job line said outcome=ok for a failed fetch."""
    httpserver.expect_request("/f").respond_with_data("gone", status=404)
    config = _yaml(tmp_path / "feeds.yaml", {"f": httpserver.url_for("/f")})
    db = tmp_path / "t.db"
    report = jobs.job_fetch(str(config), str(db), "f", str(tmp_path / "lexicon.local"))
    assert not report.ok and "404" in report.summary
    event = JobExecutionEvent(EVENT_JOB_EXECUTED, "fetch:f", None, NOW, retval=report)
    with caplog.at_level(logging.INFO, logger="threatbrief.schedule.scheduler"):
        _log_job(event)
    assert "job=fetch:f outcome=failed" in caplog.text


# ------------------------------------------------------------------------- 2: digest windows
def test_items_stamped_before_a_digest_but_committed_after_reach_the_next_one(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    """Case 2: a fetch stamps its items when it starts; a digest that ran before the fetch
    committed must not move the window past them."""
    httpserver.expect_request("/f").respond_with_data(
        rss(("1", "GRU hits a ministry", "https://x/1"))
    )
    config = local_config({"f": httpserver.url_for("/f")})
    subscribers.add_subscriber(
        db, "liaison@cert.example", cadence="daily", now=NOW - timedelta(days=2)
    )
    pipeline.run_fetch(config, db, clock=lambda: NOW - timedelta(hours=3))
    first = outbox.run_digests(
        config, db, now=NOW - timedelta(hours=1), send=False, settings=None, outbox=tmp_path
    )
    assert first.queued == 1
    # a fetch that read its clock at NOW - 2 h commits only now, after that digest
    with transaction(db):
        item_table.save_items(
            db,
            [
                Item(
                    id="late0001",
                    feed_id="f",
                    guid="late",
                    url="https://news.example/late",
                    title="Lazarus",
                )
            ],
            NOW - timedelta(hours=2),
        )
    second = outbox.run_digests(config, db, now=NOW, send=False, settings=None, outbox=tmp_path)
    assert second.queued == 1
    (path,) = [p for p in second.written]
    assert "https://news.example/late" in path.read_text()


# ------------------------------------------------------------------------- 3: lost digests
def _subscribed(tmp_path: Path, httpserver: HTTPServer, port: int) -> tuple[Path, Path]:
    httpserver.expect_request("/f").respond_with_data(
        rss(("1", "GRU hackers target Estonian ministries", "https://x.example/1"))
    )
    config = _yaml(tmp_path / "feeds.yaml", {"f": httpserver.url_for("/f")}, smtp_port=port)
    db = tmp_path / "t.db"
    handle = open_db(db)
    subscribers.add_subscriber(handle, "liaison@cert.example", cadence="daily", now=NOW)
    pipeline.run_fetch(load_config(config), handle)
    handle.close()
    return config, db


def test_a_dry_run_moves_no_window(
    tmp_path: Path, httpserver: HTTPServer, sink: tuple[Sink, int]
) -> None:
    """Case 3: `digest` without --send used up the window, so `--send` then sent nothing."""
    box, port = sink
    config, db = _subscribed(tmp_path, httpserver, port)
    runner = CliRunner()
    args = ["-c", str(config), "--db", str(db), "digest"]
    dry = runner.invoke(cli, args, env=ENV)
    assert dry.exit_code == 0 and "Dry run: 1 digests previewed" in dry.output
    sent = runner.invoke(cli, [*args, "--send"], env=ENV)
    assert sent.exit_code == 0, sent.output
    assert "1 sent" in sent.output and len(box.messages) == 1


def test_a_future_now_is_refused(tmp_path: Path, httpserver: HTTPServer) -> None:
    """Case 3: `--now 9999-12-31` moved every window to the end of time."""
    config, db = _subscribed(tmp_path, httpserver, free_port())
    result = CliRunner().invoke(
        cli, ["-c", str(config), "--db", str(db), "digest", "--send", "--now", "9999-12-31"]
    )
    assert result.exit_code == 2 and "is in the future" in result.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("select last_digest_end from subscribers").fetchone() == (None,)


def test_an_idn_recipient_gets_an_idna_envelope(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path, sink: tuple[Sink, int]
) -> None:
    """Case 3: the envelope was re-parsed from the RFC 2047-encoded header."""
    box, port = sink
    httpserver.expect_request("/f").respond_with_data(rss(("1", "GRU hits a bank", "https://x/1")))
    config = local_config({"f": httpserver.url_for("/f")})
    pipeline.run_fetch(config, db)
    subscribers.add_subscriber(db, "liaison@bücher.example", cadence="daily", now=NOW)
    run = outbox.run_digests(
        config,
        db,
        now=NOW + timedelta(minutes=1),
        send=True,
        settings=outbox.SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=5),
        outbox=tmp_path,
        backoff=0.01,
    )
    assert run.sent == 1, run
    assert box.recipients == ["liaison@xn--bcher-kva.example"]


def test_queued_mail_is_checked_against_the_subscriber_when_it_goes(
    tmp_path: Path, httpserver: HTTPServer, sink: tuple[Sink, int]
) -> None:
    """Case 9: mail queued for a subscriber who was removed or downgraded is not sent."""
    box, port = sink
    httpserver.expect_request("/f").respond_with_data(rss(("1", "GRU hits a bank", "https://x/1")))
    config = local_config({"f": httpserver.url_for("/f")})
    db = open_db(tmp_path / "t.db")
    pipeline.run_fetch(config, db)
    db.execute("update items set tlp = 'amber'")
    for address in ("gone@cert.example", "down@cert.example", "kept@cert.example"):
        subscribers.add_subscriber(db, address, tlp="amber", cadence="daily", now=NOW)
    unreachable = outbox.SmtpSettings(host="127.0.0.1", port=free_port(), security="none")
    queued = outbox.run_digests(
        config, db, now=NOW, send=True, settings=unreachable, outbox=tmp_path, retries=0
    )
    assert queued.queued == 3 and queued.deferred == 3
    pipeline.remove_subscriber(db, "gone@cert.example")
    subscribers.add_subscriber(db, "down@cert.example", tlp="clear", now=NOW, update=True)
    settings = outbox.SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=5)
    run = outbox.run_digests(config, db, now=NOW, send=True, settings=settings, outbox=tmp_path)
    assert run.sent == 1 and box.recipients == ["kept@cert.example"]
    assert len(run.cancelled) == 2
    states = dict(db.execute("select email, state from outbox").fetchall())
    assert states == {
        "gone@cert.example": "cancelled",
        "down@cert.example": "cancelled",
        "kept@cert.example": "sent",
    }


# ------------------------------------------------------------------------- 4: guids
def test_a_guid_reused_after_a_rename_does_not_break_the_feed(
    httpserver: HTTPServer, db: sqlite_utils.Database
) -> None:
    """Case 4: after a guid change, a new entry with the old guid failed every fetch on
    `UNIQUE constraint failed: items.id`."""
    bodies = [
        rss(("A", "GRU targets ministries", "https://x/1")),
        rss(("B", "GRU targets ministries", "https://x/1")),  # same entry, renamed
        rss(("B", "GRU targets ministries", "https://x/1"), ("A", "Lazarus steals", "https://x/2")),
    ]
    for body in bodies:
        httpserver.expect_ordered_request("/f").respond_with_data(body)
    config = local_config({"f": httpserver.url_for("/f")})
    outcomes = [pipeline.run_fetch(config, db)[0] for _ in bodies]
    assert [o.outcome for o in outcomes] == ["stored"] * 3, outcomes
    urls = sorted(u for (u,) in db.execute("select url from items"))
    assert urls == ["https://x/1", "https://x/2"]


# ------------------------------------------------------------------------- 5: scheduled briefs
def test_scheduled_briefs_catch_up_and_rewrite_a_damaged_file(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """Case 5: a truncated brief was never rewritten (the job skipped any file that existed),
    and missed periods were not caught up at start."""
    httpserver.expect_request("/f").respond_with_data(rss(("1", "GRU", "https://x/1")))
    folder = tmp_path / "briefs"
    config = _yaml(
        tmp_path / "feeds.yaml",
        {"f": httpserver.url_for("/f")},
        schedules={
            "briefs": [
                {
                    "name": "monthly",
                    "cron": "0 6 1 * *",
                    "period": "previous-month",
                    "partners": ["EE", "JP"],
                    "format": "md",
                    "folder": str(folder),
                }
            ]
        },
    )
    db = tmp_path / "t.db"
    last = Period.previous_month(datetime.now(UTC))
    first = jobs.job_brief(str(config), str(db), "monthly")
    newest = folder / f"monthly-{last.start:%Y-%m-%d}.md"
    assert first.ok and newest.exists() and "up to date" not in first.summary
    assert jobs.job_brief(str(config), str(db), "monthly").summary == "up to date"
    newest.write_text(newest.read_text()[:40])  # a crash mid-write, or a careless edit
    again = jobs.job_brief(str(config), str(db), "monthly")
    assert str(newest) in again.summary and len(newest.read_text()) > 40
    # the scheduler was down for two months: both missing months are written at start
    older = Period.previous_month(last.start)
    oldest = Period.previous_month(older.start)
    for period in (last, older):
        (folder / f"monthly-{period.start:%Y-%m-%d}.md").unlink(missing_ok=True)
    handle = open_db(db)
    handle.execute("delete from briefs")
    handle.execute(
        "insert into briefs (created_at, period_start, period_end, path, sha256) "
        "values (?, ?, ?, ?, ?)",
        [NOW.isoformat(), oldest.start.isoformat(), oldest.end.isoformat(),
         str(folder / f"monthly-{oldest.start:%Y-%m-%d}.md"), "0" * 64],
    )  # fmt: skip
    handle.close()
    caught = jobs.job_brief(str(config), str(db), "monthly")
    written = sorted(p.name for p in folder.glob("*.md"))
    assert f"monthly-{last.start:%Y-%m-%d}.md" in written
    assert f"monthly-{older.start:%Y-%m-%d}.md" in written
    assert not list(folder.glob(".*.tmp")), "temporary files left behind"
    assert caught.ok


# ------------------------------------------------------------------------- the race test
def _partner_round(r: int) -> str:
    """A partner's small bundle for round r: a new report each time, so each import writes."""
    group = stix2.IntrusionSet(
        name="Lazarus Group", object_marking_refs=[markings.marking_id(TLP.GREEN)]
    )
    report = stix2.Report(
        name=f"Partner assessment, round {r}",
        description="Lazarus Group activity continues.",
        published=NOW,
        object_refs=[group.id],
        external_references=[{"source_name": "p", "url": f"https://advisories.example/f0/r{r}/n0"}],
        object_marking_refs=[markings.marking_id(TLP.GREEN)],
    )
    objects = [*markings.markings_for([TLP.GREEN]), group, report]
    return str(stix2.Bundle(objects=objects, allow_custom=False).serialize())


@pytest.mark.slow
def test_fetch_retag_digest_and_import_at_once_ten_times(
    tmp_path: Path, httpserver: HTTPServer, sink: tuple[Sink, int]
) -> None:
    """Four writers on one store at once, ten rounds: every command succeeds, and every
    fetched item reaches the subscriber's digests exactly once."""
    box, port = sink
    rounds = Rounds()
    feeds = ["f0", "f1", "f2"]
    for feed in feeds:
        httpserver.expect_request(f"/{feed}").respond_with_handler(rounds)
    config = _yaml(
        tmp_path / "feeds.yaml", {f: httpserver.url_for(f"/{f}") for f in feeds}, smtp_port=port
    )
    db = tmp_path / "t.db"
    handle = open_db(db)
    subscribers.add_subscriber(handle, "liaison@cert.example", cadence="daily", now=NOW)
    handle.close()
    started = time.monotonic()
    for r in range(10):
        rounds.round = r
        bundle = tmp_path / f"partner-{r}.json"
        bundle.write_text(_partner_round(r))
        procs = {
            "fetch": _cli(db, config, "fetch"),
            "retag": _cli(db, config, "retag"),
            "digest": _cli(db, config, "digest", "--send"),
            "import": _cli(db, config, "import", str(bundle), "--partner", "CERT-X"),
        }
        results = {name: _done(proc) for name, proc in procs.items()}
        failed = {name: out[-800:] for name, (code, out) in results.items() if code != 0}
        assert not failed, (r, failed)
        assert time.monotonic() - started < 300, "the race test ran too long"
    assert _done(_cli(db, config, "digest", "--send"))[0] == 0  # what the last round stored
    seen: Counter[str] = Counter()
    for msg in box.messages:
        text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        seen.update(u for u in rounds.all_urls(feeds) if u in text)
    assert set(seen) == rounds.all_urls(feeds), sorted(rounds.all_urls(feeds) - set(seen))[:5]
    assert max(seen.values()) == 1, [u for u, c in seen.items() if c > 1][:5]
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from assessments").fetchone() == (10,)


# ------------------------------------------------------------------------- from the red-team pass
RUSSIA = [
    "Russian state-sponsored hackers target an Estonian ministry",
    "Russia-linked actors attack a Japanese grid operator",
    "Kremlin-backed hackers breach an Estonian defence contractor",
    "Russian military intelligence hackers hit a Japanese telecom",
    "Russia-backed group compromises an Estonian election body",
    "Russian state hackers phish Japanese finance regulators",
]


def test_a_report_resting_on_a_partner_tag_outside_every_note_carries_its_level(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    """The report's judgements count every item, so a partner's AMBER tag on an item that no
    note or relationship cites still makes the report, and the MISP event, AMBER."""
    entries = [(f"r{n}", t, f"https://news.example/r{n}") for n, t in enumerate(RUSSIA)]
    entries.append(("quiet", "Router firmware update released", "https://news.example/quiet"))
    httpserver.expect_request("/f").respond_with_data(rss(*entries))
    config = local_config({"f": httpserver.url_for("/f")})
    pipeline.run_fetch(config, db, clock=lambda: NOW)
    db.execute("update items set published_at = '2025-03-04T10:00:00+00:00'")
    amber = [markings.marking_id(TLP.AMBER)]
    group = stix2.IntrusionSet(name="APT28", object_marking_refs=amber)
    report = stix2.Report(
        name="APT28 behind the router campaign",
        published=datetime(2025, 3, 5, tzinfo=UTC),
        object_refs=[group.id],
        object_marking_refs=amber,
        external_references=[{"source_name": "p", "url": "https://news.example/quiet"}],
    )
    bundle = stix2.Bundle(objects=[*markings.markings_for([TLP.AMBER]), group, report])
    run_import(db, bundle.serialize().encode(), "CERT-X", now=NOW)
    march = Period.month(2025, 3)
    folder = tmp_path / "feed"
    folder.mkdir()
    at_amber = run_export(config, db, march, TLP.AMBER, tmp_path / "a.json", now=NOW,
                          misp_dir=folder)  # fmt: skip
    at_clear = run_export(config, db, march, TLP.CLEAR, tmp_path / "c.json", now=NOW,
                          misp_dir=folder)  # fmt: skip
    exported = json.loads((tmp_path / "a.json").read_text())
    (report_obj,) = [o for o in exported["objects"] if o["type"] == "report"]
    assert report_obj["object_marking_refs"] == [markings.marking_id(TLP.AMBER)]
    assert at_amber.tlp == "amber" and at_clear.tlp == "clear"
    assert at_amber.misp_path != at_clear.misp_path
    assert at_amber.misp_path is not None
    event = json.loads(at_amber.misp_path.read_text())["Event"]
    assert {"name": "tlp:amber", "colour": "#000000"} in event["Tag"]


def test_a_brief_carries_the_level_of_the_previous_period_it_counts(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    httpserver.expect_request("/f").respond_with_data(
        rss(*((f"r{n}", t, f"https://news.example/r{n}") for n, t in enumerate(RUSSIA[:4])))
    )
    config = local_config({"f": httpserver.url_for("/f")})
    pipeline.run_fetch(config, db, clock=lambda: NOW)
    db.execute("update items set published_at = '2025-02-10T10:00:00+00:00', tlp = 'amber'")
    db.execute(
        "update items set published_at = '2025-03-10T10:00:00+00:00', tlp = 'clear' "
        "where guid = 'r0'"
    )
    out = tmp_path / "b.md"
    result = pipeline.run_brief(config, db, Period.month(2025, 3), ["EE", "JP"], out, "md",
                                clock=lambda: NOW, clearance=TLP.AMBER)  # fmt: skip
    assert result.tlp == "amber" and "**TLP:AMBER**" in out.read_text()


def test_an_undated_entry_beside_a_dated_one_does_not_stop_a_brief(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    """An aware date and a missing one, in one story, were compared as naive and aware."""
    dated = rss(("1", "GRU hackers target a ministry", "https://news.example/story"))
    undated = dated.replace(b"<pubDate>Tue, 04 Mar 2025 10:00:00 GMT</pubDate>", b"")
    httpserver.expect_request("/a").respond_with_data(dated)
    httpserver.expect_request("/b").respond_with_data(undated)
    config = local_config({"a": httpserver.url_for("/a"), "b": httpserver.url_for("/b")})
    pipeline.run_fetch(config, db, clock=lambda: datetime(2025, 3, 10, tzinfo=UTC))
    assert db.execute("select count(*) from items where published_at is null").fetchone() == (1,)
    result = pipeline.run_brief(config, db, Period.month(2025, 3), ["EE", "JP"],
                                tmp_path / "b.md", "md", clock=lambda: NOW)  # fmt: skip
    assert result.items == 2


def test_a_lone_surrogate_is_an_invalid_object_or_dropped_text_never_a_crash(
    httpserver: HTTPServer, db: sqlite_utils.Database
) -> None:
    """`"\\ud800"` is valid JSON but no text: in a partner's object it makes the object
    invalid (skipped by a poll); in a feed entry it is dropped and the entry kept."""
    good = json.loads(
        stix2.Bundle(objects=[stix2.Report(name="fine", published=NOW, object_refs=[
            "identity--0d2a1b9e-4c4b-4d0e-9a53-5b9f1e0c7a11"])]).serialize()
    )  # fmt: skip
    bad = dict(good["objects"][0], id="report--1c1e3b4a-0b8e-4c5e-9a52-7e0c1d2f3a4b",
               name="bad \ud800 name")  # fmt: skip
    data = json.dumps({**good, "objects": [good["objects"][0], bad]}).encode()
    with pytest.raises(ShareError, match="lone surrogate"):
        run_import(db, data, "CERT-X", now=NOW)
    polled = run_import(db, data, "CERT-X", now=NOW, skip_invalid=True)
    assert (polled.assessments, len(polled.skipped)) == (1, 1)
    feed = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [
        {"id": "1", "url": "https://x.example/1", "title": "fine entry"},
        {"id": "2", "url": "https://x.example/2", "title": "evil \ud800 entry"}]})  # fmt: skip
    httpserver.expect_request("/j").respond_with_data(feed, content_type="application/feed+json")
    (outcome,) = pipeline.run_fetch(local_config({"j": httpserver.url_for("/j")}), db)
    assert outcome.outcome == "stored" and outcome.new == 2


def test_a_link_planted_at_a_temporary_name_is_never_followed(tmp_path: Path) -> None:
    from threatbrief._files import write_whole

    victim = tmp_path / "victim"
    victim.write_text("keep me")
    for name in (".b.json.tmp", f".b.json.{os.getpid()}.tmp"):
        (tmp_path / name).symlink_to(victim)
    write_whole(tmp_path / "b.json", b"{}")
    assert victim.read_text() == "keep me"
    assert (tmp_path / "b.json").is_file() and not (tmp_path / "b.json").is_symlink()


def test_raising_a_feeds_level_takes_its_stored_items_with_it(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    httpserver.expect_request("/f").respond_with_data(
        rss(("1", "GRU hackers target a ministry", "https://x.example/1"))
    )
    config = local_config({"f": httpserver.url_for("/f")})
    pipeline.run_fetch(config, db)
    raised = dataclasses.replace(
        config, feeds=tuple(dataclasses.replace(f, tlp=TLP.RED) for f in config.feeds)
    )
    period = Period.month(2025, 3)
    assert len(pipeline.period_items(config, db, period, TLP.CLEAR)) == 1
    assert pipeline.period_items(raised, db, period, TLP.CLEAR) == []
    assert [i.tlp for i in pipeline.period_items(raised, db, period, TLP.RED)] == [TLP.RED]


def test_a_schedule_never_reads_another_schedules_archive(db: sqlite_utils.Database) -> None:
    from threatbrief.pipeline.briefs import newest_archived

    archived = [
        ("briefs/monthly-2024-01-01.md", "2024-01-01T00:00:00+00:00"),
        ("briefs/monthly-jp-2025-02-01.md", "2025-02-01T00:00:00+00:00"),
    ]
    for path, start in archived:
        db.execute("insert into briefs (path, period_start) values (?, ?)", [path, start])
    assert newest_archived(db, Path("briefs"), "monthly") == datetime(2024, 1, 1, tzinfo=UTC)
    assert newest_archived(db, Path("briefs"), "monthly-jp") == datetime(2025, 2, 1, tzinfo=UTC)
