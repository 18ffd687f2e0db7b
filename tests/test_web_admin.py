# SPDX-License-Identifier: Apache-2.0
"""The workspace's brief builder, overview and admin pages (issue #14), through Flask's test
client over a store filled by the real pipeline from a feed on loopback."""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from test_web import (  # noqa: F401  (the fixture)
    NOW,
    PASSWORD,
    _csrf,
    _login,
    import_amber_canary,
    workspace,
)
from threatbrief import pipeline
from threatbrief.store.db import open_db
from threatbrief.web.briefs import PREVIEW_CSP

FORMATS = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}


@pytest.fixture
def admin(workspace: tuple[Any, Path]) -> tuple[Any, Path]:  # noqa: F811
    app, db_path = workspace
    db = open_db(db_path)
    pipeline.add_user(db, "admin@cert.example", "admin", "amber", PASSWORD, now=NOW)
    db.close()
    return app, db_path


def _client(app: Any, email: str) -> FlaskClient:
    client: FlaskClient = app.test_client()
    assert _login(client, email).status_code == 302
    return client


def _build(client: FlaskClient, fmt: str, tlp: str = "green", **extra: str) -> Any:
    form = {
        "since": f"{NOW - timedelta(days=7):%Y-%m-%d}",
        "until": f"{NOW + timedelta(days=1):%Y-%m-%d}",
        "partners": "EE,JP",
        "format": fmt,
        "tlp": tlp,
        "csrf_token": _csrf(client, "/briefs/new"),
        **extra,
    }
    return client.post("/briefs/new", data=form)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_reader_builds_a_brief_in_each_format_and_downloads_it(
    workspace: tuple[Any, Path],  # noqa: F811
    fmt: str,
) -> None:
    app, db_path = workspace
    client = _client(app, "reader@cert.example")
    built = _build(client, fmt)
    assert built.status_code == 302, built.get_data(as_text=True)[:500]
    view = built.headers["Location"]
    page = client.get(view).get_data(as_text=True)
    # asked for up to GREEN, marked by what it holds: the feed's items are all CLEAR
    assert "reader@cert.example" in page and '<dd><span class="tlp tlp-clear">TLP:CLEAR' in page
    download = client.get(f"{view}/download")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == FORMATS[fmt]
    assert download.headers["Content-Disposition"].startswith("attachment; filename=brief-EE-JP-")
    digest = hashlib.sha256(download.data).hexdigest()
    assert digest in page  # the checksum shown is the file's
    db = open_db(db_path)
    (row,) = db.execute("select requested_by, sha256, format from briefs").fetchall()
    db.close()
    assert row == ("reader@cert.example", digest, fmt)
    if fmt == "html":
        assert '<iframe class="preview"' in page and "sandbox" in page
        preview = client.get(f"{view}/preview")
        assert preview.headers["Content-Security-Policy"] == PREVIEW_CSP
        assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert b"APT28" in preview.data  # the period's Russia story is in the brief
    elif fmt == "json":
        assert json.loads(download.data)["tlp"] == "clear"
    elif fmt == "pdf":
        assert download.data.startswith(b"%PDF-")
    archive = client.get("/briefs").get_data(as_text=True)
    assert "reader@cert.example" in archive and digest[:12] in archive


def test_a_brief_is_never_above_the_askers_clearance(
    workspace: tuple[Any, Path],  # noqa: F811
) -> None:
    app, db_path = workspace
    import_amber_canary(db_path)
    reader = _client(app, "reader@cert.example")
    refused = _build(reader, "md", tlp="amber")
    assert refused.status_code == 400
    assert "above your clearance" in refused.get_data(as_text=True)
    assert "TLP:AMBER" not in reader.get("/briefs/new").get_data(as_text=True)  # not offered
    analyst = _client(app, "analyst@cert.example")
    amber = _build(analyst, "md", tlp="amber")
    assert amber.status_code == 302
    view = amber.headers["Location"]
    assert b"CANARYAMBER" in analyst.get(f"{view}/download").data
    green = _build(reader, "md").headers["Location"]
    assert b"CANARYAMBER" not in reader.get(f"{green}/download").data
    # the GREEN reader cannot list, open, preview or download the AMBER brief
    assert analyst.get(view).status_code == 200
    assert "analyst@cert.example" not in reader.get("/briefs").get_data(as_text=True)
    for path in (view, f"{view}/download", f"{view}/preview"):
        assert reader.get(path).status_code == 404


