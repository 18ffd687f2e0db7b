# SPDX-License-Identifier: Apache-2.0
"""Digests as a use case: queue each due subscriber's window in the outbox, then deliver the
outbox by SMTP or write it as .eml files (subscribers themselves: `pipeline.subscribers`).

Configuration, database and clock in; a `DigestRun` out. The TLP clearance is applied in the
store query, before rendering. A row is committed as `sending` before its SMTP transaction, so
a crash repeats at most that message, with its deterministic Message-ID.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import idna
import sqlite_utils

from ..brief.stories import cluster
from ..config import Config
from ..digest.build import WindowStories, build_digest
from ..digest.message import build_message, message_id, write_eml
from ..digest.smtp import SmtpSession, SmtpSettings, smtp_settings
from ..errors import DeliveryError, UsageError
from ..models import CADENCES, TLP, Clock, Period, Subscriber, ceiling, may_receive, utc_now
from ..render import render_digest
from ..store import items as item_table
from ..store import outbox as outbox_table
from ..store.db import exclusive, transaction
from .briefs import actor_aliases, analyst_links, period_items, place_names

__all__ = [
    "CADENCES",
    "DigestRun",
    "digest_settings",
    "digest_window",
    "next_digest",
    "run_digests",
    "write_digest",
]


# A subscriber's last digest is clustered with the week of items before it (the stories'
# merge window), so that a new report of an event they already had is known as such.
EARLIER = timedelta(days=7)


@dataclass
class _Window:
    """One window's clustered stories, shared by the subscribers who have it: which of its
    items came before the window (`earlier`), and which were edited after they were first
    stored (`edited`, with when they were first stored)."""

    stories: WindowStories
    earlier: frozenset[str]
    edited: dict[str, datetime]

    def sent(self, last_digest_at: datetime | None) -> frozenset[str]:
        """The items a subscriber whose last digest was built at `last_digest_at` has had."""
        if last_digest_at is None:
            return frozenset()
        edited = {i for i, first in self.edited.items() if first < last_digest_at}
        return self.earlier | edited if edited else self.earlier


def _window(
    config: Config,
    db: sqlite_utils.Database,
    period: Period,
    clearance: TLP,
    changes: tuple[int, int] | None,
    earlier: tuple[int, int] | None,
) -> _Window:
    items = period_items(config, db, period, clearance, changes=changes)
    before = period_items(config, db, period, clearance, changes=earlier) if earlier else []
    groups = cluster(
        items + before, aliases=actor_aliases(), links=analyst_links(db), places=place_names()
    )
    old = frozenset(i.id for i in before)
    return _Window(
        WindowStories(groups, earlier=old), old, item_table.edited_items(db, [i.id for i in items])
    )


def _digest_message(
    config: Config,
    db: sqlite_utils.Database,
    subscriber: Subscriber,
    period: Period,
    now: datetime,
    template_dir: Path | None = None,
    changes: tuple[int, int] | None = None,
    cache: dict[tuple[object, ...], _Window] | None = None,
    *,
    last_digest_at: datetime | None = None,
    earlier: tuple[int, int] | None = None,
) -> tuple[EmailMessage, str] | None:
    """The digest email for one subscriber and period, with its TLP level, or None when there
    is nothing to send. With `changes` (after, upto), the items are those committed in that
    range of the commit order instead of those dated in the period. `last_digest_at` is when
    the subscriber's previous digest was built, and `earlier` the range of commits before the
    window clustered with it, so that stories it carried are not presented as new.

    The clearance is applied in the store query; red never leaves by email. Subscribers who
    share a window and a clearance share one query through `cache`.
    """
    clearance = ceiling(subscriber.tlp, "email")
    if clearance is None:
        return None
    key: tuple[object, ...] = (period.start, period.end, changes, earlier, clearance)
    window = cache.get(key) if cache is not None else None
    if window is None:
        window = _window(config, db, period, clearance, changes, earlier)
        if cache is not None:
            cache[key] = window
    # One-click unsubscribe by mail: the subscriber's token in the subject identifies them.
    unsubscribe = (
        f"mailto:{config.mail.sender}?subject=unsubscribe%20{subscriber.token}"
        if subscriber.token
        else ""
    )
    ctx = build_digest(
        [],
        subscriber,
        period,
        now,
        config.organisation,
        unsubscribe,
        window=window.stories,
        last_digest_at=last_digest_at,
        sent=window.sent(last_digest_at),
    )
    if ctx.empty:
        return None
    text, html = render_digest(ctx, template_dir)
    period_key = f"{period.start.isoformat()}/{period.end.isoformat()}"
    message = build_message(
        sender=config.mail.sender,
        recipient=subscriber.email,
        subject=ctx.subject,
        text=text,
        html=html,
        msg_id=message_id(subscriber.email, period_key),
        date_utc=now,
        unsubscribe_url=ctx.unsubscribe_url,
    )
    return message, ctx.tlp


def _eml_name(email: str, period: Period) -> str:
    return f"digest-{period.start:%Y%m%d}-{hashlib.sha256(email.encode()).hexdigest()[:8]}"


def write_digest(
    config: Config,
    db: sqlite_utils.Database,
    subscriber: Subscriber,
    period: Period,
    outbox: Path,
    *,
    clock: Clock = utc_now,
    template_dir: Path | None = None,
) -> Path | None:
    """Render one subscriber's digest for a period into the outbox folder as an .eml file;
    an empty digest writes nothing and returns None."""
    built = _digest_message(config, db, subscriber, period, clock(), template_dir)
    if built is None:
        return None
    return write_eml(outbox, _eml_name(subscriber.email, period), built[0])


def digest_window(cadence: str, last_end: str | None, now: datetime) -> Period | None:
    """The period a subscriber's next digest is labelled with: from the end of their last
    digest (or one cadence back for a new subscriber) up to now; None when nothing can be new.
    Which items it holds is decided by the commit order (`_due`), not by these times."""
    start = datetime.fromisoformat(last_end) if last_end else now - CADENCES[cadence]
    return Period(start, now) if now > start else None


# How far ahead of the real clock `--now` may be: a small skew between machines, no more.
MAX_CLOCK_SKEW = timedelta(minutes=5)


def envelope_address(address: str) -> tuple[str, bool]:
    """An address as SMTP's envelope carries it: the domain in IDNA (UTS 46), and True when
    the local part is not ASCII, so the message needs SMTPUTF8.

    Raises:
        UsageError: not an address that can go on an envelope.
    """
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain or any(c.isspace() or ord(c) < 32 for c in address):
        raise UsageError(f"{address!r} cannot be used as an envelope address")
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise UsageError(f"the domain of {address!r} is not a valid IDN: {exc}") from exc
    return f"{local}@{ascii_domain}", not local.isascii()


def digest_settings(config: Config, environ: Mapping[str, str]) -> SmtpSettings | None:
    """SMTP settings from feeds.yaml `mail:` and the THREATBRIEF_SMTP_* variables; None when
    no server is configured (digests then go to the outbox folder)."""
    return smtp_settings(config.mail, environ)


@dataclass
class DigestRun:
    """What one `threatbrief digest` did."""

    queued: int = 0
    empty: int = 0
    sent: int = 0
    written: list[Path] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    deferred: int = 0
    deferred_because: str = ""
    cancelled: list[str] = field(default_factory=list)
    requeued: int = 0
    previews: list[Path] = field(default_factory=list)


def run_digests(
    config: Config,
    db: sqlite_utils.Database,
    *,
    now: datetime,
    send: bool,
    settings: SmtpSettings | None,
    outbox: Path,
    retries: int = 3,
    backoff: float = 1.0,
    cadence: str | None = None,
    dry_run: bool = False,
    retry_failed: bool = False,
    clock: Clock = utc_now,
) -> DigestRun:
    """Queue each due subscriber's digest, then deliver the outbox: by SMTP with `send` and
    settings, otherwise as .eml files in the outbox folder.

    A `dry_run` writes each due digest to the outbox folder as a preview and changes nothing:
    no window moves and nothing is queued, so the next real run sends the same digests.
    `retry_failed` puts messages that failed permanently back in the queue first.

    A message's row is committed as `sending` before the SMTP transaction, so a crash repeats
    at most that message, with the same Message-ID. Each message is checked against its
    subscriber as they are now, just before it goes: a removed subscriber, or one whose
    clearance no longer covers the message, gets nothing. Runs hold the database's `digests`
    lock, so two of them never build the same window or send the same row twice.

    Raises:
        UsageError: `now` is in the future by more than MAX_CLOCK_SKEW: every window would
            jump past items not yet stored, and those subscribers would never get them.
    """
    if now > clock() + MAX_CLOCK_SKEW:
        raise UsageError(
            f"--now {now.isoformat()} is in the future; digests would skip everything stored "
            f"before then (at most {int(MAX_CLOCK_SKEW.total_seconds() // 60)} minutes of "
            "clock skew are accepted)"
        )
    run = DigestRun()
    with exclusive(db, "digests"):
        if dry_run:
            _preview(config, db, run, now=now, cadence=cadence, folder=outbox)
            return run
        if retry_failed:
            with transaction(db):
                run.requeued = outbox_table.requeue_failed(db, now)
        _queue(config, db, run, now=now, cadence=cadence)
        if send and settings is not None:
            _deliver(db, settings, run, now=now, retries=retries, backoff=backoff)
        else:
            _write_outbox(db, run, outbox, now)
    return run


def next_digest(
    config: Config, db: sqlite_utils.Database, email: str, *, now: datetime
) -> EmailMessage | None:
    """The digest subscriber `email` would be sent if digests ran now, exactly as it would
    be sent (same window, clearance and message); None when nothing is due for them. The
    store is not changed."""
    for sub, _window, _upto, built in _due(config, db, now=now, cadence=None, only=email):
        if sub.email == email and built is not None:
            return built[0]
    return None


def _due(
    config: Config,
    db: sqlite_utils.Database,
    *,
    now: datetime,
    cadence: str | None,
    only: str | None = None,
) -> Iterator[tuple[Subscriber, Period, int, tuple[EmailMessage, str] | None]]:
    """Each due subscriber with their window, the commit number it reaches, and its message.

    The window holds what was committed after the subscriber's last digest and up to the
    newest commit visible now: an item stored by a fetch still running is not committed yet,
    so it falls into the next window instead of between two.
    """
    upto = item_table.last_seq(db)
    cache: dict[tuple[object, ...], _Window] = {}
    delivered = outbox_table.delivered_digests(db)
    seq_at: dict[datetime, int] = {}  # most subscribers' last digests share their instants

    def seq_before(instant: datetime) -> int:
        if instant not in seq_at:
            seq_at[instant] = item_table.seq_before(db, instant)
        return seq_at[instant]

    for sub in outbox_table.subscribers(db):
        if (cadence is not None and sub.cadence != cadence) or (only and sub.email != only):
            continue
        window = digest_window(sub.cadence, sub.last_digest_end, now)
        if window is None:
            continue
        after = (
            sub.last_digest_seq
            if sub.last_digest_seq is not None
            else item_table.seq_before(db, window.start)
        )
        changes = (after, max(after, upto))
        # what their digests carried: what was committed in the week before the newest, up to
        # it, and not before the first
        span = delivered.get(sub.email)
        last_at = span.end if span else None
        earlier = (
            (seq_before(max(span.end - EARLIER, span.start)), min(after, seq_before(span.end)))
            if span
            else None
        )
        built = _digest_message(
            config,
            db,
            sub,
            window,
            now,
            changes=changes,
            cache=cache,
            last_digest_at=last_at,
            earlier=earlier if earlier and earlier[0] < earlier[1] else None,
        )
        yield sub, window, changes[1], built


def _preview(
    config: Config,
    db: sqlite_utils.Database,
    run: DigestRun,
    *,
    now: datetime,
    cadence: str | None,
    folder: Path,
) -> None:
    """A dry run: each due digest as an .eml file, and nothing in the store changed."""
    for sub, window, _upto, built in _due(config, db, now=now, cadence=cadence):
        if built is None:
            run.empty += 1
            continue
        name = f"preview-{_eml_name(sub.email, window)}"
        run.previews.append(write_eml(folder, name, built[0]))


def _queue(
    config: Config, db: sqlite_utils.Database, run: DigestRun, *, now: datetime, cadence: str | None
) -> None:
    """Build each due subscriber's digest and queue it; an empty one only moves the window."""
    for sub, window, upto, built in _due(config, db, now=now, cadence=cadence):
        with transaction(db):
            outbox_table.mark_digest_sent(db, sub.email, window.end, upto)
            if built is None:
                run.empty += 1
                continue
            msg, level = built
            if outbox_table.queue_message(
                db,
                email=sub.email,
                start=window.start,
                end=window.end,
                message_id=str(msg["Message-ID"]),
                message=msg.as_bytes(),
                tlp=level,
                now=now,
            ):
                run.queued += 1


