# SPDX-License-Identifier: Apache-2.0
"""Workspace users (issue #14): roles, clearances, argon2 hashes, and slowed-down guessing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from conftest import NOW
from threatbrief import pipeline
from threatbrief.cli import cli
from threatbrief.errors import UsageError
from threatbrief.models import TLP
from threatbrief.pipeline.users import login_delay


def test_a_user_logs_in_with_the_right_password_only(db: sqlite_utils.Database) -> None:
    pipeline.add_user(
        db, "Analyst@RIA.example", "analyst", "amber", "correct horse battery", now=NOW
    )
    good = pipeline.check_login(db, "analyst@ria.example", "correct horse battery", now=NOW)
    assert good.user is not None and (good.user.role, good.user.tlp) == ("analyst", TLP.AMBER)
    assert pipeline.check_login(db, "analyst@ria.example", "wrong", now=NOW).user is None
    assert (
        pipeline.check_login(db, "nobody@ria.example", "correct horse battery", now=NOW).user
        is None
    )
    (stored,) = db.execute("select password_hash from users").fetchone()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored


def test_failed_logins_slow_the_next_attempt_and_a_good_one_resets(
    db: sqlite_utils.Database,
) -> None:
    pipeline.add_user(db, "r@ria.example", "reader", "green", "correct horse battery", now=NOW)
    delays = [pipeline.check_login(db, "r@ria.example", "guess", now=NOW).delay for _ in range(6)]
    assert delays == [0.0, 0.0, 0.0, 1.0, 2.0, 4.0]
    ok = pipeline.check_login(db, "r@ria.example", "correct horse battery", now=NOW)
    assert ok.user is not None and ok.delay == 8.0  # it waited, then succeeded
    assert pipeline.check_login(db, "r@ria.example", "guess", now=NOW).delay == 0.0
    assert login_delay(100) == 60.0


@pytest.mark.parametrize(
    ("email", "role", "tlp", "password", "message"),
    [
        ("not-an-address", "reader", "green", "long enough pass", "invalid email address"),
        ("a@ria.example", "boss", "green", "long enough pass", "role must be one of"),
        ("a@ria.example", "reader", "purple", "long enough pass", "unknown TLP level"),
        ("a@ria.example", "reader", "green", "short", "at least 12 characters"),
        ("a@ria.example", "reader", "green", " padded password ", "cannot start or end"),
    ],
    ids=["address", "role", "tlp", "short", "spaces"],
)
def test_bad_user_values_are_refused(
    db: sqlite_utils.Database, email: str, role: str, tlp: str, password: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        pipeline.add_user(db, email, role, tlp, password, now=NOW)
    assert pipeline.list_users(db) == []


def test_users_commands_never_show_a_stored_password(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    base = ["--db", str(db), "users"]
    runner = CliRunner()
    made = runner.invoke(cli, [*base, "add", "a@ria.example", "--role", "admin", "--tlp", "red"])
    assert made.exit_code == 0, made.output
    one_time = made.output.rsplit(": ", 1)[1].strip()
    piped = runner.invoke(
        cli,
        [*base, "add", "r@ria.example", "--role", "reader", "--tlp", "green", "--password-stdin"],
        input="a reader's long password\n",
    )
    assert piped.exit_code == 0 and "One-time" not in piped.output
    again = runner.invoke(
        cli, [*base, "add", "r@ria.example", "--role", "reader", "--tlp", "clear"]
    )
    assert again.exit_code == 2 and "already a user" in again.output
    listed = json.loads(runner.invoke(cli, [*base, "list", "--json"]).output)
    assert [(u["email"], u["role"], u["tlp"]) for u in listed] == [
        ("a@ria.example", "admin", "red"),
        ("r@ria.example", "reader", "green"),
    ]
    table = runner.invoke(cli, [*base, "list"]).output
    with sqlite3.connect(db) as conn:
        hashes = [h for (h,) in conn.execute("select password_hash from users")]
    assert all(h not in table for h in hashes) and one_time not in table
    handle = sqlite_utils.Database(db)
    assert pipeline.check_login(handle, "a@ria.example", one_time, now=NOW).user is not None
    changed = runner.invoke(cli, [*base, "passwd", "a@ria.example", "--password-stdin"],
                            input="a brand new long password\n")  # fmt: skip
    assert changed.exit_code == 0
    assert pipeline.check_login(handle, "a@ria.example", one_time, now=NOW).user is None
    assert runner.invoke(cli, [*base, "remove", "r@ria.example"]).exit_code == 0
    assert runner.invoke(cli, [*base, "remove", "r@ria.example"]).exit_code == 2
