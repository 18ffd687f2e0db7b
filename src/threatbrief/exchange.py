# SPDX-License-Identifier: Apache-2.0
"""Sharing with partner agencies: export a period as a STIX 2.1 bundle plus a MISP feed entry.

Configuration, database and clock in; files out. The TLP gate (`models.ceiling`, channel
`export`) is applied in the store query, so nothing above `--tlp` is ever read, and `red`
never leaves. Validation with stix2-validator is optional because it is slow (about 1.3 ms an
object); the tests validate an export at each clearance.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils
import stix2

from . import store, store_share
from ._lexicon import actor_states
from .brief import build_brief
from .config import Config
from .errors import ShareError, UsageError
from .models import TLP, Period, ceiling
from .partner import BundleError, fold, read_bundle
from .pipeline import brief_items, check_partners
from .share import ExportInput, build_objects, manifest_entry, misp_event
from .tag import Tagger

__all__ = ["ExportResult", "ImportResult", "run_export", "run_import", "validate_bundle"]


@dataclass
class ExportResult:
    """What an export wrote."""

    path: Path
    misp_path: Path
    objects: int
    tlp: str
    sha256: str


def validate_bundle(bundle: dict[str, Any]) -> list[str]:
    """stix2-validator's errors for a bundle (empty when it conforms)."""
    from stix2validator import ValidationOptions, validate_instance

    result = validate_instance(bundle, ValidationOptions(version="2.1"))
    return [str(e) for e in result.errors]


def _write_json(path: Path, value: Any) -> bytes:
    data = (json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode()
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)  # readers of a shared folder never see half a file
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
) -> ExportResult:
    """Write the period's bundle to `out`, and its MISP event and manifest.json beside it.

    Raises:
        UsageError: clearance `red`, a missing output folder, a damaged manifest.json, or
            (with `validate`) a bundle that stix2-validator rejects.
    """
    level = ceiling(clearance, "export")
    if level is None or clearance is TLP.RED:
        raise UsageError(
            "TLP:RED never leaves by export; choose clear, green, amber or amber+strict"
        )
    check_partners(partners)
    if not out.parent.is_dir():
        raise UsageError(f"output folder {out.parent} does not exist")
    manifest = _manifest(out.parent / "manifest.json")  # before anything is written
    rows = store.period_items(db, period.start, period.end, level)
    items = brief_items(config, rows)
    previous = period.previous()
    before = brief_items(config, store.period_items(db, previous.start, previous.end, level))
    brief = build_brief(
        items, before, period, list(partners), config.organisation, now, [], [], actor_states()
    )
    lexicon = (tagger or Tagger.default()).lexicon
    stated = {r["id"]: r["stated"] for r in rows}
    objects = build_objects(
        ExportInput(brief, items, stated, lexicon.actors, config.organisation, now, partners)
    )
    bundle = stix2.Bundle(objects=objects, allow_custom=False)  # an envelope: a fresh UUIDv4
    as_json = json.loads(bundle.serialize())
    problems = validate_bundle(as_json) if validate else []
    if problems:
        raise UsageError("the export does not conform to STIX 2.1:\n  " + "\n  ".join(problems))
    data = _write_json(out, as_json)
    event = misp_event(objects, config.organisation, now)
    misp_path = out.parent / f"{event['Event']['uuid']}.json"
    _write_json(misp_path, event)
    manifest.update(manifest_entry(event))
    _write_json(out.parent / "manifest.json", manifest)
    top = max((store.item_tlp(r["tlp"]) for r in rows), default=TLP.CLEAR)
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


def run_import(
    db: sqlite_utils.Database,
    data: bytes,
    partner: str,
    *,
    now: datetime,
    tagger: Tagger | None = None,
    source: str = "file",
    validate: bool = False,
) -> ImportResult:
    """Check a partner's bundle, then store its assessments and the partner tags they imply
    on our matching items, in one transaction: the whole bundle or nothing.

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
    try:
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
    by_url = store_share.items_by_url(db, (url for pairs in links.values() for url, _ in pairs))
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
    with store.feed_transaction(db):
        changed = store_share.replace_assessments(db, partner, rows, tags, now)
    notes = [f"{oid}: {'; '.join(why)}" for oid, why in checked.marking_notes.items()]
    return ImportResult(checked.objects, len(rows), changed, len(tags), checked.tlp.label, notes)
