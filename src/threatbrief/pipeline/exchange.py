# SPDX-License-Identifier: Apache-2.0
"""Sharing as a use case: export a period as a STIX 2.1 bundle plus a MISP feed entry, import
a partner's bundle, publish to and poll TAXII 2.1 collections, list partners' assessments.

Configuration, database and clock in; files out. The TLP gate (`models.ceiling`, channel
`export`) is applied in the store query, so nothing above `--tlp` is ever read, and `red`
never leaves. Validation with stix2-validator is optional because it is slow (about 1.3 ms an
object); the tests validate an export at each clearance.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils
import stix2

from .._files import refuse_unless_regular, write_whole
from ..brief.write import build_brief
from ..config import Config
from ..errors import BundleError, ShareError, UsageError
from ..models import TLP, Clock, Period, ceiling, may_receive, utc_now
from ..share import taxii
from ..share.partner import PartnerBundle, fold, read_bundle
from ..share.stix import ExportInput, build_objects, manifest_entry, misp_event
from ..store import sharing as sharing_table
from ..store.db import transaction
from ..tag import Tagger
from ..tag.lexicon import actor_states
from .briefs import actor_aliases, analyst_links, check_partners, period_items, place_names

__all__ = [
    "ExportResult",
    "ImportResult",
    "PollResult",
    "list_assessments",
    "poll_collection",
    "publish_bundle",
    "run_export",
    "run_import",
    "validate_bundle",
]


@dataclass
class ExportResult:
    """What an export wrote."""

    path: Path
    misp_path: Path | None
    objects: int
    tlp: str
    sha256: str


def validate_bundle(bundle: dict[str, Any]) -> list[str]:
    """stix2-validator's errors for a bundle (empty when it conforms)."""
    from stix2validator import ValidationOptions, validate_instance

    result = validate_instance(bundle, ValidationOptions(version="2.1"))
    return [str(e) for e in result.errors]


