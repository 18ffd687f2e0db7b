# SPDX-License-Identifier: Apache-2.0
"""Briefs end to end (local feed server → store → tagger → every format) and the brief model."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from markdown_it import MarkdownIt
from pytest_httpserver import HTTPServer

from threatbrief import pipeline
from threatbrief.brief.stories import cluster
from threatbrief.brief.write import build_brief
from threatbrief.cli import cli
from threatbrief.config import Config, parse_config
from threatbrief.models import TLP, BriefItem, Period
from threatbrief.pipeline import quarantine
from threatbrief.store import items as item_table

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
OCTOBER = Period(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
AUGUST_END = datetime(2026, 8, 31, 6, 0, tzinfo=UTC)


def _config(httpserver: HTTPServer) -> Config:
    for name in ("cert-a", "news-b"):
        httpserver.expect_request(f"/{name}.xml").respond_with_data(
            (DATA / "brief" / f"{name}.xml").read_bytes(), content_type="application/rss+xml"
        )
    return parse_config(
        {
            "version": 1,
            "organisation": "Example joint desk",
            "defaults": {"allow_networks": ["127.0.0.1/32"], "retries": 0},
            "feeds": [
                {
                    "id": "cert-a",
                    "url": httpserver.url_for("/cert-a.xml"),
                    "publisher": "CERT A",
                    "kind": "cert",
                    "country": "EE",
                    "lang": "en",
                },
                {
                    "id": "news-b",
                    "url": httpserver.url_for("/news-b.xml"),
                    "publisher": "News B",
                    "kind": "news",
                    "country": "JP",
                    "lang": "en",
                },
            ],
        },
        "test",
    )


@pytest.fixture
def loaded(
    httpserver: HTTPServer, db: sqlite_utils.Database
) -> tuple[Config, sqlite_utils.Database]:
    """A store that has fetched both feeds since before the previous period (a baseline):
    the first fetch, in August, found them empty."""
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>'
    for name in ("cert-a", "news-b"):
        httpserver.expect_oneshot_request(f"/{name}.xml").respond_with_data(
            empty, content_type="application/rss+xml"
        )
    config = _config(httpserver)
    pipeline.run_fetch(config, db, clock=lambda: AUGUST_END)
    pipeline.run_fetch(config, db, clock=lambda: NOW)
    return config, db


def test_a_store_without_an_earlier_period_claims_no_trend(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    config = _config(httpserver)
    pipeline.run_fetch(config, db, clock=lambda: NOW)  # first fetched after the period
    out = tmp_path / "brief.md"
    pipeline.run_brief(config, db, OCTOBER, ["EE", "JP"], out, "md", clock=lambda: NOW)
    text = out.read_text(encoding="utf-8")
    assert "There is no baseline: the store holds no earlier period" in text
    assert "previous period (" not in text and "%" not in text and "largest rise" not in text
    # nor that the feeds were healthy during a period in which nothing fetched them
    assert "without failure" not in text and "first fetched these feeds after the period" in text
    doc = tmp_path / "brief.json"
    pipeline.run_brief(config, db, OCTOBER, ["EE", "JP"], doc, "json", clock=lambda: NOW)
    assert json.loads(doc.read_text(encoding="utf-8"))["baseline"] is False


@pytest.mark.parametrize("fmt", ["html", "md", "txt", "json"], ids=str)
def test_golden_brief(
    loaded: tuple[Config, sqlite_utils.Database],
    tmp_path: Path,
    fmt: str,
    request: pytest.FixtureRequest,
) -> None:
    config, db = loaded
    out = tmp_path / f"brief.{fmt}"
    pipeline.run_brief(config, db, OCTOBER, ["EE", "JP"], out, fmt, clock=lambda: NOW)
    golden = DATA / "briefs" / f"brief-2026-10.{fmt}"
    if request.config.getoption("--update-golden"):
        golden.write_text(out.read_text(encoding="utf-8"), encoding="utf-8")
    assert out.read_text(encoding="utf-8") == golden.read_text(encoding="utf-8")


def _pdf_objects(data: bytes) -> bytes:
    """A PDF's objects as bytes, with its compressed streams (object streams too) inflated."""
    inflated = [data]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        with contextlib.suppress(zlib.error):
            inflated.append(zlib.decompress(stream))
    return b"".join(inflated)


