# SPDX-License-Identifier: Apache-2.0
"""`threatbrief classify`: JSON Lines in, one JSON line out per input line, in order.

Input lines: {"id": ..., "title": ..., "summary": ..., "lang": ...} (unknown keys ignored;
an optional "source_kind" of official, vendor or media is the attribution type of a text that
names no attributing agent).
Output lines: {"id", "actor_sets", "actors", "sectors", "targets", "evidence": [...],
"attribution": [{label, role, hedge, type, evidence}]}: each attribution (state or group, with
the source's hedge and who attributes) and each state mention that attributes nothing (its role:
accuser, target, setting); a line
that cannot be read gives {"id": null, "line": N, "error": "..."} and the stream goes on.
Input is read as bytes and each line decoded on its own, so one byte that is not UTF-8, a lone
surrogate or a line of a gigabyte costs only that line; output is always strict JSON (a `NaN`
or `1e999` id is echoed as its text, never as a bare `NaN`).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterator
from typing import IO, Any

from ..models import Tagging
from .lexicon import load_lexicon
from .tagger import Tagger

log = logging.getLogger(__name__)

MAX_LINE = 2_000_000
_SURROGATE = re.compile("[\ud800-\udfff]")


def tagging_json(item_id: Any, tagging: Tagging) -> dict[str, Any]:
    """The classify output object for one tagged item."""
    return {
        "id": item_id,
        "actor_sets": list(tagging.actor_sets),
        "actors": list(tagging.actors),
        "sectors": list(tagging.sectors),
        "targets": list(tagging.targets),
        "evidence": [e.as_dict() for e in tagging.evidence],
        "attribution": attribution_json(tagging),
        "lexicon_version": tagging.lexicon_version,
    }


def attribution_json(tagging: Tagging) -> list[dict[str, Any]]:
    """Who the source says did it, how sure it is and who says so; then the other mentions."""
    out = []
    for e in (*tagging.evidence, *tagging.mentions):
        if e.kind not in ("actor_set", "actor", "mention"):
            continue
        out.append(
            {
                "label": e.label,
                "kind": "actor" if e.kind == "actor" else "actor_set",
                "role": e.role,
                "hedge": e.hedge,
                "type": e.attribution_type if e.kind != "mention" else "",
                "evidence": {"text": e.text, "field": e.field, "start": e.start, "end": e.end},
            }
        )
    return out


def _error(number: int, message: str, item_id: Any = None) -> dict[str, Any]:
    return {"id": item_id, "line": number, "error": message}


def _finite(text: str) -> float | str:
    """A JSON number as a float, or as its own text when it is out of range (`1e999`)."""
    value = float(text)
    return value if math.isfinite(value) else text


def _has_surrogate(doc: Any) -> bool:
    """Whether any key or string in `doc` holds a lone surrogate (walked without recursion,
    as the document may be nested as deep as the JSON parser allows)."""
    stack = [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _classify_line(tagger: Tagger, number: int, line: str) -> dict[str, Any]:
    if len(line) > MAX_LINE:
        return _error(number, f"line longer than {MAX_LINE:,} characters")
    try:
        # NaN, Infinity and numbers past float range stay strings, so they can be echoed
        doc = json.loads(line, parse_constant=str, parse_float=_finite)
    except ValueError as exc:
        return _error(number, f"invalid JSON: {exc}")
    except RecursionError:
        return _error(number, "invalid JSON: nested too deeply")
    if not isinstance(doc, dict):
        return _error(number, "not a JSON object")
    if _has_surrogate(doc):
        # an escaped lone surrogate ("\\ud800") is valid JSON but no text: it cannot be
        # written out as UTF-8, nor does it mean anything to the tagger
        return _error(number, "a string holds a lone surrogate (\\ud800-\\udfff escape)")
    item_id = doc.get("id")
    fields = []
    for key in ("title", "summary", "content"):
        value = doc.get(key)
        if value is not None and not isinstance(value, str):
            return _error(number, f"'{key}' is not a string", item_id)
        fields.append((key, value or ""))
    kind = doc.get("source_kind")
    try:
        return tagging_json(item_id, tagger.tag(fields, kind if isinstance(kind, str) else ""))
    except Exception as exc:  # one line's failure must not end the stream; it is reported
        log.exception("classify: line %d could not be tagged", number)
        return _error(number, f"could not be tagged: {type(exc).__name__}", item_id)


def _lines(source: IO[bytes] | IO[str]) -> Iterator[bytes | None]:
    """Each line as bytes without its line break, or None for a line too long to read (it is
    read past in chunks, never held whole). A text stream's lines are encoded back to UTF-8."""
    limit = MAX_LINE * 4  # MAX_LINE characters are at most four times as many bytes
    while True:
        line = _as_bytes(source.readline(limit + 1))
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            rest = line
            while rest and not rest.endswith(b"\n"):
                rest = _as_bytes(source.readline(1 << 20))
            yield None
            continue
        yield line.removesuffix(b"\n").removesuffix(b"\r")


def _as_bytes(line: bytes | str) -> bytes:
    return line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line


def _decode(number: int, raw: bytes) -> str | dict[str, Any]:
    """The line as text, or the error object for a line that is not UTF-8."""
    if number == 1:
        raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start]
        return _error(number, f"not UTF-8: byte {bad:#04x} at offset {exc.start}")


def classify_lines(
    lines: IO[bytes] | IO[str], tagger: Tagger | None = None
) -> Iterator[dict[str, Any]]:
    """Yield one output object per input line (blank lines included, as errors). Open the
    input in binary mode: then a byte that is not UTF-8 spoils only its own line."""
    tagger = tagger or Tagger(load_lexicon())
    for number, raw in enumerate(_lines(lines), start=1):
        if raw is None:
            yield _error(number, f"line longer than {MAX_LINE:,} characters")
            continue
        text = _decode(number, raw)
        if isinstance(text, dict):
            yield text
        elif not text.strip():
            yield _error(number, "empty line")
        else:
            yield _classify_line(tagger, number, text)


def dumps_line(out: dict[str, Any], number: int) -> str:
    """One output object as one line of strict JSON (no NaN, no raw line break)."""
    try:
        return json.dumps(out, ensure_ascii=False, allow_nan=False)
    except (ValueError, TypeError, RecursionError) as exc:
        return json.dumps(_error(number, f"result not representable as JSON: {exc}"))


def classify_stream(
    source: IO[bytes] | IO[str], sink: IO[str], tagger: Tagger | None = None
) -> int:
    """Classify `source` into `sink`; returns the number of lines that were errors."""
    errors = 0
    for number, out in enumerate(classify_lines(source, tagger), start=1):
        errors += "error" in out
        sink.write(dumps_line(out, number) + "\n")
    return errors
