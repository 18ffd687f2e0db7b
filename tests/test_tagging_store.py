# SPDX-License-Identifier: Apache-2.0
"""Tagging in the ingest path, analyst corrections, explain, retag, classify, lexicon import."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
import yaml
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from helpers import local_config, rss
from threatbrief import pipeline
from threatbrief.cli import cli
from threatbrief.errors import UsageError
from threatbrief.models import TagOrigin, effective_labels
from threatbrief.store import tags as tag_table
from threatbrief.store.db import open_db
from threatbrief.tag import Tagger
from threatbrief.tag.classify import PARALLEL_BYTES
from threatbrief.tag.lexicon import load_lexicon

DATA = Path(__file__).parent / "data"
# the installed command, as a user runs it
_SCRIPT = Path(sys.executable).with_name("threatbrief")
THREATBRIEF = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "threatbrief"]


def _ingest(httpserver: HTTPServer, db: sqlite_utils.Database, now: datetime) -> dict[str, str]:
    httpserver.expect_request("/f").respond_with_data(
        rss(
            ("1", "Russian GRU hackers target Estonian ministries", "https://x.example/1"),
            ("2", "LockBit hits a Japanese port operator", "https://x.example/2"),
        )
    )
    # a CERT's feed: an attribution it carries with no other attributor named is official
    config = local_config({"f": httpserver.url_for("/f")}, kind="cert")
    pipeline.run_fetch(config, db, clock=lambda: now)
    return {r[1]: r[0] for r in db.execute("select id, guid from items")}


def test_ingest_tags_new_items_with_evidence(
    httpserver: HTTPServer, db: sqlite_utils.Database, now: datetime
) -> None:
    ids = _ingest(httpserver, db, now)
    labels = effective_labels(tag_table.item_tags(db, ids["1"]))
    assert labels["actor_set"] == ["russia"] and labels["target"] == ["EE"]
    assert labels["sector"] == ["government"]
    rows = [r for r in tag_table.item_tags(db, ids["1"]) if r.kind == "actor_set"]
    assert rows[0].evidence_text == "GRU" and rows[0].field == "title"
    assert rows[0].lexicon_version == load_lexicon().version
    assert effective_labels(tag_table.item_tags(db, ids["2"]))["actor"] == ["LockBit"]


def test_analyst_corrections_win_and_survive_retag(
    httpserver: HTTPServer, db: sqlite_utils.Database, now: datetime
) -> None:
    ids = _ingest(httpserver, db, now)
    tag_table.add_analyst_tag(
        db, ids["1"], "target", "EE", "remove", "ministries were Latvian", now
    )
    tag_table.add_analyst_tag(db, ids["2"], "actor_set", "russia", "add", "partner assessment", now)
    pipeline.run_retag(db, Tagger.default(), clock=lambda: now)
    assert effective_labels(tag_table.item_tags(db, ids["1"]))["target"] == []
    assert effective_labels(tag_table.item_tags(db, ids["2"]))["actor_set"] == ["russia"]


def test_explain_prints_evidence_and_corrections(
    httpserver: HTTPServer, tmp_path: Path, now: datetime
) -> None:
    db_path = tmp_path / "t.db"
    db = open_db(db_path)
    ids = _ingest(httpserver, db, now)
    db.close()
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "--db",
            str(db_path),
            "tag",
            "add",
            ids["2"],
            "sector",
            "transport",
            "--note",
            "port operator",
        ],
    )
    assert result.exit_code == 0, result.output
    out = runner.invoke(cli, ["--db", str(db_path), "explain", ids["1"]]).stdout
    assert "actor sets: russia" in out
    # the role, the source's hedge (none here) and who attributes (the feed is a CERT's)
    assert (
        "actor_set=russia: title[8:11] 'GRU' rule state-service, confidence 0.90, role actor, "
        "no hedge, official attribution" in out
    )
    out2 = runner.invoke(cli, ["--db", str(db_path), "explain", ids["2"]]).stdout
    # with who decided: --by, or the login name by default
    assert re.search(r"sector=transport: analyst add by \S+ — port operator", out2), out2
    missing = runner.invoke(cli, ["--db", str(db_path), "explain", "nope"])
    assert missing.exit_code == 2 and missing.stderr == "Error: no item with id 'nope'\n"


def test_classify_writes_one_line_per_input_line_in_order() -> None:
    lines = [
        json.dumps(
            {
                "id": "a",
                "title": "Hackers linked to North Korea hit an exchange",
                "lang": "en",
                "extra": 1,
            }
        ),
        "{not json",
        json.dumps({"id": "c", "title": "北朝鮮のハッカー集団", "summary": None}),
        "",
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "f", "title": 42}),
        json.dumps({"id": "g"}),
        "[" * 100_000 + "]" * 100_000,  # nested deeper than Python's JSON parser can go
    ]
    result = CliRunner().invoke(cli, ["classify"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, "c", None, None, "f", "g", None]
    assert out[0]["actor_sets"] == ["north-korea"]
    assert out[0]["evidence"][0] == {
        "kind": "actor_set",
        "label": "north-korea",
        "text": "North Korea",
        "field": "title",
        "start": 18,
        "end": 29,
        "rule": "state-link",
        "confidence": 0.9,
        "role": "actor",
        "hedge": "",
        "attribution_type": "media",
    }
    # the attribution list is added beside the evidence: who did it, how sure, who says so
    assert out[0]["attribution"] == [
        {
            "label": "north-korea",
            "kind": "actor_set",
            "role": "actor",
            "hedge": "",
            "type": "media",
            "evidence": {"text": "North Korea", "field": "title", "start": 18, "end": 29},
        }
    ]
    assert out[1]["line"] == 2 and out[1]["error"].startswith("invalid JSON")
    assert out[2]["actor_sets"] == ["north-korea"]
    assert out[3] == {"id": None, "line": 4, "error": "empty line"}
    assert out[4]["error"] == "not a JSON object"
    assert out[5]["error"] == "'title' is not a string"
    assert out[6]["actor_sets"] == [] and out[6]["evidence"] == []
    assert out[7] == {"id": None, "line": 8, "error": "invalid JSON: nested too deeply"}
    assert "5 line(s) could not be classified" in result.stderr


def test_classify_reads_and_writes_files(tmp_path: Path) -> None:
    source, sink = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(json.dumps({"id": "x", "title": "APT28 phishing"}) + "\n")
    result = CliRunner().invoke(cli, ["classify", "-i", str(source), "-o", str(sink)])
    assert result.exit_code == 0
    assert json.loads(sink.read_text())["actors"] == ["APT28"]


def test_lexicon_import_merges_misp_and_reports_conflicts(tmp_path: Path) -> None:
    local = tmp_path / "lex"
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "--lexicon-dir",
            str(local),
            "lexicon",
            "import",
            str(DATA / "lexicon" / "misp-threat-actor-sample.json"),
            "--format",
            "misp-galaxy",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 new groups, 2 new aliases, 1 conflicts" in result.stdout
    assert "conflict: Conflicting Group" in result.stderr
    entries = yaml.safe_load((local / "actors.local.yaml").read_text())["actors"]
    assert {"name": "Example Panda", "aliases": ["EXAMPLE-GROUP-77"], "set": "china"} in entries
    classified = runner.invoke(
        cli,
        ["--lexicon-dir", str(local), "classify"],
        input=json.dumps(
            {"id": "1", "title": "EXAMPLE-GROUP-77 strikes; Grizzly Steppe Sample Alias too"}
        )
        + "\n",
    )
    out = json.loads(classified.stdout)
    assert out["actors"] == ["APT28", "Example Panda"] and out["actor_sets"] == ["china", "russia"]
    assert out["lexicon_version"].endswith("+local")


def test_lexicon_import_reads_attack_stix_and_skips_revoked(tmp_path: Path) -> None:
    local = tmp_path / "lex"
    result = CliRunner().invoke(
        cli,
        [
            "--lexicon-dir",
            str(local),
            "lexicon",
            "import",
            str(DATA / "lexicon" / "attack-intrusion-sets-sample.json"),
            "--format",
            "attack-stix",
        ],
    )
    assert result.exit_code == 0, result.output
    entries = yaml.safe_load((local / "actors.local.yaml").read_text())["actors"]
    assert entries == [{"name": "Kimsuky", "aliases": ["Example Velvet Alias"]}]


def test_retag_in_worker_processes_matches_retag_in_process(
    httpserver: HTTPServer,
    db: sqlite_utils.Database,
    now: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _ingest(httpserver, db, now)
    monkeypatch.setattr(pipeline, "RETAG_BATCH", 1)  # one item per batch: several batches

    def tags() -> list[tuple[Any, ...]]:
        return db.execute(
            'select item_id, kind, value, rule, evidence_text, field, start, "end", origin '
            "from tags order by item_id, kind, value, rule, start"
        ).fetchall()

    assert pipeline.run_retag(db, Tagger.default(), clock=lambda: now, workers=1) == 2
    alone = tags()
    db.execute("delete from tags where origin = 'lexicon'")
    assert pipeline.run_retag(db, Tagger.default(), clock=lambda: now, workers=2) == 2
    assert tags() == alone and len(alone) > 3


def test_explain_prints_no_terminal_escape_from_the_store(
    httpserver: HTTPServer, tmp_path: Path, now: datetime
) -> None:
    db_path = tmp_path / "t.db"
    db = open_db(db_path)
    ids = _ingest(httpserver, db, now)
    osc = "\x1b]0;owned\x07\x1b[2J"
    db.execute(
        "update items set title = ?, url = ? where id = ?",
        [f"Russian GRU {osc}hackers\r\u202e", f"https://x.example/1{osc}", ids["1"]],
    )
    db.execute("update tags set evidence_text = ? where item_id = ?", [f"GRU{osc}", ids["1"]])
    tag_table.add_analyst_tag(db, ids["1"], "sector", "energy", "add", f"per {osc}note", now)
    db.close()
    result = CliRunner().invoke(cli, ["--db", str(db_path), "explain", ids["1"]])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert not any(c in out for c in "\x1b\x07\r\u202e")
    assert "Russian GRU \\x1b]0;owned\\x07\\x1b[2Jhackers\\x0d\\u202e" in out
    assert "https://x.example/1\\x1b]0;owned\\x07\\x1b[2J" in out
    assert "sector=energy: analyst add — per \\x1b]0;owned\\x07\\x1b[2Jnote" in out
    assert "'GRU\\x1b]0;owned\\x07\\x1b[2J'" in out


@pytest.mark.parametrize(
    "kind,value,hint",
    [
        ("sector", "'; drop table tags;--", "use one of government, defence"),
        ("sector", "Energy", "unknown sector 'Energy'"),
        ("target", "jp", "use two capital letters"),
        ("target", "JPN", "is not an ISO 3166 alpha-2 code"),
        ("target", "'; drop table tags;--", "is not an ISO 3166 alpha-2 code"),
        ("actor-set", "atlantis", "use one of belarus, china"),
        ("actor", "'; drop table tags;--", "use a group name or alias of the lexicon"),
    ],
    ids=[
        "sector-injection",
        "sector-case",
        "target-lowercase",
        "target-alpha3",
        "target-injection",
        "unknown-actor-set",
        "actor-injection",
    ],
)
def test_analyst_values_must_be_in_the_vocabulary(
    httpserver: HTTPServer,
    db: sqlite_utils.Database,
    now: datetime,
    kind: str,
    value: str,
    hint: str,
) -> None:
    ids = _ingest(httpserver, db, now)
    with pytest.raises(UsageError, match=re.escape(hint)):
        pipeline.correct_tag(db, ids["2"], kind, value, "add", now=now)
    assert not [t for t in tag_table.item_tags(db, ids["2"]) if t.source is TagOrigin.ANALYST]


@pytest.mark.parametrize(
    "kind,value,stored",
    [
        ("actor", "lazarus", "Lazarus Group"),
        ("actor", "APT 28", "APT28"),
        ("actor", "Fancy Bear", "APT28"),
        ("actor-set", "north-korea", "north-korea"),
        ("target", "JP", "JP"),
        ("sector", "transport", "transport"),
    ],
    ids=["alias-lowercase", "spelling-variant", "alias", "actor-set", "target", "sector"],
)
def test_analyst_values_are_stored_in_canonical_form(
    httpserver: HTTPServer,
    db: sqlite_utils.Database,
    now: datetime,
    kind: str,
    value: str,
    stored: str,
) -> None:
    ids = _ingest(httpserver, db, now)
    pipeline.correct_tag(db, ids["2"], kind, value, "add", "checked", now=now)
    labels = effective_labels(tag_table.item_tags(db, ids["2"]))
    assert stored in labels[kind.replace("-", "_")]


def test_a_bad_label_stored_before_the_check_can_still_be_removed(
    httpserver: HTTPServer, db: sqlite_utils.Database, now: datetime
) -> None:
    ids = _ingest(httpserver, db, now)
    bad = "'; drop table tags;--"
    tag_table.add_analyst_tag(db, ids["2"], "sector", bad, "add", "", now)
    with pytest.raises(UsageError):
        pipeline.correct_tag(db, ids["1"], "sector", bad, "remove", now=now)
    pipeline.correct_tag(db, ids["2"], "sector", bad, "remove", "cleanup", now=now)
    assert bad not in effective_labels(tag_table.item_tags(db, ids["2"]))["sector"]


def _strict(text: str) -> Any:
    """JSON as RFC 8259 has it: NaN and Infinity are not JSON."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