def test_pdf_brief_is_a_pdf(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config, db = loaded
    out = tmp_path / "brief.pdf"
    with caplog.at_level(logging.WARNING):
        pipeline.run_brief(config, db, OCTOBER, ["EE", "JP"], out, "pdf", clock=lambda: NOW)
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and b"javascript" not in data.lower()
    # WeasyPrint's per-glyph and per-property warnings do not flood the terminal
    assert not [r for r in caplog.records if r.name.startswith(("weasyprint", "fontTools"))]
    # the Japanese title is drawn with the packaged font, whatever fonts the machine has
    assert b"+threatbrief-JP" in _pdf_objects(data)
    assert not any("no Japanese font" in r.getMessage() for r in caplog.records)


def test_brief_model_is_true_to_its_data(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path
) -> None:
    config, db = loaded
    out = tmp_path / "brief.json"
    pipeline.run_brief(config, db, OCTOBER, ["EE", "JP"], out, "json", clock=lambda: NOW)
    doc = json.loads(out.read_text())
    # the APT28 item with script and template syntax is quarantined: counted in the annex only
    assert doc["item_count"] == 6 and doc["quarantined"] == 1 and doc["tlp"] == "clear"
    sections = {s["key"]: s for s in doc["sections"]}
    # counts are events: the exchange theft through two feeds is one North Korea event
    assert doc["schema"] == "threatbrief.brief/2"
    assert {k: (s["count"], s["reports"]) for k, s in sections.items()} == {
        "china": (1, 1),
        "north-korea": (1, 2),
        "russia": (1, 1),
    }
    assert sections["china"]["previous"] == 1
    stories = {st["id"]: st for st in doc["stories"]}
    assert len(stories) == doc["story_count"] + doc["quarantined"]
    assert all(i in stories for s in doc["sections"] for i in s["story_ids"])
    assert all(i in stories for j in doc["key_judgements"] for i in j["story_ids"])
    (held,) = [st for st in stories.values() if st["quarantined"]]
    assert "APT28" in held["headline"] and held["id"] not in sections.get("russia", {})["story_ids"]
    quote = sections["north-korea"]["pull_quote"]
    assert quote["story_id"] in stories and quote["credit"] and quote["text"]
    # the exchange theft reported by two feeds is one story with both sources
    (theft,) = [s for s in sections["north-korea"]["stories"] if "exchange" in s["title"].lower()]
    assert theft["corroboration"] == 2
    assert {i["feed_id"] for i in theft["items"]} == {"cert-a", "news-b"}
    # every footnote points at an item of the period, every quoted story has a footnote
    cited = [st for s in doc["sections"] for st in s["stories"]]
    cited += [st for row in doc["partner_relevance"] for st in row["stories"]]
    period_urls = {
        r[0]
        for r in db.execute(
            "select url from items where published_at >= '2026-10-01' "
            "and published_at < '2026-11-01'"
        )
    }
    assert {n["url"] for n in doc["footnotes"]} <= period_urls
    assert all(st["notes"] for st in cited)
    assert {n["url"] for n in doc["footnotes"]} == {st["items"][0]["url"] for st in cited}
    judgements = [j["text"] for j in doc["key_judgements"]]
    assert any("Estonia was named as a target" in j for j in judgements)
    assert "telecommunications" not in " ".join(judgements)  # only the held item said so
    assert item_table.count_items(db) == 8


def test_hostile_feed_text_never_becomes_markup(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path
) -> None:
    config, db = loaded
    # an analyst released the quarantined item: its text is shown, and still never as markup
    (held,) = quarantine.list_quarantine(db)
    quarantine.release_item(db, held.id, now=NOW)
    for fmt in ("html", "md"):
        out = tmp_path / f"b.{fmt}"
        pipeline.run_brief(config, db, OCTOBER, ["EE", "JP"], out, fmt, clock=lambda: NOW)
        text = out.read_text()
        assert "<script" not in text and "onerror" not in text
        assert not re.search(r"(?:href|src)\s*=\s*[\"']?\s*javascript", text, re.I)
        assert "49" not in re.findall(r"APT28 phishing hits telecom operators (\S+)", text)
    # the Markdown, rendered by a real CommonMark renderer, holds the hostile text as text
    rendered = MarkdownIt("commonmark").render((tmp_path / "b.md").read_text())
    assert "<script" not in rendered and "<img" not in rendered
    assert not re.search(r"<a [^>]*javascript", rendered)
    assert "{{ 7*7 }} [click](javascript:alert(2))" in rendered


def test_empty_period_says_so_and_names_outages(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path
) -> None:
    config, db = loaded
    db.execute(
        "insert into fetch_log (feed_id, started_at, outcome, error_class, error) values "
        "('news-b', '2026-06-10T00:00:00+00:00', 'failed', 'FetchError', 'HTTP 503')"
    )
    out = tmp_path / "empty.txt"
    period = Period(datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))
    result = pipeline.run_brief(config, db, period, ["EE", "JP"], out, "txt", clock=lambda: NOW)
    text = out.read_text()
    assert result.items == 0
    assert "No items were published in June 2026" in text and "news-b" in text


