# SPDX-License-Identifier: Apache-2.0
"""The brief's conclusions: what follows for the partners, from this period's findings.

Pure but for the notes it numbers. In the spirit of the report's first chapter (shared threat
assessments, joint monitoring, active cyber defence, deterrence), each point is built from a
finding of the sections above and carries the notes of the stories behind it, so it changes
when the findings do: one joint point, one per partner direction, and one each on active
defence and deterrence when the period gives grounds for them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..vocab import COUNTRY_NAMES, SECTOR_NAMES, SET_NAMES, counted
from . import analysis
from .context import ActorSection, Claim
from .notes import Notes
from .prose import alternate, join, linked, the
from .stories import Story, trusted

__all__ = ["PARTNER_CERTS", "conclusions"]

# who acts for a partner; a partner without one here is named by its country
PARTNER_CERTS = {"EE": "CERT-EE", "JP": "JPCERT/CC"}
_OFFICIAL = frozenset({"government", "cert"})


def _cert(code: str) -> str:
    return PARTNER_CERTS.get(code, f"{COUNTRY_NAMES.get(code, code)}'s CERT")


def _claim(text: str, stories: Sequence[Story], notes: Notes) -> Claim:
    return Claim(text, [s.id for s in stories], notes.of(stories))


def _joint(stories: list[Story], partners: Sequence[str], notes: Notes) -> Claim:
    """The shared assessment: the groups (or else the state actor sets) reported against
    every partner, from sources above the lowest trust."""
    names = join([COUNTRY_NAMES.get(p, p) for p in partners])
    known = [s for s in stories if trusted(s)]
    per = [[s for s in known if p in s.targets] for p in partners]
    groups = set.intersection(*(set(a for s in own for a in s.actors) for own in per))
    sets = set.intersection(*(set(a for s in own for a in s.actor_sets) for own in per))
    by_id = {s.id: s for s in known}
    if groups or sets:
        shared = sorted(groups) if groups else [SET_NAMES.get(k, k) for k in sorted(sets)]
        backing = alternate(
            [
                [
                    s.id
                    for s in own
                    if (set(s.actors) & groups if groups else set(s.actor_sets) & sets)
                ]
                for own in per
            ]
        )
        subject = join(shared) if groups else f"{linked(shared)} actors"
        them = "this group" if len(shared) == 1 and groups else "them"
        return _claim(
            f"{subject} targeted both {names} in this period. The partners should share "
            f"indicators and a joint assessment of {them} as they are found, and monitor "
            f"{them} together rather than each alone.",
            [by_id[i] for i in backing],
            notes,
        )
    methods = (
        set.intersection(*(set(m for s in own for m in analysis.methods(s)) for own in per))
        if all(per)
        else set()
    )
    if methods:
        backing = alternate(
            [[s.id for s in own if set(analysis.methods(s)) & methods] for own in per]
        )
        return _claim(
            f"No group was reported against both {names}, but both faced "
            f"{join(sorted(methods))}. A joint assessment of "
            f"{'this method' if len(methods) == 1 else 'these methods'}, and of who used "
            f"{'it' if len(methods) == 1 else 'them'} against each partner, is where shared "
            "monitoring can start.",
            [by_id[i] for i in backing],
            notes,
        )
    return Claim(
        f"No group or method was reported against both {names} in this period. A shared "
        "assessment should compare what each partner faced alone (see the partner sections)."
    )


def _direction(source: str, to: str, stories: list[Story], notes: Notes) -> Claim:
    """What partner `source`'s experience this period offers partner `to`."""
    here = COUNTRY_NAMES.get(source, source)
    there = COUNTRY_NAMES.get(to, to)
    own = [s for s in stories if source in s.targets]
    head = f"{here} to {there}: "
    attributed = [s for s in own if s.actor_sets]
    if attributed:
        ranked = Counter(a for s in attributed for a in s.actors).most_common(3)
        groups = [g for g, _ in ranked]
        often = "most often" if ranked and ranked[0][1] > 1 else "among them"
        sets = [
            SET_NAMES.get(k, k)
            for k, _ in Counter(a for s in attributed for a in s.actor_sets).most_common(3)
        ]
        # "to MirrorFace and APT10" only when those groups account for every event
        if groups and all(set(s.actors) & set(groups) for s in attributed):
            by = join(groups)
        else:
            by = f"{linked(sets)} actors" + (f", {often} {join(groups)}" if groups else "")
        elsewhere = sorted(
            {t for s in stories for t in s.targets if groups and groups[0] in s.actors} - {source}
        )
        reach = (
            f"; {groups[0]} was also reported against "
            f"{join([COUNTRY_NAMES.get(t, t) for t in elsewhere[:3]])}"
            if groups and elsewhere
            else ""
        )
        # whose reports they are: the findings are theirs, the CERT passes them on
        publishers = list(
            dict.fromkeys(the(_BRACKETED.sub("", s.items[0].publisher)) for s in attributed)
        )
        # what the other partner should look for: the methods and sectors of these events
        used = Counter(m for s in attributed for m in analysis.methods(s)).most_common(2)
        how = f", on {join([m for m, _ in used])}," if used else ""
        sectors = [
            SECTOR_NAMES.get(x, x)
            for x, _ in Counter(x for s in attributed for x in s.sectors).most_common(2)
        ]
        where = (
            f"{there}'s {join(sectors)} {'sector' if len(sectors) == 1 else 'sectors'}"
            if sectors
            else there
        )
        return _claim(
            f"{head}the sources attribute {counted(len(attributed), 'event')} against {here} "
            f"to {by}{reach}. {_cert(source)} should pass the indicators behind the reports "
            f"of {join(publishers[:3])}{how} to {_cert(to)} first, so that {where} can be "
            "checked for the same intrusions before they are reported there.",
            attributed,
            notes,
        )
    if own:
        methods = [
            m for m, _ in Counter(m for s in own for m in analysis.methods(s)).most_common(3)
        ]
        what = f" ({join(methods)})" if methods else ""
        return _claim(
            f"{head}the {counted(len(own), 'event')} against {here} that no source attributes "
            f"to a state{what} are where {_cert(source)}'s response can serve {_cert(to)}: "
            "what worked, how long recovery took, and what the attackers tried next.",
            own,
            notes,
        )
    return Claim(
        f"{head}no source reported an event against {here} in this period; {_cert(source)} "
        f"has nothing new of its own to pass to {_cert(to)} from the public record."
    )