_GOOD = json.dumps({"id": "before", "title": "APT28 phishing"}).encode()
_ONE_MB = "Background. " * 83_000 + "Lazarus hackers stole crypto."
# (input line as bytes, id echoed, error it gives or None, actors found)
CLASSIFY_LINES = [
    (b'{"id": "s", "title": "APT28 \\ud800"}', None, "lone surrogate", None),
    (b'{"id": "b", "title": "APT28 \xff phishing"}', None, "not UTF-8: byte 0xff", None),
    (b'{"id": "c", "title": "APT28 \xed\xa0\x80"}', None, "not UTF-8: byte 0xed", None),
    (b'{"id": NaN, "title": "APT28 phishing"}', "NaN", None, ["APT28"]),
    (b'{"id": -Infinity, "title": "APT28"}', "-Infinity", None, ["APT28"]),
    (b'{"id": 1e999, "title": "APT28"}', "1e999", None, ["APT28"]),
    (b'{"id": [1, NaN], "title": 7}', [1, "NaN"], "'title' is not a string", None),
    (b'{"id": "e", "title": "", "summary": "", "content": ""}', "e", None, []),
    (json.dumps({"id": "m", "summary": _ONE_MB}).encode(), "m", None, ["Lazarus Group"]),
    (b'{"id": "r",\r "title": "APT28"}', "r", None, ["APT28"]),
    (
        b'{"id": "u", "title": "\\u202eAPT28\\u0007 and Laz\\u200darus"}',
        "u",
        None,
        ["APT28", "Lazarus Group"],
    ),
    ('{"id": "l", "title": "APT28\u2028phishing"}'.encode(), "l", None, ["APT28"]),
    (b'{"id": "x", "title": "raw \x1b control"}', None, "invalid JSON", None),
    (b"\xef\xbb\xbf" + _GOOD, None, "invalid JSON", None),  # a BOM is only skipped on line 1
    (b'{"id": "t", "title": "' + b"a" * 2_000_001 + b'"}', None, "line longer than", None),
]


