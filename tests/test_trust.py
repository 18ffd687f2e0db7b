# SPDX-License-Identifier: Apache-2.0
"""Trust and addresses: feed kinds, quarantined items, and addresses a reader may be shown."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from threatbrief import pipeline
from threatbrief._net import is_public_url
from threatbrief.cli import cli
from threatbrief.config import Config, parse_config
from threatbrief.models import TLP, Period, Subscriber

DATA = Path(__file__).parent / "data" / "trust"
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
OCTOBER = Period(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))


def _config(httpserver: HTTPServer) -> Config:
    for name in ("hostile", "cert"):
        httpserver.expect_request(f"/{name}.xml").respond_with_data(
            (DATA / f"{name}.xml").read_bytes(), content_type="application/rss+xml"
        )
    return parse_config(
        {
            "version": 1,
            "defaults": {"allow_networks": ["127.0.0.1/32"], "retries": 0},
            "feeds": [
                {"id": "hostile", "url": httpserver.url_for("/hostile.xml")},
                {"id": "cert", "url": httpserver.url_for("/cert.xml"), "kind": "cert"},
            ],
        },
        "test",
    )


@pytest.fixture
def loaded(
    httpserver: HTTPServer, db: sqlite_utils.Database
) -> tuple[Config, sqlite_utils.Database]:
    config = _config(httpserver)
    pipeline.run_fetch(config, db, clock=lambda: NOW)
    return config, db


def _brief(config: Config, db: sqlite_utils.Database, tmp_path: Path) -> dict[str, object]:
    out = tmp_path / "brief.json"
    pipeline.run_brief(config, db, OCTOBER, ["EE", "JP"], out, "json", clock=lambda: NOW)
    doc: dict[str, object] = json.loads(out.read_text())
    return doc


def test_a_feed_that_does_not_say_what_it_is_has_the_lowest_authority(
    loaded: tuple[Config, sqlite_utils.Database],
) -> None:
    config, _ = loaded
    assert config.feed("hostile").kind == "unknown"


def test_an_item_with_active_content_is_held_back_until_released(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path
) -> None:
    config, db = loaded
    doc = _brief(config, db, tmp_path)
    text = json.dumps(doc)
    # stored and counted in the annex, but nowhere a reader would take it for news
    assert doc["quarantined"] == 1 and doc["item_count"] == 2
    assert "phishing wave" not in json.dumps(
        [doc["sections"], doc["key_judgements"], doc["footnotes"]]
    )
    assert "127.0.0.1" not in text
    # the data product lists it, marked, with no address
    (held,) = [s for s in doc["stories"] if s["quarantined"]]  # type: ignore[attr-defined]
    assert "phishing wave" in held["headline"] and held["items"][0]["url"] == ""
    assert held["id"] not in json.dumps([s["story_ids"] for s in doc["sections"]])  # type: ignore[attr-defined]
    # the command line lists it with its reason, and releases it
    runner = CliRunner()
    db_path = db.conn.execute("pragma database_list").fetchone()[2]
    listed = runner.invoke(cli, ["--db", db_path, "quarantine", "list"])
    assert listed.exit_code == 0, listed.output
    (line,) = listed.stdout.splitlines()
    item_id = line.split()[0]
    assert "script" in line and "template syntax" in line and "APT28 phishing wave" in line
    released = runner.invoke(cli, ["--db", db_path, "quarantine", "release", item_id])
    assert released.exit_code == 0 and "released" in released.stdout
    again = runner.invoke(cli, ["--db", db_path, "quarantine", "release", item_id])
    assert again.exit_code != 0 and "not quarantined" in again.output
    doc = _brief(config, db, tmp_path)
    assert doc["quarantined"] == 0 and doc["item_count"] == 3
    # released, it counts; its loopback address is still never cited
    assert "127.0.0.1" not in json.dumps(doc)


def test_a_digest_leaves_quarantined_items_out(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path
) -> None:
    config, db = loaded
    sub = Subscriber(email="analyst@cert.example.ee", actor_sets=("russia",), tlp=TLP.CLEAR)
    path = pipeline.write_digest(config, db, sub, OCTOBER, tmp_path / "out", clock=lambda: NOW)
    assert path is not None
    body = path.read_text(encoding="utf-8", errors="replace")
    assert "APT29 targets Japanese research" in body
    assert "phishing wave" not in body and "127.0.0.1" not in body and "10.1.2.3" not in body


def test_no_brief_format_cites_a_private_or_loopback_address(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path
) -> None:
    config, db = loaded
    for fmt in ("html", "md", "txt", "json"):
        out = tmp_path / f"b.{fmt}"
        pipeline.run_brief(config, db, OCTOBER, ["EE", "JP"], out, fmt, clock=lambda: NOW)
        text = out.read_text(encoding="utf-8")
        assert "10.1.2.3" not in text and "127.0.0.1" not in text, fmt
        assert "https://cert.example.ee/news/apt29-research" in text, fmt


@pytest.mark.parametrize(
    "url,public",
    [
        ("https://www.cisa.gov/news-events/cybersecurity-advisories/aa25-239a", True),
        ("https://8.8.8.8/x", True),
        ("http://127.0.0.1:8080/x", False),
        ("http://localhost/x", False),
        ("http://intranet.local/x", False),
        ("http://10.1.2.3/x", False),
        ("http://192.168.0.1/x", False),
        ("http://169.254.169.254/latest/meta-data", False),
        ("http://[::1]/x", False),
        ("http://[::ffff:127.0.0.1]/x", False),
        ("http://[fe80::1]/x", False),
        ("http://2130706433/x", False),
        ("not a url", False),
    ],
    ids=[
        "public-name",
        "public-ip",
        "loopback",
        "localhost",
        "mdns",
        "private-10",
        "private-192",
        "metadata",
        "ipv6-loopback",
        "mapped-loopback",
        "link-local",
        "decimal-ip",
        "garbage",
    ],
)
def test_is_public_url(url: str, public: bool) -> None:
    assert is_public_url(url) is public
