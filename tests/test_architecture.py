# SPDX-License-Identifier: Apache-2.0
"""Dependency direction (STYLE.md §1): stages import only models, errors and helpers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "src" / "threatbrief"
STAGES = ("fetch", "parse", "store", "tag", "render", "deliver", "share", "brief", "digest")
SHARED = {"models", "errors", "_text", "_lexicon", "__init__"}  # private helpers


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(
                    a.name if (PACKAGE / f"{a.name}.py").exists() else "__init__"
                    for a in node.names
                )
    return found


@pytest.mark.parametrize("stage", [s for s in STAGES if (PACKAGE / f"{s}.py").exists()], ids=str)
def test_stage_imports_no_other_stage(stage: str) -> None:
    # render's input is the brief and digest models, as parse's input is models.FetchResult;
    # a digest groups stories exactly as a brief does; the store's sharing tables live in
    # store_share; a STIX export describes the brief model
    allowed = SHARED | {
        "render": {"brief", "digest"},
        "digest": {"brief"},
        "store": {"store_outbox", "store_share"},
        "share": {"brief", "_markings"},
    }.get(stage, set())
    assert _imports(PACKAGE / f"{stage}.py") <= allowed


def test_schedule_calls_pipeline_and_never_the_cli() -> None:
    # cli's `run` command starts the scheduler; the scheduler's jobs call pipeline functions
    # (in jobs.py) by id and path, never command-line code
    assert _imports(PACKAGE / "schedule.py") <= {"jobs", "pipeline", "config", "__init__"}


def test_the_command_line_starts_without_the_sharing_libraries() -> None:
    """stix2 and taxii2-client cost about a quarter of a second to import: every command
    (fetch, classify, check-config …) would pay it. Only the sharing commands load them."""
    probe = (
        "import sys, threatbrief.cli; "
        "print(sorted(m for m in ('stix2', 'taxii2client', 'stix2validator') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
