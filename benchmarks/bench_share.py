# SPDX-License-Identifier: Apache-2.0
"""Sharing speed: export of a month with 5,000 items, import of a 20,000-object bundle.

    python benchmarks/bench_share.py [--items 5000] [--objects 20000]

Prints seconds and peak memory (RSS high-water mark, in MB) for each step, with and without
stix2-validator, which costs about 1.3 ms an object.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import stix2

from threatbrief.config import parse_config
from threatbrief.models import TLP, Period
from threatbrief.pipeline.exchange import run_export, run_import, validate_bundle
from threatbrief.share import markings as _markings
from threatbrief.store.db import open_db

GROUPS = {
    "china": ["Volt Typhoon", "Salt Typhoon", "MirrorFace", "APT40", "APT41"],
    "north-korea": ["Lazarus Group", "Kimsuky", "Andariel"],
    "russia": ["APT28", "APT29", "Sandworm", "Turla"],
    "iran": ["APT35", "APT33"],
}
SECTORS = ["government", "defence", "energy", "finance", "telecom", "health", "transport"]
TARGETS = ["EE", "JP", "US", "GB", "UA", "DE", "KR"]
MONTH = Period(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill(db_path: Path, count: int) -> None:
    rng = random.Random(7)
    db = open_db(db_path)
    items, tags = [], []
    for n in range(count):
        when = MONTH.start + timedelta(minutes=rng.randrange(31 * 24 * 60))
        state = rng.choice(list(GROUPS))
        group = rng.choice(GROUPS[state])
        sector, target = rng.choice(SECTORS), rng.choice(TARGETS)
        title = f"{group} campaign {n} against {sector} organisations in {target}"
        item_id = f"s{n:06d}"
        stamp = when.isoformat(timespec="seconds")
        level = rng.choice(["clear", "clear", "green", "amber"])
        items.append(
            (item_id, f"feed{n % 30}", f"g{n}", f"https://x.example/{n}", title,
             f"Summary of {title}.", "", stamp, stamp, "en", level, 1)
        )  # fmt: skip
        for kind, value, rule in (
            ("actor_set", state, "alias"),
            ("actor_set", state, "state-adjective"),
            ("actor", group, "alias"),
            ("sector", sector, "sector-targeted"),
            ("target", target, "country-targeted"),
        ):
            tags.append((item_id, kind, value, 0.9, rule, value, "title", 0, 1, "lexicon", "add"))
    with db.atomic():
        db.conn.executemany(
            "insert into items (id, feed_id, guid, url, title, summary, content, published_at, "
            "fetched_at, lang, tlp, revision) values (?,?,?,?,?,?,?,?,?,?,?,?)",
            items,
        )
        db.conn.executemany(
            "insert into tags (item_id, kind, value, confidence, rule, evidence_text, field, "
            'start, "end", origin, action) values (?,?,?,?,?,?,?,?,?,?,?)',
            tags,
        )
    db.close()


def partner_bundle(objects: int, items: int) -> bytes:
    """A partner's bundle of about `objects` objects: groups, countries, relationships citing
    our items' addresses, notes and reports (at most 5,000 references each)."""
    rng = random.Random(11)
    green = _markings.marking_id(TLP.GREEN)
    out: list[object] = [_markings.marking_object(TLP.GREEN)]
    names = [g for groups in GROUPS.values() for g in groups]
    groups = [stix2.IntrusionSet(name=n, object_marking_refs=[green]) for n in names]
    places = [stix2.Location(country=c, object_marking_refs=[green]) for c in TARGETS]
    out += groups + places
    rest = objects - len(out)
    notes = []
    for _ in range(rest * 2 // 3):
        url = f"https://x.example/{rng.randrange(items)}"
        out.append(
            stix2.Relationship(
                relationship_type="targets",
                source_ref=rng.choice(groups).id,
                target_ref=rng.choice(places).id,
                external_references=[{"source_name": "partner", "url": url}],
                object_marking_refs=[green],
            )
        )
    while len(out) + len(notes) < objects - objects // 5000 - 1:
        group = rng.choice(groups)
        notes.append(
            stix2.Note(
                abstract=f"Partner note on {group.name}",
                content=f"{group.name} remains active against partner networks.",
                object_refs=[group.id],
                external_references=[
                    {"source_name": "partner", "url": f"https://x.example/{rng.randrange(items)}"}
                ],
                object_marking_refs=[green],
            )
        )
    out += notes
    refs = [o.id for o in out[1:]]  # type: ignore[attr-defined]
    for start in range(0, len(refs), 5000):
        out.append(
            stix2.Report(
                name=f"Partner assessment part {start // 5000 + 1}",
                published=MONTH.start + timedelta(days=3),
                object_refs=refs[start : start + 5000],
                object_marking_refs=[green],
            )
        )
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": out}
    return json.dumps(bundle, default=lambda o: json.loads(o.serialize())).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--objects", type=int, default=20000)
    args = parser.parse_args()
    config = parse_config(
        {"version": 1, "feeds": [{"id": f"feed{n}", "url": f"https://f{n}.example/"}
                                 for n in range(30)]}, "bench")  # fmt: skip
    now = datetime(2026, 11, 2, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        fill(db_path, args.items)
        db = open_db(db_path)
        print(f"start: peak RSS {peak_mb():.0f} MB")
        out = Path(tmp) / "export.json"
        t0 = time.perf_counter()
        result = run_export(config, db, MONTH, TLP.AMBER, out, now=now)
        took = time.perf_counter() - t0
        print(
            f"export of {args.items:,} items: {result.objects:,} objects, "
            f"{out.stat().st_size / 1e6:.1f} MB, {took:.2f} s; peak RSS {peak_mb():.0f} MB"
        )
        t0 = time.perf_counter()
        problems = validate_bundle(json.loads(out.read_text()))
        took_v = time.perf_counter() - t0
        print(
            f"  stix2-validator on it: {took_v:.2f} s ({len(problems)} errors); "
            f"export with --validate ≈ {took + took_v:.2f} s; peak RSS {peak_mb():.0f} MB"
        )
        data = partner_bundle(args.objects, args.items)
        print(f"partner bundle: {len(json.loads(data)['objects']):,} objects, "
              f"{len(data) / 1e6:.1f} MB")  # fmt: skip
        t0 = time.perf_counter()
        imported = run_import(db, data, "CERT-X", now=now)
        took = time.perf_counter() - t0
        print(
            f"import: {took:.2f} s, {imported.assessments:,} assessments, "
            f"{imported.tags:,} partner tags; peak RSS {peak_mb():.0f} MB"
        )
        t0 = time.perf_counter()
        again = run_import(db, data, "CERT-X", now=now, validate=True)
        took = time.perf_counter() - t0
        print(
            f"import again with --validate: {took:.2f} s ({again.changed} changed); "
            f"peak RSS {peak_mb():.0f} MB"
        )
        db.close()


if __name__ == "__main__":
    main()