@pytest.mark.parametrize(
    "line,item_id,error,actors",
    CLASSIFY_LINES,
    ids=[
        "escaped-lone-surrogate",
        "byte-ff",
        "encoded-surrogate",
        "nan-id",
        "minus-infinity-id",
        "overflowing-id",
        "nested-nan-id-and-bad-title",
        "empty-fields",
        "one-megabyte-text",
        "carriage-return-inside",
        "bidi-and-controls-escaped",
        "raw-line-separator",
        "raw-escape-byte",
        "bom-mid-stream",
        "over-long-line",
    ],
)
def test_classify_gives_one_strict_json_line_for_every_input_line(
    line: bytes, item_id: Any, error: str | None, actors: list[str] | None
) -> None:
    stream = b"\n".join([_GOOD, line, _GOOD]) + b"\n"
    result = CliRunner().invoke(cli, ["classify"], input=stream)
    assert result.exit_code == 0, result.output
    out = [_strict(text) for text in result.stdout.splitlines()]
    assert len(out) == 3 and out[0]["actors"] == out[2]["actors"] == ["APT28"]
    got = out[1]
    if error is None:
        assert "error" not in got and got["id"] == item_id and got["actors"] == actors
        text = json.loads(line.decode("utf-8"))
        for e in got["evidence"]:
            source = text.get(e["field"])
            assert source[e["start"] : e["end"]] == e["text"]
    else:
        assert got["id"] == item_id and got["line"] == 2 and error in got["error"]