def test_brief_filters_by_actor_set(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path
) -> None:
    config, db = loaded
    out = tmp_path / "ru.json"
    pipeline.run_brief(
        config, db, OCTOBER, ["EE", "JP"], out, "json", clock=lambda: NOW, actors=["russia"]
    )
    assert [s["key"] for s in json.loads(out.read_text())["sections"]] == ["russia"]


def test_brief_is_recorded_in_the_archive(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path
) -> None:
    config, db = loaded
    out = tmp_path / "b.html"
    result = pipeline.run_brief(config, db, OCTOBER, ["EE", "JP"], out, "html", clock=lambda: NOW)
    row = db.execute("select partners, tlp, format, path, sha256, items from briefs").fetchone()
    # counted as the brief counts them (its header and introduction): 7 stored, 1 held back
    # for active content and counted in the annex instead
    assert row == ("EE,JP", "clear", "html", str(out), result.sha256, 6)
    assert result.items == 6 and "6 items" in out.read_text()


def test_red_items_stay_out_of_a_brief_below_red(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path
) -> None:
    config, db = loaded
    db.execute("update items set tlp = 'red', title = 'CANARY-RED' where guid = 'a-105'")
    out = tmp_path / "b.md"
    pipeline.run_brief(
        config, db, OCTOBER, ["EE", "JP"], out, "md", clock=lambda: NOW, clearance=TLP.AMBER
    )
    assert "CANARY-RED" not in out.read_text()


def _one_feed_config(tmp_path: Path) -> Path:
    config = tmp_path / "feeds.yaml"
    config.write_text("version: 1\nfeeds:\n  - id: a\n    url: https://a.example/feed\n")
    return config


@pytest.mark.parametrize(
    "args,message",
    [
        (["--period", "2026-10", "--partners", "EE,JPN"], "partners must be ISO 3166 alpha-2"),
        (["--since", "2026-11-01", "--until", "2026-10-01"], "must be before --until"),
        (["--period", "someday"], "is not a period"),
        (["--since", "2026-10-01"], "give --since and --until"),
    ],
    ids=["bad-partner", "reversed", "bad-period", "half-range"],
)
def test_brief_cli_bad_input_gives_clear_errors(
    tmp_path: Path, args: list[str], message: str
) -> None:
    config = _one_feed_config(tmp_path)
    result = CliRunner().invoke(
        cli,
        [
            "-c",
            str(config),
            "--db",
            str(tmp_path / "t.db"),
            "brief",
            *args,
            "-o",
            str(tmp_path / "b.html"),
        ],
    )
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.output


