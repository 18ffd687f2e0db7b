# SPDX-License-Identifier: Apache-2.0
"""A period's assessment as STIX 2.1 objects (built with `stix2`) and as a MISP event.

Items (already cut to the recipient's clearance by the store query), the brief model of the
same items and the lexicon's actors in; a list of stix2 objects out; pure. Ids are UUIDv5 of
stable keys (docs/sharing.md), so a re-export of the same period gives the same objects with
a newer `modified`. Every object carries the TLP marking of the most restrictive item behind it.
Relationships are written only where a source said so, with that source as a reference.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import stix2

from .._net import is_public_url
from ..brief.context import BriefContext
from ..models import TLP, Actor, BriefItem
from ..textsafe import safe_url
from ..vocab import COUNTRY_NAMES, SECTOR_NAMES, SET_NAMES
from .markings import marking_id, markings_for

__all__ = ["NAMESPACE", "ExportInput", "build_objects", "misp_event", "stix_id"]

# The namespace of threatbrief's UUIDv5 ids (itself uuid5(NAMESPACE_URL, project address)).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/threatbrief/threatbrief")
MAX_REFERENCES = 25  # sources cited per relationship or note; the rest are counted
# Our sectors in the STIX 2.1 industry-sector vocabulary (industry-sector-ov).
STIX_SECTORS = {
    "government": ["government"],
    "defence": ["defense"],
    "energy": ["energy"],
    "finance": ["financial-services"],
    "health": ["healthcare"],
    "telecom": ["telecommunications"],
    "transport": ["transportation"],
    "manufacturing": ["manufacturing"],
    "education-research": ["education"],
    "media": ["entertainment"],
    "elections": ["government-national"],
    "it-services": ["technology"],
    "critical-infrastructure-other": ["infrastructure"],
    "crypto-currency": ["financial-services"],
}


def stix_id(kind: str, *key: str) -> str:
    """A deterministic STIX id: `kind--uuid5(NAMESPACE, kind|key…)`."""
    return f"{kind}--{uuid.uuid5(NAMESPACE, '|'.join((kind, *key)))}"


@dataclass
class ExportInput:
    """What one export holds: the period's items and the brief built from them."""

    brief: BriefContext
    items: Sequence[BriefItem]
    stated: Mapping[str, Sequence[str]]  # item id → actor sets its own text attributes
    actors: Mapping[str, Actor]
    organisation: str
    now: datetime
    partners: Sequence[str] = ()


# `created` must not change between exports of the same id. Objects that outlive a period
# (groups, states, sectors, countries, relationships) share one fixed date; a report and its
# notes were created for their period, and carry its start.
EPOCH = datetime(2021, 1, 1, tzinfo=UTC)


class _Builder:
    """Collects objects by id, keeping for each the highest level of the items behind it."""

    def __init__(self, period_start: datetime, now: datetime) -> None:
        self.period_start, self.now = period_start, now
        self.specs: dict[str, tuple[type[Any], dict[str, Any]]] = {}
        self.levels: dict[str, TLP] = {}
        self.sources: dict[str, dict[str, BriefItem]] = defaultdict(dict)

    def add(self, cls: type[Any], oid: str, level: TLP, **props: Any) -> str:
        """An object that rests on everything cited for it: the highest level counts."""
        if oid not in self.specs:
            self.specs[oid] = (cls, props)
        self.levels[oid] = max(level, self.levels.get(oid, TLP.CLEAR))
        return oid

    def add_named(self, cls: type[Any], oid: str, level: TLP, **props: Any) -> str:
        """A group, state, sector or country: described from the public lexicon, it is in the
        bundle because an item names it, so one item at a low level is enough to show it; its
        level is the lowest of the items that name it."""
        if oid not in self.specs:
            self.specs[oid] = (cls, props)
            self.levels[oid] = level
        else:
            self.levels[oid] = min(level, self.levels[oid])
        return oid

    def cite(self, oid: str, items: Iterable[BriefItem]) -> None:
        for item in items:
            if item.url:
                self.sources[oid].setdefault(item.url, item)

    def build(self, order: Sequence[str]) -> list[Any]:
        out = []
        for oid in order:
            cls, props = self.specs[oid]
            cited = sorted(self.sources.get(oid, {}).values(), key=_by_date)
            if cited:
                props = dict(props)
                props["external_references"] = [_reference(i) for i in cited[:MAX_REFERENCES]]
            created = self.period_start if cls in (stix2.Report, stix2.Note) else EPOCH
            out.append(
                cls(
                    id=oid,
                    created=created,
                    modified=max(self.now, created),
                    object_marking_refs=[marking_id(self.levels[oid])],
                    allow_custom=False,
                    **props,
                )
            )
        return out


