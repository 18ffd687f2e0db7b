# SPDX-License-Identifier: Apache-2.0
"""Read feeds.yaml into a validated, frozen `Config`, reporting every problem at once.

YAML in, dataclasses out; the only I/O is reading the file. Nothing downstream ever sees a raw
mapping, so a broken config fails here (`threatbrief check-config`), never in the middle of a fetch.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import re
import reprlib
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from email_validator import EmailNotValidError, validate_email

from ._net import RESERVED_HEADERS, is_metadata, redact_url
from .errors import ConfigError, Problem
from .models import TLP, Allowance, Feed, FetchLimits

__all__ = ["Config", "MailConfig", "load_config", "parse_config", "parse_duration", "parse_size"]

FEED_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MIN_INTERVAL = timedelta(minutes=5)
MAX_INTERVAL = timedelta(days=366)
SECRET_KEYS = {"password", "passwd", "secret", "token", "api_key", "apikey", "headers"}
# The budget of one feeds.yaml: bytes, aliases, nodes after expanding aliases, nesting depth.
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_ALIASES = 1_000
MAX_NODES = 200_000
MAX_DEPTH = 64
# Allowed range of every number, checked at load (timeouts and intervals in seconds).
RANGES: dict[str, tuple[float, float]] = {
    "timeout": (1, 3600),
    "max_bytes": (1024, 256 * 1024 * 1024),
    "retries": (0, 10),
    "backoff": (0, 300),
    "concurrency": (1, 500),
    "per_host": (1, 500),
}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HOST_NAME = re.compile(
    r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
)
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 60, 60
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = _REPR.maxset = 4
SHOWN = 80


def _shown(value: object) -> str:
    """`repr(value)` for a message, never longer than about 80 characters and never expanding
    a large or shared structure (a YAML alias bomb) on the way."""
    try:
        text = _REPR.repr(value)
    except ValueError:  # an int too large to print (sys.set_int_max_str_digits)
        return f"an integer of {value.bit_length() if isinstance(value, int) else '?'} bits"
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


SMTP_SECURITY = ("starttls", "ssl", "none")

# Publisher country → the zone its feeds mean when a date carries no offset.
COUNTRY_ZONES = {
    "JP": "Asia/Tokyo",
    "EE": "Europe/Tallinn",
    "GB": "Europe/London",
    "FR": "Europe/Paris",
    "UA": "Europe/Kyiv",
    "DE": "Europe/Berlin",
    "EU": "Europe/Brussels",
    "US": "America/New_York",
    "KR": "Asia/Seoul",
    "AU": "Australia/Sydney",
    "CA": "America/Toronto",
    "NL": "Europe/Amsterdam",
}


@dataclass(frozen=True, slots=True)
class MailConfig:
    """SMTP settings; the password is only ever named by environment variable."""

    host: str = ""
    port: int = 0
    security: str = "starttls"
    user_env: str = ""
    password_env: str = ""
    sender: str = "threatbrief@localhost"
    outbox: str = "outbox"


@dataclass(frozen=True, slots=True)
class BriefSchedule:
    """A brief written on a schedule (e.g. monthly Estonia–Japan) into a folder."""

    name: str
    cron: str
    partners: tuple[str, ...] = ("EE", "JP")
    period: str = "previous-month"
    fmt: str = "html"
    folder: str = "briefs"


@dataclass(frozen=True, slots=True)
class Schedules:
    """When `threatbrief run` sends digests and writes briefs; cron strings, validated."""

    timezone: str = "UTC"
    daily_digest: str = "0 7 * * *"
    weekly_digest: str = "0 7 * * mon"
    briefs: tuple[BriefSchedule, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    """The whole validated configuration."""

    source: str
    feeds: tuple[Feed, ...]
    limits: FetchLimits = FetchLimits()
    allow_private_networks: bool = False
    allow_networks: tuple[str, ...] = ()
    organisation: str = "threatbrief"
    mail: MailConfig = MailConfig()
    schedules: Schedules = Schedules()
    version: int = 1
    # Things that load but deserve a word (a very wide allowance, a credential in a URL);
    # `check-config` prints them.
    warnings: tuple[Problem, ...] = ()

    def feed(self, feed_id: str) -> Feed:
        """The feed with this id.

        Raises:
            KeyError: no such feed.
        """
        for feed in self.feeds:
            if feed.id == feed_id:
                return feed
        raise KeyError(feed_id)


_DURATION = re.compile(r"(\d+)\s*(d|h|m|s)")


def parse_duration(text: object) -> timedelta:
    """Read `30m`, `2h`, `1d`, `1h30m` or a number of seconds.

    Raises:
        ValueError: not a duration.
    """
    if isinstance(text, bool):
        raise ValueError("not a duration")
    if isinstance(text, int | float):
        if not math.isfinite(text) or text <= 0:
            raise ValueError("not a positive duration")
        if text > _LONGEST:
            raise ValueError("not a duration of less than ten years")
        return timedelta(seconds=text)
    if not isinstance(text, str):
        raise ValueError("not a duration")
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or len(compact) > 40 or "".join(n + u for n, u in parts) != compact:
        raise ValueError("not a duration")
    unit = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    total = sum(int(n) * unit[u] for n, u in parts)
    if total <= 0:
        raise ValueError("not a positive duration")
    if total > _LONGEST:
        raise ValueError("not a duration of less than ten years")
    return timedelta(seconds=total)


_LONGEST = 10 * 366 * 86400  # ten years, in seconds: far below timedelta's limit


_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$")


def parse_size(text: object) -> int:
    """Read `10MB`, `512KiB` or a number of bytes.

    Raises:
        ValueError: not a size.
    """
    if isinstance(text, int) and not isinstance(text, bool) and text > 0:
        return text
    match = _SIZE.match(text.strip().lower()) if isinstance(text, str) and len(text) < 40 else None
    if not match:
        raise ValueError("not a size")
    factor = {
        None: 1,
        "b": 1,
        "kb": 1000,
        "kib": 1024,
        "mb": 1000**2,
        "mib": 1024**2,
        "gb": 1000**3,
        "gib": 1024**3,
    }[match.group(2)]
    return int(float(match.group(1)) * factor)


class _Checker:
    """Gathers problems while walking the raw YAML."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(self, path: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(path, message, hint))

    def warn(self, path: str, message: str, hint: str = "") -> None:
        self.warnings.append(Problem(path, message, hint))

    def mapping(self, value: Any, path: str, allowed: Iterable[str]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(path, f"must be a mapping, not {type(value).__name__}")
            return {}
        allowed = list(allowed)
        for key in value:
            key_text = key if isinstance(key, str) and len(key) <= SHOWN else _shown(key)
            if key_text.lower() in SECRET_KEYS:
                self.add(
                    f"{path}.{key_text}",
                    "secrets never live in feeds.yaml",
                    f"name an environment variable with '{key_text}_env' instead",
                )
            elif key_text not in allowed:
                close = difflib.get_close_matches(key_text, allowed, n=1)
                hint = (
                    f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(allowed)}"
                )
                self.add(f"{path}.{key_text}", f"unknown key '{key_text}'", hint)
        return value

    def get(
        self, raw: dict[str, Any], key: str, path: str, kind: type | tuple[type, ...], default: Any
    ) -> Any:
        if key not in raw or raw[key] is None:
            return default
        value = raw[key]
        bad_bool = isinstance(value, bool) and kind is not bool
        if bad_bool or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            self.add(
                f"{path}.{key}", f"must be {names}, not {type(value).__name__} {_shown(value)}"
            )
            return default
        return value

    def convert(
        self,
        raw: dict[str, Any],
        key: str,
        path: str,
        fn: Callable[[Any], Any],
        default: Any,
        hint: str,
    ) -> Any:
        if key not in raw or raw[key] is None:
            return default
        try:
            return fn(raw[key])
        except (ValueError, TypeError, zoneinfo.ZoneInfoNotFoundError) as exc:
            self.add(f"{path}.{key}", f"{_shown(raw[key])} is {_describe(exc)}", hint)
            return default

    def ranged(
        self, value: Any, key: str, path: str, default: Any, raw: Any = None, seconds: bool = False
    ) -> Any:
        """`value` if it lies in RANGES[key], else a problem naming the range, and `default`.
        `raw` is what the file said (for a duration), `seconds` formats the range as one."""
        low, high = RANGES[key]
        if isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high:
            return value  # NaN fails both comparisons
        fmt = _seconds_text if seconds else _number_text
        self.add(
            f"{path}.{key}",
            f"{_shown(value if raw is None else raw)} is out of range",
            f"use {fmt(low)} to {fmt(high)}",
        )
        return default