def _active_defence(
    exploited: Sequence[dict[str, Any]], by_id: dict[str, Story], notes: Notes
) -> Claim | None:
    """Flaws state-linked actors exploited: where active defence starts."""
    state = [v for v in exploited if v["actor_sets"]]
    if not state:
        return None
    # each flaw with who exploited it, and the story that names them (the KEV entry seldom
    # does): "UNC5221 exploited CVE-2025-0282, and Linen Typhoon … the ToolShell flaws"
    backing = []
    said = []
    for v in state[:3]:
        found = [by_id[i] for i in v["story_ids"] if i in by_id]
        named = [s for s in found if s.actor_sets] or found
        backing += named[:1]
        plural = "flaws" if len(v.get("cves", ())) > 1 else "flaw"
        flaw = f"the {v['name']} {plural} ({join(v['cves'])})" if v.get("name") else str(v["cve"])
        who = join(v["actors"][:3]) or (
            f"{linked(sorted(SET_NAMES.get(k, k) for k in v['actor_sets']))} actors"
        )
        # the source's hedge travels with the claim ("assesses with moderate confidence")
        said.append(f"{who} {'likely exploited' if v.get('hedged') else 'exploited'} {flaw}")
    return _claim(
        f"{join(said)} in this period. Active cyber defence starts with such "
        "flaws: the partners should hunt for their exploitation together and share what they "
        "find, rather than wait for the next advisory.",
        backing,
        notes,
    )


# a publisher's name in another script, which running prose leaves out: "(警察庁)", "(KAPO)"
_BRACKETED = re.compile(r"\s*\([^)]*\)$")
# an advisory or statement that several governments or agencies put out together
_JOINT = re.compile(
    r"\bjoint\b|co-?seal|co-?sign|(?:with|and) (?:international |allied )?partners|\ballies\b|"
    r"agencies from|five eyes|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|\d+) (?:countries|governments|agencies|nations)\b|共同|日米韓",
    re.IGNORECASE,
)


def _joint_attribution(story: Story) -> bool:
    """Two governments' own reports of it, or an official one that says it is joint."""
    official = [i for i in story.items if i.kind in _OFFICIAL]
    return len({i.publisher for i in official}) > 1 or any(
        _JOINT.search(f"{i.title} {i.summary}") for i in official
    )


def _deterrence(stories: list[Story], notes: Notes) -> Claim | None:
    """Public attribution by governments and CERTs in the period, joint or alone."""
    official = [s for s in stories if s.actor_sets and any(i.kind in _OFFICIAL for i in s.items)]
    if not official:
        return None
    joint = [s for s in official if _joint_attribution(s)]
    sets = [
        SET_NAMES.get(k, k)
        for k, _ in Counter(a for s in official for a in s.actor_sets).most_common(3)
    ]
    with_partners = (
        f", {len(joint)} of them in joint advisories or statements of several governments"
        if joint
        else ""
    )
    return _claim(
        f"Governments and CERTs publicly attributed {counted(len(official), 'event')} in this "
        f"period to {linked(sets)} actors{with_partners}. Coordinated public attribution is "
        "part of deterrence; the partners should join such statements where their own "
        "evidence allows.",
        joint + [s for s in official if s not in joint],
        notes,
    )


def conclusions(
    sections: Sequence[ActorSection],
    stories: list[Story],
    partners: Sequence[str],
    exploited: Sequence[dict[str, Any]],
    notes: Notes,
) -> list[Claim]:
    """The numbered conclusions: joint, per direction, active defence and deterrence."""
    by_id = {s.id: s for s in stories}
    out: list[Claim] = []
    if len(partners) >= 2:
        out.append(_joint(stories, partners, notes))
        for source in partners:
            for to in partners:
                if to != source:
                    out.append(_direction(source, to, stories, notes))
    elif partners:
        own = [s for s in stories if partners[0] in s.targets]
        name = COUNTRY_NAMES.get(partners[0], partners[0])
        out.append(
            _claim(f"The sources reported {counted(len(own), 'event')} against {name}.", own, notes)
            if own
            else Claim(f"No source reported an event against {name} in this period.")
        )
    if claim := _active_defence(exploited, by_id, notes):
        out.append(claim)
    if sections and (claim := _deterrence(stories, notes)):
        out.append(claim)
    return out
