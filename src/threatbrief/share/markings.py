# SPDX-License-Identifier: Apache-2.0
"""TLP as STIX 2.1 marking definitions: the official TLP 2.0 objects, and reading markings
from a partner's bundle so that anything unclear counts as RED.

The `stix2` library ships TLP 1.0 objects only. The TLP 2.0 objects below are those of the
OASIS TLP 2.0 extension (extension-definition--60a3c5c5-…), with its fixed ids and `created`;
they are data, compared whole, never generated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import stix2

from ..models import TLP

__all__ = ["TLP2_EXTENSION", "marking_id", "marking_object", "resolve_marking"]

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
_TLP2_CREATED = "2022-10-01T00:00:00.000Z"
_TLP2_IDS = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# TLP 1.0, as STIX 2.1 predefines it (stix2.TLP_WHITE …): still common in partners' bundles.
_TLP1 = {
    stix2.TLP_WHITE.id: (TLP.CLEAR, stix2.TLP_WHITE),
    stix2.TLP_GREEN.id: (TLP.GREEN, stix2.TLP_GREEN),
    stix2.TLP_AMBER.id: (TLP.AMBER, stix2.TLP_AMBER),
    stix2.TLP_RED.id: (TLP.RED, stix2.TLP_RED),
}


def _tlp2_dict(level: TLP) -> dict[str, Any]:
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": _TLP2_IDS[level],
        "created": _TLP2_CREATED,
        "name": f"TLP:{level.label.upper()}",
        "extensions": {
            TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level.label}
        },
    }


_OFFICIAL: dict[str, tuple[TLP, dict[str, Any]]] = {
    marking: (level, _tlp2_dict(level)) for level, marking in _TLP2_IDS.items()
}
_OFFICIAL.update(
    {
        marking: (level, json.loads(obj.serialize()))  # the library's own TLP 1.0 objects
        for marking, (level, obj) in _TLP1.items()
    }
)


def marking_id(level: TLP) -> str:
    """The id of the official TLP 2.0 marking definition for `level`."""
    return _TLP2_IDS[level]


def marking_object(level: TLP) -> stix2.MarkingDefinition:
    """The official TLP 2.0 marking definition for `level`, as a stix2 object."""
    marking: stix2.MarkingDefinition = stix2.parse(_tlp2_dict(level), allow_custom=False)
    return marking


def _same(official: Mapping[str, Any], given: Mapping[str, Any]) -> bool:
    """Whether a bundle's copy of an official marking says what the definition says."""
    keys = ("type", "id", "name", "extensions", "definition_type", "definition")
    norm = {k: official.get(k) for k in keys}
    theirs = {k: given.get(k) for k in keys}
    return norm == theirs and str(given.get("created", "")).startswith(
        str(official.get("created", ""))[:19]
    )


def resolve_marking(ref: str, definitions: Mapping[str, Mapping[str, Any]]) -> tuple[TLP, str]:
    """The TLP level a marking reference stands for, failing closed, and why.

    Official TLP 1.0 and 2.0 ids give their level, provided any copy in the bundle matches the
    official definition. Everything else counts as RED: an unknown or dangling reference, a
    custom marking that calls itself "TLP:…", a copy that disagrees with the official one.
    A statement marking (copyright, terms) carries no TLP and gives CLEAR.
    """
    given = definitions.get(ref)
    if ref in _OFFICIAL:
        level, official = _OFFICIAL[ref]
        if given is not None and not _same(official, given):
            return TLP.RED, f"{ref} disagrees with the official TLP definition"
        return level, ""
    if given is None:
        return TLP.RED, f"{ref} is not defined in the bundle"
    name = str(given.get("name", ""))
    definition = given.get("definition") or {}
    if name.strip().upper().startswith("TLP") or given.get("definition_type") == "tlp":
        return TLP.RED, f"{ref} is a custom marking that calls itself {name or 'TLP'}"
    if TLP2_EXTENSION in (given.get("extensions") or {}):
        return TLP.RED, f"{ref} claims the TLP 2.0 extension with an unofficial id"
    if given.get("definition_type") == "statement" and isinstance(definition, dict):
        return TLP.CLEAR, ""
    return TLP.RED, f"{ref} is a marking of unknown kind"


def object_level(
    obj: Mapping[str, Any], definitions: Mapping[str, Mapping[str, Any]], unmarked: TLP
) -> tuple[TLP, list[str]]:
    """The most restrictive level among an object's object and granular markings; `unmarked`
    when it has none. Returns the level and the reasons any marking counted as RED."""
    refs: list[str] = list(obj.get("object_marking_refs") or [])
    # a granular marking carries a marking_ref or, for language tags, only a `lang`
    refs += [g["marking_ref"] for g in obj.get("granular_markings") or [] if g.get("marking_ref")]
    if not refs:
        return unmarked, []
    found = [resolve_marking(r, definitions) for r in refs]
    return max(level for level, _ in found), [why for _, why in found if why]


def markings_for(levels: Iterable[TLP]) -> list[stix2.MarkingDefinition]:
    """The marking definition objects a bundle needs for these levels, in level order."""
    return [marking_object(level) for level in sorted(set(levels))]