def test_brief_cli_missing_output_folder(tmp_path: Path) -> None:
    config = _one_feed_config(tmp_path)
    result = CliRunner().invoke(
        cli,
        [
            "-c",
            str(config),
            "--db",
            str(tmp_path / "t.db"),
            "brief",
            "--period",
            "2026-10",
            "-o",
            str(tmp_path / "missing" / "b.html"),
        ],
    )
    assert result.exit_code == 2
    assert result.stderr == f"Error: output folder {tmp_path / 'missing'} does not exist\n"


def test_user_template_can_extend_the_default(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path
) -> None:
    config, db = loaded
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "brief.txt").write_text('PARTNER EDITION\n{% include "default:brief.txt" %}')
    out = tmp_path / "b.txt"
    pipeline.run_brief(
        config, db, OCTOBER, ["EE", "JP"], out, "txt", clock=lambda: NOW, template_dir=folder
    )
    assert out.read_text().startswith("PARTNER EDITION\nTHREAT BRIEF")


def _item(n: int, title: str, url: str = "", feed: str = "f", text: str = "") -> BriefItem:
    return BriefItem(
        id=str(n),
        feed_id=feed,
        publisher=feed,
        kind="cert",
        lang="en",
        url=url,
        title=title,
        summary=text,
        published_at=NOW,
        tlp=TLP.CLEAR,
    )


def test_cluster_joins_shared_url_cve_and_similar_titles_only() -> None:
    items = [
        _item(1, "Ivanti flaw exploited", text="CVE-2025-0282 is exploited"),
        _item(2, "Exploitation of Connect Secure", feed="g", text="see cve-2025-0282"),
        _item(3, "Volt Typhoon persists in US critical infrastructure networks"),
        _item(4, "Volt Typhoon persists in US critical infrastructure, agencies say", feed="g"),
        _item(5, "Unrelated story", url="https://x.example/a"),
        _item(6, "Another unrelated story", url="https://x.example/b"),
        _item(7, "Listing page item one", url="https://list.example/", feed="h"),
        _item(8, "Listing page item two", url="https://list.example/", feed="h"),
    ]
    groups = sorted(sorted(i.id for i in g) for g in cluster(items))
    assert groups == [["1", "2"], ["3", "4"], ["5"], ["6"], ["7"], ["8"]]


