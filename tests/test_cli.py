# SPDX-License-Identifier: Apache-2.0
"""The command line through click's CliRunner: exact user-facing messages and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from helpers import rss
from threatbrief.cli import cli

DATA = Path(__file__).parent / "data"


def _write_config(tmp_path: Path, feeds: dict[str, str]) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "defaults": {"allow_networks": ["127.0.0.1/32"], "retries": 0, "timeout": "3s"},
                "feeds": [{"id": k, "url": v} for k, v in feeds.items()],
            }
        )
    )
    return path


def test_check_config_reports_problems_with_paths_and_exits_2() -> None:
    path = DATA / "config" / "invalid-unknown-key.yaml"
    result = CliRunner().invoke(cli, ["--config", str(path), "check-config"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {path}: 1 problem\n"
        f"  {path}: feeds[0] (id 'cisa').intervall: unknown key 'intervall' — "
        "did you mean 'interval'?\n"
    )


def test_check_config_lists_feeds_of_a_valid_config() -> None:
    path = DATA / "config" / "valid.yaml"
    result = CliRunner().invoke(cli, ["--config", str(path), "check-config"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == f"{path}: OK, 2 feeds"
    assert "ria-et" in result.stdout and "every 2h" in result.stdout


def test_broken_config_never_starts_a_fetch(tmp_path: Path, httpserver: HTTPServer) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(
        f"version: 1\nfeeds:\n  - id: a\n    url: {httpserver.url_for('/a')}\n    colour: red\n"
    )
    result = CliRunner().invoke(
        cli, ["--config", str(path), "--db", str(tmp_path / "t.db"), "fetch"]
    )
    assert result.exit_code == 2 and "unknown key 'colour'" in result.stderr
    assert httpserver.log == [] and not (tmp_path / "t.db").exists()


def test_fetch_exits_1_on_partial_failure_and_still_stores(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/ok").respond_with_data(rss(("1", "One", "https://x.example/1")))
    httpserver.expect_request("/down").respond_with_data("err", status=500)
    config = _write_config(
        tmp_path, {"ok": httpserver.url_for("/ok"), "down": httpserver.url_for("/down")}
    )
    db = tmp_path / "t.db"
    runner = CliRunner()
    result = runner.invoke(cli, ["-c", str(config), "--db", str(db), "fetch"])
    assert result.exit_code == 1
    assert "1 of 2 feeds OK, 1 new items." in result.stderr
    assert result.stderr.rstrip().endswith("Error: 1 feed(s) failed: down")
    assert "HTTP 500" in result.stdout
    health = json.loads(
        runner.invoke(cli, ["-c", str(config), "--db", str(db), "feeds", "--json"]).stdout
    )
    assert {(h["id"], h["state"], h["items"]) for h in health} == {
        ("ok", "ok", 1),
        ("down", "failing", 0),
    }


def test_fetch_unknown_feed_is_a_usage_error(tmp_path: Path) -> None:
    config = _write_config(tmp_path, {"a": "http://127.0.0.1:9/a"})
    result = CliRunner().invoke(
        cli, ["-c", str(config), "--db", str(tmp_path / "t.db"), "fetch", "--feed", "b"]
    )
    assert result.exit_code == 2
    assert result.stderr == "Error: unknown feed id 'b'; known: a\n"


def test_db_that_is_not_sqlite_gives_a_clear_error(tmp_path: Path) -> None:
    config = _write_config(tmp_path, {"a": "http://127.0.0.1:9/a"})
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database" * 100)
    result = CliRunner().invoke(cli, ["-c", str(config), "--db", str(bad), "feeds"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot open database {bad}: file is not a database")


def test_environment_variables_choose_config_and_db(tmp_path: Path) -> None:
    config = _write_config(tmp_path, {"envfeed": "http://127.0.0.1:9/a"})
    result = CliRunner().invoke(
        cli,
        ["feeds", "--json"],
        env={"THREATBRIEF_CONFIG": str(config), "THREATBRIEF_DB": str(tmp_path / "env.db")},
    )
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["id"] == "envfeed"
    assert (tmp_path / "env.db").exists()
