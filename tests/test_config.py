# SPDX-License-Identifier: Apache-2.0
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from threatbrief.config import load_config, parse_config, parse_duration, parse_size
from threatbrief.errors import ConfigError
from threatbrief.models import TLP

DATA = Path(__file__).parent / "data" / "config"
ROOT = Path(__file__).parent.parent
INVALID = sorted(DATA.glob("invalid-*.yaml"))


def test_valid_config_loads_with_every_field() -> None:
    config = load_config(DATA / "valid.yaml")
    assert [f.id for f in config.feeds] == ["jpcert-en", "ria-et"]
    ria = config.feed("ria-et")
    assert ria.interval == timedelta(hours=2) and ria.user_agent == "example-cert-reader/1.0"
    assert ria.timezone == "Europe/Tallinn" and config.feed("jpcert-en").timezone == "Asia/Tokyo"
    assert config.feed("jpcert-en").interval == timedelta(minutes=30)
    assert config.limits.timeout == 20 and config.limits.max_bytes == 5_000_000
    assert config.allow_networks == ("10.20.0.0/16",)
    assert (
        config.mail.password_env == "SMTP_PASSWORD" and config.mail.sender == "briefs@example.org"
    )


def test_shipped_feeds_yaml_loads() -> None:
    config = load_config(ROOT / "feeds.yaml")
    ids = {f.id for f in config.feeds}
    assert {"cisa-advisories", "jpcert-en", "jpcert-ja", "ria-en", "ria-et"} <= ids
    assert all(f.tlp is TLP.CLEAR and f.lang and f.country for f in config.feeds)
    assert config.allow_private_networks is False


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_config_reports_expected_problem(path: Path) -> None:
    expected = path.read_text(encoding="utf-8").splitlines()[0].removeprefix("# expect: ")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert any(str(p).startswith(expected) for p in info.value.problems), str(info.value)


def test_config_error_reports_every_problem_at_once() -> None:
    raw = {
        "version": 1,
        "feeds": [
            {"id": "Bad Id", "url": "ftp://x"},
            {"id": "ok", "url": "https://ok.example/", "interval": "soon", "colour": "red"},
        ],
        "defaults": {"retries": "three"},
    }
    with pytest.raises(ConfigError) as info:
        parse_config(raw, "x.yaml")
    paths = [p.path for p in info.value.problems]
    assert paths == [
        "defaults.retries",
        "feeds[0] (id 'Bad Id').id",
        "feeds[0] (id 'Bad Id').url",
        "feeds[1] (id 'ok').colour",
        "feeds[1] (id 'ok').interval",
    ]
    assert str(info.value).splitlines()[0] == "x.yaml: 5 problems"


def test_missing_config_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist — pass --config FILE"):
        load_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(minutes=90)),
        (45, timedelta(seconds=45)),
    ],
    ids=["minutes", "hours", "days", "compound", "seconds-int"],
)
def test_parse_duration_accepts(text: object, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "5 minutes", "1w", "-1h", 0, True, "h"],
    ids=["empty", "words", "weeks", "negative", "zero", "bool", "unit-only"],
)
def test_parse_duration_rejects(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    "text,expected",
    [("10MB", 10_000_000), ("512KiB", 524_288), (2048, 2048)],
    ids=["mb", "kib", "int"],
)
def test_parse_size(text: object, expected: int) -> None:
    assert parse_size(text) == expected