def test_single_actor_set_brief_has_one_section() -> None:
    item = BriefItem(
        id="1",
        feed_id="f",
        publisher="CERT",
        kind="cert",
        lang="en",
        url="u",
        title="GRU targets Estonia",
        summary="GRU targets Estonia.",
        published_at=NOW,
        tlp=TLP.CLEAR,
        actor_sets=("russia",),
        targets=("EE",),
        sectors=("government",),
        confidence=0.9,
    )
    ctx = build_brief([item], [], OCTOBER, ["EE", "JP"], "Desk", NOW)
    assert [s.name for s in ctx.sections] == ["Russia"]
    judgement = str(ctx.key_judgements[0])
    assert judgement.startswith("Russia-linked actors were the most reported, with 1 ")


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every start tag of an HTML document, with its attributes."""
    from html.parser import HTMLParser

    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collect().feed(html)
    return found


# A link as it may sit in a store written before the parser encoded links: it tries to end
# the Markdown autolink, add a tracking image and a script, and reverse the text after it.
HOSTILE_LINKS = [
    (
        "https://news.example/a>![x](http://track.example/p.png)<script>alert(1)</script>",
        "https://news.example/a%3E!%5Bx%5D(http://track.example/p.png)%3Cscript%3Ealert(1)"
        "%3C/script%3E",
    ),
    ("https://news.example/a b<img src=x onerror=alert(2)>", None),
    ("https://news.example/invoice\u202egpj.exe", "https://news.example/invoice%E2%80%AEgpj.exe"),
    ("https://news.example/ラザルス", "https://news.example/%E3%83%A9%E3%82%B6%E3%83%AB%E3%82%B9"),
]


@pytest.mark.parametrize(
    "link,encoded", HOSTILE_LINKS, ids=["autolink-breakout", "space-and-img", "rlo", "iri"]
)
def test_every_format_prints_a_stored_hostile_link_as_one_safe_uri(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path, link: str, encoded: str | None
) -> None:
    from markdown_it import MarkdownIt

    config, db = loaded
    db.execute(
        "update items set url = ? where url = 'https://news.example/lazarus-exchange'", [link]
    )
    out: dict[str, str] = {}
    for fmt in ("md", "txt", "html", "json"):
        path = tmp_path / f"b.{fmt}"
        pipeline.run_brief(config, db, OCTOBER, ["EE", "JP"], path, fmt, clock=lambda: NOW)
        out[fmt] = path.read_text()
    for fmt, text in out.items():
        assert link not in text and "\u202e" not in text, fmt
        assert "<script" not in text and "<img" not in text, fmt
    html = MarkdownIt("commonmark").render(out["md"])  # raw HTML is on in CommonMark
    tags = _tags(html)
    assert {t for t, _ in tags} <= {
        "h1",
        "h2",
        "h3",
        "p",
        "ul",
        "ol",
        "li",
        "blockquote",
        "strong",
        "em",
        "a",
    }
    assert {a for _, attrs in tags for a, _ in attrs} <= {"href"}
    hrefs = [v for t, attrs in tags for a, v in attrs if t == "a"]
    assert hrefs and all(h and h.startswith("https://") and h.isascii() for h in hrefs)
    assert all(not set(' <>"') & set(h or "") for h in hrefs)
    if encoded:
        assert f'<a href="{encoded}">' in html
        assert f"<{encoded}>" in re.sub(r"\s+", "", out["txt"])  # the text brief wraps it
        assert f'href="{encoded}"' in out["html"]
        assert encoded in {n["url"] for n in json.loads(out["json"])["footnotes"]}


def test_a_brief_says_what_is_new_since_the_last_one_at_its_clearance(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path
) -> None:
    """The archive keeps each brief's findings; the next brief for the same partners names
    what is new since it, and never learns from a brief above its own clearance."""
    config, db = loaded
    first = tmp_path / "first.json"
    pipeline.run_brief(config, db, OCTOBER, ["EE", "JP"], first, "json", clock=lambda: NOW)
    doc = json.loads(first.read_text(encoding="utf-8"))
    assert doc["has_last"] is False and doc["since_last"] == {}
    assert doc["findings"]["groups"]  # what the archive keeps for the next brief
    # a brief of the same period again: the October brief is not "before" itself
    again = tmp_path / "again.json"
    pipeline.run_brief(config, db, OCTOBER, ["EE", "JP"], again, "json", clock=lambda: NOW)
    assert json.loads(again.read_text(encoding="utf-8"))["has_last"] is False
    # November, with October's brief in the archive: nothing new in an empty month
    november = Period(OCTOBER.end, datetime(2026, 12, 1, tzinfo=UTC))
    later = tmp_path / "later.md"
    pipeline.run_brief(config, db, november, ["EE", "JP"], later, "md", clock=lambda: NOW)
    assert "Nothing in this brief is new since the last one (October 2026)" in later.read_text(
        encoding="utf-8"
    )
    # at CLEAR, October briefs written at AMBER are not there to compare with
    db.execute("update briefs set tlp = 'amber' where period_start like '2026-10-01%'")
    db.conn.commit()
    clear = tmp_path / "clear.json"
    pipeline.run_brief(
        config, db, november, ["EE", "JP"], clear, "json", clock=lambda: NOW, clearance=TLP.CLEAR
    )
    assert json.loads(clear.read_text(encoding="utf-8"))["has_last"] is False
    amber = tmp_path / "amber.json"
    pipeline.run_brief(config, db, november, ["EE", "JP"], amber, "json", clock=lambda: NOW)
    assert json.loads(amber.read_text(encoding="utf-8"))["has_last"] is True