def _write_outbox(db: sqlite_utils.Database, run: DigestRun, folder: Path, now: datetime) -> None:
    """Without SMTP: every queued message becomes an .eml file in the outbox folder."""
    for row in outbox_table.outbox_rows(db, ("pending", "sending")):
        why = _withheld(db, row)
        if why:
            with transaction(db):
                outbox_table.set_outbox_state(db, row["id"], "cancelled", now, error=why)
            run.cancelled.append(f"{row['email']}: {why}")
            continue
        path = write_eml(folder, f"digest-{row['id']:06d}", _outbox_message(db, row["id"]))
        with transaction(db):
            outbox_table.set_outbox_state(db, row["id"], "written", now, path=str(path))
        run.written.append(path)


def _subject_level(db: sqlite_utils.Database, row_id: int) -> TLP:
    """The level in a message's subject, for rows queued before the outbox kept it."""
    found = re.search(r"\[TLP:([A-Z+]+)\]", str(_outbox_message(db, row_id)["Subject"] or ""))
    return TLP.read(found.group(1) if found else None)


def _withheld(db: sqlite_utils.Database, row: dict[str, Any]) -> str:
    """Why a queued message must not go to its subscriber now ("" if it may)."""
    subs = outbox_table.subscribers(db, row["email"])
    if not subs:
        return "the subscriber was removed after the digest was queued"
    level = TLP.read(row["tlp"]) if row["tlp"] else _subject_level(db, row["id"])
    if not may_receive(level, subs[0].tlp, "email"):
        return (
            f"the digest is TLP:{level.label.upper()} and the subscriber's clearance is now "
            f"TLP:{subs[0].tlp.label.upper()}"
        )
    return ""


