# SPDX-License-Identifier: Apache-2.0
"""Sharing: STIX 2.1 export with TLP 2.0 markings (checked by stix2-validator), MISP feed
files, partner imports that fail closed, and the one TLP gate across every output."""

from __future__ import annotations

import copy
import email
import json
import os
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
import stix2
from click.testing import CliRunner
from markdown_it import MarkdownIt
from pytest_httpserver import HTTPServer

from helpers import local_config, rss
from threatbrief import pipeline
from threatbrief.cli import cli
from threatbrief.config import Config, parse_config
from threatbrief.errors import ShareError, UsageError
from threatbrief.models import TLP, Period
from threatbrief.pipeline import digests as outbox
from threatbrief.pipeline import subscribers
from threatbrief.pipeline.exchange import run_export, run_import, validate_bundle
from threatbrief.render import render_brief
from threatbrief.share import markings as _markings
from threatbrief.store import outbox as outbox_table

NOW = datetime(2025, 3, 20, tzinfo=UTC)
MARCH = Period(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC))
# One item per level, each with a canary that must never reach a recipient below that level.
LEVELS = {
    TLP.CLEAR: ("CNRY1CLEAR Russian GRU unit APT28 targets Estonian government ministries"),
    TLP.GREEN: ("CNRY2GREEN Lazarus Group steals cryptocurrency from a Japanese exchange"),
    TLP.AMBER: ("CNRY3AMBER Chinese state-sponsored Volt Typhoon targets Japanese telecoms"),
    TLP.AMBER_STRICT: "CNRY4STRICT APT29 phishing against Estonian diplomats",
    TLP.RED: "CNRY5RED Kimsuky targets Japanese defence researchers",
}
CANARY = {level: title.split()[0] for level, title in LEVELS.items()}


def _url(level: TLP) -> str:
    return f"https://advisories.example/{level.name.lower()}"


@pytest.fixture
def shared(httpserver: HTTPServer, db: sqlite_utils.Database) -> Config:
    httpserver.expect_request("/f").respond_with_data(
        rss(*((level.name, title, _url(level)) for level, title in LEVELS.items()))
    )
    config = local_config({"f": httpserver.url_for("/f")}, kind="cert")  # a vetted CERT: shared
    pipeline.run_fetch(config, db, clock=lambda: NOW)
    for level in LEVELS:
        db.execute("update items set tlp = ? where guid = ?", [level.label, level.name])
    return config


def _export(
    config: Config, db: sqlite_utils.Database, tmp_path: Path, level: TLP, **kw: Any
) -> dict[str, Any]:
    out = tmp_path / "exports" / "march.json"
    out.parent.mkdir(exist_ok=True)
    kw.setdefault("misp_dir", out.parent)
    run_export(config, db, MARCH, level, out, now=kw.pop("now", NOW), **kw)
    return dict(json.loads(out.read_text()))


def _bundle(*objects: Any) -> bytes:
    return stix2.Bundle(objects=list(objects), allow_custom=False).serialize().encode()


# ------------------------------------------------------------------------- the oracle
def test_validator_self_test() -> None:
    """stix2-validator must accept a known-good bundle and reject a known-bad one; without
    its schemas it would fail everything, for the wrong reason."""
    good = json.loads(
        _bundle(
            _markings.marking_object(TLP.GREEN),
            stix2.Identity(
                name="CERT-EE",
                identity_class="organization",
                object_marking_refs=[_markings.marking_id(TLP.GREEN)],
            ),
        )
    )
    assert validate_bundle(good) == []
    bad = copy.deepcopy(good)
    del bad["objects"][1]["name"]  # an identity needs a name
    bad["objects"][1]["created"] = "yesterday"
    assert len(validate_bundle(bad)) >= 1


