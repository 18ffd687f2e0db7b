# SPDX-License-Identifier: Apache-2.0
"""Value types shared by every stage: feeds, fetch results, items, tags, periods, the read
model of briefs and digests, subscribers, and the one TLP gate.

Plain frozen dataclasses with no behaviour beyond small derived properties and period
arithmetic; no I/O. Stages and the store take and return these, never raw dicts.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .vocab import TAG_KINDS


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

    @classmethod
    def read(cls, stored: str | None) -> TLP:
        """A level as stored or received; anything unreadable is the most restrictive."""
        try:
            return cls.parse(stored or "red")
        except ValueError:
            return cls.RED


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
class Allowance:
    """One non-public destination a feed may reach (`allow_private` in feeds.yaml).

    `network` is a CIDR, or "" for whatever `host` resolves to (cloud metadata addresses are
    refused all the same); `host`, when set, limits the allowance to requests for that host
    name; `port` None means the port of the feed's own URL.
    """

    network: str = ""
    host: str = ""
    port: int | None = None


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
    # cert | government | vendor | news | aggregator | unknown: source authority in briefs
    kind: str = "unknown"
    allowances: tuple[Allowance, ...] = ()
    # (header name, environment variable name): the variable's value is sent as the header
    headers_env: tuple[tuple[str, str], ...] = ()


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
    # who published it (from its link, source or author; see ingest.publisher), not the feed
    publisher: str = ""
    # why the item is held back ("script, template syntax"): its raw text carried active
    # content that had to be removed; "" for none
    quarantine: str = ""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """Items read from one body, plus what the parser had to say about it."""

    items: list[Item]
    title: str = ""
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0


Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock; everything else takes `now` (or a `Clock`) as a parameter."""
    return datetime.now(UTC)


def _month_start(year: int, month: int) -> datetime:
    """The first instant of a month, with months past December rolling into the next year."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=UTC)


_MONTH = re.compile(r"(\d{4})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_LAST_DAYS = re.compile(r"last-(\d+)d")
# Periods outside these bounds are typing mistakes, and would overflow datetime arithmetic.
MAX_LAST_DAYS = 3660
MIN_YEAR, MAX_YEAR = 1990, 2100


def check_year(year: int) -> None:
    """Raises ValueError for a year outside MIN_YEAR..MAX_YEAR."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"the year {year} is outside {MIN_YEAR}-{MAX_YEAR}")


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

    @property
    def label(self) -> str:
        """How a reader names it: "October 2026" for a calendar month, else its first and
        last days ("1 November 2024 – 31 October 2025"), or one day."""
        start, end = self.start, self.end
        if (
            start.day == 1
            and (end.month - start.month) % 12 == 1
            and end.day == 1
            and (end - start).days < 32
        ):
            return start.strftime("%B %Y")
        last = end - timedelta(seconds=1)
        if last.date() <= start.date():
            return start.strftime("%-d %B %Y")
        return f"{start.strftime('%-d %B %Y')} – {last.strftime('%-d %B %Y')}"

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - self.length, self.start)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """One calendar month in UTC."""
        return cls(_month_start(year, month), _month_start(year, month + 1))

    @classmethod
    def from_shorthand(cls, text: str, now: datetime) -> Period:
        """`2026-10` (a month), `2026-W44` (an ISO week) or `last-30d` (days up to today).

        Raises:
            ValueError: the text is none of these, or outside 1990-2100, or last-Nd with N
                outside 1..3660.
        """
        text = text.strip()
        if match := _MONTH.fullmatch(text):
            check_year(int(match.group(1)))
            return cls.month(int(match.group(1)), int(match.group(2)))
        if match := _WEEK.fullmatch(text):
            check_year(int(match.group(1)))
            start = datetime.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
            start = start.replace(tzinfo=UTC)
            return cls(start, start + timedelta(days=7))
        if match := _LAST_DAYS.fullmatch(text):
            days = match.group(1)
            if len(days) > 4 or not 1 <= int(days) <= MAX_LAST_DAYS:
                raise ValueError(f"last-Nd takes 1 to {MAX_LAST_DAYS} days, not {days[:12]}")
            end = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
            return cls(end - timedelta(days=int(match.group(1))), end)
        raise ValueError(f"{text[:40]!r} is not a period; use 2026-10, 2026-W44 or last-30d")

    @classmethod
    def previous_month(cls, now: datetime) -> Period:
        """The whole calendar month before the one `now` falls in."""
        return cls.month(now.year, now.month - 1)

    @classmethod
    def previous_week(cls, now: datetime) -> Period:
        """The Monday-to-Monday week before the one `now` falls in."""
        day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        end = day - timedelta(days=day.weekday())
        return cls(end - timedelta(days=7), end)


# ------------------------------------------------------------------------- tagging
@dataclass(frozen=True, slots=True)
class Evidence:
    """Why one label was given: the matched text, where it is, and which rule fired."""

    kind: str  # a vocab.TagKind value
    label: str
    text: str
    field: str
    start: int
    end: int
    rule: str
    confidence: float
    # the mention's role in its clause: actor, beneficiary, target, accuser or setting
    role: str = ""
    # the source's own hedge in the attribution's sentence ("suspected", とみられる), or ""
    hedge: str = ""
    # who attributes: official, vendor, media or self-claimed ("" for sectors and targets)
    attribution_type: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "label": self.label,
            "text": self.text,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "rule": self.rule,
            "confidence": self.confidence,
            "role": self.role,
            "hedge": self.hedge,
            "attribution_type": self.attribution_type,
        }