def _by_date(item: BriefItem) -> tuple[str, str]:
    return (item.published_at.isoformat() if item.published_at else "", item.url)


def _reference(item: BriefItem) -> stix2.ExternalReference:
    """The item as a cited source. STIX wants a URI, so an address stored as an IRI (a
    Japanese path, from before the parser encoded paths) is percent-encoded here."""
    date = f", {item.published_at:%Y-%m-%d}" if item.published_at else ""
    url = safe_url(item.url) if is_public_url(item.url) else ""
    return stix2.ExternalReference(
        source_name=item.publisher or item.feed_id,
        description=f"{item.title}{date}"[:1000],
        **({"url": url} if url else {}),
    )


def build_objects(data: ExportInput) -> list[Any]:
    """The bundle's objects: markings, producer identity, actors, states, sectors, countries,
    relationships, one note per key story and the report that refers to them all."""
    brief, now = data.brief, data.now
    b = _Builder(brief.period.start, now)
    org = b.add(
        stix2.Identity,
        stix_id("identity", "organisation", data.organisation),
        TLP.CLEAR,
        name=data.organisation,
        identity_class="organization",
    )
    order: list[str] = [org]

    def put(oid: str) -> str:
        if oid not in order:
            order.append(oid)
        return oid

    # Groups, states, sectors and countries are described from the public lexicon, but that one
    # appears at all says that an item named it: each carries the lowest level of the items
    # that name it (a group named only by a partner's AMBER tag is AMBER). What the items say
    # (who targeted whom, the stories) is in the relationships and notes, at their levels.
    def state_object(key: str, level: TLP) -> str:
        return put(
            b.add_named(
                stix2.ThreatActor,
                stix_id("threat-actor", "state", key),
                level,
                name=f"{SET_NAMES.get(key, key)} (state-sponsored actors)",
                threat_actor_types=["nation-state"],
                description=f"Activity that sources attribute to the state of "
                f"{SET_NAMES.get(key, key)}, with or without a named group.",
                created_by_ref=org,
            )
        )

    def actor_object(name: str, level: TLP) -> str:
        actor = data.actors.get(name)
        aliases = sorted({a for a in (actor.aliases if actor else ()) if a != name})
        props: dict[str, Any] = {"name": name, "created_by_ref": org}
        if aliases:
            props["aliases"] = aliases
        if actor and actor.sponsor:
            props["description"] = f"Sponsor, where public: {actor.sponsor}."
        return put(b.add_named(stix2.IntrusionSet, stix_id("intrusion-set", name), level, **props))

    def sector_object(key: str, level: TLP) -> str:
        return put(
            b.add_named(
                stix2.Identity,
                stix_id("identity", "sector", key),
                level,
                name=f"{SECTOR_NAMES.get(key, key).capitalize()} sector",
                identity_class="class",
                sectors=STIX_SECTORS.get(key, ["infrastructure"]),
                created_by_ref=org,
            )
        )

    def country_object(code: str, level: TLP) -> str:
        return put(
            b.add_named(
                stix2.Location,
                stix_id("location", code),
                level,
                name=COUNTRY_NAMES.get(code, code).removeprefix("the "),
                country=code,
                created_by_ref=org,
            )
        )

    def relate(kind: str, source: str, target: str, item: BriefItem) -> None:
        # item.tlp is already the highest of the item and of every tag it carries here, so a
        # partner's AMBER attribution makes the relationship AMBER
        oid = put(
            b.add(
                stix2.Relationship,
                stix_id("relationship", kind, source, target),
                item.tlp,
                relationship_type=kind,
                source_ref=source,
                target_ref=target,
                created_by_ref=org,
            )
        )
        b.cite(oid, [item])

    for item in data.items:
        actors = [actor_object(name, item.tlp) for name in item.actors]
        states = [state_object(key, item.tlp) for key in item.actor_sets]
        stated = set(data.stated.get(item.id, ()))
        for name, actor_ref in zip(item.actors, actors, strict=True):
            actor = data.actors.get(name)
            if actor and actor.state in stated:  # the source itself names the state
                relate(
                    "attributed-to", actor_ref, stix_id("threat-actor", "state", actor.state), item
                )
        # who targets: the named groups, or the state when the source names no group
        agents = actors or [
            s for s, key in zip(states, item.actor_sets, strict=True) if key in stated
        ]
        for target in [sector_object(x, item.tlp) for x in item.sectors] + [
            country_object(c, item.tlp) for c in item.targets
        ]:
            for agent in agents:
                relate("targets", agent, target, item)

    by_id = {i.id: i for i in data.items}
    notes = []
    for section in brief.sections:
        for story in section.stories:
            members = [by_id[i.id] for i in story.items if i.id in by_id]
            if not members:
                continue
            refs = [stix_id("intrusion-set", n) for n in story.actors] or [
                stix_id("threat-actor", "state", k) for k in story.actor_sets
            ]
            level = max(i.tlp for i in members)
            oid = stix_id("note", "story", story.id)
            if oid in b.specs:
                continue
            sources = ", ".join(sorted({i.publisher for i in members}))
            b.add(
                stix2.Note,
                oid,
                level,
                abstract=story.title[:250],
                content=f"{story.summary or story.title}\n\nReported by {story.corroboration} "
                f"source(s): {sources}.",
                object_refs=[r for r in refs if r in b.specs] or [org],
                created_by_ref=org,
            )
            b.cite(oid, members)
            notes.append(put(oid))

    # The report's description is the brief's key judgements, drawn from every item of the
    # period and of the one before (the trends): it carries the brief's level, not only the
    # highest of the objects it lists.
    level = max([TLP.read(brief.tlp), *(b.levels[o] for o in order)])
    # The level is part of the id, and so of the MISP event's uuid: an AMBER export and a
    # CLEAR one of the same period are two events, and one never overwrites the other in a
    # shared feed folder.
    report = stix_id(
        "report",
        data.organisation,
        brief.period.start.isoformat(),
        brief.period.end.isoformat(),
        ",".join(data.partners),
        level.label,
    )
    b.add(
        stix2.Report,
        report,
        level,
        name=brief.title,
        description="\n".join(j.text for j in brief.key_judgements)
        or "No state-linked activity was reported.",
        published=now,
        report_types=["threat-report"],
        object_refs=[o for o in order if o != org] or [org],
        created_by_ref=org,
    )
    order.append(report)
    objects = b.build(order)
    return [*markings_for(b.levels.values()), *objects]


