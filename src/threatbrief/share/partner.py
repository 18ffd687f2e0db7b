# SPDX-License-Identifier: Apache-2.0
"""Read a partner's STIX 2.1 bundle: every check runs before anything is stored.

Bytes in, a `PartnerBundle` (assessments, attributions, per-object errors) out; pure. Each
object is parsed with `stix2.parse` (strict, no custom content), and its errors are reported
with index, type and id. TLP fails closed (`_markings.resolve_marking`): the most restrictive
marking wins, including granular markings, and a report or note is at least as restrictive as
the objects it refers to. All strings are untrusted text: control characters are dropped and
lengths capped here, and every renderer escapes them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import stix2
import stix2.exceptions

from ..errors import BundleError
from ..models import TLP
from .markings import object_level

__all__ = ["ObjectError", "PartnerBundle", "clean", "fold", "read_bundle"]

MAX_BYTES = 50 * 1024 * 1024
MAX_OBJECTS = 100_000
MAX_REFS = 5_000  # object_refs of one object
UNMARKED = TLP.AMBER  # no marking gives no permission to share further
_ID = re.compile(r"^([a-z0-9-]+)--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_ASSESSMENTS = ("report", "note", "opinion", "grouping")
# an address we will print and link: http(s), and nothing that could end a link in markup
_URL = re.compile(r"https?://[^\s<>\"'`\\\[\]()]{1,2000}")


@dataclass(frozen=True, slots=True)
class ObjectError:
    """What is wrong with one object of the bundle."""

    index: int
    type: str
    id: str
    problem: str

    def __str__(self) -> str:
        return (
            f"object {self.index} ({self.type or 'no type'} {self.id or 'no id'}): {self.problem}"
        )


@dataclass
class PartnerBundle:
    """A checked bundle: its assessments, what they attribute, and any errors."""

    assessments: list[dict[str, Any]] = field(default_factory=list)
    errors: list[ObjectError] = field(default_factory=list)
    levels: dict[str, TLP] = field(default_factory=dict)
    marking_notes: dict[str, list[str]] = field(default_factory=dict)
    objects: int = 0

    @property
    def tlp(self) -> TLP:
        return max(self.levels.values(), default=TLP.CLEAR)


def clean(value: Any, limit: int) -> str:
    """Untrusted text as plain text: no control or bidi-override characters, at most `limit`."""
    return _CONTROL.sub("", str(value or ""))[:limit]


def _load(data: bytes) -> list[Any]:
    if len(data) > MAX_BYTES:
        raise BundleError(
            f"the file is {len(data) / 1e6:.1f} MB; bundles are limited to {MAX_BYTES // 2**20} MB"
        )
    try:
        doc = json.loads(data)
    except UnicodeDecodeError as exc:
        raise BundleError(f"the file is not UTF-8 JSON: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BundleError(
            f"not valid JSON (truncated?): {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise BundleError("the JSON is nested too deeply to be a STIX bundle") from None
    if not isinstance(doc, dict) or doc.get("type") != "bundle":
        kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise BundleError(f"expected a STIX bundle (type 'bundle'), got {kind!r}")
    objects = doc.get("objects")
    if not isinstance(objects, list):
        raise BundleError("the bundle has no 'objects' list")
    if len(objects) > MAX_OBJECTS:
        raise BundleError(f"{len(objects):,} objects; bundles are limited to {MAX_OBJECTS:,}")
    return objects


def _has_surrogate(value: Any, depth: int = 0) -> bool:
    """True if any string in `value` holds a lone surrogate: valid JSON (`"\\ud800"`), but not
    text that can be stored or shown."""
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if depth > 64:
        return False  # nesting is refused elsewhere
    if isinstance(value, dict):
        return any(
            _has_surrogate(k, depth + 1) or _has_surrogate(v, depth + 1) for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_has_surrogate(v, depth + 1) for v in value)
    return False


def _check(index: int, obj: Any, seen: dict[str, Any]) -> ObjectError | None:
    if not isinstance(obj, dict):
        return ObjectError(index, "", "", f"not an object but {type(obj).__name__}")
    kind, oid = str(obj.get("type") or ""), str(obj.get("id") or "")
    if not kind:
        return ObjectError(index, "", oid, "missing 'type'")
    match = _ID.match(oid)
    if not match or match.group(1) != kind:
        return ObjectError(index, kind, oid, "'id' is not '<type>--<uuid>' of its own type")
    earlier = seen.get(oid)
    if earlier is not None and earlier != obj and earlier.get("modified") == obj.get("modified"):
        return ObjectError(
            index, kind, oid, "the same id and version appear with different content"
        )
    if _has_surrogate(obj):
        return ObjectError(index, kind, oid, "a string holds a lone surrogate (not Unicode text)")
    refs = obj.get("object_refs")
    if isinstance(refs, list) and len(refs) > MAX_REFS:
        return ObjectError(
            index, kind, oid, f"{len(refs):,} object_refs; at most {MAX_REFS:,} are accepted"
        )
    try:
        stix2.parse(obj, allow_custom=False, version="2.1")
    except RecursionError:
        return ObjectError(index, kind, oid, "nested too deeply")
    except (stix2.exceptions.STIXError, ValueError, TypeError, KeyError) as exc:
        return ObjectError(index, kind, oid, " ".join(str(exc).split())[:500])
    # a bundle may carry several versions of an object: the newest one counts
    if earlier is None or (
        "modified" in obj
        and _utc(obj["modified"], "microseconds") > _utc(earlier["modified"], "microseconds")
    ):
        seen[oid] = obj
    return None


def read_bundle(data: bytes, actor_names: Mapping[str, str]) -> PartnerBundle:
    """Check a bundle and extract its assessments.

    `actor_names` maps folded names and aliases to our canonical actor names, so that the
    partner's intrusion sets and threat actors become our labels.

    Raises:
        BundleError: the file is not a bundle, or is too large.
    """
    raw = _load(data)
    out = PartnerBundle(objects=len(raw))
    seen: dict[str, Any] = {}
    for index, obj in enumerate(raw):
        error = _check(index, obj, seen)
        if error:
            out.errors.append(error)
    if out.errors:
        return out
    definitions = {k: v for k, v in seen.items() if v["type"] == "marking-definition"}
    for oid, obj in seen.items():
        if obj["type"] == "marking-definition":
            continue
        level, why = object_level(obj, definitions, UNMARKED)
        out.levels[oid] = level
        if why:
            out.marking_notes[oid] = why
    _raise_to_references(seen, out.levels)
    for obj in seen.values():
        if obj["type"] in _ASSESSMENTS:
            out.assessments.append(_assessment(obj, seen, out, actor_names))
    return out


def _raise_to_references(objects: Mapping[str, Any], levels: dict[str, TLP]) -> None:
    """Make every object at least as restrictive as everything it refers to or relates,
    directly or through other objects (a report → a note → a red group), cycles included.
    A worklist over the reverse references: each raise revisits only the referrers."""
    referrers: dict[str, list[str]] = {}
    for oid, obj in objects.items():
        if oid not in levels:
            continue
        linked = list(obj.get("object_refs") or []) + [
            obj[k] for k in ("source_ref", "target_ref", "sighting_of_ref") if obj.get(k)
        ]
        for ref in linked:
            if ref in levels and ref != oid:
                referrers.setdefault(ref, []).append(oid)
    pending = list(referrers)
    while pending:
        ref = pending.pop()
        for holder in referrers.get(ref, ()):
            if levels[ref] > levels[holder]:
                levels[holder] = levels[ref]
                pending.append(holder)


def _utc(stamp: str, timespec: str) -> str:
    """A STIX timestamp (already checked by stix2.parse) in the store's form, comparable as text:
    "2025-03-12T00:00:00Z" and "2025-03-12T00:00:00.000Z" become the same string."""
    when = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).astimezone(UTC)
    return when.isoformat(timespec=timespec)


def fold(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.strip().casefold())


def _assessment(
    obj: Mapping[str, Any],
    seen: Mapping[str, Any],
    out: PartnerBundle,
    actor_names: Mapping[str, str],
) -> dict[str, Any]:
    refs = [seen[r] for r in obj.get("object_refs") or [] if r in seen]

    def actors_of(ref: Mapping[str, Any] | None) -> set[str]:
        if not ref or ref["type"] not in ("intrusion-set", "threat-actor"):
            return set()
        names = [ref.get("name", ""), *(ref.get("aliases") or [])]
        return {actor_names[fold(n)] for n in names if fold(n) in actor_names}

    def urls_of(o: Mapping[str, Any]) -> set[str]:
        return {
            str(e["url"])
            for e in o.get("external_references") or []
            if isinstance(e, dict) and _URL.fullmatch(str(e.get("url", "")))
        }

    # What the partner attributes, and on which sources: the groups the assessment names
    # directly, on its own sources; and each relationship it includes whose source is a
    # group, on that relationship's sources. Nothing is inferred by walking the graph further.
    direct = set().union(*(actors_of(r) for r in refs))
    links = {(url, actor) for url in urls_of(obj) for actor in direct}
    for rel in refs:
        if rel["type"] == "relationship":
            for actor in actors_of(seen.get(rel["source_ref"])):
                links |= {(url, actor) for url in urls_of(rel)}
    named = direct | {actor for _, actor in links}
    urls = sorted(urls_of(obj) | {url for url, _ in links})
    body = obj.get("description") or obj.get("content") or obj.get("explanation") or ""
    name = obj.get("name") or obj.get("abstract") or obj.get("opinion") or obj["type"]
    return {
        "stix_id": obj["id"],
        "type": obj["type"],
        "name": clean(name, 300),
        "body": clean(body, 10_000),
        "published": _utc(obj.get("published") or obj["created"], "seconds"),
        "modified": _utc(obj.get("modified") or obj["created"], "microseconds"),
        "tlp": out.levels[obj["id"]].label,
        "marking_notes": "; ".join(out.marking_notes.get(obj["id"], [])),
        "urls": "\n".join(urls),
        "actors": ",".join(sorted(named)),
        "links": sorted(links),
    }
