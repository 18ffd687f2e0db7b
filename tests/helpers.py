# SPDX-License-Identifier: Apache-2.0
"""Small parts shared by tests: RSS bodies, configs that point at a loopback server, and an
SMTP sink for aiosmtpd."""

from __future__ import annotations

import email
import socket
from email.policy import default
from typing import Any
from xml.sax.saxutils import escape

from threatbrief.config import Config, parse_config


def rss(*items: tuple[str, str, str], title: str = "Test feed") -> bytes:
    """An RSS 2.0 body from (guid, title, link) triples."""
    body = "".join(
        f'<item><guid isPermaLink="false">{escape(g)}</guid><title>{escape(t)}</title>'
        f"<link>{escape(link)}</link><pubDate>Tue, 04 Mar 2025 10:00:00 GMT</pubDate>"
        f"<description>About {escape(t)}</description></item>"
        for g, t, link in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://x.example/</link>{body}"
        f"</channel></rss>"
    ).encode()


def local_config(urls: dict[str, str], kind: str = "", **defaults: object) -> Config:
    """A validated config whose feeds are on 127.0.0.1, with fast test limits; `kind` gives
    every feed that kind (none: `unknown`, the lowest authority)."""
    base = {
        "allow_networks": ["127.0.0.1/32"],
        "timeout": "3s",
        "retries": 0,
        "backoff": 0.01,
        **defaults,
    }
    return parse_config(
        {
            "version": 1,
            "defaults": base,
            "feeds": [
                {"id": k, "url": v, "lang": "en", **({"kind": kind} if kind else {})}
                for k, v in urls.items()
            ],
        },
        "test.yaml",
    )


class Sink:
    """Collects messages; can refuse one recipient (550) or defer the first DATA (421)."""

    def __init__(self, refuse: str = "", defer_first: int = 0, drop: str = "") -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[str] = []  # the envelope's RCPT TO of each accepted message
        self.refuse = refuse
        self.defer = defer_first
        self.drop = drop  # accept this recipient's first message, then hang up before replying
        self.sessions: set[int] = set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address == self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.defer:
            self.defer -= 1
            return "421 4.3.2 try again later"
        msg = email.message_from_bytes(envelope.content, policy=default)
        self.messages.append(msg)  # type: ignore[arg-type]
        self.recipients += envelope.rcpt_tos
        self.sessions.add(id(session))
        if self.drop in envelope.rcpt_tos:
            self.drop = ""
            server.transport.close()
        return "250 Message accepted"


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def import_amber_canary(db_path: Any, url: str, name: str, now: Any) -> None:
    """A partner's AMBER assessment named `name` (hold CANARYAMBER in it) tying Kimsuky to
    the item at `url`: a partner tag on a CLEAR item that only AMBER readers may see."""
    import stix2

    from threatbrief.models import TLP
    from threatbrief.pipeline.exchange import run_import
    from threatbrief.share import markings
    from threatbrief.store.db import open_db

    amber = [markings.marking_id(TLP.AMBER)]
    group = stix2.IntrusionSet(name="Kimsuky", object_marking_refs=amber)
    report = stix2.Report(
        name=name,
        description=f"{name}: the partner ties this to Kimsuky.",
        published=now,
        object_refs=[group.id],
        external_references=[{"source_name": "p", "url": url}],
        object_marking_refs=amber,
    )
    bundle = stix2.Bundle(objects=[*markings.markings_for([TLP.AMBER]), group, report])
    db = open_db(db_path)
    run_import(db, bundle.serialize().encode(), "JPCERT-CC", now=now)
    db.close()