def test_official_tlp2_markings() -> None:
    clear = json.loads(_markings.marking_object(TLP.CLEAR).serialize())
    assert clear["id"] == "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
    assert clear["created"] == "2022-10-01T00:00:00.000Z" and clear["name"] == "TLP:CLEAR"
    ext = clear["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]
    assert ext == {"extension_type": "property-extension", "tlp_2_0": "clear"}
    assert _markings.marking_id(TLP.AMBER_STRICT).endswith("939a9414-2ddd-4d32-a0cd-375ea402b003")


# ------------------------------------------------------------------------- export
@pytest.mark.parametrize("clearance", [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT])
def test_export_is_valid_marked_and_within_clearance(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path, clearance: TLP
) -> None:
    bundle = _export(shared, db, tmp_path, clearance, validate=True)
    assert validate_bundle(bundle) == []
    official = {_markings.marking_id(level): level for level in TLP}
    for obj in bundle["objects"]:
        if obj["type"] == "marking-definition":
            assert obj["id"] in official
            continue
        (ref,) = obj["object_marking_refs"]
        assert official[ref] <= clearance, obj["id"]
    text = json.dumps(bundle, ensure_ascii=False)
    misp = "".join(p.read_text() for p in (tmp_path / "exports").glob("*.json"))
    for level, canary in CANARY.items():
        assert (canary in text) == (level <= clearance), (level, clearance)
        assert (canary in misp) == (level <= clearance), (level, clearance)


def test_an_unvetted_feeds_reports_are_not_shared(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    httpserver.expect_request("/blog").respond_with_data(
        rss(*((level.name, title, _url(level)) for level, title in LEVELS.items()))
    )
    config = local_config({"blog": httpserver.url_for("/blog")})  # no kind: unknown
    pipeline.run_fetch(config, db, clock=lambda: NOW)
    text = json.dumps(_export(config, db, tmp_path, TLP.CLEAR))
    assert "CNRY1CLEAR" not in text  # a brief lists it as unverified; a partner never gets it


def test_export_contents_and_relationships(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    bundle = _export(shared, db, tmp_path, TLP.AMBER_STRICT)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for obj in bundle["objects"]:
        by_type.setdefault(obj["type"], []).append(obj)
    (report,) = by_type["report"]
    others = {o["id"] for o in bundle["objects"]} - {report["id"]}
    assert set(report["object_refs"]) <= others and report["description"]
    names = {o["name"] for o in by_type["intrusion-set"]}
    assert {"APT28", "APT29", "Lazarus Group", "Volt Typhoon"} <= names
    apt28 = next(o for o in by_type["intrusion-set"] if o["name"] == "APT28")
    assert "Fancy Bear" in apt28["aliases"]
    assert {o["country"] for o in by_type["location"]} >= {"EE", "JP"}
    classes = {o["identity_class"]: o for o in by_type["identity"]}
    assert classes["organization"]["name"] == shared.organisation
    assert any(o["identity_class"] == "class" and o["sectors"] for o in by_type["identity"])
    urls = {_url(level) for level in LEVELS}
    ids = {o["id"]: o for o in bundle["objects"]}
    for rel in by_type["relationship"]:
        assert rel["external_references"] and {r["url"] for r in rel["external_references"]} <= urls
    attributed = {
        (ids[r["source_ref"]]["name"], ids[r["target_ref"]]["name"])
        for r in by_type["relationship"]
        if r["relationship_type"] == "attributed-to"
    }
    # the sources name Russia and China as the actors' states; Lazarus's item names no state
    assert ("APT28", "Russia (state-sponsored actors)") in attributed
    assert ("Volt Typhoon", "China (state-sponsored actors)") in attributed
    assert not any(a == "Lazarus Group" for a, _ in attributed)
    assert len(by_type["note"]) >= 4
    assert all(n["external_references"] for n in by_type["note"])
    # a group is described from the public lexicon, but its presence says an item named it:
    # named only by the AMBER item, Volt Typhoon is AMBER; APT28, named by a CLEAR one, CLEAR
    volt = next(o for o in by_type["intrusion-set"] if o["name"] == "Volt Typhoon")
    assert volt["object_marking_refs"] == [_markings.marking_id(TLP.AMBER)]
    assert apt28["object_marking_refs"] == [_markings.marking_id(TLP.CLEAR)]
    volt_says = [r for r in by_type["relationship"] if r["source_ref"] == volt["id"]]
    assert volt_says and all(
        r["object_marking_refs"] == [_markings.marking_id(TLP.AMBER)] for r in volt_says
    )
    assert report["object_marking_refs"] == [_markings.marking_id(TLP.AMBER_STRICT)]


def test_reexport_keeps_ids_with_a_newer_modified(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    first = _export(shared, db, tmp_path, TLP.GREEN)
    second = _export(shared, db, tmp_path, TLP.GREEN, now=datetime(2025, 3, 21, tzinfo=UTC))
    a = {o["id"]: o for o in first["objects"]}
    b = {o["id"]: o for o in second["objects"]}
    assert set(a) == set(b) and first["id"] != second["id"]  # same objects, a new envelope
    for oid, obj in a.items():
        if obj["type"] != "marking-definition":
            assert b[oid]["created"] == obj["created"] and b[oid]["modified"] > obj["modified"]
    manifest = json.loads((tmp_path / "exports" / "manifest.json").read_text())
    (event_id,) = manifest
    event = json.loads((tmp_path / "exports" / f"{event_id}.json").read_text())["Event"]
    assert {"name": "tlp:green", "colour": "#000000"} in event["Tag"]
    assert manifest[event_id]["info"] == event["info"] and event["Attribute"]


def test_export_checks_partner_codes(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="ISO 3166 alpha-2"):
        _export(shared, db, tmp_path, TLP.GREEN, partners=("EE", "Japan"))


def test_red_never_leaves_by_export(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="TLP:RED never leaves"):
        _export(shared, db, tmp_path, TLP.RED)


# ------------------------------------------------------------------------- import
def _partner_report(
    name: str = "Kimsuky campaign against Japanese researchers",
    level: TLP | None = TLP.GREEN,
    url: str = _url(TLP.CLEAR),
    **extra: Any,
) -> list[Any]:
    marks = [_markings.marking_id(level)] if level is not None else None
    group = stix2.IntrusionSet(name="Kimsuky", aliases=["Emerald Sleet"], object_marking_refs=marks)
    report = stix2.Report(
        name=name,
        description="The activity is assessed to be North Korean. It continues.",
        published=datetime(2025, 3, 12, tzinfo=UTC),
        object_refs=[group.id],
        external_references=[{"source_name": "partner", "url": url}],
        object_marking_refs=marks,
        **extra,
    )
    return [*(_markings.markings_for([level]) if level is not None else []), group, report]


def test_import_stores_assessments_and_partner_tags(
    shared: Config, db: sqlite_utils.Database
) -> None:
    data = _bundle(*_partner_report())
    result = run_import(db, data, "JPCERT-CC", now=NOW)
    assert (result.assessments, result.changed, result.tlp) == (1, 1, "green")
    row = db.execute("select partner, type, tlp, actors, file_sha256 from assessments").fetchone()
    assert row[:4] == ("JPCERT-CC", "report", "green", "Kimsuky") and len(row[4]) == 64
    tags = db.execute(
        "select kind, value, tlp from tags where origin = 'partner:JPCERT-CC' order by kind"
    ).fetchall()
    assert tags == [("actor", "Kimsuky", "green"), ("actor_set", "north-korea", "green")]
    # partner tags carry their level: a clear reader never sees a green attribution
    for clearance, seen in ((TLP.CLEAR, False), (TLP.GREEN, True)):
        rows = pipeline.period_items(shared, db, MARCH, clearance)
        clear_item = next(r for r in rows if r.url == _url(TLP.CLEAR))
        assert ("Kimsuky" in clear_item.actors) is seen
    again = run_import(db, data, "JPCERT-CC", now=NOW)
    assert again.changed == 0
    assert db.execute("select count(*) from tags where origin like 'partner:%'").fetchone() == (2,)


def test_export_then_import_round_trip(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    bundle = _export(shared, db, tmp_path, TLP.AMBER)
    result = run_import(db, json.dumps(bundle).encode(), "RIA", now=NOW)
    assert result.assessments == 1 + sum(o["type"] == "note" for o in bundle["objects"])
    assert result.tlp == "amber" and result.tags > 0


def _spoofed(kind: str) -> list[Any]:
    objects = _partner_report(level=None)
    group, report = objects
    green = json.loads(_markings.marking_object(TLP.GREEN).serialize())
    if kind == "custom-tlp-name":
        fake = stix2.MarkingDefinition(
            definition_type="statement", definition={"statement": "TLP:GREEN"}, name="TLP:GREEN"
        )
        return [fake, group, report.new_version(object_marking_refs=[fake.id])]
    if kind == "official-id-altered":
        green["name"] = "TLP:CLEAR"
        return [green, group, report.new_version(object_marking_refs=[green["id"]])]
    if kind == "dangling":
        ref = f"marking-definition--{uuid.uuid4()}"
        return [group, report.new_version(object_marking_refs=[ref])]
    if kind == "granular-red":
        return [
            *_markings.markings_for([TLP.GREEN, TLP.RED]),
            group,
            report.new_version(
                object_marking_refs=[_markings.marking_id(TLP.GREEN)],
                granular_markings=[
                    {"marking_ref": _markings.marking_id(TLP.RED), "selectors": ["description"]}
                ],
            ),
        ]
    if kind == "granular-language":
        return [
            *_markings.markings_for([TLP.GREEN]),
            group.new_version(object_marking_refs=[_markings.marking_id(TLP.GREEN)]),
            report.new_version(
                object_marking_refs=[_markings.marking_id(TLP.GREEN)],
                granular_markings=[{"lang": "ja", "selectors": ["description"]}],
            ),
        ]
    if kind == "red-by-reference":
        red_group = group.new_version(object_marking_refs=[_markings.marking_id(TLP.RED)])
        return [
            *_markings.markings_for([TLP.GREEN, TLP.RED]),
            red_group,
            report.new_version(object_marking_refs=[_markings.marking_id(TLP.GREEN)]),
        ]
    if kind == "tlp1-white":
        white = [stix2.TLP_WHITE]
        return [
            stix2.TLP_WHITE,
            group.new_version(object_marking_refs=white),
            report.new_version(object_marking_refs=white),
        ]
    if kind == "unmarked":
        return [group, report]
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind,expected",
    [
        ("custom-tlp-name", "red"),
        ("official-id-altered", "red"),
        ("dangling", "red"),
        ("granular-red", "red"),
        ("granular-language", "green"),
        ("red-by-reference", "red"),
        ("tlp1-white", "clear"),
        ("unmarked", "amber"),
    ],
)
def test_markings_fail_closed(
    shared: Config, db: sqlite_utils.Database, kind: str, expected: str
) -> None:
    objects = [json.loads(o.serialize()) if hasattr(o, "serialize") else o for o in _spoofed(kind)]
    data = json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects})
    run_import(db, data.encode(), "CERT-X", now=NOW)
    assert db.execute("select tlp from assessments").fetchone() == (expected,)


def test_a_red_bundle_is_imported_and_stays_local(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    result = run_import(db, _bundle(*_partner_report(level=TLP.RED)), "CERT-X", now=NOW)
    assert result.tlp == "red"
    bundle = _export(shared, db, tmp_path, TLP.AMBER_STRICT)
    assert "Kimsuky campaign" not in json.dumps(bundle)
    local = pipeline.partner_assessments(db, MARCH, TLP.RED)
    assert [a.name for a in local] == ["Kimsuky campaign against Japanese researchers"]
    assert pipeline.partner_assessments(db, MARCH, TLP.AMBER_STRICT) == []


def _good() -> list[dict[str, Any]]:
    return [json.loads(o.serialize()) for o in _partner_report()]


def _raw(objects: Any) -> bytes:
    return json.dumps(
        {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
    ).encode()


def _without_type() -> bytes:
    objects = _good()
    del objects[1]["type"]
    return _raw(objects)


def _bad_timestamp() -> bytes:
    objects = _good()
    objects[2]["published"] = "2025-13-45T99:00:00Z"
    return _raw(objects)


def _unknown_type() -> bytes:
    objects = _good()
    objects.append({"type": "x-secret-thing", "id": f"x-secret-thing--{uuid.uuid4()}"})
    return _raw(objects)


def _many_refs() -> bytes:
    objects = _good()
    objects[2]["object_refs"] = [f"indicator--{uuid.uuid4()}" for _ in range(10_000)]
    return _raw(objects)


def _duplicate() -> bytes:
    objects = _good()
    twin = copy.deepcopy(objects[2])
    twin["name"] = "A different report under the same id"
    return _raw([*objects, twin])


@pytest.mark.parametrize(
    "make,message",
    [
        (_without_type, "object 1 (no type"),
        (_bad_timestamp, "(report report--"),
        (_unknown_type, "(x-secret-thing x-secret-thing--"),
        (_many_refs, "10,000 object_refs"),
        (_duplicate, "same id and version appear with different content"),
        (lambda: _raw([])[:-7], "not valid JSON (truncated?)"),
        (lambda: b'{"type": "indicator", "id": "x"}', "expected a STIX bundle"),
        (lambda: b"[1, 2, 3]", "expected a STIX bundle"),
        (lambda: b" " * (100 * 1024 * 1024), "limited to 50 MB"),
        (lambda: _raw([]).replace(b"[]", b"[" * 100_000 + b"]" * 100_000), "nested too deeply"),
    ],
    ids=[
        "missing-type",
        "bad-timestamp",
        "unknown-type",
        "10000-refs",
        "duplicate-ids",
        "truncated",
        "not-a-bundle",
        "array",
        "100MB",
        "nested-100000-deep",
    ],
)
def test_bad_bundles_are_refused_whole(
    shared: Config, db: sqlite_utils.Database, make: Callable[[], bytes], message: str
) -> None:
    with pytest.raises(ShareError, match="not imported") as info:
        run_import(db, make(), "CERT-X", now=NOW)
    assert message in str(info.value)
    assert db.execute("select count(*) from assessments").fetchone() == (0,)
    assert db.execute("select count(*) from tags where origin like 'partner:%'").fetchone() == (0,)


def test_script_in_a_partner_report_never_becomes_markup(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    name = '<script>alert("x")</script><img src=x onerror=alert(1)> Kimsuky [click](javascript:x)'
    run_import(db, _bundle(*_partner_report(name=name)), "CERT-X", now=NOW)
    for fmt in ("html", "md", "txt"):
        out = tmp_path / f"brief.{fmt}"
        pipeline.run_brief(shared, db, MARCH, ["EE", "JP"], out, fmt, clock=lambda: NOW)
        text = out.read_text()
        assert "CERT" in text and "alert" in text  # the assessment is there, as text
        if fmt != "txt":  # markup characters come out escaped: &lt; in HTML, \< in Markdown
            assert not re.search(r"(?<!\\)<(script|img)", text)
        if fmt == "md":  # rendered by a real CommonMark renderer: text, never a link
            rendered = MarkdownIt("commonmark").render(text)
            assert "<script" not in rendered and "<img" not in rendered
            assert not re.search(r"<a [^>]*javascript", rendered)
            assert "[click](javascript:x)" in rendered


# ------------------------------------------------------------------------- one TLP gate
@pytest.mark.parametrize("clearance", list(TLP))
def test_tlp_gate_in_every_output(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path, clearance: TLP
) -> None:
    """Every output kind for a recipient of each clearance, grepped for the canaries."""
    texts: dict[str, str] = {}
    for fmt in ("html", "md", "txt", "json"):
        out = tmp_path / f"brief.{fmt}"
        pipeline.run_brief(
            shared, db, MARCH, ["EE", "JP"], out, fmt, clock=lambda: NOW, clearance=clearance
        )
        texts[f"brief.{fmt}"] = out.read_text()
    if clearance is not TLP.RED:
        subscribers.add_subscriber(db, "r@cert.example", tlp=clearance.label, now=NOW)
        written = outbox.write_digest(
            shared,
            db,
            outbox_table.subscribers(db, "r@cert.example")[0],
            MARCH,
            tmp_path / "outbox",
            clock=lambda: NOW,
        )
        assert written is not None
        msg = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
        texts["digest"] = "".join(
            part.get_content() for part in msg.walk() if part.get_content_maintype() == "text"
        )
        texts["export"] = json.dumps(_export(shared, db, tmp_path, clearance))
    for output, text in texts.items():
        for level, canary in CANARY.items():
            local = output.startswith("brief")
            allowed = level <= clearance and (local or level is not TLP.RED)
            assert (canary in text) == allowed, (output, level.label, clearance.label)
    assert f"TLP:{clearance.label.upper()}" in texts["brief.html"]


def test_render_escapes_partner_text_in_json(shared: Config, db: sqlite_utils.Database) -> None:
    run_import(db, _bundle(*_partner_report(name="</script><b>x</b>")), "CERT-X", now=NOW)
    ctx_json = render_brief(pipeline_brief_context(shared, db), "json")
    assert json.loads(ctx_json)["partner_assessments"][0]["name"] == "</script><b>x</b>"


def pipeline_brief_context(config: Config, db: sqlite_utils.Database) -> Any:
    from threatbrief.brief.write import build_brief
    from threatbrief.tag.lexicon import actor_states

    items = pipeline.period_items(config, db, MARCH, TLP.RED)
    return build_brief(
        items,
        [],
        MARCH,
        ["EE", "JP"],
        "test",
        NOW,
        assessments=pipeline.partner_assessments(db, MARCH, TLP.RED),
        actor_states=actor_states(),
    )


def test_versions_compare_as_times_not_as_text(shared: Config, db: sqlite_utils.Database) -> None:
    objects = [json.loads(o.serialize()) for o in _partner_report()]
    report = objects[-1]
    report["modified"] = "2025-03-12T08:00:00.000Z"
    assert run_import(db, _raw(objects), "CERT-X", now=NOW).changed == 1
    report["modified"] = "2025-03-12T08:00:00Z"  # the same instant, written shorter
    assert run_import(db, _raw(objects), "CERT-X", now=NOW).changed == 0
    report["modified"] = "2025-03-12T08:00:00.5Z"
    report["name"] = "Kimsuky campaign, revised"
    assert run_import(db, _raw(objects), "CERT-X", now=NOW).changed == 1
    assert db.execute("select name from assessments").fetchall() == [("Kimsuky campaign, revised",)]
    assert db.execute("select count(*) from tags where origin = 'partner:CERT-X'").fetchone() == (
        2,
    )


def test_a_damaged_manifest_is_not_overwritten(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"a1b2": {"info": "an earlier export"')  # cut off
    with pytest.raises(UsageError, match="manifest.json cannot be read"):
        _export(shared, db, tmp_path, TLP.GREEN)
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json"]


def test_explain_shows_partner_tags_and_feed_text_is_not_markup(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    """Rich markup in untrusted text ("[/]" closes nothing, "[link=…]") is printed as text."""
    run_import(db, _bundle(*_partner_report(name="Kimsuky [/] [link=javascript:x]here")), "CERT-X",
               now=NOW)  # fmt: skip
    (item_id,) = db.execute("select id from items where url = ?", [_url(TLP.CLEAR)]).fetchone()
    db.execute("update items set title = '[/] [bold]CNRY1CLEAR[/bold]' where id = ?", [item_id])
    db.execute("update feeds set last_error = 'HTTP 500 [/] [red]x' where id = 'f'")
    path = db.execute("pragma database_list").fetchone()[2]
    runner = CliRunner()
    explained = runner.invoke(cli, ["--db", path, "explain", item_id])
    assert explained.exit_code == 0, explained.output
    assert "[/] [bold]CNRY1CLEAR[/bold]" in explained.stdout
    assert "actor=Kimsuky: CERT-X assesses so in 'Kimsuky [/] [link=javascript:x]here'" in (
        explained.stdout
    )
    config = tmp_path / "feeds.yaml"
    config.write_text("version: 1\nfeeds:\n  - {id: f, url: 'https://f.example/rss'}\n")
    health = runner.invoke(cli, ["--db", path, "-c", str(config), "feeds"])
    assert health.exit_code == 0, health.output
    assert "[/]" in health.stdout and "[red]x" in health.stdout  # the cell wraps, unstyled


def test_assessments_lists_what_partners_sent(shared: Config, db: sqlite_utils.Database) -> None:
    run_import(db, _bundle(*_partner_report()), "JPCERT-CC", now=NOW)
    run_import(db, _raw([json.loads(o.serialize()) for o in _spoofed("dangling")]), "CERT-X",
               now=NOW)  # fmt: skip
    path = db.execute("pragma database_list").fetchone()[2]
    listed = CliRunner().invoke(cli, ["--db", path, "assessments", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = {r["partner"]: r for r in json.loads(listed.stdout)}
    assert rows["JPCERT-CC"]["tlp"] == "green" and rows["JPCERT-CC"]["actors"] == "Kimsuky"
    assert (
        rows["CERT-X"]["tlp"] == "red"
        and "not defined in the bundle" in (rows["CERT-X"]["marking_notes"])
    )
    table = CliRunner().invoke(cli, ["--db", path, "assessments", "--partner", "CERT-X"])
    assert table.exit_code == 0 and "CERT-X" in table.stdout and "JPCERT" not in table.stdout


def test_red_reaches_a_report_through_a_note(shared: Config, db: sqlite_utils.Database) -> None:
    """report → note → red group: the report is red too, whatever the order in the bundle."""
    green, red = _markings.marking_id(TLP.GREEN), _markings.marking_id(TLP.RED)
    group = stix2.IntrusionSet(name="Kimsuky", object_marking_refs=[red])
    note = stix2.Note(content="Assessed with a partner's sensitive source.",
                      object_refs=[group.id], object_marking_refs=[green])  # fmt: skip
    report = stix2.Report(
        name="Quarterly assessment",
        published=datetime(2025, 3, 12, tzinfo=UTC),
        object_refs=[note.id],
        object_marking_refs=[green],
    )
    markings = _markings.markings_for([TLP.GREEN, TLP.RED])
    for order in ([report, note, group], [group, note, report]):
        db.execute("delete from assessments")
        run_import(db, _bundle(*markings, *order), "CERT-X", now=NOW)
        levels = dict(db.execute("select type, tlp from assessments").fetchall())
        assert levels == {"report": "red", "note": "red"}, order


def test_several_versions_in_one_bundle_import_the_newest(
    shared: Config, db: sqlite_utils.Database
) -> None:
    objects = _good()
    newer = copy.deepcopy(objects[2])
    newer["modified"] = "2099-01-01T00:00:00.000Z"
    newer["name"] = "Kimsuky campaign, second version"
    # newest first, then the older version; the marking definition twice, unchanged
    result = run_import(db, _raw([newer, objects[0], *objects]), "CERT-X", now=NOW)
    assert result.assessments == 1
    assert db.execute("select name from assessments").fetchall() == [
        ("Kimsuky campaign, second version",)
    ]


# ------------------------------------------------------------------------- reliability (#10)
def _partner_tags_clear_item(db: sqlite_utils.Database, level: TLP) -> None:
    """A partner attributes the CLEAR item (APT28 against Estonia) to Kimsuky at `level`."""
    run_import(db, _bundle(*_partner_report(level=level)), "JPCERT-CC", now=NOW)


@pytest.mark.parametrize("level", [TLP.AMBER, TLP.AMBER_STRICT], ids=["amber", "amber-strict"])
def test_an_export_resting_on_a_partner_tag_carries_its_level(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path, level: TLP
) -> None:
    """Case 8: the relationship, the report, the MISP tag and the printed level all carry the
    partner tag's level, not the CLEAR item's; and the partner's judgement alone never makes
    an `attributed-to`."""
    db.execute("delete from items where guid != 'CLEAR'")
    _partner_tags_clear_item(db, level)
    out = tmp_path / "exports" / "march.json"
    out.parent.mkdir()
    result = run_export(shared, db, MARCH, level, out, now=NOW, misp_dir=out.parent)
    bundle = json.loads(out.read_text())
    official = {_markings.marking_id(lv): lv for lv in TLP}
    by_id = {o["id"]: o for o in bundle["objects"]}
    kimsuky = next(o for o in bundle["objects"] if o.get("name") == "Kimsuky")
    resting = [
        o
        for o in bundle["objects"]
        if o["type"] == "relationship" and kimsuky["id"] in (o["source_ref"], o["target_ref"])
    ]
    assert resting and all(official[o["object_marking_refs"][0]] == level for o in resting)
    assert not any(
        o["relationship_type"] == "attributed-to" and o["source_ref"] == kimsuky["id"]
        for o in resting
    )
    (report,) = [o for o in by_id.values() if o["type"] == "report"]
    assert official[report["object_marking_refs"][0]] == level
    assert result.tlp == level.label
    assert result.misp_path is not None
    event = json.loads(result.misp_path.read_text())["Event"]
    assert {"name": f"tlp:{level.label}", "colour": "#000000"} in event["Tag"]


def test_exports_at_two_levels_are_two_misp_events(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    """Case 8: the event id depends on the level, so one never overwrites the other."""
    db.execute("delete from items where guid != 'CLEAR'")
    _partner_tags_clear_item(db, TLP.AMBER)
    folder = tmp_path / "feed"
    folder.mkdir()
    clear = run_export(shared, db, MARCH, TLP.CLEAR, folder / "c.json", now=NOW, misp_dir=folder)
    amber = run_export(shared, db, MARCH, TLP.AMBER, folder / "a.json", now=NOW, misp_dir=folder)
    assert clear.misp_path != amber.misp_path
    manifest = json.loads((folder / "manifest.json").read_text())
    tags = sorted(t["name"] for e in manifest.values() for t in e["Tag"] if t["name"][:4] == "tlp:")
    assert tags == ["tlp:amber", "tlp:clear"]
    assert "Kimsuky" not in (folder / "c.json").read_text()


def test_a_digest_with_a_partners_amber_tag_says_amber(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    """Case 9: the subject's label is the highest level inside, tags included."""
    db.execute("delete from items where guid != 'CLEAR'")
    _partner_tags_clear_item(db, TLP.AMBER)
    subscribers.add_subscriber(db, "liaison@cert.example", tlp="amber", now=NOW)
    (sub,) = outbox_table.subscribers(db)
    written = outbox.write_digest(shared, db, sub, MARCH, tmp_path, clock=lambda: NOW)
    assert written is not None
    msg = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert msg["Subject"].endswith("[TLP:AMBER]")


def test_a_red_feeds_name_and_errors_stay_out_of_a_clear_brief(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    """Case 10: feed metadata has the feed's level."""
    httpserver.expect_request("/open").respond_with_data(
        rss(("1", "GRU unit APT28 targets Estonian ministries", "https://x.example/1"))
    )
    httpserver.expect_request("/closed").respond_with_data("gone", status=500)
    config = parse_config(
        {
            "version": 1,
            "defaults": {"allow_networks": ["127.0.0.1/32"], "timeout": "3s", "retries": 0},
            "feeds": [
                {"id": "open-feed", "url": httpserver.url_for("/open")},
                {
                    "id": "sekrit-partner-feed",
                    "name": "Sekrit partner channel",
                    "url": httpserver.url_for("/closed"),
                    "tlp": "red",
                },
            ],
        },
        "test.yaml",
    )
    pipeline.run_fetch(config, db, clock=lambda: NOW)
    for clearance, seen in ((TLP.CLEAR, False), (TLP.RED, True)):
        out = tmp_path / f"brief-{clearance.name}.md"
        pipeline.run_brief(
            config, db, MARCH, ["EE", "JP"], out, "md", clock=lambda: NOW, clearance=clearance
        )
        text = out.read_text()
        assert ("sekrit" in text.lower()) is seen, clearance


@pytest.mark.parametrize("kind", ["fifo", "folder", "link"], ids=str)
def test_an_export_never_replaces_what_is_not_a_regular_file(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path, kind: str
) -> None:
    """Case 22: `export -o` replaced whatever was there, a device file included. (A FIFO
    stands in for a device: a test must not risk /dev/null on the code it checks.)"""
    out = tmp_path / "target"
    if kind == "fifo":
        os.mkfifo(out)
    elif kind == "folder":
        out.mkdir()
    else:
        (tmp_path / "elsewhere").write_text("keep me")
        out.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UsageError, match="not a regular file"):
        run_export(shared, db, MARCH, TLP.CLEAR, out, now=NOW)
    assert out.is_fifo() or out.is_dir() or (tmp_path / "elsewhere").read_text() == "keep me"


def test_an_export_writes_a_misp_feed_only_where_asked(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    """Case 22: no MISP files beside the bundle unless --misp-dir names a folder, and a write
    the system refuses is one clear error."""
    out = tmp_path / "exports" / "b.json"
    out.parent.mkdir()
    result = run_export(shared, db, MARCH, TLP.CLEAR, out, now=NOW)
    assert result.misp_path is None and [p.name for p in out.parent.iterdir()] == ["b.json"]
    with pytest.raises(UsageError, match="cannot write /proc/self/"):
        run_export(shared, db, MARCH, TLP.CLEAR, out, now=NOW, misp_dir=Path("/proc/self"))


PARTNER_CANARY = {
    TLP.GREEN: ("PCNRYGREEN", "Andariel"),
    TLP.AMBER: ("PCNRYAMBER", "Kimsuky"),
    TLP.AMBER_STRICT: ("PCNRYSTRICT", "APT37"),
    TLP.RED: ("PCNRYRED", "Lazarus Group"),
}


def _partner_at(level: TLP) -> list[Any]:
    canary, group_name = PARTNER_CANARY[level]
    marks = [_markings.marking_id(level)]
    group = stix2.IntrusionSet(name=group_name, object_marking_refs=marks)
    report = stix2.Report(
        name=f"{canary} {group_name} behind the ministry intrusions",
        description=f"{canary}: assessed with moderate confidence.",
        published=datetime(2025, 3, 12, tzinfo=UTC),
        object_refs=[group.id],
        external_references=[{"source_name": "partner", "url": _url(TLP.CLEAR)}],
        object_marking_refs=marks,
    )
    return [*_markings.markings_for([level]), group, report]


@pytest.mark.parametrize("clearance", list(TLP), ids=lambda t: t.label)
def test_every_output_carries_the_level_of_what_it_rests_on(
    shared: Config, db: sqlite_utils.Database, tmp_path: Path, clearance: TLP
) -> None:
    """The TLP test of issue #10: items at every level, and partners' tags at every level on
    the CLEAR item. For a recipient of each clearance, every output kind holds exactly the
    canaries it may, and every label (subject, brief, STIX marking, MISP tag, the printed
    level) is at least the highest level of what it rests on."""
    for level in PARTNER_CANARY:
        run_import(db, _bundle(*_partner_at(level)), f"P-{level.name}", now=NOW)
    may = {lv: lv <= clearance for lv in TLP}
    expected_top = max(lv for lv in TLP if lv <= clearance)
    texts: dict[str, str] = {}
    for fmt in ("html", "md", "txt", "json"):
        out = tmp_path / f"brief.{fmt}"
        result = pipeline.run_brief(
            shared, db, MARCH, ["EE", "JP"], out, fmt, clock=lambda: NOW, clearance=clearance
        )
        texts[f"brief.{fmt}"] = out.read_text()
        assert result.tlp == expected_top.label, (fmt, result.tlp)
    emailable = clearance is not TLP.RED
    if emailable:
        subscribers.add_subscriber(db, "r@cert.example", tlp=clearance.label, now=NOW)
        (sub,) = outbox_table.subscribers(db, "r@cert.example")
        written = outbox.write_digest(shared, db, sub, MARCH, tmp_path / "o", clock=lambda: NOW)
        assert written is not None
        msg = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
        assert msg["Subject"].endswith(f"[TLP:{expected_top.label.upper()}]")
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                texts[f"digest.{part.get_content_subtype()}"] = part.get_content()
        out = tmp_path / "x" / "b.json"
        out.parent.mkdir()
        export = run_export(shared, db, MARCH, clearance, out, now=NOW, misp_dir=out.parent)
        assert export.misp_path is not None
        texts["stix"] = out.read_text()
        texts["misp"] = export.misp_path.read_text()
        assert export.tlp == expected_top.label
        _markings_rest_on_their_sources(json.loads(texts["stix"]), clearance)
        event = json.loads(texts["misp"])["Event"]
        assert {"name": f"tlp:{expected_top.label}", "colour": "#000000"} in event["Tag"]
    for output, text in texts.items():
        local = output.startswith("brief")
        for level, canary in CANARY.items():
            allowed = may[level] and (local or level is not TLP.RED)
            assert (canary in text) == allowed, (output, canary, clearance.label)
        for level, (canary, _) in PARTNER_CANARY.items():
            allowed = may[level] and (local or level is not TLP.RED)
            if not allowed:
                assert canary not in text, (output, canary, clearance.label)
            elif local:  # a partner's own words reach briefs; digests and exports cite items
                assert canary in text, (output, canary, clearance.label)


def _markings_rest_on_their_sources(bundle: dict[str, Any], clearance: TLP) -> None:
    """Every relationship and note is marked at least as high as each item it cites, counted
    with the partners' tags on it; the report at least as high as everything."""
    official = {_markings.marking_id(lv): lv for lv in TLP}
    item_level = {_url(lv): lv for lv in LEVELS}
    item_level[_url(TLP.CLEAR)] = max(
        [TLP.CLEAR, *(lv for lv in PARTNER_CANARY if lv <= clearance and lv is not TLP.RED)]
    )
    levels = []
    for obj in bundle["objects"]:
        if obj["type"] == "marking-definition":
            continue
        (ref,) = obj["object_marking_refs"]
        level = official[ref]
        assert level <= clearance and level is not TLP.RED, obj["id"]
        levels.append(level)
        for cited in obj.get("external_references", []):
            if cited.get("url") in item_level:
                assert level >= item_level[cited["url"]], (obj["type"], obj["id"], cited["url"])
    (report,) = [o for o in bundle["objects"] if o["type"] == "report"]
    assert official[report["object_marking_refs"][0]] == max(levels)


# A Japanese news address: stored as an IRI by an older parser, or fetched now (the parser
# encodes it); either way the export cites it as a URI that stix2-validator accepts.
IRI = "https://news.example/ニュース/北朝鮮?q=ラザルス"
IRI_AS_URI = (
    "https://news.example/%E3%83%8B%E3%83%A5%E3%83%BC%E3%82%B9/%E5%8C%97%E6%9C%9D%E9%AE%AE"
    "?q=%E3%83%A9%E3%82%B6%E3%83%AB%E3%82%B9"
)


@pytest.mark.parametrize("stored", ["stored-as-iri", "fetched-now"])
def test_export_cites_a_japanese_address_as_a_valid_uri(
    httpserver: HTTPServer, db: sqlite_utils.Database, tmp_path: Path, stored: str
) -> None:
    link = "https://advisories.example/jp" if stored == "stored-as-iri" else IRI
    httpserver.expect_request("/jp").respond_with_data(
        rss(("jp-1", "Lazarus Group steals cryptocurrency from a Japanese exchange", link))
    )
    config = local_config({"jp": httpserver.url_for("/jp")}, kind="cert")
    pipeline.run_fetch(config, db, clock=lambda: NOW)
    if stored == "stored-as-iri":
        db.execute("update items set url = ?", [IRI])
    bundle = _export(config, db, tmp_path, TLP.CLEAR)
    assert validate_bundle(bundle) == []
    cited = [
        ref["url"]
        for obj in bundle["objects"]
        for ref in obj.get("external_references", [])
        if "url" in ref
    ]
    assert cited and set(cited) == {IRI_AS_URI}
    run_export(
        config, db, MARCH, TLP.CLEAR, tmp_path / "exports" / "v.json", now=NOW, validate=True
    )
