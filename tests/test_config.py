# SPDX-License-Identifier: Apache-2.0
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from threatbrief.cli import cli
from threatbrief.config import load_config, parse_config, parse_duration, parse_size
from threatbrief.errors import ConfigError
from threatbrief.models import TLP, Allowance

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


def _feeds_yaml(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def _check(path: Path) -> Result:
    return CliRunner().invoke(cli, ["--config", str(path), "check-config"])


# -------------------------------------------------------------------- case 16: warnings
def test_check_config_warns_about_wide_allowances_but_passes(tmp_path: Path) -> None:
    path = _feeds_yaml(
        tmp_path,
        "defaults:\n  allow_networks: ['0.0.0.0/0', '10.0.0.0/7', '::/0', '10.20.0.0/16']\n"
        "feeds:\n  - id: a\n    url: https://a.example/feed\n"
        "    allow_private: ['fd00::/16']\n",
    )
    result = _check(path)
    assert result.exit_code == 0, result.output
    warnings = result.stderr.splitlines()
    assert any("allow_networks[0]: 0.0.0.0/0 allows every IPv4 address" in w for w in warnings)
    assert any("allow_networks[1]: 10.0.0.0/7 is wider than /8" in w for w in warnings)
    assert any("allow_networks[2]: ::/0 allows every IPv6 address" in w for w in warnings)
    assert any("allow_private[0]: fd00::/16 is wider than /32" in w for w in warnings)
    assert not any("10.20.0.0/16" in w for w in warnings)


def test_feed_without_kind_counts_as_unknown_and_check_config_says_so(tmp_path: Path) -> None:
    path = _feeds_yaml(
        tmp_path,
        "version: 1\nfeeds:\n  - id: quiet\n    url: https://a.example/feed\n"
        "  - id: said\n    url: https://b.example/feed\n    kind: vendor\n",
    )
    result = _check(path)
    assert result.exit_code == 0, result.output
    assert "(id 'quiet').kind: is not set" in result.stderr and "'unknown'" in result.stderr
    assert "'said'" not in result.stderr
    config = load_config(path)
    assert [f.kind for f in config.feeds] == ["unknown", "vendor"]


def test_every_shipped_feed_says_what_kind_of_source_it_is() -> None:
    for path in (ROOT / "feeds.yaml", ROOT / "src" / "threatbrief" / "sample" / "feeds.yaml"):
        config = load_config(path)
        assert not [w for w in config.warnings if ".kind" in w.path], path
        assert all(f.kind != "unknown" for f in config.feeds), path


@pytest.mark.parametrize(
    "entry,expected",
    [
        ("127.0.0.1:8080", Allowance("127.0.0.1/32", port=8080)),
        ("10.20.0.0/16", Allowance("10.20.0.0/16")),
        ("10.20.0.0/16:8443", Allowance("10.20.0.0/16", port=8443)),
        ("[fd00::5]:8443", Allowance("fd00::5/128", port=8443)),
        ("fd00::/8", Allowance("fd00::/8")),
        ("intranet.example:8080", Allowance(host="intranet.example", port=8080)),
    ],
    ids=["address-port", "cidr", "cidr-port", "ipv6-port", "ipv6-cidr", "host-port"],
)
def test_feed_allow_private_entries(entry: str, expected: Allowance) -> None:
    raw = {"feeds": [{"id": "a", "url": "https://a.example/", "allow_private": [entry]}]}
    assert parse_config(raw).feeds[0].allowances == (expected,)


@pytest.mark.parametrize(
    "entry,message",
    [
        ("169.254.169.254", "a cloud metadata address is never fetched"),
        ("10.0.0.1:99999", "not a TCP port"),
        ("not a host!", "not a host, address or network"),
    ],
    ids=["metadata", "port", "junk"],
)
def test_feed_allow_private_rejects(entry: str, message: str) -> None:
    raw = {"feeds": [{"id": "a", "url": "https://a.example/", "allow_private": [entry]}]}
    with pytest.raises(ConfigError, match=message):
        parse_config(raw)


# ----------------------------------------------------------------- case 18: credentials
def test_check_config_hides_credentials_in_feed_urls(tmp_path: Path) -> None:
    path = _feeds_yaml(
        tmp_path,
        "feeds:\n  - id: a\n    url: https://reader:hunter2@a.example/feed?apikey=K3Y&lang=en\n",
    )
    result = _check(path)
    assert result.exit_code == 0, result.output
    assert "https://***@a.example/feed?apikey=***&lang=en" in result.stdout
    assert "hunter2" not in result.output and "K3Y" not in result.output
    assert "feeds[0] (id 'a').url: carries a credential" in result.stderr


def test_headers_env_loads_and_check_config_names_an_unset_variable(tmp_path: Path) -> None:
    path = _feeds_yaml(
        tmp_path,
        "feeds:\n  - id: a\n    url: https://a.example/feed\n"
        "    headers_env: {Authorization: FEED_A_AUTH}\n",
    )
    assert load_config(path).feeds[0].headers_env == (("Authorization", "FEED_A_AUTH"),)
    result = _check(path)
    assert result.exit_code == 0 and "$FEED_A_AUTH, which is not set" in result.stderr


@pytest.mark.parametrize(
    "feed,message",
    [
        ({"headers": {"Authorization": "Bearer xyz"}}, "secrets never live in feeds.yaml — name "
         "an environment variable with 'headers_env' instead"),
        ({"headers_env": {"Authorization": "Bearer xyz"}}, "must name an environment variable"),
        ({"headers_env": {"Host": "X"}}, "is set by threatbrief itself"),
    ],
    ids=["literal-headers", "literal-value", "reserved"],
)  # fmt: skip
def test_literal_header_secrets_are_errors_that_never_echo_them(
    feed: dict[str, object], message: str
) -> None:
    raw = {"feeds": [{"id": "a", "url": "https://a.example/", **feed}]}
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    assert message in str(info.value) and "xyz" not in str(info.value)


# --------------------------------------------------------------- case 19: YAML budget
BOMB = (
    'version: 1\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "feeds: [{id: x, url: *i}]\n"
)


def test_an_alias_bomb_is_refused_quickly_in_bounded_memory(tmp_path: Path) -> None:
    """418 bytes that expand to a billion strings: refused with one clear problem, in a child
    process capped at 1 GiB of address space and 20 seconds (the old loader used 2.2 GB)."""
    assert len(BOMB) < 450
    path = _feeds_yaml(tmp_path, BOMB)
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from threatbrief.config import load_config\n"
        "from threatbrief.errors import ConfigError\n"
        "try:\n    load_config(sys.argv[1])\n"
        "except ConfigError as exc:\n    print(exc)\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=20,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert time.monotonic() - started < 5
    assert "refused: more than 200,000 values once aliases are expanded" in done.stdout
    assert len(done.stdout) < 500


def test_a_few_anchors_still_work(tmp_path: Path) -> None:
    path = _feeds_yaml(
        tmp_path,
        "feeds:\n  - &jp {id: a, url: 'https://a.example/', lang: ja, country: JP}\n"
        "  - {<<: *jp, id: b, url: 'https://b.example/'}\n",
    )
    feeds = load_config(path).feeds
    assert [(f.id, f.lang, f.country) for f in feeds] == [("a", "ja", "JP"), ("b", "ja", "JP")]


def test_echoed_values_are_cut_short() -> None:
    raw = {"version": ["x" * 10_000] * 1000, "feeds": [{"id": "a", "url": "https://a.example/"}]}
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    assert len(str(info.value)) < 300


def test_a_huge_integer_in_yaml_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    path = _feeds_yaml(tmp_path, f"version: {'9' * 5000}\nfeeds: []\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


# ----------------------------------------------------------- case 21: every number a range
@pytest.mark.parametrize(
    "key,value,message",
    [
        ("max_bytes", "0.0000001", "defaults.max_bytes: '0.0000001' is out of range — use 1,024"),
        ("concurrency", 100_000_000, "defaults.concurrency: 100000000 is out of range"),
        ("backoff", 1e308, "defaults.backoff: 1e+308 is out of range — use 0 to 300"),
        ("backoff", float("nan"), "defaults.backoff: nan is out of range"),
        ("timeout", "99999999999999d", "defaults.timeout: '99999999999999d' is not a duration"),
        ("timeout", 1e300, "defaults.timeout: 1e+300 is not a duration of less than ten years"),
        ("timeout", "2h", "defaults.timeout: '2h' is out of range — use 1s to 1h"),
        ("interval", "99999999999999d", "defaults.interval: '99999999999999d' is not a duration"),
        ("interval", "400d", "defaults.interval: '400d' is longer than the maximum of 366d"),
        ("retries", 1000, "defaults.retries: 1000 is out of range — use 0 to 10"),
        ("per_host", 0, "defaults.per_host: 0 is out of range — use 1 to 500"),
        ("max_bytes", "9" * 300, "defaults.max_bytes:"),
    ],
    ids=["tiny-size", "concurrency", "backoff", "nan", "timeout-overflow", "timeout-float",
         "timeout-long", "interval-overflow", "interval-long", "retries", "per-host",
         "size-overflow"],
)  # fmt: skip
def test_numbers_out_of_range_are_problems_with_the_range(
    key: str, value: object, message: str
) -> None:
    raw = {"defaults": {key: value}, "feeds": [{"id": "a", "url": "https://a.example/"}]}
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    assert any(str(p).startswith(message) for p in info.value.problems), str(info.value)


@pytest.mark.parametrize(
    "args,message",
    [
        (["--period", "last-99999999999d"], "last-Nd takes 1 to 3660 days"),
        (["--since", "0001-01-01", "--until", "2026-01-01"], "the year 1 is outside 1990-2100"),
        (["--since", "0001-01-01T00:00+05:00", "--until", "2026-01-01"], "cannot read the period"),
        (["--period", "9999-12"], "the year 9999 is outside 1990-2100"),
    ],
    ids=["last-days", "since-year-1", "since-overflow", "month-9999"],
)
def test_absurd_periods_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(
        cli,
        ["--config", str(DATA / "valid.yaml"), "--db", str(tmp_path / "t.db"), "brief", *args,
         "-o", str(tmp_path / "b.html")],
    )  # fmt: skip
    assert result.exit_code == 2 and message in result.stderr, result.output
