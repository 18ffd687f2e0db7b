# SPDX-License-Identifier: Apache-2.0
"""What a brief found, kept with the archive, and what is new since the last brief.

Pure. `findings` reads a brief's stories into the groups, victims and exploited
vulnerabilities it reported; the pipeline stores them with the archive row, and the next
brief for the same partners passes them back as `last` to `since_last`, which names what is
new, each with the stories (and notes) that first report it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..vocab import COUNTRY_NAMES
from .notes import Notes
from .stories import Story

__all__ = ["findings", "since_last"]


def findings(stories: Sequence[Story], exploited: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """The groups, target countries, sectors and exploited CVEs of a brief's stories."""
    return {
        "groups": sorted({a for s in stories for a in s.actors}),
        "targets": sorted({t for s in stories for t in s.targets}),
        "sectors": sorted({x for s in stories for x in s.sectors}),
        "cves": sorted(str(v["cve"]) for v in exploited),
    }


def since_last(
    stories: Sequence[Story],
    exploited: Sequence[dict[str, Any]],
    last: dict[str, Any] | None,
    notes: Notes,
) -> dict[str, Any]:
    """What this brief reports that the last one for the same partners did not: groups,
    target countries and exploited vulnerabilities, each `{name, story_ids, notes}`. Empty
    when there is no earlier brief in the archive (`last` is None)."""
    if last is None:
        return {}
    before = last.get("findings") or {}
    now = findings(stories, exploited)

    def rows(
        key: str, of: Callable[[Story], Sequence[str]], label: Callable[[str], str]
    ) -> list[dict[str, Any]]:
        out = []
        for name in now[key]:
            if name in before.get(key, []):
                continue
            own = [s for s in stories if name in of(s)]
            if not own:
                continue
            out.append(
                {"name": label(name), "story_ids": [s.id for s in own], "notes": notes.of(own[:1])}
            )
        return out

    by_cve = {str(v["cve"]): set(v["story_ids"]) for v in exploited}
    return {
        "label": str(last.get("label", "")),
        "groups": rows("groups", lambda s: s.actors, str),
        "targets": rows("targets", lambda s: s.targets, lambda c: COUNTRY_NAMES.get(c, c)),
        "cves": rows("cves", lambda s: [c for c, ids in by_cve.items() if s.id in ids], str),
    }
