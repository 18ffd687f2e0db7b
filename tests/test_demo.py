# SPDX-License-Identifier: Apache-2.0
"""`threatbrief demo`, the README's main job: offline, on the bundled sample corpus."""

from __future__ import annotations

import email
import json
from email.policy import default
from pathlib import Path

import pytest
from click.testing import CliRunner

from threatbrief.cli import cli
from threatbrief.pipeline.exchange import validate_bundle
from threatbrief.textwidth import display_width

pytestmark = pytest.mark.slow


def test_demo_writes_every_output_from_the_sample_corpus(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "unused.db"), "demo", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert " serve" in result.output and "one-time password" in result.output
    for fmt in ("html", "md", "txt", "json", "pdf"):
        assert (out / f"brief-EE-JP.{fmt}").stat().st_size > 1000, fmt
    brief = json.loads((out / "brief-EE-JP.json").read_text())
    # the three main actor sets lead, in their order of relevance to the partners
    keys = [s["key"] for s in brief["sections"]]
    assert brief["item_count"] >= 50 and set(keys[:3]) == {"china", "north-korea", "russia"}
    assert (out / "brief-EE-JP.pdf").read_bytes().startswith(b"%PDF-")
    # the plain-text brief fits a terminal, Japanese counted two columns a character; the raw
    # Markdown is readable, with backslashes only where a character would become markup
    text = (out / "brief-EE-JP.txt").read_text().splitlines()
    assert max(display_width(line) for line in text) <= 100
    assert (out / "brief-EE-JP.md").read_text().count("\\") <= 10

    (eml,) = (out / "outbox").glob("*.eml")
    msg = email.message_from_bytes(eml.read_bytes(), policy=default)
    # the subject names the top story and ends in the digest's level
    assert len(msg["Subject"]) <= 100 and msg["Subject"].endswith("]") and msg["List-Unsubscribe"]
    assert msg["Subject"].count("[TLP:") == 1
    assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None

    bundle = json.loads((out / "exports" / "EE-JP.stix.json").read_text())
    assert validate_bundle(bundle) == []
    manifest = json.loads((out / "exports" / "manifest.json").read_text())
    (event_id,) = manifest
    assert (out / "exports" / f"{event_id}.json").exists()