def misp_event(objects: Sequence[Any], organisation: str, now: datetime) -> dict[str, Any]:
    """The same assessment as one MISP event (feed format), tagged with its TLP and with one
    attribute per cited source address."""
    report = next(o for o in objects if o.type == "report")
    level = max(
        (_level_of(o) for o in objects if o.type != "marking-definition"), default=TLP.CLEAR
    )
    event_uuid = report.id.split("--", 1)[1]
    org_uuid = str(uuid.uuid5(NAMESPACE, f"misp-org|{organisation}"))
    tags = [{"name": f"tlp:{level.label}", "colour": "#000000"}]
    tags += [
        {"name": f'misp-galaxy:threat-actor="{o.name}"', "colour": "#0088cc"}
        for o in objects
        if o.type == "intrusion-set"
    ]
    urls: dict[str, str] = {}
    for o in objects:
        for ref in getattr(o, "external_references", None) or []:
            if ref.get("url"):
                urls.setdefault(ref["url"], ref.get("description", ""))
    attributes = [
        {
            "uuid": str(uuid.uuid5(NAMESPACE, f"misp-attr|{event_uuid}|{url}")),
            "type": "link",
            "category": "External analysis",
            "value": url,
            "comment": comment[:255],
            "to_ids": False,
            "distribution": "5",
            "timestamp": str(int(now.timestamp())),
        }
        for url, comment in sorted(urls.items())
    ]
    return {
        "Event": {
            "uuid": event_uuid,
            "info": report.name,
            "date": f"{report.published:%Y-%m-%d}",
            "timestamp": str(int(now.timestamp())),
            "publish_timestamp": str(int(now.timestamp())),
            "published": True,
            "analysis": "2",
            "threat_level_id": "2",
            "distribution": "0" if level >= TLP.AMBER else "1",
            "Orgc": {"name": organisation, "uuid": org_uuid},
            "Tag": tags,
            "Attribute": attributes,
        }
    }


def _level_of(obj: Any) -> TLP:
    refs = getattr(obj, "object_marking_refs", None) or []
    found = [level for level in TLP for r in refs if r == marking_id(level)]
    return max(found, default=TLP.CLEAR)


def manifest_entry(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event's line in a MISP feed's manifest.json."""
    e = event["Event"]
    return {
        e["uuid"]: {
            "info": e["info"],
            "date": e["date"],
            "timestamp": e["timestamp"],
            "analysis": e["analysis"],
            "threat_level_id": e["threat_level_id"],
            "Orgc": e["Orgc"],
            "Tag": e["Tag"],
        }
    }
