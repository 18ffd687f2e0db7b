# SPDX-License-Identifier: Apache-2.0
"""The web workspace (issue #14), through Flask's test client over a store filled by the real
pipeline: login, sessions, CSRF, the CSP header, clearance on every page, escaping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer

from helpers import import_amber_canary as canary
from helpers import rss
from threatbrief import pipeline
from threatbrief.config import load_config
from threatbrief.store.db import open_db
from threatbrief.web import create_app
from threatbrief.web.app import CSP

NOW = datetime.now(UTC).replace(microsecond=0)
PASSWORD = "a long enough password"


@pytest.fixture
def workspace(tmp_path: Path, httpserver: HTTPServer) -> Iterator[tuple[Any, Path]]:
    day = (NOW - timedelta(days=2)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    body = rss(
        ("1", "GRU unit APT28 targets Estonian ministries", "https://x.example/1"),
        ("2", "Lazarus steals crypto <script>alert(1)</script> from a Japanese exchange",
         "https://x.example/2"),
    ).replace(b"Tue, 04 Mar 2025 10:00:00 GMT", day.encode())  # fmt: skip
    httpserver.expect_request("/f").respond_with_data(body)
    config = tmp_path / "feeds.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "defaults": {"allow_networks": ["127.0.0.1/32"], "retries": 0},
                "feeds": [{"id": "f", "url": httpserver.url_for("/f"), "kind": "cert"}],
            }
        )
    )
    db_path = tmp_path / "t.db"
    db = open_db(db_path)
    pipeline.run_fetch(load_config(config), db)
    for email, role, tlp in (("reader@cert.example", "reader", "green"),
                             ("analyst@cert.example", "analyst", "amber")):  # fmt: skip
        pipeline.add_user(db, email, role, tlp, PASSWORD, now=NOW)
    db.close()
    app = create_app(config, db_path, secure_cookies=False)
    app.config["TESTING"] = True
    yield app, db_path


def _csrf(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def _login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": _csrf(client)}
    )


def import_amber_canary(db_path: Path) -> None:
    """The AMBER canary on the exchange theft's item."""
    canary(db_path, "https://x.example/2", "CANARYAMBER Kimsuky behind the exchange theft", NOW)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/stories",
        "/stories/x",
        "/feeds",
        "/partners",
        "/briefs",
        "/briefs/new",
        "/briefs/1",
        "/briefs/1/download",
        "/subscribers",
        "/users",
    ],  # fmt: skip
    ids=str,
)
def test_every_page_but_login_needs_a_session(workspace: tuple[Any, Path], path: str) -> None:
    app, _ = workspace
    response = app.test_client().get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_login_sets_a_strict_http_only_session_and_logout_ends_it(
    workspace: tuple[Any, Path],
) -> None:
    app, _ = workspace
    client = app.test_client()
    assert _login(client, "reader@cert.example", "wrong password!").status_code == 401
    response = _login(client, "Reader@cert.example")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Expires=" in cookie
    assert client.get("/stories").status_code == 200
    client.post("/logout", data={"csrf_token": _csrf(client, "/stories")})
    assert client.get("/stories").status_code == 302


def test_a_post_without_its_csrf_token_is_refused(workspace: tuple[Any, Path]) -> None:
    app, _ = workspace
    client = app.test_client()
    refused = client.post("/login", data={"email": "reader@cert.example", "password": PASSWORD})
    assert refused.status_code == 400
    _login(client, "reader@cert.example")
    assert client.post("/logout", data={}).status_code == 400
    assert client.get("/stories").status_code == 200  # still logged in


def test_every_answer_carries_a_strict_content_security_policy(
    workspace: tuple[Any, Path],
) -> None:
    app, _ = workspace
    client = app.test_client()
    for response in (client.get("/login"), _login(client, "reader@cert.example"),
                     client.get("/stories")):  # fmt: skip
        assert response.headers["Content-Security-Policy"] == CSP
        assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    page = client.get("/stories").get_data(as_text=True)
    assert "<script" not in page.replace("&lt;script", "")  # no script at all, feed text escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "alert(1)" not in page


def test_search_and_filters_find_stories(workspace: tuple[Any, Path]) -> None:
    app, _ = workspace
    client = app.test_client()
    _login(client, "analyst@cert.example")
    everything = client.get("/stories").get_data(as_text=True)
    assert "2 stories match" in everything
    found = client.get("/stories?q=ministries").get_data(as_text=True)
    assert "1 story matches" in found and "APT28" in found and "Lazarus" not in found
    russia = client.get("/stories?actor_set=north-korea").get_data(as_text=True)
    assert "Lazarus" in russia and "ministries" not in russia


def test_an_amber_partner_assessment_is_invisible_to_a_green_reader(
    workspace: tuple[Any, Path],
) -> None:
    """The clearance canary: the AMBER assessment's name never reaches the GREEN reader, in
    the partners' list or as a tag on a story; the AMBER analyst sees it."""
    app, db_path = workspace
    import_amber_canary(db_path)
    seen = {}
    paths = ("/", "/partners", "/stories", "/stories?q=Kimsuky", "/stories?actor=Kimsuky")
    for email in ("reader@cert.example", "analyst@cert.example"):
        client = app.test_client()
        _login(client, email)
        seen[email] = [client.get(p).get_data(as_text=True) for p in paths]
    reader, analyst = seen["reader@cert.example"], seen["analyst@cert.example"]
    label = '<span class="label actor">Kimsuky</span>'
    assert not any("CANARYAMBER" in page or label in page for page in reader)
    assert "0 stories match" in reader[4]  # not even a count gives it away
    assert "CANARYAMBER" in analyst[1] and label in analyst[2] and "1 story matches" in analyst[4]


