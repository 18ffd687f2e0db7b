# SPDX-License-Identifier: Apache-2.0
"""The workspace in a real browser: Debian's Chromium driven by Playwright, against the real
server (cheroot) on 127.0.0.1, over a store filled from a hostile feed by the real pipeline.

It browses every page a reader and an analyst reach, clicks the analyst's forms, and fails on
any dialog, any script of the feed's that runs, and any Content-Security-Policy report (markup
that survived escaping, which the policy then had to stop). Skipped where no Chromium is
installed, unless THREATBRIEF_BROWSER_REQUIRED is set (CI installs it and sets it)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer

from threatbrief import pipeline
from threatbrief.config import load_config
from threatbrief.store.db import open_db
from threatbrief.web import create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and not os.environ.get("THREATBRIEF_BROWSER_REQUIRED"):
    pytest.skip("no Chromium here (Debian: apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

DATA = Path(__file__).parent / "data" / "browser"
# read at import, before the tests' clean environment: where to save the docs' pictures
SHOTS = os.environ.get("THREATBRIEF_SCREENSHOTS", "")
PASSWORD = "a long enough password"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def server(tmp_path: Path, httpserver: HTTPServer) -> Iterator[str]:
    """The workspace on cheroot over 127.0.0.1 and an ephemeral port."""
    from cheroot import wsgi

    day = (datetime.now(UTC) - timedelta(days=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    body = (DATA / "hostile.xml").read_text(encoding="utf-8").format(day=day)
    httpserver.expect_request("/hostile.xml").respond_with_data(
        body.encode(), content_type="application/rss+xml"
    )
    config = tmp_path / "feeds.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "defaults": {"allow_networks": ["127.0.0.1/32"], "retries": 0},
                "feeds": [{"id": "hostile", "url": httpserver.url_for("/hostile.xml")}],
            }
        )
    )
    db_path = tmp_path / "t.db"
    db = open_db(db_path)
    pipeline.run_fetch(load_config(config), db)
    pipeline.add_user(
        db, "analyst@cert.example", "analyst", "amber", PASSWORD, now=datetime.now(UTC)
    )
    db.close()
    app = create_app(config, db_path, secure_cookies=False)
    web = wsgi.Server(("127.0.0.1", 0), app, numthreads=4)
    web.prepare()
    thread = threading.Thread(target=web.serve, daemon=True)
    thread.start()
    host, port = web.bind_addr[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        web.stop()
        thread.join(timeout=10)


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


def test_the_hostile_corpus_never_runs_in_the_browser(server: str, page: Any) -> None:
    dialogs: list[str] = []
    reports: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on(
        "console",
        lambda m: reports.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"{server}/stories")
    assert page.url.startswith(f"{server}/login")  # a session is needed
    page.fill("input[name=email]", "analyst@cert.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/stories")  # back where the reader was going
    visited = ["/", "/stories", "/stories?q=Lazarus", "/feeds", "/partners"]
    for path in visited:
        page.goto(f"{server}{path}")
    page.goto(f"{server}/stories")
    links = page.eval_on_selector_all(
        "a[href^='/stories/']", "els => els.map(e => e.getAttribute('href'))"
    )
    assert len(set(links)) == 3
    for link in sorted(set(links)):
        page.goto(f"{server}{link}")
        page.hover("article.item")  # an onmouseover that survived would fire here
        assert page.evaluate("typeof window.__xss") == "undefined"
        # the feed's markup is shown as text, and no link of the page runs script
        hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.href)")
        assert not [h for h in hrefs if h.lower().startswith("javascript:")]
    assert dialogs == [] and reports == []
    # the stories are there, as text, their markup removed at ingest and held for review
    page.goto(f"{server}/stories?q=Lazarus")
    assert "Lazarus steals crypto from a Japanese exchange" in page.inner_text("main")
    page.click("a[href^='/stories/']")
    assert "Held back for" in page.inner_text("main")


def test_an_analyst_corrects_a_label_by_clicking(server: str, page: Any, tmp_path: Path) -> None:
    page.goto(f"{server}/login")
    page.fill("input[name=email]", "analyst@cert.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")
    page.goto(f"{server}/stories?q=Volt")
    page.click("a[href^='/stories/']")
    form = page.locator("form.add-label")
    form.locator("select[name=kind]").select_option("sector")
    form.locator("input[name=value]").fill("government")
    form.locator("input[name=note]").fill("the networks are a ministry's")
    form.locator("button").click()
    page.wait_for_load_state()
    row = page.locator("table.tags tr", has_text="sector: government")
    assert "analyst add by analyst@cert.example" in row.inner_text()
    assert page.locator("mark[title='actor=Volt Typhoon']").count() >= 1
    if SHOTS:  # the docs' picture of the story page: THREATBRIEF_SCREENSHOTS=docs/img
        page.screenshot(path=str(Path(SHOTS) / "workspace-story.png"), full_page=True)
