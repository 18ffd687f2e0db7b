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
A large file is spread over worker processes in chunks of lines (`auto_workers`), and the
output keeps the input's order; if the workers fail, the rest is classified in this process.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import logging
import math
import os
import re
import stat
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import IO, Any

from .._workers import orphan_proof_pool
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


def _classify_raw(tagger: Tagger, number: int, raw: bytes | None) -> dict[str, Any]:
    """The output object for input line `number` (None: a line too long to read)."""
    if raw is None:
        return _error(number, f"line longer than {MAX_LINE:,} characters")
    text = _decode(number, raw)
    if isinstance(text, dict):
        return text
    if not text.strip():
        return _error(number, "empty line")
    return _classify_line(tagger, number, text)


def classify_lines(
    lines: IO[bytes] | IO[str], tagger: Tagger | None = None
) -> Iterator[dict[str, Any]]:
    """Yield one output object per input line (blank lines included, as errors). Open the
    input in binary mode: then a byte that is not UTF-8 spoils only its own line."""
    tagger = tagger or Tagger(load_lexicon())
    for number, raw in enumerate(_lines(lines), start=1):
        yield _classify_raw(tagger, number, raw)


def dumps_line(out: dict[str, Any], number: int) -> str:
    """One output object as one line of strict JSON (no NaN, no raw line break)."""
    try:
        return json.dumps(out, ensure_ascii=False, allow_nan=False)
    except (ValueError, TypeError, RecursionError) as exc:
        return json.dumps(_error(number, f"result not representable as JSON: {exc}"))


def classify_stream(
    source: IO[bytes] | IO[str],
    sink: IO[str],
    tagger: Tagger | None = None,
    workers: int = 1,
) -> int:
    """Classify `source` into `sink`; returns the number of lines that were errors.

    With `workers` > 1 and a `Tagger.default()` tagger (whose lexicon a worker can rebuild),
    lines go to that many worker processes in chunks of CHUNK_LINES, and come back in order;
    otherwise each line is written as soon as it is tagged."""
    tagger = tagger or Tagger(load_lexicon())
    if workers > 1 and tagger.sources is not None:
        return _classify_in_workers(_chunks(_lines(source)), sink, tagger.sources, workers)
    errors = 0
    for number, raw in enumerate(_lines(source), start=1):
        out = _classify_raw(tagger, number, raw)
        errors += "error" in out
        sink.write(dumps_line(out, number) + "\n")
    return errors


# ----------------------------------------------------------------- worker processes
# Below about 4,000 lines of 1 KB, starting the workers (0.4 s: each loads the lexicon) saves
# little or nothing; a pipe is never split by default, so that its lines are answered one by one.
PARALLEL_BYTES = 4 << 20
CHUNK_LINES = 500
CHUNK_BYTES = 4 << 20  # a chunk closes at either bound; a single long line still goes whole
Chunk = tuple[int, list[bytes | None]]  # the number of its first line, and its lines
_worker_tagger: Tagger | None = None


def auto_workers(source: IO[bytes] | IO[str]) -> int:
    """How many worker processes suit `source`: one per core for a regular file of at least
    PARALLEL_BYTES still to read, else 1 (a pipe, a terminal, a small file)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        info = os.fstat(source.fileno())
        left = info.st_size - source.tell()
    except (OSError, ValueError, io.UnsupportedOperation):  # no file behind it (a test buffer)
        return 1
    if not stat.S_ISREG(info.st_mode) or left < PARALLEL_BYTES:
        return 1
    return max(1, cores or 1)


def _chunks(lines: Iterator[bytes | None]) -> Iterator[Chunk]:
    first, chunk, size = 1, [], 0
    for raw in lines:
        chunk.append(raw)
        size += len(raw) if raw is not None else 0
        if len(chunk) >= CHUNK_LINES or size >= CHUNK_BYTES:
            yield first, chunk
            first, chunk, size = first + len(chunk), [], 0
    if chunk:
        yield first, chunk


def _classify_chunk(tagger: Tagger, chunk: Chunk) -> tuple[str, int]:
    """The output lines of a chunk as one string, and how many are errors."""
    first, lines = chunk
    out, errors = [], 0
    for number, raw in enumerate(lines, start=first):
        obj = _classify_raw(tagger, number, raw)
        errors += "error" in obj
        out.append(dumps_line(obj, number) + "\n")
    return "".join(out), errors


def _init_worker(sources: tuple[Path, ...]) -> None:
    global _worker_tagger
    _worker_tagger = Tagger.default(list(sources))


def _classify_in_worker(chunk: Chunk) -> tuple[str, int]:
    assert _worker_tagger is not None
    return _classify_chunk(_worker_tagger, chunk)


def _end_workers(pool: Any) -> None:
    """Kill what is left of a broken pool at once. Python 3.11's executor otherwise asks
    its surviving workers to stop and waits for them, and a worker killed at the wrong moment
    can leave that wait hanging for good (seen under load); killed, they cannot keep it."""
    for process in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.kill()


def _classify_in_workers(
    chunks: Iterator[Chunk], sink: IO[str], sources: tuple[Path, ...], workers: int
) -> int:
    """Chunks through a pool, two per worker in flight, written in input order. If the pool
    breaks (a worker killed), every chunk not yet written is classified here instead, so no
    line is lost or repeated."""
    errors = 0
    local: Tagger | None = None
    pending: collections.deque[tuple[Chunk, Future[tuple[str, int]] | None]] = collections.deque()

    def write_oldest() -> None:
        nonlocal errors, local
        chunk, future = pending.popleft()
        try:
            if future is None:
                raise BrokenProcessPool("the pool broke before this chunk was sent")
            text, bad = future.result()
        except BrokenProcessPool:
            if local is None:
                log.warning("classify: the worker processes failed; going on in this process")
                _end_workers(pool)
                local = Tagger.default(list(sources))
            text, bad = _classify_chunk(local, chunk)
        sink.write(text)
        errors += bad

    log.info("classify: %d worker processes, %d lines a chunk", workers, CHUNK_LINES)
    with orphan_proof_pool(workers, _init_worker, (sources,)) as pool:
        for chunk in chunks:
            try:
                future: Future[tuple[str, int]] | None = pool.submit(_classify_in_worker, chunk)
            except BrokenProcessPool:
                future = None
            pending.append((chunk, future))
            while len(pending) > 2 * workers:
                write_oldest()
        while pending:
            write_oldest()
    return errors