def _write_json(path: Path, value: Any) -> bytes:
    """Write JSON whole (see `_files.write_whole`).

    Raises:
        UsageError: the target is not a regular file, or the disk refused the write.
    """
    data = (json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode()
    write_whole(path, data)
    return data


def run_export(
    config: Config,
    db: sqlite_utils.Database,
    period: Period,
    clearance: TLP,
    out: Path,
    *,
    now: datetime,
    partners: tuple[str, ...] = ("EE", "JP"),
    tagger: Tagger | None = None,
    validate: bool = False,
    misp_dir: Path | None = None,
) -> ExportResult:
    """Write the period's bundle to `out`, and with `misp_dir` its MISP event and the
    folder's manifest.json there (a MISP feed folder is only ever one the user named).

    Raises:
        UsageError: clearance `red`, a missing output folder, a target that is not a regular
            file, a damaged manifest.json, a write the disk refused, or (with `validate`) a
            bundle that stix2-validator rejects.
    """
    level = ceiling(clearance, "export")
    if level is None or clearance is TLP.RED:
        raise UsageError(
            "TLP:RED never leaves by export; choose clear, green, amber or amber+strict"
        )
    check_partners(partners)
    if not out.parent.is_dir():
        raise UsageError(f"output folder {out.parent} does not exist")
    refuse_unless_regular(out)
    manifest: dict[str, Any] = {}
    if misp_dir is not None:
        if not misp_dir.is_dir():
            raise UsageError(f"MISP feed folder {misp_dir} does not exist")
        manifest = _manifest(misp_dir / "manifest.json")  # before anything is written
    # quarantined items (active content in their text) never leave until released
    items = [i for i in period_items(config, db, period, level) if not i.quarantined]
    before = [i for i in period_items(config, db, period.previous(), level) if not i.quarantined]
    lexicon = (tagger or Tagger.default()).lexicon
    brief = build_brief(
        items,
        before,
        period,
        list(partners),
        config.organisation,
        now,
        [],
        [],
        lexicon.actor_states() if tagger is not None else actor_states(),
        aliases=actor_aliases(),
        links=analyst_links(db),
        places=place_names(),
    )
    # what only feeds of unknown kind report is the brief's "unverified": never shared
    unvetted = {i.id for story in brief.unverified for i in story.items}
    items = [i for i in items if i.id not in unvetted]
    stated = {i.id: list(i.stated) for i in items}
    objects = build_objects(
        ExportInput(brief, items, stated, lexicon.actors, config.organisation, now, partners)
    )
    bundle = stix2.Bundle(objects=objects, allow_custom=False)  # an envelope: a fresh UUIDv4
    as_json = json.loads(bundle.serialize())
    problems = validate_bundle(as_json) if validate else []
    if problems:
        raise UsageError("the export does not conform to STIX 2.1:\n  " + "\n  ".join(problems))
    data = _write_json(out, as_json)
    misp_path = None
    if misp_dir is not None:
        event = misp_event(objects, config.organisation, now)
        misp_path = misp_dir / f"{event['Event']['uuid']}.json"
        _write_json(misp_path, event)
        # two exports into one feed folder: read, merge and write the manifest under a lock,
        # so neither loses the other's entry
        with open(misp_dir / ".manifest.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            manifest = _manifest(misp_dir / "manifest.json")
            manifest.update(manifest_entry(event))
            _write_json(misp_dir / "manifest.json", manifest)
    top = max([TLP.read(brief.tlp), *(i.tlp for i in items)])  # as the report is marked
    return ExportResult(out, misp_path, len(objects), top.label, hashlib.sha256(data).hexdigest())


def _manifest(path: Path) -> dict[str, Any]:
    """The folder's MISP feed manifest so far; a damaged one is an error, never overwritten."""
    if not path.exists():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise UsageError(f"{path} cannot be read ({exc}); repair or remove it first") from exc
    if not isinstance(manifest, dict):
        raise UsageError(f"{path} is not a MISP feed manifest; repair or remove it first")
    return manifest


@dataclass
class ImportResult:
    """What an import stored."""

    objects: int
    assessments: int
    changed: int
    tags: int
    tlp: str
    marking_notes: list[str]
    skipped: list[str] = field(default_factory=list)


def _without_invalid(data: bytes, names: dict[str, str]) -> tuple[bytes, PartnerBundle, list[str]]:
    """The bundle less the objects that fail their checks, checked again, and what was left
    out. Dropping an object can leave another pointing at nothing: that one then fails the
    second check, or counts as TLP:RED, as any dangling reference does."""
    skipped: list[str] = []
    checked = read_bundle(data, names)
    for _ in range(3):
        if not checked.errors:
            break
        bad = {e.index for e in checked.errors}
        skipped += [str(e) for e in checked.errors]
        bundle = json.loads(data)
        bundle["objects"] = [o for i, o in enumerate(bundle["objects"]) if i not in bad]
        data = json.dumps(bundle).encode()
        checked = read_bundle(data, names)
    return data, checked, skipped


def run_import(
    db: sqlite_utils.Database,
    data: bytes,
    partner: str,
    *,
    now: datetime,
    tagger: Tagger | None = None,
    source: str = "file",
    validate: bool = False,
    skip_invalid: bool = False,
) -> ImportResult:
    """Check a partner's bundle, then store its assessments and the partner tags they imply
    on our matching items, in one transaction: the whole bundle or nothing. With
    `skip_invalid` (a TAXII poll, where one bad object must not stop the feed for good), the
    objects that fail their checks are left out and listed in `skipped` instead.

    Raises:
        UsageError: a partner name that is not a short plain name.
        ShareError: the bundle is unusable or any object in it is invalid, with each error.
    """
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}", partner):
        raise UsageError(f"partner must be a short plain name such as CERT-EE, not {partner!r}")
    lexicon = (tagger or Tagger.default()).lexicon
    names = {
        fold(alias): actor.name
        for actor in lexicon.actors.values()
        for alias in (actor.name, *actor.aliases)
    }
    skipped: list[str] = []
    try:
        if skip_invalid:
            data, checked, skipped = _without_invalid(data, names)
        else:
            checked = read_bundle(data, names)
    except BundleError as exc:
        raise ShareError(f"not imported: {exc}") from None
    if checked.errors:
        raise ShareError(
            f"not imported: {len(checked.errors)} invalid object(s), nothing was stored",
            [str(e) for e in checked.errors],
        )
    if validate:
        problems = validate_bundle(json.loads(data))
        if problems:
            raise ShareError("not imported: stix2-validator rejects the bundle", problems)
    digest = hashlib.sha256(data).hexdigest()
    links = {a["stix_id"]: a.pop("links") for a in checked.assessments}
    rows = [{**a, "file_sha256": digest, "source": source} for a in checked.assessments]
    by_url = sharing_table.items_by_url(db, (url for pairs in links.values() for url, _ in pairs))
    states = {a.name: a.state for a in lexicon.actors.values()}
    tags = []
    for a in rows:
        for url, actor in links[a["stix_id"]]:
            labels = [("actor", actor)] + ([("actor_set", states[actor])] if states[actor] else [])
            tags += [
                {
                    "item_id": item_id,
                    "kind": kind,
                    "value": value,
                    "confidence": 0.8,
                    "rule": "partner-assessment",
                    "evidence_text": a["name"][:200],
                    "field": "partner",
                    "note": a["stix_id"],
                    "tlp": a["tlp"],
                }
                for item_id in by_url.get(url, [])
                for kind, value in labels
            ]
    with transaction(db):
        changed = sharing_table.replace_assessments(db, partner, rows, tags, now)
    notes = [f"{oid}: {'; '.join(why)}" for oid, why in checked.marking_notes.items()]
    return ImportResult(
        checked.objects, len(rows), changed, len(tags), checked.tlp.label, notes, skipped
    )


def publish_bundle(
    data: bytes, api_root: str, collection_id: str, clearance: TLP, environ: Mapping[str, str]
) -> str:
    """Publish a bundle to a TAXII 2.1 collection whose readers hold `clearance`. Every object
    must pass the TLP gate (channel `export`) first: one object above it, or any TLP:RED,
    and nothing is sent. Returns the server's status.

    Raises:
        ShareError: an unreadable or invalid bundle, objects above the clearance, or a
            TAXII failure.
    """
    try:
        checked = read_bundle(data, {})
    except BundleError as exc:
        raise ShareError(f"not published: {exc}") from None
    if checked.errors:
        raise ShareError("not published: invalid objects", [str(e) for e in checked.errors])
    above = sorted(
        o for o, lv in checked.levels.items() if not may_receive(lv, clearance, "export")
    )
    if above:
        raise ShareError(
            f"not published: {len(above)} object(s) are above "
            f"TLP:{clearance.label.upper()} or TLP:RED",
            above,
        )
    target = taxii.collection(api_root, collection_id, environ)
    return taxii.publish(target, json.loads(data))


@dataclass
class PollResult:
    """What one poll of a partner's collection brought: None when nothing was new."""

    since: str | None
    imported: ImportResult | None


def poll_collection(
    db: sqlite_utils.Database,
    api_root: str,
    collection_id: str,
    partner: str,
    environ: Mapping[str, str],
    *,
    clock: Clock = utc_now,
    tagger: Tagger | None = None,
) -> PollResult:
    """Import what a partner's TAXII 2.1 collection gained since the last poll, then move the
    bookmark; an import that fails leaves the bookmark where it was.

    Raises:
        ShareError: a TAXII failure, or a bundle that the import refuses.
    """
    target = taxii.collection(api_root, collection_id, environ)
    since = sharing_table.bookmark(db, api_root, collection_id)
    bundle, newest = taxii.fetch_new(target, since)
    if not bundle["objects"]:
        return PollResult(since, None)
    now = clock()
    result = run_import(
        db,
        json.dumps(bundle).encode(),
        partner,
        now=now,
        tagger=tagger,
        source=f"taxii:{api_root}#{collection_id}",
        skip_invalid=True,
    )
    bookmark = _clamped(newest, now)
    if bookmark:
        with transaction(db):
            sharing_table.set_bookmark(db, api_root, collection_id, bookmark, now)
    return PollResult(since, result)


def _clamped(added: str | None, now: datetime) -> str | None:
    """The next `added_after`, never later than our clock: a server that dates an object in
    the far future would otherwise move the bookmark past everything it adds until then.
    An unreadable date leaves the bookmark where it was."""
    if not added:
        return None
    try:
        when = datetime.fromisoformat(added.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    if when <= now:
        return added
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def list_assessments(
    db: sqlite_utils.Database, partner: str | None = None, clearance: TLP = TLP.RED
) -> list[dict[str, Any]]:
    """Every imported assessment (of one partner) at or below `clearance`, newest first: who,
    when, TLP, its text, the groups named and the notes on markings that counted as
    TLP:RED. An assessment above the clearance is left out, not even counted."""
    return [
        row
        for row in sharing_table.assessments(db, partner)
        if TLP.read(str(row["tlp"])) <= clearance
    ]