@dataclass(frozen=True, slots=True)
class Tagging:
    """Labels of one item, each backed by evidence."""

    actor_sets: tuple[str, ...]
    actors: tuple[str, ...]
    sectors: tuple[str, ...]
    targets: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    lexicon_version: str
    # state mentions that attribute nothing, with their role (kind "mention"): the accuser,
    # the victim, the setting; for `classify` and `explain`, never stored as labels
    mentions: tuple[Evidence, ...] = ()

    def confidence(self, kind: str, label: str) -> float:
        """The best confidence among the evidence for one label."""
        return max(
            (e.confidence for e in self.evidence if e.kind == kind and e.label == label),
            default=0.0,
        )


class TagOrigin(enum.StrEnum):
    """Who gave a tag: the lexicon, an analyst, or a partner's imported assessment."""

    LEXICON = "lexicon"
    ANALYST = "analyst"
    PARTNER = "partner"


PARTNER_PREFIX = "partner:"


@dataclass(frozen=True, slots=True)
class StoredTag:
    """One row of the `tags` table: a label with its evidence, origin and level.

    `origin` is as stored: `lexicon`, `analyst` or `partner:NAME` (see `source`/`partner`).
    """

    kind: str
    value: str
    origin: str
    action: str = "add"
    confidence: float = 0.0
    rule: str = ""
    evidence_text: str = ""
    field: str = ""
    start: int | None = None
    end: int | None = None
    lexicon_version: str = ""
    note: str = ""
    tlp: TLP = TLP.CLEAR
    role: str = ""
    hedge: str = ""
    attribution_type: str = ""
    decided_by: str = ""  # the analyst who made a correction
    created_at: str = ""

    @property
    def source(self) -> TagOrigin:
        if self.origin.startswith(PARTNER_PREFIX):
            return TagOrigin.PARTNER
        try:
            return TagOrigin(self.origin)
        except ValueError:  # an unknown origin is the lexicon's: it carries least weight
            return TagOrigin.LEXICON

    @property
    def partner(self) -> str:
        """The partner's name for a partner tag, else ""."""
        return self.origin.removeprefix(PARTNER_PREFIX) if self.source is TagOrigin.PARTNER else ""


def effective_labels(tags: Iterable[StoredTag]) -> dict[str, list[str]]:
    """Labels after analyst corrections: an analyst's add or remove wins over the lexicon."""
    tags = list(tags)
    decided = {(t.kind, t.value): t.action for t in tags if t.origin == TagOrigin.ANALYST}
    labels: dict[str, set[str]] = {k: set() for k in TAG_KINDS}
    for t in tags:
        if t.origin != TagOrigin.ANALYST and decided.get((t.kind, t.value)) != "remove":
            labels.setdefault(t.kind, set()).add(t.value)
    for (kind, value), action in decided.items():
        if action == "add":
            labels.setdefault(kind, set()).add(value)
    return {k: sorted(v) for k, v in labels.items()}


@dataclass(frozen=True, slots=True)
class Actor:
    """One threat group: canonical name, attributed state (or ""), and what it is."""

    name: str
    state: str
    kind: str = "state"
    sponsor: str = ""
    aliases: tuple[str, ...] = ()


# ------------------------------------------------------------------------- reading
@dataclass(frozen=True, slots=True)
class BriefItem:
    """One stored item with its effective labels, as briefs, digests and exports read it.

    `stated` holds the actor sets that the source's own words attribute (a state cue), as
    opposed to those that follow from a group's entry in the lexicon.
    """

    id: str
    feed_id: str
    publisher: str  # the item's own publisher; `via` is the feed's
    kind: str
    lang: str
    url: str
    title: str
    summary: str
    published_at: datetime | None
    tlp: TLP
    via: str = ""
    actor_sets: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    confidence: float = 0.0
    linked: tuple[str, ...] = ()
    # read by exports (a relationship needs the source's own words); not part of a brief
    stated: tuple[str, ...] = field(default=(), metadata={"brief": False})
    # held back for active content in its text until an analyst releases it
    quarantined: bool = False


@dataclass(frozen=True, slots=True)
class PartnerAssessment:
    """A partner agency's imported report or note, as the brief cites it."""

    partner: str
    name: str
    body: str
    published: datetime | None
    tlp: TLP
    url: str = ""
    actors: tuple[str, ...] = ()


CADENCES: dict[str, timedelta] = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


@dataclass(frozen=True, slots=True)
class Subscriber:
    """Who receives digests, on what, and up to which TLP level.

    The last three fields are the store's bookkeeping: when they subscribed, the end of their
    newest digest window, and the state of their newest outbox message.
    """

    email: str
    name: str = ""
    actor_sets: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    cadence: str = "weekly"
    tlp: TLP = TLP.CLEAR
    token: str = ""
    created_at: str = ""
    last_digest_end: str | None = None
    last_state: str | None = None
    last_digest_seq: int | None = None


@dataclass(frozen=True, slots=True)
class User:
    """Someone who works in the web workspace: an admin, an analyst or a reader, who sees
    nothing above their TLP clearance."""

    email: str
    role: str  # a vocab.ROLES value
    tlp: TLP
    created_at: str = ""
    failed_logins: int = 0
    last_failed_at: str | None = None


@dataclass(frozen=True, slots=True)
class StoryLink:
    """An analyst's decision about two items' story: `join` (one event) or `split` (two).
    Automatic clustering never undoes it; for one pair, the latest decision holds."""

    item_id: str
    other_id: str
    action: str  # "join" or "split"
    note: str = ""
    decided_by: str = ""
    decided_at: str = ""