def test_a_brief_changed_on_disk_is_not_served(
    workspace: tuple[Any, Path],  # noqa: F811
) -> None:
    app, db_path = workspace
    client = _client(app, "reader@cert.example")
    view = _build(client, "txt").headers["Location"]
    db = open_db(db_path)
    (path,) = db.execute("select path from briefs").fetchone()
    db.close()
    Path(path).write_text("tampered", encoding="utf-8")
    assert client.get(f"{view}/download").status_code == 410
    assert "changed since it was written" in client.get(view).get_data(as_text=True)


def test_bad_brief_requests_get_a_clear_answer(workspace: tuple[Any, Path]) -> None:  # noqa: F811
    app, _ = workspace
    client = _client(app, "reader@cert.example")
    cases = {
        "must be before": {"since": "2026-11-01", "until": "2026-10-01"},
        "ISO 3166": {"partners": "Estonia"},
        "unknown format": {"format": "docx"},
        "cannot read the period": {"period": "November"},
    }
    for message, extra in cases.items():
        answer = _build(client, extra.pop("format", "md"), **extra)
        assert answer.status_code == 400 and message in answer.get_data(as_text=True), message


def test_the_overview_counts_each_event_once_in_its_week(
    workspace: tuple[Any, Path],  # noqa: F811
) -> None:
    app, _ = workspace
    page = _client(app, "analyst@cert.example").get("/").get_data(as_text=True)
    assert '<svg class="weeks"' in page
    titles = re.findall(r"<rect [^>]+><title>([^<]+)</title>", page)
    assert sorted(t.split(",")[0] for t in titles) == ["North Korea: 1 event", "Russia: 1 event"]
    assert "2 events at your clearance" in page
    assert "Latest against Estonia" in page and "APT28 targets Estonian ministries" in page


def test_admin_pages_are_for_admins_only(admin: tuple[Any, Path]) -> None:
    app, _ = admin
    for email in ("reader@cert.example", "analyst@cert.example"):
        client = _client(app, email)
        for path in ("/subscribers", "/users", "/subscribers/preview?email=x@y.example"):
            assert client.get(path).status_code == 403, (email, path)
        token = _csrf(client, "/stories")
        for path in ("/feeds/f/fetch", "/users", "/subscribers", "/partners/import"):
            assert client.post(path, data={"csrf_token": token}).status_code == 403
    admin_client = _client(app, "admin@cert.example")
    assert admin_client.get("/users").status_code == 200


def test_an_admin_adds_previews_and_removes_a_subscriber(admin: tuple[Any, Path]) -> None:
    app, _ = admin
    client = _client(app, "admin@cert.example")
    token = _csrf(client, "/subscribers")
    bad = client.post("/subscribers", data={"email": "not an address", "csrf_token": token})
    assert bad.status_code == 400
    added = client.post(
        "/subscribers",
        data={"email": "liaison@mfa.example", "cadence": "weekly", "tlp": "clear",
              "partners": "ee", "csrf_token": token},
    )  # fmt: skip
    assert added.status_code == 302
    assert "liaison@mfa.example" in client.get("/subscribers").get_data(as_text=True)
    preview = client.get("/subscribers/preview?email=liaison@mfa.example").get_data(as_text=True)
    assert "Subject" in preview and "APT28" in preview and "To" in preview
    html = client.get("/subscribers/preview.html?email=liaison@mfa.example")
    assert html.status_code == 200 and html.headers["Content-Security-Policy"] == PREVIEW_CSP
    assert client.get("/subscribers/preview?email=nobody@x.example").status_code == 404
    removed = client.post(
        "/subscribers/remove", data={"email": "liaison@mfa.example", "csrf_token": token}
    )
    assert removed.status_code == 302
    assert "liaison@mfa.example" not in client.get("/subscribers").get_data(as_text=True)