def test_serve_refuses_a_public_address_without_tls(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from threatbrief.cli import cli

    config = tmp_path / "feeds.yaml"
    config.write_text("version: 1\nfeeds: []\n")
    base = ["-c", str(config), "--db", str(tmp_path / "t.db"), "serve"]
    result = CliRunner().invoke(cli, [*base, "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "not a loopback address" in result.output


def _story_id(client: FlaskClient, query: str) -> str:
    page = client.get(f"/stories?q={query}").get_data(as_text=True)
    found = re.search(r'href="/stories/([0-9a-f]+)"', page)
    assert found, page[:800]
    return found.group(1)


def test_a_story_shows_each_label_with_its_evidence_marked_in_the_text(
    workspace: tuple[Any, Path],
) -> None:
    app, _ = workspace
    client = app.test_client()
    _login(client, "reader@cert.example")
    page = client.get(f"/stories/{_story_id(client, 'ministries')}").get_data(as_text=True)
    assert '<mark title="actor=APT28">APT28</mark>' in page
    assert "role actor" in page and "attribution" in page
    # a reader sees why, but has no forms to change anything
    assert "/labels" not in page and "Split" not in page


def test_an_analyst_corrects_a_label_and_the_correction_names_them(
    workspace: tuple[Any, Path],
) -> None:
    app, db_path = workspace
    client = app.test_client()
    _login(client, "analyst@cert.example")
    story = _story_id(client, "ministries")
    token = _csrf(client, f"/stories/{story}")
    added = client.post(
        f"/items/{story}/labels",
        data={"csrf_token": token, "action": "add", "kind": "sector", "value": "government",
              "note": "ministries are government"},
    )  # fmt: skip
    assert added.status_code == 302
    page = client.get(f"/stories/{story}").get_data(as_text=True)
    assert "analyst add by analyst@cert.example" in page
    with open_db(db_path) as db:
        (row,) = db.execute(
            "select decided_by, note from tags where origin = 'analyst' and item_id = ?", [story]
        ).fetchall()
    assert row == ("analyst@cert.example", "ministries are government")
    # a value the vocabulary does not know is refused with the reason, nothing stored
    bad = client.post(
        f"/items/{story}/labels",
        data={"csrf_token": token, "action": "add", "kind": "sector", "value": "spaceships"},
    )
    assert bad.status_code == 400 and "unknown sector" in bad.get_data(as_text=True)
    # without the token, nothing happens
    assert client.post(f"/items/{story}/split", data={}).status_code == 400


def test_a_reader_may_not_correct_and_nobody_acts_on_an_unknown_item(
    workspace: tuple[Any, Path],
) -> None:
    app, _ = workspace
    client = app.test_client()
    _login(client, "reader@cert.example")
    story = _story_id(client, "ministries")
    token = _csrf(client, f"/stories/{story}")
    refused = client.post(
        f"/items/{story}/labels",
        data={"csrf_token": token, "action": "remove", "kind": "actor", "value": "APT28"},
    )
    assert refused.status_code == 403
    analyst = app.test_client()
    _login(analyst, "analyst@cert.example")
    token = _csrf(analyst, "/stories")
    assert analyst.post("/items/nope/split", data={"csrf_token": token}).status_code == 404


def test_an_analyst_joins_and_splits_stories_in_the_browser_forms(
    workspace: tuple[Any, Path],
) -> None:
    app, _ = workspace
    client = app.test_client()
    _login(client, "analyst@cert.example")
    one, other = _story_id(client, "ministries"), _story_id(client, "Lazarus")
    token = _csrf(client, f"/stories/{one}")
    joined = client.post(
        f"/items/{one}/join", data={"csrf_token": token, "other": other, "note": "test"}
    )
    assert joined.status_code == 302
    page = client.get(f"/stories/{one}").get_data(as_text=True)
    assert "2 items" in page and "Merged on: analyst" in page and "by analyst@cert.example" in page
    assert "1 story matches" in client.get("/stories").get_data(as_text=True)
    split = client.post(f"/items/{other}/split", data={"csrf_token": token, "note": "no"})
    assert split.status_code == 302
    assert "2 stories match" in client.get("/stories").get_data(as_text=True)
    unknown = client.post(f"/items/{one}/join", data={"csrf_token": token, "other": "zzz"})
    assert unknown.status_code == 400 and "no item" in unknown.get_data(as_text=True)


def test_an_analyst_releases_a_quarantined_item_and_the_release_names_them(
    workspace: tuple[Any, Path],
) -> None:
    app, _ = workspace
    client = app.test_client()
    _login(client, "analyst@cert.example")
    held = _story_id(client, "Lazarus")
    page = client.get(f"/stories/{held}").get_data(as_text=True)
    assert "Held back for script" in page and "Release from quarantine" in page
    token = _csrf(client, f"/stories/{held}")
    assert client.post(f"/items/{held}/release", data={"csrf_token": token}).status_code == 302
    page = client.get(f"/stories/{held}").get_data(as_text=True)
    assert "by analyst@cert.example" in page and "Release from quarantine" not in page
    again = client.post(f"/items/{held}/release", data={"csrf_token": token})
    assert again.status_code == 400 and "not quarantined" in again.get_data(as_text=True)
