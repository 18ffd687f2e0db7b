# SPDX-License-Identifier: Apache-2.0
"""TAXII 2.1 publish and poll against a real server: medallion (the OASIS TAXII 2.1 server)
with its memory backend, on 127.0.0.1 and an ephemeral port."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug.serving import make_server

from test_share import _bundle, _export, _partner_report, shared  # noqa: F401
from threatbrief.cli import cli
from threatbrief.config import Config
from threatbrief.errors import ShareError
from threatbrief.models import TLP
from threatbrief.share import taxii as taxii_client
from threatbrief.store import sharing as sharing_table

COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
USER, PASSWORD = "partner", "correct horse battery"


def _data(base: str) -> dict[str, Any]:
    return {
        "/discovery": {
            "title": "Test TAXII server",
            "default": f"{base}/trustgroup1/",
            "api_roots": [f"{base}/trustgroup1/"],
        },
        "trustgroup1": {
            "information": {
                "title": "Trust group 1",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 100 * 1024 * 1024,
            },
            "status": [],
            "collections": [
                {
                    "id": COLLECTION,
                    "title": "Estonia-Japan assessments",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }


@pytest.fixture(scope="module")
def medallion(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    import medallion as server

    folder = tmp_path_factory.mktemp("taxii")
    (folder / "data.json").write_text(json.dumps(_data("http://127.0.0.1:0")))
    (folder / "config.json").write_text(
        json.dumps(
            {
                "backend": {
                    "module": "medallion.backends.memory_backend",
                    "module_class": "MemoryBackend",
                    "filename": str(folder / "data.json"),
                },
                "users": {USER: PASSWORD},
                "taxii": {"max_page_size": 100},
            }
        )
    )
    app = server.load_app(str(folder / "config.json"))
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def taxii(
    medallion: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> tuple[str, list[dict[str, Any]]]:
    app, base = medallion
    app.medallion_backend.data = _data(base)  # a fresh, empty collection for each test
    monkeypatch.setenv("THREATBRIEF_TAXII_USER", USER)
    monkeypatch.setenv("THREATBRIEF_TAXII_PASSWORD", PASSWORD)
    objects = app.medallion_backend.data["trustgroup1"]["collections"][0]["objects"]
    return f"{base}/trustgroup1/", objects


def _cli(db: sqlite_utils.Database, *args: str) -> Any:
    path = db.execute("pragma database_list").fetchone()[2]
    return CliRunner().invoke(cli, ["--db", path, "-c", "unused.yaml", *args])


def test_publish_then_poll(
    shared: Config,  # noqa: F811
    db: sqlite_utils.Database,
    tmp_path: Path,
    taxii: tuple[str, list[dict[str, Any]]],
) -> None:
    root, stored = taxii
    _export(shared, db, tmp_path, TLP.GREEN)
    bundle = tmp_path / "exports" / "march.json"
    published = _cli(db, "publish", str(bundle), "--taxii", root, "--collection", COLLECTION,
                     "--tlp", "green")  # fmt: skip
    assert published.exit_code == 0, published.output
    sent = json.loads(bundle.read_text())["objects"]
    assert {o["id"] for o in stored} == {o["id"] for o in sent}

    first = _cli(db, "poll", "--taxii", root, "--collection", COLLECTION, "--partner", "RIA")
    assert first.exit_code == 0, first.output
    notes = sum(o["type"] == "note" for o in sent)
    assert f"{notes + 1} assessments ({notes + 1} new or newer)" in first.output
    assert sharing_table.bookmark(db, root, COLLECTION)
    again = _cli(db, "poll", "--taxii", root, "--collection", COLLECTION, "--partner", "RIA")
    assert again.exit_code == 0 and "nothing new" in again.output

    # a partner adds a report later: the next poll brings only that
    collection = medallion_collection()
    for obj in json.loads(_bundle(*_partner_report()))["objects"]:
        collection["objects"].append(obj)
        collection["manifest"].append(
            {
                "id": obj["id"],
                "date_added": "2099-01-01T00:00:00.000000Z",
                "version": obj.get("modified", obj["created"]),
                "media_type": "application/stix+json;version=2.1",
            }
        )
    later = _cli(db, "poll", "--taxii", root, "--collection", COLLECTION, "--partner", "RIA")
    assert later.exit_code == 0, later.output
    assert "1 assessments (1 new or newer)" in later.output
    # a far-future date_added never becomes the bookmark: it is clamped to our clock
    bookmark = sharing_table.bookmark(db, root, COLLECTION) or ""
    assert bookmark.endswith("Z") and bookmark[:4] != "2099"
    assert datetime.fromisoformat(bookmark.replace("Z", "+00:00")) <= datetime.now(UTC)


def medallion_collection() -> dict[str, Any]:
    import medallion as server

    api_root = server.application_instance.medallion_backend.data["trustgroup1"]
    collection: dict[str, Any] = api_root["collections"][0]
    return collection


def test_publish_refuses_what_is_above_the_collections_clearance(
    shared: Config,  # noqa: F811
    db: sqlite_utils.Database,
    tmp_path: Path,
    taxii: tuple[str, list[dict[str, Any]]],
) -> None:
    root, stored = taxii
    _export(shared, db, tmp_path, TLP.AMBER)
    bundle = str(tmp_path / "exports" / "march.json")
    result = _cli(db, "publish", bundle, "--taxii", root, "--collection", COLLECTION,
                  "--tlp", "green")  # fmt: skip
    assert result.exit_code == 1 and "above TLP:GREEN" in result.output
    assert stored == []


def test_wrong_credentials_are_a_clear_error(
    shared: Config,  # noqa: F811
    db: sqlite_utils.Database,
    tmp_path: Path,
    taxii: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, _ = taxii
    monkeypatch.setenv("THREATBRIEF_TAXII_PASSWORD", "wrong")
    result = _cli(db, "poll", "--taxii", root, "--collection", COLLECTION, "--partner", "RIA")
    assert result.exit_code == 1 and "TAXII poll failed" in result.output
    assert "401" in result.output
    assert sharing_table.bookmark(db, root, COLLECTION) is None


def test_a_server_that_never_stops_paging_is_cut_off(
    db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken or hostile server answers every page with `more`: the poll stops at the page
    limit with a clear error, imports nothing and keeps the bookmark where it was."""
    monkeypatch.setattr(taxii_client, "MAX_PAGES", 5)
    media = "application/taxii+json;version=2.1"
    base = f"/api1/collections/{COLLECTION}/"
    info = {"id": COLLECTION, "title": "endless", "can_read": True, "can_write": False}
    httpserver.expect_request(base).respond_with_json(info, content_type=media)
    page = {"more": True, "next": "again", "objects": []}
    httpserver.expect_request(f"{base}manifest/").respond_with_json(page, content_type=media)
    root = httpserver.url_for("/api1/")
    result = _cli(db, "poll", "--taxii", root, "--collection", COLLECTION, "--partner", "RIA")
    assert result.exit_code == 1 and "TAXII poll stopped: more than 5 pages" in result.output
    assert len(httpserver.log) == 1 + 6  # the collection, then pages until one too many
    assert sharing_table.bookmark(db, root, COLLECTION) is None


