# SPDX-License-Identifier: Apache-2.0
"""Value types shared by every stage: feeds, fetch results, items, tags and periods.

Plain frozen dataclasses with no behaviour beyond small derived properties; no I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta


class TLP(enum.IntEnum):
    """TLP 2.0 levels, ordered so that a larger value is more restrictive."""

    CLEAR = 0
    GREEN = 1
    AMBER = 2
    AMBER_STRICT = 3
    RED = 4

    @property
    def label(self) -> str:
        """The level as written in configuration and markings: `amber+strict`."""
        return self.name.lower().replace("_", "+")

    @classmethod
    def parse(cls, text: str) -> TLP:
        """Read `clear`, `TLP:AMBER+STRICT`, `white` (TLP 1.0 name of clear) and the like.

        Raises:
            ValueError: the text names no TLP level.
        """
        key = text.strip().lower().removeprefix("tlp:").replace("+", "_").replace("-", "_")
        if key == "white":
            key = "clear"
        try:
            return cls[key.upper()]
        except KeyError:
            raise ValueError(f"unknown TLP level {text!r}") from None


# Where an output goes: a brief written for local reading, an email, or an export to partners.
CHANNELS = ("local", "email", "export")


def may_receive(level: TLP, clearance: TLP, channel: str) -> bool:
    """The one TLP gate: may something at `level` go to a recipient with `clearance` by
    `channel`? Briefs, digests, exports and TAXII publishing all ask it; `red` never leaves
    the machine by email or export.

    Raises:
        ValueError: an unknown channel.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if level is TLP.RED and channel != "local":
        return False
    return level <= clearance


def ceiling(clearance: TLP, channel: str) -> TLP | None:
    """The highest level `may_receive` lets through, for store queries; None if nothing."""
    allowed = [level for level in TLP if may_receive(level, clearance, channel)]
    return max(allowed) if allowed else None


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed of feeds.yaml, validated."""

    id: str
    url: str
    lang: str = "en"
    country: str = ""
    publisher: str = ""
    name: str = ""
    tlp: TLP = TLP.CLEAR
    interval: timedelta = timedelta(hours=1)
    user_agent: str = ""
    timezone: str = "UTC"
    enabled: bool = True
    kind: str = "cert"  # cert | government | vendor | news: source authority in briefs


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Limits applied to every fetch; defaults suit public advisory feeds."""

    timeout: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 10
    retries: int = 2
    backoff: float = 1.0
    concurrency: int = 20
    per_host: int = 4


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the store remembers of a feed between fetches, for conditional GET."""

    etag: str = ""
    last_modified: str = ""
    body_hash: str = ""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one feed fetch produced. `body` is None for a 304 Not Modified."""

    feed_id: str
    url: str
    final_url: str
    status: int
    body: bytes | None
    headers: dict[str, str]
    duration: float
    attempts: int = 1

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True, slots=True)
class Item:
    """A normalised advisory or news item. Text fields are plain, sanitised text."""

    id: str
    feed_id: str
    guid: str
    url: str
    title: str
    summary: str = ""
    content: str = ""
    published_at: datetime | None = None
    updated_at: datetime | None = None
    lang: str = "en"
    tlp: TLP = TLP.CLEAR
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """Items read from one body, plus what the parser had to say about it."""

    items: list[Item]
    title: str = ""
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open interval of time [start, end), both aware UTC datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Period needs aware datetimes")
        if self.end <= self.start:
            raise ValueError("Period end must be after its start")

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - self.length, self.start)
