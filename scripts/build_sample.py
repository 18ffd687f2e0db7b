# SPDX-License-Identifier: Apache-2.0
"""Render the bundled sample corpus (sample_corpus.yaml) into RSS 2.0, RDF and Atom files.

Run from the repository root after editing the corpus:

    python scripts/build_sample.py

Writes src/threatbrief/sample/<file> for each feed and src/threatbrief/sample/feeds.yaml, the
configuration `threatbrief demo` serves them with. The summaries are our own writing; every
item keeps the address of the public original it summarises.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "scripts" / "sample_corpus.yaml"
OUT = ROOT / "src" / "threatbrief" / "sample"
HEADER = (
    "Sample corpus for threatbrief's offline demo: summaries written by the threatbrief "
    "authors from public advisories; each item links to its original."
)


def _date(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _guid(feed: dict, item: dict) -> str:
    """A stable id per item: several items may link to the same listing page."""
    slug = re.sub(r"[^a-z0-9]+", "-", item["title"].lower()).strip("-")[:50]
    digest = hashlib.sha1(item["title"].encode()).hexdigest()[:8]
    return f"tag:threatbrief-sample,{_date(item['date']).date()}:{feed['id']}/{slug}-{digest}"


def _rss(feed: dict, items: list[dict]) -> str:
    out = [
        f'<?xml version="1.0" encoding="utf-8"?>\n<!-- {escape(HEADER)} -->\n'
        '<rss version="2.0"><channel>',
        f"<title>{escape(feed['title'])}</title><link>{escape(feed['home'])}</link>",
        f"<description>{escape(feed['title'])}</description>",
    ]
    for it in items:
        out.append(
            f"<item><title>{escape(it['title'])}</title><link>{escape(it['link'])}</link>"
            f'<guid isPermaLink="false">{escape(_guid(feed, it))}</guid>'
            f"<pubDate>{format_datetime(_date(it['date']))}</pubDate>"
            f"<description>{escape(it['summary'])}</description></item>"
        )
    out.append("</channel></rss>\n")
    return "\n".join(out)


def _rdf(feed: dict, items: list[dict]) -> str:
    seq = "".join(f"<rdf:li rdf:resource={quoteattr(_guid(feed, it))}/>" for it in items)
    out = [
        f'<?xml version="1.0" encoding="utf-8"?>\n<!-- {escape(HEADER)} -->\n'
        '<rdf:RDF xmlns="http://purl.org/rss/1.0/" '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">',
        f"<channel rdf:about={quoteattr(feed['home'])}><title>{escape(feed['title'])}</title>"
        f"<link>{escape(feed['home'])}</link><description>{escape(feed['title'])}</description>"
        f"<items><rdf:Seq>{seq}</rdf:Seq></items></channel>",
    ]
    for it in items:
        out.append(
            f"<item rdf:about={quoteattr(_guid(feed, it))}><title>{escape(it['title'])}</title>"
            f"<link>{escape(it['link'])}</link><description>{escape(it['summary'])}</description>"
            f"<dc:date>{_date(it['date']).isoformat()}</dc:date></item>"
        )
    out.append("</rdf:RDF>\n")
    return "\n".join(out)


def _atom(feed: dict, items: list[dict]) -> str:
    newest = max(_date(it["date"]) for it in items).isoformat()
    out = [
        f'<?xml version="1.0" encoding="utf-8"?>\n<!-- {escape(HEADER)} -->\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(feed['title'])}</title><id>{escape(feed['home'])}</id>"
        f'<updated>{newest}</updated><link rel="alternate" href={quoteattr(feed["home"])}/>',
    ]
    for it in items:
        out.append(
            f"<entry><title>{escape(it['title'])}</title><id>{escape(_guid(feed, it))}</id>"
            f'<link rel="alternate" href={quoteattr(it["link"])}/>'
            f"<published>{_date(it['date']).isoformat()}</published>"
            f"<updated>{_date(it['date']).isoformat()}</updated>"
            f'<summary type="text">{escape(it["summary"])}</summary></entry>'
        )
    out.append("</feed>\n")
    return "\n".join(out)


def main() -> None:
    corpus = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    OUT.mkdir(parents=True, exist_ok=True)
    config = {
        "version": 1,
        "organisation": "threatbrief demo desk",
        "defaults": {"retries": 0, "timeout": "10s"},
        "feeds": [],
    }
    total = 0
    for feed in corpus["feeds"]:
        items = sorted(feed["items"], key=lambda it: _date(it["date"]), reverse=True)
        render = {"rss": _rss, "rdf": _rdf, "atom": _atom}[feed["format"]]
        (OUT / feed["file"]).write_text(render(feed, items), encoding="utf-8")
        config["feeds"].append(
            {
                "id": feed["id"],
                "url": f"http://localhost/{feed['file']}",
                "lang": feed["lang"],
                "country": feed["country"],
                "publisher": feed["publisher"],
                "name": feed["title"],
                "kind": feed["kind"],  # every sample feed says what it is
            }
        )
        total += len(items)
    header = (
        "# Generated by scripts/build_sample.py from scripts/sample_corpus.yaml.\n"
        "# `threatbrief demo` serves these files from 127.0.0.1 and replaces\n"
        "# http://localhost with its server's address.\n"
    )
    (OUT / "feeds.yaml").write_text(
        header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    print(f"{total} items in {len(corpus['feeds'])} feeds written to {OUT}")  # noqa: T201


if __name__ == "__main__":
    main()