def _describe(exc: Exception) -> str:
    text = str(exc)
    if text.startswith(("not ", "unknown")):
        return text
    return f"invalid ({text[:200]})"


def _number_text(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _seconds_text(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _tlp(value: object) -> TLP:
    if not isinstance(value, str):
        raise ValueError("not a TLP level")
    return TLP.parse(value)


def _zone(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("not a time zone")
    zoneinfo.ZoneInfo(value)
    return value


def _network(value: object) -> str:
    return str(ipaddress.ip_network(str(value), strict=False))


TOP_KEYS = ("version", "organisation", "defaults", "feeds", "mail", "schedules")
SCHEDULE_KEYS = ("timezone", "daily_digest", "weekly_digest", "briefs")
BRIEF_KEYS = ("name", "cron", "partners", "period", "format", "folder")
_NUMERIC_DOW = re.compile(r"\d")


def _cron(value: object, zone: str) -> str:
    """A five-field cron string that APScheduler accepts; weekdays by name only, because
    APScheduler 3 counts Monday as 0 where cron counts Sunday as 0."""
    from apscheduler.triggers.cron import CronTrigger

    if not isinstance(value, str) or len(value.split()) != 5:
        raise ValueError("not a five-field cron expression")
    if _NUMERIC_DOW.search(value.split()[4]):
        raise ValueError("not allowed: give weekdays by name (mon-fri), not by number")
    CronTrigger.from_crontab(value, timezone=zone)
    return value


def _check_schedules(c: _Checker, raw: Any) -> Schedules:
    path = "schedules"
    d = c.mapping(raw, path, SCHEDULE_KEYS)
    zone = c.convert(d, "timezone", path, _zone, "UTC", "use an IANA zone such as Europe/Tallinn")
    hint = "use five cron fields with weekdays by name, e.g. '0 7 * * mon'"
    daily = c.convert(d, "daily_digest", path, lambda v: _cron(v, zone), "0 7 * * *", hint)
    weekly = c.convert(d, "weekly_digest", path, lambda v: _cron(v, zone), "0 7 * * mon", hint)
    briefs = []
    names: dict[str, int] = {}
    for i, raw_brief in enumerate(c.get(d, "briefs", path, list, [])):
        bpath = f"{path}.briefs[{i}]"
        b = c.mapping(raw_brief, bpath, BRIEF_KEYS)
        name = c.get(b, "name", bpath, str, f"brief-{i}")
        # the name becomes a file name and a job id: a slug, and unique
        if not FEED_ID.match(name):
            c.add(f"{bpath}.name", f"'{name}' is not a slug", "e.g. monthly-ee-jp")
        elif name in names:
            c.add(f"{bpath}.name", f"'{name}' is already used by briefs[{names[name]}]")
        names.setdefault(name, i)
        partners = tuple(str(p).upper() for p in c.get(b, "partners", bpath, list, ["EE", "JP"]))
        if not partners or not all(re.fullmatch(r"[A-Z]{2}", p) for p in partners):
            c.add(
                f"{bpath}.partners",
                f"{list(partners)} are not ISO 3166 alpha-2 codes",
                "e.g. [EE, JP]",
            )
        period = c.get(b, "period", bpath, str, "previous-month")
        if period not in ("previous-month", "previous-week"):
            c.add(f"{bpath}.period", f"'{period}' is not previous-month or previous-week")
        fmt = c.get(b, "format", bpath, str, "html")
        if fmt not in ("html", "md", "txt", "json", "pdf"):
            c.add(f"{bpath}.format", f"'{fmt}' is not html, md, txt, json or pdf")
        briefs.append(
            BriefSchedule(
                name=name,
                cron=c.convert(b, "cron", bpath, lambda v: _cron(v, zone), "0 6 1 * *", hint),
                partners=partners,
                period=period,
                fmt=fmt,
                folder=c.get(b, "folder", bpath, str, "briefs"),
            )
        )
    return Schedules(timezone=zone, daily_digest=daily, weekly_digest=weekly, briefs=tuple(briefs))


DEFAULT_KEYS = (
    "allow_private_networks",
    "allow_networks",
    "interval",
    "user_agent",
    "timeout",
    "max_bytes",
    "retries",
    "backoff",
    "concurrency",
    "per_host",
    "tlp",
)
FEED_KEYS = (
    "id",
    "url",
    "lang",
    "country",
    "publisher",
    "name",
    "tlp",
    "interval",
    "user_agent",
    "timezone",
    "enabled",
    "kind",
    "allow_private",
    "headers_env",
)
FEED_KINDS = ("cert", "government", "vendor", "news")
MAIL_KEYS = ("host", "port", "security", "user_env", "password_env", "from", "outbox")


@dataclass
class _Defaults:
    interval: timedelta = timedelta(hours=1)
    user_agent: str = ""
    tlp: TLP = TLP.CLEAR
    limits: FetchLimits = field(default_factory=FetchLimits)


def _check_defaults(c: _Checker, raw: Any) -> tuple[_Defaults, bool, tuple[str, ...]]:
    path = "defaults"
    d = c.mapping(raw, path, DEFAULT_KEYS)
    base = FetchLimits()
    dur_hint = "use e.g. 30m, 2h, 1d"
    timeout = c.convert(
        d, "timeout", path, lambda v: parse_duration(v).total_seconds(), base.timeout, dur_hint
    )
    max_bytes = c.convert(d, "max_bytes", path, parse_size, base.max_bytes, "use e.g. 10MB")
    backoff = c.get(d, "backoff", path, (int, float), base.backoff)
    limits = FetchLimits(
        timeout=float(c.ranged(timeout, "timeout", path, base.timeout, d.get("timeout"), True)),
        max_bytes=c.ranged(max_bytes, "max_bytes", path, base.max_bytes, d.get("max_bytes")),
        retries=c.ranged(c.get(d, "retries", path, int, base.retries), "retries", path, 0),
        backoff=float(c.ranged(backoff, "backoff", path, base.backoff)),
        concurrency=c.ranged(
            c.get(d, "concurrency", path, int, base.concurrency), "concurrency", path, 1
        ),
        per_host=c.ranged(c.get(d, "per_host", path, int, base.per_host), "per_host", path, 1),
    )
    interval = _interval(c, d, path, timedelta(hours=1))
    networks = c.get(d, "allow_networks", path, list, [])
    checked: list[str] = []
    for i, net in enumerate(networks):
        try:
            checked.append(_network(net))
        except (ValueError, TypeError):
            c.add(
                f"{path}.allow_networks[{i}]",
                f"{_shown(net)} is not an IP network",
                "use CIDR notation, e.g. 10.20.0.0/16",
            )
            continue
        _warn_wide(c, f"{path}.allow_networks[{i}]", ipaddress.ip_network(checked[-1]))
    defaults = _Defaults(
        interval=interval,
        user_agent=c.get(d, "user_agent", path, str, ""),
        tlp=c.convert(
            d, "tlp", path, _tlp, TLP.CLEAR, "use clear, green, amber, amber+strict, red"
        ),
        limits=limits,
    )
    allow_private = c.get(d, "allow_private_networks", path, bool, False)
    if allow_private:
        c.warn(
            f"{path}.allow_private_networks",
            "lets each feed's own server (its URL's host and port) be on any private address",
            "prefer listing the address under that feed's allow_private",
        )
    return defaults, allow_private, tuple(checked)


def _interval(c: _Checker, raw: dict[str, Any], path: str, default: timedelta) -> timedelta:
    interval: timedelta = c.convert(
        raw, "interval", path, parse_duration, default, "use e.g. 30m, 2h, 1d"
    )
    if interval < MIN_INTERVAL:
        c.add(
            f"{path}.interval",
            f"{_shown(raw.get('interval'))} is shorter than the minimum of 5m",
            "publishers throttle clients that poll too often",
        )
    elif interval > MAX_INTERVAL:
        c.add(
            f"{path}.interval",
            f"{_shown(raw.get('interval'))} is longer than the maximum of 366d",
            "use 5m to 366d",
        )
    return interval


def _warn_wide(c: _Checker, path: str, net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> None:
    """A warning for an allowance wider than /8 (IPv4) or /32 (IPv6)."""
    if net.prefixlen == 0:
        c.warn(
            path,
            f"{net} allows every IPv{net.version} address, public or private "
            "(only cloud metadata addresses stay refused)",
            "list the one server the feed needs, e.g. 10.20.1.5:8443",
        )
    elif net.prefixlen < (8 if net.version == 4 else 32):
        c.warn(
            path,
            f"{net} is wider than /{8 if net.version == 4 else 32}",
            "list the one server the feed needs, e.g. 10.20.1.5:8443",
        )


def _allowance(value: object) -> Allowance:
    """One allow_private entry: `10.20.1.5`, `10.20.1.5:8443`, `10.20.0.0/16`,
    `[fd00::/8]:8443`, `fd00::5`, `intranet.example` or `intranet.example:8080`.

    Raises:
        ValueError: none of these, a bad port, or a cloud metadata address.
    """
    if not isinstance(value, str) or not value or len(value) > 300:
        raise ValueError("not a host, address or network")
    text, port_text = value.strip(), ""
    if text.startswith("["):
        inside, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError("not a host, address or network")
        text, port_text = inside, rest[1:] if rest else ""
    elif text.count(":") == 1:
        text, _, port_text = text.partition(":")
    port: int | None = None
    if port_text or (value.rstrip().endswith(":")):
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ValueError("not a TCP port after ':'")
        port = int(port_text)
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        host = text.lower().rstrip(".")
        if not _HOST_NAME.fullmatch(host):
            raise ValueError("not a host, address or network") from None
        return Allowance(network="", host=host, port=port)
    if net.num_addresses == 1 and is_metadata(net.network_address):
        raise ValueError("not allowed: a cloud metadata address is never fetched")
    return Allowance(network=str(net), port=port)


def _check_feed(c: _Checker, raw: Any, index: int, defaults: _Defaults) -> Feed | None:
    ident = raw.get("id") if isinstance(raw, dict) else None
    path = f"feeds[{index}]" + (f" (id '{ident}')" if isinstance(ident, str) else "")
    f = c.mapping(raw, path, FEED_KEYS)
    if not f:
        if raw is None or isinstance(raw, dict):
            c.add(path, "is empty", "a feed needs at least 'id' and 'url'")
        return None
    feed_id = c.get(f, "id", path, str, "")
    if not feed_id:
        c.add(f"{path}.id", "is required")
    elif not FEED_ID.match(feed_id):
        c.add(
            f"{path}.id",
            f"'{feed_id}' is not a slug",
            "use lowercase letters, digits and '-', e.g. ncsc-uk-advisories",
        )
    url = c.get(f, "url", path, str, "")
    if not url:
        c.add(f"{path}.url", "is required")
    else:
        try:
            parts = urlsplit(url)
            good = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
        except ValueError:  # a bad port or IPv6 literal
            good = False
        if not good:
            c.add(f"{path}.url", f"{_shown(redact_url(url))} is not an http(s) URL")
        elif redact_url(url) != url:
            c.warn(
                f"{path}.url",
                "carries a credential (user:password or a token parameter); threatbrief hides "
                "it in output, logs and the database",
                "if the publisher accepts a header, use headers_env instead",
            )
    interval = _interval(c, f, path, defaults.interval)
    country = c.get(f, "country", path, str, "").upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        c.add(f"{path}.country", f"'{country}' is not an ISO 3166 alpha-2 code")
    lang = c.get(f, "lang", path, str, "en")
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)*", lang):
        c.add(f"{path}.lang", f"'{lang}' is not a language tag", "use e.g. en, ja, et")
    zone = c.convert(
        f,
        "timezone",
        path,
        _zone,
        COUNTRY_ZONES.get(country, "UTC"),
        "use an IANA zone such as Asia/Tokyo",
    )
    return Feed(
        id=feed_id,
        url=url,
        lang=lang,
        country=country,
        publisher=c.get(f, "publisher", path, str, ""),
        name=c.get(f, "name", path, str, ""),
        tlp=c.convert(
            f, "tlp", path, _tlp, defaults.tlp, "use clear, green, amber, amber+strict, red"
        ),
        interval=interval,
        user_agent=c.get(f, "user_agent", path, str, defaults.user_agent),
        timezone=zone,
        enabled=c.get(f, "enabled", path, bool, True),
        kind=_feed_kind(c, f, path),
        allowances=_feed_allowances(c, f, path),
        headers_env=_headers_env(c, f, path),
    )


def _feed_allowances(c: _Checker, f: dict[str, Any], path: str) -> tuple[Allowance, ...]:
    found: list[Allowance] = []
    for i, entry in enumerate(c.get(f, "allow_private", path, list, [])):
        where = f"{path}.allow_private[{i}]"
        try:
            allowance = _allowance(entry)
        except ValueError as exc:
            c.add(
                where,
                f"{_shown(entry)} is {_describe(exc)}",
                "use host[:port], an address[:port] or a CIDR network, e.g. 10.20.1.5:8443",
            )
            continue
        if allowance.network:
            _warn_wide(c, where, ipaddress.ip_network(allowance.network))
        found.append(allowance)
    return tuple(found)


def _headers_env(c: _Checker, f: dict[str, Any], path: str) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    raw = c.get(f, "headers_env", path, dict, {})
    for name, env in raw.items():
        where = f"{path}.headers_env.{_shown(name) if not isinstance(name, str) else name[:60]}"
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            c.add(where, "is not an HTTP header name", "e.g. Authorization or X-Api-Key")
        elif name.lower() in RESERVED_HEADERS:
            c.add(where, f"'{name}' is set by threatbrief itself and cannot be replaced")
        elif not isinstance(env, str) or not _ENV_NAME.fullmatch(env):
            # never echo the value: it may be the secret itself, pasted in by mistake
            c.add(
                where,
                "must name an environment variable, not hold the header's value",
                "e.g. headers_env: {Authorization: FEED_X_AUTH}; export FEED_X_AUTH='Bearer …'",
            )
        else:
            found.append((name, env))
    return tuple(found)


def _feed_kind(c: _Checker, f: dict[str, Any], path: str) -> str:
    kind = c.get(f, "kind", path, str, "cert")
    if kind not in FEED_KINDS:
        c.add(f"{path}.kind", f"'{kind}' is not one of {', '.join(FEED_KINDS)}")
    return str(kind)


def _check_mail(c: _Checker, raw: Any) -> MailConfig:
    m = c.mapping(raw, "mail", MAIL_KEYS)
    security = c.get(m, "security", "mail", str, "starttls")
    if security not in SMTP_SECURITY:
        c.add("mail.security", f"'{security}' is not one of {', '.join(SMTP_SECURITY)}")
    port = c.get(m, "port", "mail", int, 0)
    if not 0 <= port <= 65535:
        c.add("mail.port", f"{port} is not a TCP port")
    for key in ("user_env", "password_env"):
        name = c.get(m, key, "mail", str, "")
        if name and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            c.add(f"mail.{key}", f"'{name}' is not an environment variable name")
    sender = c.get(m, "from", "mail", str, "threatbrief@localhost")
    if sender != "threatbrief@localhost":  # the default is for the local outbox only
        try:
            validate_email(sender, check_deliverability=False)
        except EmailNotValidError as exc:
            c.add("mail.from", f"'{sender}' is not an email address: {exc}")
    return MailConfig(
        host=c.get(m, "host", "mail", str, ""),
        port=port,
        security=security,
        user_env=c.get(m, "user_env", "mail", str, ""),
        password_env=c.get(m, "password_env", "mail", str, ""),
        sender=sender,
        outbox=c.get(m, "outbox", "mail", str, "outbox"),
    )


def parse_config(raw: Any, source: str = "feeds.yaml") -> Config:
    """Validate an already-loaded YAML document.

    Raises:
        ConfigError: with every problem found.
    """
    c = _Checker()
    top = c.mapping(raw, "(top level)", TOP_KEYS) if raw is not None else {}
    if raw is None:
        c.add("(top level)", "the file is empty", "start with 'version: 1' and a 'feeds:' list")
    version = c.get(top, "version", "(top level)", int, 1)
    if version != 1:
        c.add("version", f"{_shown(version)} is not supported", "this threatbrief reads version 1")
    defaults, allow_private, networks = _check_defaults(c, top.get("defaults"))
    feeds_raw = c.get(top, "feeds", "(top level)", list, [])
    if raw is not None and not feeds_raw and "feeds" not in top:
        c.add("feeds", "is required", "list at least one feed with 'id' and 'url'")
    feeds: list[Feed] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(feeds_raw):
        feed = _check_feed(c, entry, i, defaults)
        if feed is None or not feed.id:
            continue
        if feed.id in seen:
            c.add(
                f"feeds[{i}].id",
                f"'{feed.id}' is already used by feeds[{seen[feed.id]}]",
                "feed ids must be unique",
            )
        seen.setdefault(feed.id, i)
        feeds.append(feed)
    mail = _check_mail(c, top.get("mail"))
    schedules = _check_schedules(c, top.get("schedules"))
    org = c.get(top, "organisation", "(top level)", str, "threatbrief")
    if c.problems:
        raise ConfigError(source, c.problems)
    return Config(
        source=source,
        feeds=tuple(feeds),
        limits=defaults.limits,
        allow_private_networks=allow_private,
        allow_networks=networks,
        organisation=org,
        mail=mail,
        schedules=schedules,
        version=version,
        warnings=tuple(c.warnings),
    )


class _BudgetLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` that refuses a document too large once its aliases are expanded.

    An alias costs nothing to parse but every consumer of the data pays for its expansion: a
    418-byte "billion laughs" file is a billion strings to anything that prints or walks it.
    Composing builds the node graph with aliases shared; we count aliases, then the nodes of
    the graph as if every alias were expanded, before any Python object is constructed.
    """

    aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
                raise _Budget(f"more than {MAX_ALIASES:,} aliases (*name)", event.start_mark)
        return super().compose_node(parent, index)

    def get_single_node(self) -> yaml.Node | None:
        node = super().get_single_node()
        if node is not None:
            _expanded_size(node, {}, 0)
        return node


class _Budget(yaml.YAMLError):
    """The document is over budget (`_BudgetLoader`)."""

    def __init__(self, problem: str, mark: Any = None) -> None:
        self.problem, self.problem_mark = problem, mark
        super().__init__(problem)


def _expanded_size(node: yaml.Node, sizes: dict[int, int], depth: int) -> int:
    """Nodes under `node` with every alias expanded; memoised, so linear in the graph.

    Raises:
        yaml.YAMLError: too many nodes, nested too deep, or an alias inside itself.
    """
    key = id(node)
    if key in sizes:
        if sizes[key] < 0:
            raise _Budget("an alias refers to itself", node.start_mark)
        return sizes[key]
    if depth > MAX_DEPTH:
        raise _Budget(f"nested more than {MAX_DEPTH} levels", node.start_mark)
    sizes[key] = -1
    total = 1
    if isinstance(node, yaml.SequenceNode):
        total += sum(_expanded_size(child, sizes, depth + 1) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            total += _expanded_size(k, sizes, depth + 1) + _expanded_size(v, sizes, depth + 1)
    if total > MAX_NODES:
        raise _Budget(f"more than {MAX_NODES:,} values once aliases are expanded", node.start_mark)
    sizes[key] = total
    return total


def _yaml_problem(exc: BaseException) -> Problem:
    """A YAML error as one problem at the line where the fix belongs."""
    if isinstance(exc, _Budget):
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        return Problem(
            where,
            f"refused: {exc.problem}",
            "feeds.yaml needs no more than a few anchors; write the values out",
        )
    # The context mark points where the broken construct opened (an unclosed bracket),
    # which is where the fix belongs; the problem mark is often the end of the file.
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
    problem = getattr(exc, "problem", None) or str(exc)
    return Problem(where, f"not valid YAML: {str(problem)[:200]}")


def load_config(path: str | Path) -> Config:
    """Read and validate a feeds.yaml file.

    The file may be at most 4 MiB, use at most 1,000 aliases and expand to at most 200,000
    values, nested at most 64 deep.

    Raises:
        ConfigError: the file is missing, too large, not YAML, or invalid; every problem is
            listed.
    """
    path = Path(path)
    source = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ConfigError(
                source,
                [Problem("(file)", f"is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")],
            )
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(
            source,
            [Problem("(file)", "does not exist", "pass --config FILE or set THREATBRIEF_CONFIG")],
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, [Problem("(file)", f"cannot be read: {exc}")]) from exc
    try:
        raw = yaml.load(text, Loader=_BudgetLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(source, [_yaml_problem(exc)]) from exc
    except (ValueError, RecursionError) as exc:  # an int of 5,000 digits; [[[[… nested deeply
        problem = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        raise ConfigError(source, [Problem("(file)", f"not valid YAML: {problem}")]) from exc
    return parse_config(raw, source)