def test_an_admin_fetches_a_feed_now_and_sees_it_finish(admin: tuple[Any, Path]) -> None:
    app, db_path = admin
    client = _client(app, "admin@cert.example")
    before = open_db(db_path).execute("select count(*) from fetch_log").fetchone()[0]
    token = _csrf(client, "/feeds")
    assert client.post("/feeds/f/fetch", data={"csrf_token": token}).status_code == 302
    assert client.post("/feeds/nope/fetch", data={"csrf_token": token}).status_code == 404
    deadline = time.monotonic() + 20
    page = client.get("/feeds").get_data(as_text=True)
    while "fetching since" in page and time.monotonic() < deadline:
        assert '<meta http-equiv="refresh"' in page  # the page follows the job by itself
        time.sleep(0.2)
        page = client.get("/feeds").get_data(as_text=True)
    assert re.search(r"f: (unchanged|not-modified|stored)", page), page[:2000]
    assert "asked by admin@cert.example" in page and '<meta http-equiv="refresh"' not in page
    after = open_db(db_path).execute("select count(*) from fetch_log").fetchone()[0]
    assert after == before + 1


def test_an_admin_imports_a_bundle_by_upload_and_exports_a_period(
    admin: tuple[Any, Path],
) -> None:
    import stix2

    from threatbrief.models import TLP
    from threatbrief.share import markings

    app, _ = admin
    client = _client(app, "admin@cert.example")
    token = _csrf(client, "/partners")
    green = [markings.marking_id(TLP.GREEN)]
    report = stix2.Report(
        name="Partner note on APT28 and the ministries",
        description="We assess APT28 ran the intrusions.",
        published=NOW,
        object_refs=["identity--" + "1" * 8 + "-1111-4111-8111-" + "1" * 12],
        object_marking_refs=green,
    )
    bundle = stix2.Bundle(objects=[*markings.markings_for([TLP.GREEN]), report]).serialize()
    upload = client.post(
        "/partners/import",
        data={"partner": "CERT-EE", "csrf_token": token,
              "bundle": (io.BytesIO(bundle.encode()), "note.json")},
        content_type="multipart/form-data",
    )  # fmt: skip
    page = upload.get_data(as_text=True)
    assert upload.status_code == 200 and "Imported 1 assessments from CERT-EE" in page
    assert "We assess APT28 ran the intrusions." in page  # the text, with its TLP
    hostile = client.post(
        "/partners/import",
        data={"partner": "CERT-EE", "csrf_token": token,
              "bundle": (io.BytesIO(b'{"type": "bundle", "objects": [{"type": 1}]}'), "x.json")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert hostile.status_code == 400 and 'role="alert"' in hostile.get_data(as_text=True)
    period = f"{NOW:%Y-%m}"
    stix = client.post(
        "/partners/export",
        data={"period": period, "tlp": "clear", "format": "stix", "csrf_token": token},
    )
    assert stix.status_code == 200, stix.get_data(as_text=True)[:400]
    exported = json.loads(stix.data)
    assert exported["type"] == "bundle" and "attachment" in stix.headers["Content-Disposition"]
    misp = client.post(
        "/partners/export",
        data={"period": period, "tlp": "green", "format": "misp", "csrf_token": token},
    )
    names = zipfile.ZipFile(io.BytesIO(misp.data)).namelist()
    assert "misp-feed/manifest.json" in names and len(names) >= 2
    above = client.post(
        "/partners/export",
        data={"period": period, "tlp": "red", "format": "stix", "csrf_token": token},
    )
    assert above.status_code == 400


def test_an_admin_adds_and_removes_a_user_but_not_themself(admin: tuple[Any, Path]) -> None:
    app, _ = admin
    client = _client(app, "admin@cert.example")
    token = _csrf(client, "/users")
    added = client.post(
        "/users",
        data={"email": "new@cert.example", "role": "reader", "tlp": "green", "csrf_token": token},
    ).get_data(as_text=True)
    password = re.search(r"\(shown once\): (\S+)</p>", added)
    assert password, added[:1000]
    fresh = FlaskClient(app, use_cookies=True)
    token_login = _csrf(fresh)
    logged = fresh.post(
        "/login",
        data={"email": "new@cert.example", "password": password.group(1),
              "csrf_token": token_login},
    )  # fmt: skip
    assert logged.status_code == 302
    itself = client.post("/users/remove", data={"email": "admin@cert.example", "csrf_token": token})
    assert itself.status_code == 400
    gone = client.post("/users/remove", data={"email": "new@cert.example", "csrf_token": token})
    assert gone.status_code == 302 and "new@cert.example" not in client.get("/users").get_data(
        as_text=True
    )