def _outbox_message(db: sqlite_utils.Database, row_id: int) -> EmailMessage:
    parsed = email.message_from_bytes(
        outbox_table.outbox_message(db, row_id), policy=email.policy.SMTP
    )
    assert isinstance(parsed, EmailMessage)
    return parsed


def _deliver(
    db: sqlite_utils.Database,
    settings: SmtpSettings,
    run: DigestRun,
    *,
    now: datetime,
    retries: int,
    backoff: float,
) -> None:
    """Send the outbox over one reused connection. A row is committed as `sending` before its
    SMTP transaction, so a crash repeats at most that message, with the same Message-ID. When
    the server stays unreachable after the retries, the rest wait for the next run."""
    rows = outbox_table.outbox_rows(db, ("pending", "sending"))
    with SmtpSession(settings, retries=retries, backoff=backoff) as session:
        for n, row in enumerate(rows):
            why = _withheld(db, row)
            if why:
                with transaction(db):
                    outbox_table.set_outbox_state(db, row["id"], "cancelled", now, error=why)
                run.cancelled.append(f"{row['email']}: {why}")
                continue
            data = outbox_table.outbox_message(db, row["id"])
            try:
                # the envelope comes from the stored addresses, never from re-reading the
                # encoded headers (an IDN domain is RFC 2047-encoded there)
                sender, sender_utf8 = envelope_address(settings.sender)
                recipient, recipient_utf8 = envelope_address(row["email"])
            except UsageError as exc:
                with transaction(db):
                    outbox_table.set_outbox_state(db, row["id"], "failed", now, error=str(exc))
                run.failed.append(f"{row['email']}: {exc}")
                continue
            with transaction(db):
                outbox_table.set_outbox_state(db, row["id"], "sending", now, attempt=True)
            try:
                session.send_bytes(
                    sender, [recipient], data, smtputf8=sender_utf8 or recipient_utf8
                )
            except DeliveryError as exc:
                state = "failed" if exc.permanent else "pending"
                with transaction(db):
                    outbox_table.set_outbox_state(db, row["id"], state, now, error=str(exc))
                if exc.permanent:
                    run.failed.append(f"{row['email']}: {exc}")
                    continue
                run.deferred += len(rows) - n
                run.deferred_because = str(exc)
                return
            with transaction(db):
                outbox_table.set_outbox_state(db, row["id"], "sent", now)
            run.sent += 1