@pytest.mark.parametrize(
    "root,message",
    [
        ("http://taxii.partner.example/api1/", "plain http is allowed only to a loopback host"),
        ("ftp://taxii.partner.example/api1/", "must be an http(s) URL"),
        ("taxii.partner.example/api1", "must be an http(s) URL"),
    ],
)
def test_taxii_addresses_are_checked_before_any_request(
    db: sqlite_utils.Database, root: str, message: str
) -> None:
    result = _cli(db, "poll", "--taxii", root, "--collection", COLLECTION, "--partner", "RIA")
    assert result.exit_code == 1 and message in result.output


def test_one_invalid_object_does_not_stop_polling_for_good(
    shared: Config,  # noqa: F811
    db: sqlite_utils.Database,
    taxii: tuple[str, list[dict[str, Any]]],
) -> None:
    """Issue #10 case 7: every poll failed on one bad object and the bookmark never moved.
    Now the bad object is skipped and reported, and the rest is imported."""
    root, _ = taxii
    collection = medallion_collection()
    broken = {
        "type": "report",
        "spec_version": "2.1",
        "id": "report--0d2a1b9e-4c4b-4d0e-9a53-5b9f1e0c7a11",
        "created": "2025-03-11T00:00:00.000Z",
        "modified": "2025-03-11T00:00:00.000Z",
        "published": "2025-03-11T00:00:00.000Z",
        "object_refs": ["not-a-stix-id"],  # and no name: stix2 refuses it
    }
    good = json.loads(_bundle(*_partner_report()))["objects"]
    for obj in [broken, *good]:
        collection["objects"].append(obj)
        collection["manifest"].append(
            {
                "id": obj["id"],
                "date_added": "2025-03-12T00:00:00.000000Z",
                "version": obj.get("modified", obj.get("created", "")),
                "media_type": "application/stix+json;version=2.1",
            }
        )
    result = _cli(db, "poll", "--taxii", root, "--collection", COLLECTION, "--partner", "RIA")
    assert result.exit_code == 0, result.output
    assert "1 invalid object(s) skipped" in result.output and broken["id"] in result.output
    assert "1 assessments (1 new or newer)" in result.output
    assert sharing_table.bookmark(db, root, COLLECTION) == "2025-03-12T00:00:00.000000Z"


@pytest.fixture
def elsewhere() -> Iterator[HTTPServer]:
    """Another local service, on another port: a redirect target that must not be reached."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/secret").respond_with_data("internal")
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2"], ids=["other-port", "other-host"])
def test_a_taxii_redirect_to_another_local_service_is_refused(
    db: sqlite_utils.Database, httpserver: HTTPServer, elsewhere: HTTPServer, host: str
) -> None:
    """Case 17: the API root's own origin may be loopback; a redirect from it to another
    local origin is refused before connecting, and nothing is imported."""
    target = f"http://{host}:{elsewhere.port}/secret"
    base = f"/api1/collections/{COLLECTION}/"
    httpserver.expect_request(base).respond_with_data("", status=302, headers={"Location": target})
    root = httpserver.url_for("/api1/")
    result = _cli(db, "poll", "--taxii", root, "--collection", COLLECTION, "--partner", "RIA")
    assert result.exit_code == 1 and "TAXII request refused" in result.output, result.output
    assert f"{host}:{elsewhere.port}" in result.output
    assert elsewhere.log == []
    assert sharing_table.bookmark(db, root, COLLECTION) is None


def test_taxii_address_check_refuses_metadata_and_private_redirect_targets() -> None:
    check = taxii_client._address_check("taxii.partner.example", 443)
    check("taxii.partner.example", 443, "93.184.216.34")  # public: fine
    check("taxii.partner.example", 443, "10.20.1.5")  # the root's own origin: allowed
    with pytest.raises(ShareError, match="metadata"):
        check("taxii.partner.example", 443, "169.254.169.254")
    with pytest.raises(ShareError, match="private"):
        check("intranet.example", 443, "10.20.1.6")
