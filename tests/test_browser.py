# SPDX-License-Identifier: Apache-2.0
"""The workspace in a real browser: Debian's Chromium driven by Playwright, against the real
`threatbrief serve` on 127.0.0.1 and an ephemeral port, over a store filled from a hostile
feed by the real pipeline.

It logs in and out, searches and filters, reads the evidence marked in a story, corrects a
label and sees it survive `retag`, releases a quarantined item, builds and downloads a brief
in every format, checks the clearance canary (an AMBER partner assessment a GREEN reader never
sees) and CSRF refusal, and fails on any dialog, any script of the feed's that runs, and any
Content-Security-Policy report. Skipped where no Chromium is installed, unless
THREATBRIEF_BROWSER_REQUIRED is set (CI installs it and sets it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer

from helpers import import_amber_canary, rss
from threatbrief import pipeline
from threatbrief.config import load_config
from threatbrief.store.db import open_db

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
NOW = datetime.now(UTC).replace(microsecond=0)
USERS = {
    "reader@cert.example": ("reader", "green"),
    "analyst@cert.example": ("analyst", "amber"),
    "admin@cert.example": ("admin", "amber"),
}


@dataclass
class Workspace:
    url: str
    config: Path
    db: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "threatbrief", "-c", str(self.config), "--db", str(self.db),
             *args],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip


@pytest.fixture
def workspace(tmp_path: Path, httpserver: HTTPServer) -> Iterator[Workspace]:
    """`threatbrief serve --port 0` in its own process over a store the pipeline filled."""
    day = (NOW - timedelta(days=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    body = (DATA / "hostile.xml").read_text(encoding="utf-8").format(day=day)
    httpserver.expect_request("/hostile.xml").respond_with_data(
        body.encode(), content_type="application/rss+xml"
    )
    clean = rss(("apt29", "APT29 phishing targets Japanese diplomats", "https://cert.example/1"))
    httpserver.expect_request("/clean.xml").respond_with_data(
        clean.replace(b"Tue, 04 Mar 2025 10:00:00 GMT", day.encode())
    )
    config = tmp_path / "feeds.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "defaults": {"allow_networks": ["127.0.0.1/32"], "retries": 0},
                "feeds": [
                    {"id": "hostile", "url": httpserver.url_for("/hostile.xml"), "kind": "news"},
                    {"id": "clean", "url": httpserver.url_for("/clean.xml"), "kind": "cert"},
                ],
            }
        )
    )
    db_path = tmp_path / "t.db"
    db = open_db(db_path)
    pipeline.run_fetch(load_config(config), db)
    for email, (role, tlp) in USERS.items():
        pipeline.add_user(db, email, role, tlp, PASSWORD, now=NOW)
    db.close()
    # only AMBER readers may see it, or the tag it puts on the Volt Typhoon story
    import_amber_canary(
        db_path, "https://hostile.example/volt", "CANARYAMBER view of the telecom intrusions", NOW
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "threatbrief", "-c", str(config), "--db", str(db_path),
         "serve", "--port", "0"],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    found: list[str] = []

    def read() -> None:
        assert server.stderr is not None
        for line in server.stderr:
            if not found and (m := re.search(r"on (http://127\.0\.0\.1:\d+)/", line)):
                found.append(m.group(1))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = datetime.now(UTC) + timedelta(seconds=30)
    while not found and server.poll() is None and datetime.now(UTC) < deadline:
        threading.Event().wait(0.05)
    try:
        assert found, "threatbrief serve did not say where it listens"
        yield Workspace(found[0], config, db_path)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        reader.join(timeout=10)
        assert server.stderr is not None
        server.stderr.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


class Watch:
    """Everything a page must never do: open a dialog or report a CSP violation."""

    def __init__(self, page: Any) -> None:
        self.dialogs: list[str] = []
        self.reports: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on(
            "console",
            lambda m: self.reports.append(m.text) if "Content Security Policy" in m.text else None,
        )

    def clean(self) -> bool:
        return self.dialogs == [] and self.reports == []


def _page(browser: Any, tmp_path: Path) -> Any:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    context.set_default_timeout(20_000)
    return context.new_page()


def _login(page: Any, url: str, email: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def _open_story(page: Any, url: str, query: str) -> None:
    page.goto(f"{url}/stories?q={query}")
    page.click("ul.stories a[href^='/stories/']")
    page.wait_for_selector("article.item")


def _shot(page: Any, name: str, *, full: bool = True) -> None:
    if SHOTS:  # the docs' pictures: THREATBRIEF_SCREENSHOTS=docs/img
        page.wait_for_timeout(1000)  # a frame is painted a moment after its text is there
        page.screenshot(path=str(Path(SHOTS) / f"workspace-{name}.png"), full_page=full)


def test_the_hostile_corpus_never_runs_and_the_policy_holds(
    workspace: Workspace, browser: Any, tmp_path: Path
) -> None:
    page = _page(browser, tmp_path)
    watch = Watch(page)
    url = workspace.url
    page.goto(f"{url}/stories")
    assert page.url.startswith(f"{url}/login")  # a session is needed
    page.fill("input[name=email]", "analyst@cert.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/stories")  # back where the reader was going
    for path in ["/", "/stories", "/stories?q=Lazarus", "/feeds", "/partners", "/briefs"]:
        response = page.goto(f"{url}{path}")
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    page.goto(f"{url}/stories")
    links = page.eval_on_selector_all(
        "ul.stories a[href^='/stories/']", "els => els.map(e => e.getAttribute('href'))"
    )
    assert len(set(links)) == 4
    for link in sorted(set(links)):
        page.goto(f"{url}{link}")
        page.hover("article.item")  # an onmouseover that survived would fire here
        assert page.evaluate("typeof window.__xss") == "undefined"
        hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.href)")
        assert not [h for h in hrefs if h.lower().startswith("javascript:")]
    assert watch.clean(), (watch.dialogs, watch.reports)
    # the stories are there, as text, their markup removed at ingest and held for review
    page.goto(f"{url}/stories?q=Lazarus")
    assert "Lazarus steals crypto from a Japanese exchange" in page.inner_text("main")
    page.click("ul.stories a[href^='/stories/']")
    assert "Held back for" in page.inner_text("main")
    # a state-changing request without its CSRF token is refused, session or not
    refused = page.request.post(f"{url}/items/x/release", form={"note": "no token"})
    assert refused.status == 400
    still = page.goto(f"{url}/stories")
    assert still.status == 200 and page.url == f"{url}/stories"
    # logging out ends the session
    page.click("header form button[type=submit]")
    page.wait_for_url(re.compile(r".*/login"))
    page.goto(f"{url}/stories")
    assert "/login" in page.url


def test_search_filters_and_evidence(workspace: Workspace, browser: Any, tmp_path: Path) -> None:
    page = _page(browser, tmp_path)
    watch = Watch(page)
    url = workspace.url
    _login(page, url, "reader@cert.example")
    page.goto(f"{url}/stories")
    _shot(page, "stories")
    page.fill("input[name=q]", "ministries")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert "1 story matches" in main and "APT28 phishing against Estonian ministries" in main
    page.goto(f"{url}/stories")
    page.select_option("select[name=actor_set]", "north-korea")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "actor_set=north-korea" in page.url
    main = page.inner_text("main")
    assert "Lazarus" in main and "ministries" not in main and "Volt Typhoon" not in main
    page.select_option("select[name=quarantined]", "no")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "0 stories match" in page.inner_text("main")  # the Lazarus item is held
    # the evidence of each label is marked where it stands in the text
    _open_story(page, url, "Volt")
    marks = page.eval_on_selector_all("mark", "els => els.map(e => [e.title, e.textContent])")
    assert ["actor=Volt Typhoon", "Volt Typhoon"] in marks
    assert "role actor" in page.inner_text("table.tags")
    assert watch.clean()


def test_a_label_corrected_in_the_browser_survives_retag(
    workspace: Workspace, browser: Any, tmp_path: Path
) -> None:
    page = _page(browser, tmp_path)
    url = workspace.url
    _login(page, url, "analyst@cert.example")
    _open_story(page, url, "Volt")
    form = page.locator("form.add-label").first
    form.locator("select[name=kind]").select_option("sector")
    form.locator("input[name=value]").fill("government")
    form.locator("input[name=note]").fill("the networks are a ministry's")
    form.locator("button").click()
    page.wait_for_load_state()
    row = page.locator("table.tags tr", has_text="sector: government")
    assert "analyst add by analyst@cert.example" in row.inner_text()
    _shot(page, "story")
    story = page.url
    workspace.cli("retag")  # re-tagging the whole store keeps the analyst's decision
    page.goto(story)
    row = page.locator("table.tags tr", has_text="sector: government")
    assert "analyst add by analyst@cert.example" in row.inner_text()
    explained = workspace.cli("explain", story.rsplit("/", 1)[1]).stdout
    assert "government" in explained and "analyst@cert.example" in explained, explained


def test_an_analyst_releases_a_quarantined_item(
    workspace: Workspace, browser: Any, tmp_path: Path
) -> None:
    page = _page(browser, tmp_path)
    url = workspace.url
    _login(page, url, "analyst@cert.example")
    page.goto(f"{url}/")
    assert "held back" in page.inner_text("main")  # waiting for review on the overview
    _open_story(page, url, "Lazarus")
    page.click("form[action$='/release'] button")
    page.wait_for_load_state()
    assert "released" in page.inner_text("p.quarantine")
    assert "by analyst@cert.example" in page.inner_text("p.quarantine")
    listed = workspace.cli("quarantine", "list").stdout
    assert "Lazarus" not in listed


@pytest.mark.parametrize("email", ["reader@cert.example", "analyst@cert.example"])
def test_the_amber_canary_is_seen_only_by_amber_readers(
    workspace: Workspace, browser: Any, tmp_path: Path, email: str
) -> None:
    page = _page(browser, tmp_path)
    url = workspace.url
    _login(page, url, email)
    texts = []
    for path in ["/", "/stories", "/stories?q=Kimsuky", "/stories?actor=Kimsuky", "/partners",
                 "/stories?q=CANARYAMBER"]:  # fmt: skip
        page.goto(f"{url}{path}")
        texts.append(page.inner_text("main"))  # shown text: not the search box's own words
    _open_story(page, url, "Volt")
    texts.append(page.inner_text("main"))
    # a brief at the highest clearance this user may ask for, previewed and downloaded
    page.goto(f"{url}/briefs/new")
    page.fill("input[name=period]", "last-30d")
    levels = page.eval_on_selector_all("select[name=tlp] option", "os => os.map(o => o.value)")
    page.select_option("select[name=tlp]", levels[-1])
    page.click("form.builder button[type=submit]")
    page.wait_for_selector("a.download")
    frame = page.frame_locator("iframe.preview")
    texts.append(frame.locator("body").inner_text())
    with page.expect_download() as got:
        page.click("a.download")
    texts.append(Path(got.value.path()).read_text(encoding="utf-8"))
    seen = [("CANARYAMBER" in t or "Kimsuky" in t) for t in texts]
    if email.startswith("reader"):
        assert levels == ["clear", "green"] and not any(seen)
        assert "0 stories match" in texts[3]  # not even a count gives it away
    else:
        assert seen[3] and seen[4] and seen[7] and seen[8]  # filter, partners, story, brief


def test_a_brief_is_built_and_downloaded_in_each_format(
    workspace: Workspace, browser: Any, tmp_path: Path
) -> None:
    page = _page(browser, tmp_path)
    watch = Watch(page)
    url = workspace.url
    _login(page, url, "reader@cert.example")
    since = f"{NOW - timedelta(days=10):%Y-%m-%d}"
    until = f"{NOW + timedelta(days=1):%Y-%m-%d}"
    for fmt in ["html", "pdf", "md", "txt", "json"]:
        page.goto(f"{url}/briefs/new")
        page.fill("input[name=since]", since)
        page.fill("input[name=until]", until)
        page.select_option("select[name=format]", fmt)
        page.click("form.builder button[type=submit]")
        page.wait_for_selector("a.download")
        facts = page.inner_text("dl.facts")
        assert "reader@cert.example" in facts
        checksum = re.search(r"[0-9a-f]{64}", facts)
        assert checksum
        if fmt == "html":
            frame = page.frame_locator("iframe.preview")
            assert "APT29" in frame.locator("body").inner_text()
            _shot(page, "brief", full=False)  # the frame scrolls; the page around it not
        with page.expect_download() as got:
            page.click("a.download")
        download = got.value
        assert download.suggested_filename.endswith(f".{fmt}")
        import hashlib

        data = Path(download.path()).read_bytes()
        assert hashlib.sha256(data).hexdigest() == checksum.group(0)
        assert data.startswith(b"%PDF-") if fmt == "pdf" else b"APT29" in data
    page.goto(f"{url}/briefs")
    assert page.locator("table.archive tbody tr").count() == 5
    assert watch.clean(), (watch.dialogs, watch.reports)


def test_an_admin_fetches_a_feed_now_and_the_page_follows_it(
    workspace: Workspace, browser: Any, tmp_path: Path
) -> None:
    page = _page(browser, tmp_path)
    url = workspace.url
    _login(page, url, "admin@cert.example")
    page.goto(f"{url}/feeds")
    page.click("#feed-hostile form button")
    # the page refreshes itself while the fetch runs, then shows how it ended
    page.wait_for_selector("li.job:not(.job-running)", timeout=30_000)
    assert re.search(r"hostile: (unchanged|not-modified|stored)", page.inner_text("section.jobs"))
    _shot(page, "feeds")
