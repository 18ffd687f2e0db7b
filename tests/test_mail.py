# SPDX-License-Identifier: Apache-2.0
"""Subscribers and digest delivery against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import json
import ssl
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from helpers import Sink, free_port, local_config, rss
from threatbrief import pipeline
from threatbrief.cli import cli
from threatbrief.config import Config
from threatbrief.digest.smtp import SmtpSession, SmtpSettings, send_message, smtp_settings
from threatbrief.errors import DeliveryError, UsageError
from threatbrief.pipeline import digests as outbox
from threatbrief.pipeline import subscribers
from threatbrief.store import outbox as outbox_table
from threatbrief.store.db import open_db

NOW = datetime(2025, 3, 12, 7, 0, tzinfo=UTC)
FETCHED = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # inside a new subscriber's first week


def _setup(httpserver: HTTPServer, db: sqlite_utils.Database) -> Config:
    httpserver.expect_request("/f").respond_with_data(
        rss(
            ("1", "GRU hackers target Estonian ministries", "https://x.example/1"),
            ("2", "Lazarus steals crypto from a Japanese exchange", "https://x.example/2"),
        )
    )
    config = local_config({"f": httpserver.url_for("/f")}, kind="government")
    pipeline.run_fetch(config, db, clock=lambda: FETCHED)
    db.execute("update items set published_at = '2025-03-05T10:00:00+00:00'")
    for address, sets in (
        ("ru@cert.example", ["russia"]),
        ("kp@cert.example", ["north-korea"]),
        ("cn@cert.example", ["china"]),
    ):
        subscribers.add_subscriber(db, address, actor_sets=sets, now=NOW)
    return config


def _settings(port: int, **kw: Any) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=5, **kw)


def _send(
    config: Config,
    db: sqlite_utils.Database,
    tmp_path: Path,
    settings: SmtpSettings,
    **kw: Any,
) -> outbox.DigestRun:
    """One `threatbrief digest --send` at NOW, with fast retries."""
    return outbox.run_digests(
        config,
        db,
        now=NOW,
        send=True,
        settings=settings,
        outbox=tmp_path / "outbox",
        backoff=0.01,
        **kw,
    )


def test_digests_go_to_a_real_smtp_server_once(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path, smtp: tuple[Sink, int]
) -> None:
    sink, port = smtp
    config = _setup(httpserver, db)
    run = _send(config, db, tmp_path, _settings(port))
    assert (run.queued, run.empty, run.sent) == (2, 1, 2)
    by_to = {m["To"]: m for m in sink.messages}
    assert set(by_to) == {"ru@cert.example", "kp@cert.example"}
    ru = by_to["ru@cert.example"]
    assert ru["Subject"] == (
        "Russia: GRU hackers target Estonian ministries · 5 Mar – 12 Mar 2025 [TLP:CLEAR]"
    )
    assert ru.get_body(("plain",)) is not None and ru.get_body(("html",)) is not None
    token = db.execute("select token from subscribers where email = 'ru@cert.example'").fetchone()
    assert (
        ru["List-Unsubscribe"].strip()
        == f"<mailto:threatbrief@localhost?subject=unsubscribe%20{token[0]}>"
    )
    assert ru["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "GRU hackers" in ru.get_body(("plain",)).get_content()
    assert "Lazarus" not in ru.get_body(("plain",)).get_content()
    again = _send(config, db, tmp_path, _settings(port))
    assert (again.queued, again.sent) == (0, 0) and len(sink.messages) == 2
    states = {r.email: r.last_state for r in outbox_table.subscribers(db)}
    assert states == {"ru@cert.example": "sent", "kp@cert.example": "sent", "cn@cert.example": None}


def test_concurrent_digest_runs_send_each_message_once(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path, smtp: tuple[Sink, int]
) -> None:
    """`run` starts a daily and a weekly catch-up at once, and a user may run `digest --send`
    beside it: each run has its own connection, and still no window is built or sent twice."""
    sink, port = smtp
    config = _setup(httpserver, db)
    db_path = db.execute("pragma database_list").fetchone()[2]
    errors: list[BaseException] = []

    def one_run(cadence: str | None) -> None:
        own = open_db(db_path)
        try:
            _send(config, own, tmp_path, _settings(port), cadence=cadence)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            own.close()

    threads = [
        threading.Thread(target=one_run, args=(c,)) for c in ("weekly", None, "weekly", None)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert sorted(m["To"] for m in sink.messages) == ["kp@cert.example", "ru@cert.example"]
    assert db.execute("select count(*), min(state) from outbox").fetchone() == (2, "sent")


def test_connection_dropped_after_data_repeats_only_that_message(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path, smtp: tuple[Sink, int]
) -> None:
    """The server keeps the message but the reply never comes: the client cannot know, so it
    sends that one again, with the same Message-ID, and the rest go once each."""
    sink, port = smtp
    sink.drop = "kp@cert.example"
    config = _setup(httpserver, db)
    run = _send(config, db, tmp_path, _settings(port))
    assert run.sent == 2 and not run.failed
    received = sorted((m["To"], m["Message-ID"]) for m in sink.messages)
    assert [to for to, _ in received] == ["kp@cert.example", "kp@cert.example", "ru@cert.example"]
    assert received[0][1] == received[1][1]
    assert db.execute("select state, attempts from outbox order by email").fetchall() == [
        ("sent", 1),
        ("sent", 1),
    ]


def test_one_connection_carries_many_messages(
    db: sqlite_utils.Database, tmp_path: Path, smtp: tuple[Sink, int]
) -> None:
    sink, port = smtp
    settings = _settings(port)
    with SmtpSession(settings, per_connection=3) as session:
        for n in range(7):
            msg = email.message.EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = "tb@cert.example", f"u{n}@x.example", "hi"
            msg.set_content("body")
            session.send(msg)
    assert [m["To"] for m in sink.messages] == [f"u{n}@x.example" for n in range(7)]
    assert len(sink.sessions) == 3  # renewed after every third message


def test_4xx_is_retried_and_5xx_fails_only_that_recipient(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path, smtp: tuple[Sink, int]
) -> None:
    sink, port = smtp
    sink.defer, sink.refuse = 1, "kp@cert.example"
    config = _setup(httpserver, db)
    run = _send(config, db, tmp_path, _settings(port))
    assert run.sent == 1 and [m["To"] for m in sink.messages] == ["ru@cert.example"]
    assert len(run.failed) == 1 and "550" in run.failed[0]
    failed = db.execute(
        "select state, last_error from outbox where email = 'kp@cert.example'"
    ).fetchone()
    assert failed[0] == "failed" and "no such user" in failed[1]


def test_server_down_keeps_the_outbox_and_the_next_run_sends(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path, smtp: tuple[Sink, int]
) -> None:
    sink, port = smtp
    config = _setup(httpserver, db)
    down = _send(config, db, tmp_path, _settings(free_port()), retries=1)
    assert down.deferred == 2 and down.sent == 0
    up = _send(config, db, tmp_path, _settings(port))
    assert up.sent == 2 and len(sink.messages) == 2
    ids = [m["Message-ID"] for m in sink.messages]
    assert len(set(ids)) == 2 and all(i.endswith("@threatbrief.invalid>") for i in ids)


def test_wrong_credentials_keep_the_digests_queued_until_they_are_mended(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    """A refused login is the operator's to mend, not the message's fault: nothing is marked
    failed, the run says why it stopped, and the next run with the right password sends."""

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password == b"right"
        return AuthResult(success=ok, handled=False)

    sink = Sink()
    port = free_port()
    controller = Controller(
        sink, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        config = _setup(httpserver, db)
        wrong = _send(config, db, tmp_path, _settings(port, user="u", password="wrong"))
        states = [r[0] for r in db.execute("select state from outbox order by id")]
        right = _send(config, db, tmp_path, _settings(port, user="u", password="right"))
    finally:
        controller.stop()
    assert wrong.sent == 0 and wrong.failed == [] and wrong.deferred == 2
    assert "authentication failed: 535" in wrong.deferred_because
    assert states == ["pending", "pending"]
    assert right.sent == 2 and len(sink.messages) == 2


def test_a_permanent_failure_is_sent_again_with_retry_failed(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    """A 5xx marks a digest failed; `--retry-failed` queues it again once the cause is gone."""
    refusing = Sink(refuse="ru@cert.example")
    port = free_port()
    controller = Controller(refusing, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config = _setup(httpserver, db)
        first = _send(config, db, tmp_path, _settings(port))
        refusing.refuse = ""
        plain = _send(config, db, tmp_path, _settings(port))
        retried = _send(config, db, tmp_path, _settings(port), retry_failed=True)
    finally:
        controller.stop()
    assert len(first.failed) == 1 and first.sent == 1
    assert plain.sent == 0  # a failed digest stays failed without --retry-failed
    assert (retried.requeued, retried.sent) == (1, 1)
    assert sorted(m["To"] for m in refusing.messages) == ["kp@cert.example", "ru@cert.example"]


def test_without_send_digests_are_written_as_eml(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    config = _setup(httpserver, db)
    run = outbox.run_digests(
        config, db, now=NOW, send=False, settings=None, outbox=tmp_path / "outbox"
    )
    assert len(run.written) == 2 and all(p.suffix == ".eml" for p in run.written)
    assert {email.message_from_bytes(p.read_bytes())["To"] for p in run.written} == {
        "ru@cert.example",
        "kp@cert.example",
    }


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"email": "not-an-address"}, "invalid email address"),
        ({"email": "a@b.example", "cadence": "hourly"}, "cadence must be daily or weekly"),
        ({"email": "a@b.example", "tlp": "red"}, "TLP:RED never leaves by email"),
        ({"email": "a@b.example", "actor_sets": ["atlantis"]}, "unknown actor set"),
    ],
    ids=["address", "cadence", "red", "actor-set"],
)
def test_subscriber_validation(
    db: sqlite_utils.Database, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        subscribers.add_subscriber(db, now=NOW, **kwargs)


def test_plain_smtp_only_to_loopback() -> None:
    env = {"THREATBRIEF_SMTP_HOST": "smtp.example.org", "THREATBRIEF_SMTP_SECURITY": "none"}
    with pytest.raises(DeliveryError, match="only to a loopback host"):
        smtp_settings(None, env)
    ok = smtp_settings(None, {"THREATBRIEF_SMTP_HOST": "smtp.example.org"})
    assert ok is not None and (ok.security, ok.port) == ("starttls", 587)


def test_subscribers_cli_round_trip(tmp_path: Path) -> None:
    config = tmp_path / "feeds.yaml"
    config.write_text("version: 1\nfeeds:\n  - id: a\n    url: https://a.example/feed\n")
    base = ["-c", str(config), "--db", str(tmp_path / "t.db")]
    runner = CliRunner(env={"COLUMNS": "200"})
    added = runner.invoke(
        cli,
        [
            *base,
            "subscribers",
            "add",
            "Liaison@RIA.example",
            "--actors",
            "china,russia",
            "--partners",
            "ee,jp",
        ],
    )
    assert (
        added.exit_code == 0 and added.stdout == "Added Liaison@ria.example (weekly, TLP:CLEAR)\n"
    )
    dup = runner.invoke(cli, [*base, "subscribers", "add", "Liaison@ria.example"])
    assert dup.exit_code == 2 and "already subscribed" in dup.stderr
    listed = runner.invoke(cli, [*base, "subscribers", "list"])
    assert "Liaison@ria.example" in listed.stdout and "china,russia" in listed.stdout
    as_json = json.loads(runner.invoke(cli, [*base, "subscribers", "list", "--json"]).stdout)
    assert [(r["email"], r["partners"], r["last_state"]) for r in as_json] == [
        ("Liaison@ria.example", "EE,JP", None)
    ]
    assert "token" not in as_json[0]  # the unsubscribe token is the subscriber's credential
    gone = runner.invoke(cli, [*base, "subscribers", "remove", "nobody@x.example"])
    assert gone.exit_code == 2 and gone.stderr == "Error: no subscriber nobody@x.example\n"
    # removed as it was added, whatever the case of the domain
    removed = runner.invoke(cli, [*base, "subscribers", "remove", "Liaison@RIA.example"])
    assert removed.exit_code == 0, removed.output
    assert json.loads(runner.invoke(cli, [*base, "subscribers", "list", "--json"]).stdout) == []
    # or by the token of an "unsubscribe TOKEN" mail
    runner.invoke(cli, [*base, "subscribers", "add", "kapo@ria.example"])
    db = open_db(tmp_path / "t.db")
    (token,) = db.execute("select token from subscribers").fetchone()
    db.close()
    wrong = runner.invoke(cli, [*base, "subscribers", "remove", "--token", "guessed"])
    assert wrong.exit_code == 2 and "no subscriber holds that token" in wrong.stderr
    by_token = runner.invoke(cli, [*base, "subscribers", "remove", "--token", token])
    assert by_token.exit_code == 0 and by_token.stdout == "Removed kapo@ria.example\n"


@pytest.fixture(scope="module")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_checks_the_servers_certificate(
    tmp_path: Path, certificate_authority: trustme.CA, security: str
) -> None:
    """A server whose certificate no trusted CA signed is refused, permanently; with its CA
    given (THREATBRIEF_SMTP_CA_FILE), the same server gets the message over TLS."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(server_context)
    sink, port = Sink(), free_port()
    tls: dict[str, Any] = (
        {"ssl_context": server_context}
        if security == "ssl"
        else {"tls_context": server_context, "require_starttls": True}
    )
    controller = Controller(sink, hostname="127.0.0.1", port=port, **tls)
    controller.start()
    try:
        msg = email.message.EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "tb@cert.example", "liaison@ria.example", "t"
        msg.set_content("body")
        settings = SmtpSettings(host="127.0.0.1", port=port, security=security, timeout=5)
        with pytest.raises(DeliveryError, match="certificate is not trusted") as info:
            send_message(settings, msg, retries=2, backoff=0.01)
        assert info.value.permanent and sink.messages == []
        ca_file = tmp_path / "ca.pem"
        certificate_authority.cert_pem.write_to_path(str(ca_file))
        trusted = smtp_settings(
            None,
            {
                "THREATBRIEF_SMTP_HOST": "127.0.0.1",
                "THREATBRIEF_SMTP_PORT": str(port),
                "THREATBRIEF_SMTP_SECURITY": security,
                "THREATBRIEF_SMTP_CA_FILE": str(ca_file),
            },
        )
        assert trusted is not None
        send_message(trusted, msg, retries=0)
        assert [m["To"] for m in sink.messages] == ["liaison@ria.example"]
    finally:
        controller.stop()
