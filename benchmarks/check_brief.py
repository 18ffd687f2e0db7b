# SPDX-License-Identifier: Apache-2.0
"""The brief's "done when" checks (issue #13) on labelled items in an empty store.

    python benchmarks/check_brief.py ../shared/devset/items-v2.jsonl [more.jsonl ...]

The items (JSON Lines: id, source, lang, title, summary, link, published) are served as one
RSS feed per language from a real HTTP server on 127.0.0.1, with a hostile feed of no kind
beside them, fetched into an empty SQLite store and briefed for Estonia and Japan over the
span of their dates. Prints each check with its figure; exits 1 if one fails.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import tempfile
import threading
from collections import defaultdict
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from threatbrief import pipeline
from threatbrief.config import parse_config
from threatbrief.models import Period
from threatbrief.store.db import open_db
from threatbrief.textwidth import display_width

HOSTILE = [
    ("<script>alert(1)</script>APT28 breaches the Estonian foreign ministry",
     "APT28, Russian military intelligence, breached the Estonian foreign ministry.",
     "http://127.0.0.1:9/steal"),
    ("Japanese defence ministry hit by North Korean hackers [click](javascript:alert(2))",
     "North Korean hackers of Lazarus Group hit Japan's defence ministry {{ 7*7 }}.",
     "javascript:alert(3)"),
    ("Estonian bank loses data to Chinese spies", "Chinese spies stole data from a bank in "
     "Estonia, says an unnamed blog.", "http://10.0.0.5/internal"),
]  # fmt: skip
PARTNER_WORDS = {
    "EE": re.compile(r"Eston|Eesti|エストニア|Tallinn", re.I),
    "JP": re.compile(r"Japan|日本|Jaapan|国内|東京|Tokyo", re.I),
}
OWN = {"china": "CN", "russia": "RU", "north-korea": "KP", "iran": "IR"}


def _when(published: str) -> datetime:
    parts = [int(p) for p in re.findall(r"\d+", published)[:3]] or [2025]
    year, month, day = (parts + [1, 1])[:3]
    return datetime(year, max(1, min(month, 12)), max(1, min(day, 28)), 9, tzinfo=UTC)


def _rss(entries: list[tuple[str, str, str, datetime, str]]) -> bytes:
    out = ['<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>x</title>']
    for n, (title, summary, link, when, source) in enumerate(entries):
        out.append(
            f"<item><title>{html.escape(title)}</title><link>{html.escape(link)}</link>"
            f'<guid isPermaLink="false">i{n}</guid><pubDate>{format_datetime(when)}</pubDate>'
            f"<description>{html.escape(summary)}</description>"
            + (
                f'<source url="{html.escape(link)}">{html.escape(source)}</source>'
                if source
                else ""
            )
            + "</item>"
        )
    out.append("</channel></rss>")
    return "".join(out).encode("utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    rows = [
        json.loads(line) for f in args.files for line in f.open(encoding="utf-8") if line.strip()
    ]
    feeds: dict[str, list[tuple[str, str, str, datetime, str]]] = defaultdict(list)
    for r in rows:
        feeds[r["lang"]].append(
            (r["title"], r.get("summary", ""), r.get("link", ""), _when(r.get("published", "")),
             r.get("source", ""))
        )  # fmt: skip
    dates = [e[3] for entries in feeds.values() for e in entries]
    feeds["hostile"] = [(t, s, u, max(dates), "") for t, s, u in HOSTILE]
    bodies = {name: _rss(entries) for name, entries in feeds.items()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = bodies.get(self.path.strip("/").removesuffix(".xml"))
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    config = parse_config(
        {
            "version": 1,
            "organisation": "check desk",
            "defaults": {"allow_networks": ["127.0.0.1/32"], "retries": 0},
            "feeds": [
                {"id": f"feed-{name}", "url": f"{base}/{name}.xml", "lang": name,
                 "publisher": f"Devset ({name})", "kind": "news"}
                for name in feeds if name != "hostile"
            ] + [{"id": "hostile", "url": f"{base}/hostile.xml", "lang": "en"}],
        },
        "check",
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "store.db")
        pipeline.run_fetch(config, db)
        period = Period(
            min(dates).replace(day=1, hour=0), datetime(max(dates).year + 1, 1, 1, tzinfo=UTC)
        )
        out = {}
        for fmt in ("json", "md", "txt"):
            path = Path(tmp) / f"brief.{fmt}"
            pipeline.run_brief(config, db, period, ["EE", "JP"], path, fmt)
            out[fmt] = path.read_text(encoding="utf-8")
    server.shutdown()
    doc = json.loads(out["json"])
    stories = {s["id"]: s for s in doc["stories"]}
    hostile = {s["id"] for s in doc["stories"] if any(i["feed"] == "hostile" for i in s["items"])}
    key = [st for sec in doc["sections"] for st in sec["stories"]]
    results = []

    def check(name: str, ok: bool, figure: str) -> None:
        results.append(ok)
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {figure}")

    print(f"{len(rows)} items, {doc['item_count']} in the brief, {doc['story_count']} stories, "
          f"{len(doc['sections'])} sections")  # fmt: skip
    trendy = re.findall(r"\d+%|largest rise|previous period \(", out["md"])
    check(
        "no trend without a baseline", not doc["baseline"] and not trendy, f"{len(trendy)} claims"
    )
    bad = [
        n["url"]
        for n in doc["footnotes"]
        if re.search(r"127\.|//10\.|localhost|javascript", n["url"])
    ]
    check("no note cites a loopback or private address", not bad, f"{len(bad)} notes")
    leads = (
        [sec["pull_quote"]["story_id"] for sec in doc["sections"]]
        + [sec["stories"][0]["id"] for sec in doc["sections"] if sec["stories"]]
        + [j["story_ids"][0] for j in doc["key_judgements"] if j["story_ids"]]
    )
    led = [s for s in leads if s in hostile]
    check("the hostile items lead nothing", not led, f"{len(led)} leads of {len(leads)}")
    # and count nowhere: no section, partner row, judgement or conclusion refers to them
    used = {
        *(i for sec in doc["sections"] for i in sec["story_ids"]),
        *(i for row in doc["partner_relevance"] for i in row["story_ids"]),
        *(i for c in doc["key_judgements"] + doc["conclusions"] for i in c["story_ids"]),
    }
    counted_in = sorted(used & hostile)
    check(
        "the hostile items count nowhere",
        not counted_in
        and set(doc["unverified"])
        >= {h for h in hostile if not stories[h]["quarantined"] and not stories[h]["historical"]},
        f"{len(counted_in)} used, {len(doc['unverified'])} listed as unverified",
    )
    for sid in led:
        print(f"      led by: {stories[sid]['headline'][:90]}")
    own = [s["key"] for s in doc["sections"] if OWN.get(s["key"]) in s["targets"]]
    check("no actor set lists its own country as a target", not own, ", ".join(own) or "none")
    unnamed = [n for n in doc["footnotes"] if not n["publisher"].strip()]
    check(
        "notes name publishers", not unnamed, f"{len(unnamed)} of {len(doc['footnotes'])} unnamed"
    )
    sentences = [s for s in key if s.get("lede") and s["lede"].rstrip().endswith((".", "。"))]
    share = len(sentences) / len(key) if key else 1.0
    check("at least 80% of key stories are sentences", share >= 0.8, f"{share:.0%} of {len(key)}")
    bare = [
        j["text"] for j in doc["key_judgements"] if not j["story_ids"] and "feed" not in j["text"]
    ]
    check("every key judgement points to stories", not bare, f"{len(bare)} without")
    slashes = out["md"].count("\\")
    check("raw Markdown holds at most a few backslashes", slashes <= 10, f"{slashes}")
    widest = max(display_width(line) for line in out["txt"].splitlines())
    check("no text line passes 100 columns", widest <= 100, f"widest {widest}")
    for row in doc["partner_relevance"]:
        if row["code"] not in PARTNER_WORDS:
            continue
        words = PARTNER_WORDS[row["code"]]
        concern = {
            sid for sid, s in stories.items()
            if not s["quarantined"] and not s["historical"] and sid not in hostile
            and (row["code"] in s["targets"]
                 or any(words.search(f"{i['title']} {s['sentence']}") for i in s["items"]))
        }  # fmt: skip
        held = concern & set(row["story_ids"])
        for sid in sorted(concern - held):
            print(f"      not in it: {stories[sid]['headline'][:90]} {stories[sid]['targets']}")
        share = len(held) / len(concern) if concern else 1.0
        check(
            f"{row['partner']}'s section holds at least 75% of the events that concern it",
            share >= 0.75,
            f"{share:.0%} ({len(held)} of {len(concern)} that target or name {row['partner']})",
        )
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
