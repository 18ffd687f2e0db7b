# SPDX-License-Identifier: Apache-2.0
"""Small builders shared by tests: RSS bodies and configs that point at a loopback server."""

from __future__ import annotations

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


def local_config(urls: dict[str, str], **defaults: object) -> Config:
    """A validated config whose feeds are on 127.0.0.1, with fast test limits."""
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
            "feeds": [{"id": k, "url": v, "lang": "en"} for k, v in urls.items()],
        },
        "test.yaml",
    )
