# SPDX-License-Identifier: Apache-2.0
"""Merge public machine-readable actor lists into the local lexicon override file.

Reads a MISP galaxy `threat-actor.json` (value, meta.synonyms, meta.country,
meta.cfr-suspected-state-sponsor) or a MITRE ATT&CK STIX bundle (intrusion-set name, aliases,
ATT&CK id), and writes `actors.local.yaml` in the override folder. Aliases that already belong
to a group of another state are reported as conflicts and not merged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import UsageError
from .lexicon import LOCAL_FILE, Lexicon, fold

# MISP's country codes and CFR sponsor names → our actor-set labels.
_STATES = {
    "CN": "china",
    "KP": "north-korea",
    "RU": "russia",
    "IR": "iran",
    "BY": "belarus",
    "VN": "vietnam",
    "PK": "pakistan",
    "IN": "india",
    "TR": "turkey",
    "LB": "lebanon",
    "US": "united-states",
    "AE": "united-arab-emirates",
    "china": "china",
    "korea (democratic people's republic of)": "north-korea",
    "north korea": "north-korea",
    "russian federation": "russia",
    "russia": "russia",
    "iran (islamic republic of)": "iran",
    "iran": "iran",
    "belarus": "belarus",
    "viet nam": "vietnam",
    "vietnam": "vietnam",
    "pakistan": "pakistan",
    "india": "india",
    "turkey": "turkey",
    "lebanon": "lebanon",
    "united states": "united-states",
}


@dataclass
class ImportReport:
    """What an import added and what it refused."""

    added_groups: list[str] = field(default_factory=list)
    added_aliases: int = 0
    conflicts: list[str] = field(default_factory=list)
    path: Path | None = None


def _misp(doc: Any) -> list[dict[str, Any]]:
    out = []
    for value in doc.get("values") or []:
        meta = value.get("meta") or {}
        sponsor = str(meta.get("cfr-suspected-state-sponsor") or "").strip().lower()
        country = str(meta.get("country") or "").strip()
        state = _STATES.get(sponsor) or _STATES.get(country.upper()) or ""
        out.append(
            {
                "name": str(value.get("value", "")).strip(),
                "set": state,
                "aliases": [str(s) for s in meta.get("synonyms") or []],
            }
        )
    return out


def _attack(doc: Any) -> list[dict[str, Any]]:
    out = []
    for obj in doc.get("objects") or []:
        if (
            obj.get("type") != "intrusion-set"
            or obj.get("revoked")
            or obj.get("x_mitre_deprecated")
        ):
            continue
        ids = [
            r.get("external_id")
            for r in obj.get("external_references") or []
            if r.get("source_name") == "mitre-attack" and r.get("external_id")
        ]
        out.append(
            {
                "name": str(obj.get("name", "")).strip(),
                "set": "",
                "aliases": [str(a) for a in obj.get("aliases") or []] + ids,
            }
        )
    return out


def import_actors(path: Path, fmt: str, lexicon: Lexicon, into: Path) -> ImportReport:
    """Merge actors from `path` into `into/actors.local.yaml`.

    Raises:
        UsageError: unreadable file or unknown format.
    """
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    readers = {"misp-galaxy": _misp, "attack-stix": _attack}
    if fmt not in readers or not isinstance(doc, dict):
        raise UsageError(f"{path} is not a {fmt} file")
    known: dict[str, str] = {}
    for actor in lexicon.actors.values():
        for alias in (actor.name, *actor.aliases):
            known[fold(alias)] = actor.name
    local_path = into / LOCAL_FILE
    local = yaml.safe_load(local_path.read_text(encoding="utf-8")) if local_path.exists() else {}
    entries: list[dict[str, Any]] = list((local or {}).get("actors") or [])
    report = ImportReport(path=local_path)
    for group in readers[fmt](doc):
        if not group["name"]:
            continue
        names = [group["name"], *group["aliases"]]
        owners = {known[fold(n)] for n in names if fold(n) in known}
        target = sorted(owners)[0] if len(owners) == 1 else group["name"]
        target_state = lexicon.actors[target].state if target in lexicon.actors else group["set"]
        if len(owners) > 1 or (group["set"] and target_state and group["set"] != target_state):
            report.conflicts.append(
                f"{group['name']}: names {sorted(owners) or [target]} "
                f"({target_state or 'no state'}) but the file says {group['set'] or 'no state'}"
            )
            continue
        new_aliases = [a for a in group["aliases"] if fold(a) not in known and a != target]
        if target not in lexicon.actors:
            report.added_groups.append(target)
        if not new_aliases and target in lexicon.actors:
            continue
        entry = {"name": target, "aliases": new_aliases}
        if target not in lexicon.actors and group["set"]:
            entry["set"] = group["set"]
        elif target not in lexicon.actors:
            entry["kind"] = "criminal" if not group["set"] else "state"
        entries.append(entry)
        report.added_aliases += len(new_aliases)
        for alias in new_aliases:
            known[fold(alias)] = target
    into.mkdir(parents=True, exist_ok=True)
    local_path.write_text(
        "# Local lexicon overrides, merged by `threatbrief lexicon import`.\n"
        + yaml.safe_dump({"actors": entries}, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    return report
