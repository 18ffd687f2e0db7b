# SPDX-License-Identifier: Apache-2.0
"""Digests rendered to .eml: headers, both parts, TLP clearance, empty digests."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email.policy import default
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from helpers import local_config, rss
from threatbrief import pipeline
from threatbrief.cli import cli
from threatbrief.config import Config
from threatbrief.digest.message import message_id
from threatbrief.errors import UsageError
from threatbrief.models import TLP, Period, Subscriber
from threatbrief.pipeline import digests as outbox
from threatbrief.pipeline import subscribers

NOW = datetime(2025, 3, 10, tzinfo=UTC)
MARCH = Period(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 11, tzinfo=UTC))
SUB = Subscriber(
    email="analyst@cert.example",
    name="Analyst",
    actor_sets=("russia", "north-korea"),
    partners=("EE", "JP"),
    tlp=TLP.CLEAR,
)


def _load(httpserver: HTTPServer, db: sqlite_utils.Database) -> Config:
    httpserver.expect_request("/f").respond_with_data(
        rss(
            (
                "1",
                "GRU hackers target Estonian ministries\r\nBcc: victim@evil.example",
                "https://x.example/1",
            ),
            (
                "2",
                "CANARY-AMBER Lazarus steals crypto from a Japanese exchange",
                "https://x.example/2",
            ),
            ("3", "Volt Typhoon persists in US networks", "https://x.example/3"),
            # entity-escaped twice in the feed, so markup survives parsing as literal text
            (
                "4",
                "Sandworm &lt;script&gt;alert(1)&lt;/script&gt; hits Estonian grid",
                "https://x.example/4",
            ),
        )
    )
    config = local_config({"f": httpserver.url_for("/f")})
    pipeline.run_fetch(config, db, clock=lambda: NOW)
    db.execute("update items set tlp = 'amber' where guid = '2'")
    return config


def _read(path: Path) -> email.message.EmailMessage:
    msg = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


def test_digest_eml_has_both_parts_and_safe_headers(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    config = _load(httpserver, db)
    path = outbox.write_digest(config, db, SUB, MARCH, tmp_path / "outbox", clock=lambda: NOW)
    assert path is not None
    msg = _read(path)
    assert msg["To"] == "analyst@cert.example" and msg["Bcc"] is None
    assert msg["Subject"] == "Threat digest 1 Mar – 11 Mar 2025: 2 stories [TLP:CLEAR]"
    period_key = f"{MARCH.start.isoformat()}/{MARCH.end.isoformat()}"
    assert msg["Message-ID"] == message_id("analyst@cert.example", period_key)
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "GRU hackers target Estonian ministries Bcc: victim@evil.example" in text
    assert "Volt Typhoon" not in text  # china is not among the subscriber's actor sets
    assert "https://x.example/1" in html and "<script" not in html
    assert "Sandworm &lt;script&gt;alert(1)&lt;/script&gt;" in html  # escaped, not dropped
    assert "Sandworm <script>alert(1)</script>" in text


def test_amber_never_reaches_a_clear_subscriber(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    config = _load(httpserver, db)
    path = outbox.write_digest(config, db, SUB, MARCH, tmp_path / "out", clock=lambda: NOW)
    assert path is not None and b"CANARY-AMBER" not in path.read_bytes()
    amber = Subscriber(email="amber@cert.example", actor_sets=("north-korea",), tlp=TLP.AMBER)
    path2 = outbox.write_digest(config, db, amber, MARCH, tmp_path / "out", clock=lambda: NOW)
    assert path2 is not None and "CANARY-AMBER" in _read(path2).get_body(("plain",)).get_content()
    assert _read(path2)["Subject"].endswith("[TLP:AMBER]")


def test_empty_digest_is_not_written(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    config = _load(httpserver, db)
    nobody = Subscriber(email="iran@cert.example", actor_sets=("iran",))
    assert (
        outbox.write_digest(config, db, nobody, MARCH, tmp_path / "out", clock=lambda: NOW) is None
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "name",
    [
        "Analyst\r\nBcc: victim@evil.example",
        "Analyst\nBcc: victim@evil.example",
        "Analyst\x1b]8;;https://evil.example\x07",
        "Analyst\u2028Bcc: victim@evil.example",
        "Analyst\x85Bcc: victim@evil.example",
        "\u202eAnalyst",
    ],
    ids=["crlf", "lf", "osc-escape", "line-separator", "nel", "rlo"],
)
def test_a_subscriber_name_with_a_control_character_is_refused(
    db: sqlite_utils.Database, name: str
) -> None:
    with pytest.raises(UsageError, match="control, line-break or bidi character"):
        subscribers.add_subscriber(db, "a@cert.example", name=name, now=NOW)
    assert subscribers.list_subscribers(db) == []


def test_the_cli_refuses_a_forged_bcc_in_a_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            str(tmp_path / "t.db"),
            "subscribers",
            "add",
            "a@cert.example",
            "--name",
            "Analyst\r\nBcc: victim@evil.example",
        ],
    )
    assert result.exit_code == 2
    assert "control, line-break or bidi character" in result.stderr


def test_digest_bodies_carry_no_control_from_a_stored_name_or_link(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    config = _load(httpserver, db)
    # as rows written before names and links were checked may hold them
    db.execute("update items set url = ? where guid = '1'", ["https://x.example/1\u202egpj.exe"])
    sub = Subscriber(
        email="analyst@cert.example",
        name="Analyst\r\nBcc: victim@evil.example\u202e",
        actor_sets=("russia",),
        tlp=TLP.CLEAR,
    )
    path = outbox.write_digest(config, db, sub, MARCH, tmp_path / "out", clock=lambda: NOW)
    assert path is not None
    msg = _read(path)
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert not [line for line in text.splitlines() if line.startswith("Bcc:")]
    assert "for Analyst  Bcc: victim@evil.example  · TLP:CLEAR" in text
    for body in (text, html):
        assert "\u202e" not in body
        assert "https://x.example/1%E2%80%AEgpj.exe" in body
