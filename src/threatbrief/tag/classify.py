# SPDX-License-Identifier: Apache-2.0
"""`threatbrief classify`: JSON Lines in, one JSON line out per input line, in order.

Input lines: {"id": ..., "title": ..., "summary": ..., "lang": ...} (unknown keys ignored).
Output lines: {"id", "actor_sets", "actors", "sectors", "targets", "evidence": [...]}; a line
that cannot be read gives {"id": null, "line": N, "error": "..."} and the stream goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from ..models import Tagging
from .lexicon import load_lexicon
from .tagger import Tagger

MAX_LINE = 2_000_000


def tagging_json(item_id: Any, tagging: Tagging) -> dict[str, Any]:
    """The classify output object for one tagged item."""
    return {
        "id": item_id,
        "actor_sets": list(tagging.actor_sets),
        "actors": list(tagging.actors),
        "sectors": list(tagging.sectors),
        "targets": list(tagging.targets),
        "evidence": [e.as_dict() for e in tagging.evidence],
        "lexicon_version": tagging.lexicon_version,
    }


def _classify_line(tagger: Tagger, number: int, line: str) -> dict[str, Any]:
    if len(line) > MAX_LINE:
        return {"id": None, "line": number, "error": f"line longer than {MAX_LINE:,} characters"}
    try:
        doc = json.loads(line)
    except ValueError as exc:
        return {"id": None, "line": number, "error": f"invalid JSON: {exc}"}
    except RecursionError:
        return {"id": None, "line": number, "error": "invalid JSON: nested too deeply"}
    if not isinstance(doc, dict):
        return {"id": None, "line": number, "error": "not a JSON object"}
    fields = []
    for key in ("title", "summary", "content"):
        value = doc.get(key)
        if value is not None and not isinstance(value, str):
            return {"id": doc.get("id"), "line": number, "error": f"'{key}' is not a string"}
        fields.append((key, value or ""))
    return tagging_json(doc.get("id"), tagger.tag(fields))


def classify_lines(lines: IO[str], tagger: Tagger | None = None) -> Iterator[dict[str, Any]]:
    """Yield one output object per input line (blank lines included, as errors)."""
    tagger = tagger or Tagger(load_lexicon())
    for number, line in enumerate(lines, start=1):
        text = line.rstrip("\n")
        if not text.strip():
            yield {"id": None, "line": number, "error": "empty line"}
            continue
        yield _classify_line(tagger, number, text)


def classify_stream(source: IO[str], sink: IO[str], tagger: Tagger | None = None) -> int:
    """Classify `source` into `sink`; returns the number of lines that were errors."""
    errors = 0
    for out in classify_lines(source, tagger):
        errors += "error" in out
        sink.write(json.dumps(out, ensure_ascii=False) + "\n")
    return errors
