# SPDX-License-Identifier: Apache-2.0
"""The value checkers of feeds.yaml: durations, sizes, numbers in range, TLP levels, zones,
networks, and the `Checker` that gathers every problem with its path.

Pure; no I/O. Messages echo values only through `shown`, which never expands a large or
shared structure.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import re
import reprlib
import zoneinfo
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from ..errors import Problem
from ..models import TLP

FEED_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MIN_INTERVAL = timedelta(minutes=5)
MAX_INTERVAL = timedelta(days=366)
SECRET_KEYS = {"password", "passwd", "secret", "token", "api_key", "apikey", "headers"}
# Allowed range of every number, checked at load (timeouts and intervals in seconds).
RANGES: dict[str, tuple[float, float]] = {
    "timeout": (1, 3600),
    "max_bytes": (1024, 256 * 1024 * 1024),
    "retries": (0, 10),
    "backoff": (0, 300),
    "concurrency": (1, 500),
    "per_host": (1, 500),
}
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
HOST_NAME = re.compile(
    r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
)
REPR = reprlib.Repr()
REPR.maxlevel, REPR.maxstring, REPR.maxother = 3, 60, 60
REPR.maxlist = REPR.maxdict = REPR.maxtuple = REPR.maxset = 4
SHOWN = 80


def shown(value: object) -> str:
    """`repr(value)` for a message, never longer than about 80 characters and never expanding
    a large or shared structure (a YAML alias bomb) on the way."""
    try:
        text = REPR.repr(value)
    except ValueError:  # an int too large to print (sys.set_int_max_str_digits)
        return f"an integer of {value.bit_length() if isinstance(value, int) else '?'} bits"
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


SMTP_SECURITY = ("starttls", "ssl", "none")


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


class Checker:
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
            key_text = key if isinstance(key, str) and len(key) <= SHOWN else shown(key)
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
            self.add(f"{path}.{key}", f"must be {names}, not {type(value).__name__} {shown(value)}")
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
            self.add(f"{path}.{key}", f"{shown(raw[key])} is {describe(exc)}", hint)
            return default

    def ranged(
        self, value: Any, key: str, path: str, default: Any, raw: Any = None, seconds: bool = False
    ) -> Any:
        """`value` if it lies in RANGES[key], else a problem naming the range, and `default`.
        `raw` is what the file said (for a duration), `seconds` formats the range as one."""
        low, high = RANGES[key]
        if isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high:
            return value  # NaN fails both comparisons
        fmt = seconds_text if seconds else number_text
        self.add(
            f"{path}.{key}",
            f"{shown(value if raw is None else raw)} is out of range",
            f"use {fmt(low)} to {fmt(high)}",
        )
        return default


def describe(exc: Exception) -> str:
    text = str(exc)
    if text.startswith(("not ", "unknown")):
        return text
    return f"invalid ({text[:200]})"


def number_text(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def seconds_text(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def tlp_level(value: object) -> TLP:
    if not isinstance(value, str):
        raise ValueError("not a TLP level")
    return TLP.parse(value)


def parse_zone(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("not a time zone")
    zoneinfo.ZoneInfo(value)
    return value


def parse_network(value: object) -> str:
    return str(ipaddress.ip_network(str(value), strict=False))
