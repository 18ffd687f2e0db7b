# SPDX-License-Identifier: Apache-2.0
"""Subscribers as a use case: add, update, list and remove the people who receive digests,
with every value checked against the closed lists before it is stored."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime

import sqlite_utils
from email_validator import EmailNotValidError, validate_email

from ..errors import UsageError
from ..models import CADENCES, TLP, Subscriber
from ..store import outbox as outbox_table
from ..store.db import transaction
from ..tag.lexicon import actor_states
from ..textsafe import has_controls
from ..vocab import SECTORS

__all__ = ["add_subscriber", "list_subscribers", "normalized_address", "remove_subscriber"]


def normalized_address(email: str) -> str:
    """An address as subscribers are stored: validated, the domain lower-cased (the local part
    keeps its case, as mail servers may honour it).

    Raises:
        UsageError: not an email address.
    """
    try:
        return str(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise UsageError(f"invalid email address {email!r}: {exc}") from exc


def add_subscriber(
    db: sqlite_utils.Database,
    email: str,
    *,
    name: str = "",
    actor_sets: Sequence[str] = (),
    sectors: Sequence[str] = (),
    partners: Sequence[str] = (),
    cadence: str = "weekly",
    tlp: str = "clear",
    now: datetime,
    update: bool = False,
) -> Subscriber:
    """Validate and store a subscriber (add, or update an existing one).

    Raises:
        UsageError: invalid address, name, cadence, TLP, actor set, sector or partner code.
    """
    address = normalized_address(email)
    if has_controls(name):
        raise UsageError(
            f"the name {name!r} contains a control, line-break or bidi character; "
            "give the name on one line, as it should appear in the digest"
        )
    existing = {sub.email: sub for sub in outbox_table.subscribers(db, address)}
    if update and address not in existing:
        raise UsageError(f"no subscriber {address}")
    if not update and address in existing:
        raise UsageError(f"{address} is already subscribed; use `subscribers update`")
    if cadence not in CADENCES:
        raise UsageError(f"cadence must be daily or weekly, not {cadence!r}")
    try:
        level = TLP.parse(tlp)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if level is TLP.RED:
        raise UsageError(
            "TLP:RED never leaves by email; choose clear, green, amber or amber+strict"
        )
    known_sets = set(actor_states().values()) - {""}
    bad = (
        [a for a in actor_sets if a not in known_sets]
        + [x for x in sectors if x not in SECTORS]
        + [p for p in partners if not re.fullmatch(r"[A-Z]{2}", p)]
    )
    if bad:
        raise UsageError(f"unknown actor set, sector or partner code: {', '.join(bad)}")
    old = existing.get(address)
    sub = Subscriber(
        email=address,
        name=name or (old.name if old else ""),
        actor_sets=tuple(actor_sets),
        sectors=tuple(sectors),
        partners=tuple(partners),
        cadence=cadence,
        tlp=level,
        token=(old.token if old else "") or secrets.token_urlsafe(18),
        created_at=(old.created_at if old else "") or now.isoformat(timespec="seconds"),
        last_digest_end=old.last_digest_end if old else None,
    )
    with transaction(db):
        outbox_table.save_subscriber(db, sub)
    return Subscriber(
        address, name, sub.actor_sets, sub.sectors, sub.partners, cadence, level, sub.token
    )


def list_subscribers(db: sqlite_utils.Database) -> list[Subscriber]:
    """Every subscriber, with the end of their last digest window and its message's state."""
    return outbox_table.subscribers(db)


def remove_subscriber(
    db: sqlite_utils.Database, email: str | None = None, token: str | None = None
) -> str:
    """Unsubscribe an address, or whoever holds an unsubscribe token (from an "unsubscribe
    TOKEN" reply, so the sender's address need not be trusted); returns the address removed.

    Raises:
        UsageError: neither or both given, an unknown address or token.
    """
    if (email is None) == (token is None):
        raise UsageError("give either an EMAIL or --token, not both or neither")
    with transaction(db):
        if token is not None:
            removed = outbox_table.remove_subscriber_by_token(db, token.strip())
            if removed is None:
                raise UsageError("no subscriber holds that token")
            return removed
        address = normalized_address(email or "")
        if not outbox_table.remove_subscriber(db, address):
            raise UsageError(f"no subscriber {email}")
        return address
