# SPDX-License-Identifier: Apache-2.0
"""The offline demo: serve the bundled sample corpus on 127.0.0.1 and run the pipeline on it.

The sample corpus (`sample/`) is our own writing: summaries of real public advisories, each with
its original address. `sample/feeds.yaml` names its feeds with `http://localhost/<file>` URLs,
which the demo points at its own loopback server.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import sqlite_utils

from ..config import Config, load_config
from ..errors import UsageError
from ..models import TLP, Period, Subscriber, utc_now
from ..render import FORMATS
from ..store import items as item_table
from ..store.db import open_db
from ._localserver import serve_directory
from .briefs import run_brief
from .digests import write_digest
from .ingest import FeedOutcome, run_fetch
from .users import add_user, change_password, get_user, new_password

SAMPLE_DIR = Path(__file__).parent.parent / "sample"
PLACEHOLDER = "http://localhost"


@dataclass
class DemoReport:
    """What the demo did and where its files are."""

    outcomes: list[FeedOutcome]
    # the workspace over the demo store: its analyst and a one-time password
    workspace_user: str = ""
    workspace_password: str = ""
    files: list[tuple[str, Path]] = field(default_factory=list)


def sample_config(base_url: str) -> Config:
    """The sample corpus' configuration, pointed at a server on `base_url`."""
    config = load_config(SAMPLE_DIR / "feeds.yaml")
    feeds = tuple(
        dataclasses.replace(f, url=f.url.replace(PLACEHOLDER, base_url, 1)) for f in config.feeds
    )
    return dataclasses.replace(config, feeds=feeds, allow_networks=("127.0.0.1/32",))


def run_demo(out_dir: Path, progress: Callable[[str], None] = lambda _m: None) -> DemoReport:
    """Fetch the sample corpus from a loopback server into `out_dir/threatbrief.db`."""
    from .exchange import run_export  # stix2 is slow to import; only the demo needs it here

    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "threatbrief.db"
    db = open_db(db_path)
    try:
        with serve_directory(SAMPLE_DIR) as base:
            progress(f"Serving the sample corpus on {base}")
            config = sample_config(base)
            outcomes = run_fetch(config, db)
        progress(f"Stored {item_table.count_items(db)} items from {len(outcomes)} sample feeds")
        period = demo_period(db)
        report = DemoReport(outcomes, files=[("database", db_path)])
        for fmt in FORMATS:
            out = out_dir / f"brief-EE-JP.{fmt}"
            try:
                run_brief(config, db, period, ["EE", "JP"], out, fmt)
            except UsageError as exc:  # PDF without Pango: say so, keep the other formats
                progress(f"{fmt}: {exc}")
                continue
            report.files.append((f"brief ({fmt})", out))
        last_quarter = Period(period.end - timedelta(days=91), period.end)
        digest = write_digest(config, db, SAMPLE_SUBSCRIBER, last_quarter, out_dir / "outbox")
        if digest is not None:
            report.files.append(("sample digest (.eml)", digest))
        exports = out_dir / "exports"
        exports.mkdir(exist_ok=True)
        shared = run_export(
            config,
            db,
            period,
            TLP.CLEAR,
            exports / "EE-JP.stix.json",
            now=utc_now(),
            misp_dir=exports,
        )
        report.files.append(("STIX 2.1 bundle (TLP:CLEAR)", shared.path))
        if shared.misp_path is not None:
            report.files.append(("MISP feed event", shared.misp_path))
        report.workspace_user = DEMO_ADMIN
        report.workspace_password = _demo_admin(db)
    finally:
        db.close()
    return report


DEMO_ADMIN = "admin@demo.example"


def _demo_admin(db: sqlite_utils.Database) -> str:
    """A demo admin cleared to AMBER, who may try every page, with a fresh one-time password
    (a rerun replaces it)."""
    password = new_password()
    if get_user(db, DEMO_ADMIN) is None:
        add_user(db, DEMO_ADMIN, "admin", "amber", password, now=utc_now())
    else:
        change_password(db, DEMO_ADMIN, password, now=utc_now())
    return password


SAMPLE_SUBSCRIBER = Subscriber(
    email="liaison@partner-cert.example",
    name="Partner liaison",
    actor_sets=("china", "north-korea", "russia"),
    partners=("EE", "JP"),
    cadence="weekly",
    tlp=TLP.CLEAR,
    token="sample-unsubscribe-token",  # a real subscriber's is random (`subscribers add`)
)


def demo_period(db: sqlite_utils.Database) -> Period:
    """Twelve months ending with the month of the newest sample item."""
    newest = item_table.newest_published(db) or utc_now()
    return Period(
        Period.month(newest.year - 1, newest.month + 1).start,
        Period.month(newest.year, newest.month).end,
    )
