# SPDX-License-Identifier: Apache-2.0
"""Turn a rendered digest into an email message and deliver it: to SMTP, or as an .eml file.

Every header is set through `email.message.EmailMessage` with `policy.SMTP`, so CR/LF or long
Unicode in a feed title can never inject a header. Lines may run to RFC 5322's 998 characters,
so a subject (at most 100 characters, some 300 once encoded) is never folded: CPython's folder
leaves a space before the fold and adds one after it, so a folded subject with an encoded word
("·", "–", kana) reads back with a doubled space. The Message-ID is derived from the
subscriber and the period, so re-sending the same digest repeats the same id.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from .._files import write_whole

__all__ = ["POLICY", "build_message", "message_id", "write_eml"]

POLICY = SMTP.clone(max_line_length=998)


def message_id(email: str, period_key: str, domain: str = "threatbrief.invalid") -> str:
    """A deterministic Message-ID for one subscriber's digest of one period."""
    digest = hashlib.sha256(f"{email.lower()}\n{period_key}".encode()).hexdigest()[:24]
    return f"<digest.{digest}@{domain}>"


def build_message(
    *,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    msg_id: str,
    date_utc: datetime,
    unsubscribe_url: str = "",
) -> EmailMessage:
    """A multipart/alternative message (text and HTML) with list headers."""
    msg = EmailMessage(policy=POLICY)
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = " ".join(subject.split())  # no CR/LF from feed text in a header
    msg["Message-ID"] = msg_id
    msg["Date"] = format_datetime(date_utc)
    if unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def write_eml(outbox: Path, name: str, msg: EmailMessage) -> Path:
    """Write the message into the outbox folder as NAME.eml (the embedded default)."""
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{name}.eml"
    write_whole(path, msg.as_bytes(policy=POLICY))
    return path