_WORKER_TITLES = [
    "Hackers linked to North Korea hit an exchange",
    "Russian GRU hackers target Estonian ministries",
    "北朝鮮のハッカー集団が暗号資産交換業者を標的に",
    "A Russian bank was hit by pro-Ukraine hacktivists",
    "Administrators should update to the fixed version",
]


@pytest.mark.slow
def test_classify_in_worker_processes_keeps_every_line_in_order(tmp_path: Path) -> None:
    """A file of over 4 MB goes to worker processes in chunks: the real command, through its
    entry point, gives one line per input line in input order, error lines included, and
    exactly what one process gives."""
    lines = [
        json.dumps({"id": n, "title": _WORKER_TITLES[n % len(_WORKER_TITLES)]}).encode()
        for n in range(2_400)
    ]
    too_long = b'{"id": "t", "title": "' + b"a" * 2_000_001 + b'"}'
    # two more over-long lines take the file past PARALLEL_BYTES, at no tagging cost
    bad = [line for line, *_ in CLASSIFY_LINES] + [b"", b"{not json", b"[1]", too_long, too_long]
    for k, line in enumerate(bad):  # spread over the chunks, the first line included
        lines.insert(k * 137, line)
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    assert source.stat().st_size > PARALLEL_BYTES
    outputs = {}
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    for workers in ("0", "1", "2"):  # 0: one per core for a file this big
        sink = tmp_path / f"out-{workers}.jsonl"
        command = ["-v", "classify", "--workers", workers, "-i", str(source), "-o", str(sink)]
        done = subprocess.run([*THREATBRIEF, *command], capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        pooled = workers == "2" or (workers == "0" and cores > 1)
        assert (b"worker processes" in done.stderr) == pooled
        outputs[workers] = sink.read_bytes()
    assert outputs["0"] == outputs["1"] == outputs["2"]
    out = [_strict(text) for text in outputs["2"].decode("utf-8").splitlines()]
    assert len(out) == len(lines)
    good = [o["id"] for o in out if "error" not in o and isinstance(o["id"], int)]
    assert good == list(range(2_400))
    errors = [(n, o) for n, o in enumerate(out, start=1) if "error" in o]
    assert len(errors) == sum(error is not None for *_, error, _ in CLASSIFY_LINES) + 5
    assert all(o["line"] == n for n, o in errors)
    assert out[137 * len(CLASSIFY_LINES)]["error"] == "empty line"


def _workers_of(pid: int) -> list[int]:
    """The worker processes of a pool started by `pid`: its grandchildren (the fork server's
    children), read from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat_line = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            parents[int(entry.name)] = int(stat_line.rsplit(")", 1)[1].split()[1])
    children = {child for child, parent in parents.items() if parent == pid}
    return [child for child, parent in parents.items() if parent in children]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_classify_goes_on_in_process_when_a_worker_is_killed(tmp_path: Path) -> None:
    summary = " ".join(_WORKER_TITLES * 4)
    lines = [
        json.dumps({"id": n, "title": _WORKER_TITLES[n % 5], "summary": summary}).encode()
        for n in range(5_000)
    ]
    lines[10] = b"{not json"
    source, sink = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    command = ["classify", "--workers", "2", "-i", str(source), "-o", str(sink)]
    proc = subprocess.Popen([*THREATBRIEF, *command], stderr=subprocess.PIPE)
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and proc.poll() is None and time.monotonic() < deadline:
        workers = _workers_of(proc.pid)
        if workers:
            killed = workers[0]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.01)
    _, stderr = proc.communicate(timeout=120)
    assert killed is not None and proc.returncode == 0, stderr[-2000:]
    # the log line may be wrapped to the terminal's width
    assert b"going on in this process" in b" ".join(stderr.split())
    out = [json.loads(text) for text in sink.read_text(encoding="utf-8").splitlines()]
    assert len(out) == len(lines)
    assert out[10]["line"] == 11 and out[10]["error"].startswith("invalid JSON")
    assert [o["id"] for o in out if "error" not in o] == [n for n in range(5_000) if n != 10]
    assert all(o["actors"] == out[0]["actors"] for o in out if "error" not in o)


def test_role_hedge_and_attribution_type_are_stored_and_survive_retag(
    httpserver: HTTPServer, db: sqlite_utils.Database, now: datetime
) -> None:
    ids = _ingest(httpserver, db, now)
    tagger = Tagger(load_lexicon())
    hedged = tagger.tag(
        [("title", "Mandiant said a suspected Chinese espionage group breached the ministry")]
    )
    with db.atomic():
        tag_table.save_taggings(db, [(ids["2"], hedged.evidence)], tagger.version, now)
    (row,) = [t for t in tag_table.item_tags(db, ids["2"]) if t.kind == "actor_set"]
    assert (row.value, row.role, row.hedge, row.attribution_type) == (
        "china",
        "actor",
        "suspected",
        "vendor",
    )
    # retag reads the feed's kind from the store: a CERT feed's text naming no attributor is
    # an official attribution, exactly as at ingest
    pipeline.run_retag(db, tagger, workers=1)
    stored = tag_table.item_tags(db, ids["1"])
    (gru,) = [t for t in stored if t.kind == "actor_set" and t.field == "title"]
    assert (gru.evidence_text, gru.role, gru.hedge, gru.attribution_type) == (
        "GRU",
        "actor",
        "",
        "official",
    )
