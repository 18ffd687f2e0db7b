# SPDX-License-Identifier: Apache-2.0
"""The house rules of docs/design.md, checked on the source with `ast`: imports follow the
layer table, no import cycle, no private name imported across modules, and the command line
starts without the sharing libraries.

Every import counts, including those inside functions: a lazy import still makes an arrow.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

PACKAGE = Path(__file__).parent.parent / "src" / "threatbrief"

GROUND = {
    "errors",
    "models",
    "vocab",
    "_net",
    "textsafe",
    "__init__",
    "textwidth",
    "svgcharts",
    "_files",
    "_workers",
}
STAGES = {"ingest", "tag", "brief", "digest", "share", "render"}
FACES = {"cli", "schedule", "web"}
# The story model of brief/ is shared: digests and exports group items exactly as briefs do,
# and render draws the brief's and the digest's contexts.
SHARED_STORY_MODEL = {"brief.stories", "brief.context"}
STAGE_EXCEPTIONS = {
    "digest": SHARED_STORY_MODEL,
    "share": SHARED_STORY_MODEL,
    "render": SHARED_STORY_MODEL | {"digest.build"},
}
# What a face may use besides pipeline, config and the ground floor: the database it opens,
# the tagger it builds once per invocation, and the single-stage commands.
FACE_RESOURCES = {"store.db", "tag", "tag.classify", "tag.lexicon_import"}
STORE_TABLES = {"items", "feeds", "tags", "briefs", "outbox", "sharing", "stories", "users"}


def _modules(root: Path) -> dict[str, Path]:
    """Dotted names relative to the package (`store.items`, `cli`, `__init__`) → file."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts.pop()
        found[".".join(parts)] = path
    return found


def _package_of(name: str, path: Path) -> list[str]:
    """The package a module's relative imports start from, as name parts."""
    parts = [] if name == "__init__" else name.split(".")
    return parts if path.name == "__init__.py" else parts[:-1]


def _imports(
    name: str, path: Path, modules: dict[str, Path]
) -> Iterator[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for each import of our package."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("threatbrief."):
                    yield alias.name.removeprefix("threatbrief."), [], node.lineno
            continue
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = _package_of(name, path)[: len(_package_of(name, path)) - (node.level - 1)]
            parts = base + (node.module.split(".") if node.module else [])
        elif node.module and node.module.split(".")[0] == "threatbrief":
            parts = node.module.split(".")[1:]
        else:
            continue
        target = ".".join(parts) or "__init__"
        plain = []
        for alias in node.names:
            sub = f"{target}.{alias.name}" if parts else alias.name
            if sub in modules:  # `from . import pipeline` imports a module
                yield sub, [], node.lineno
            else:
                plain.append(alias.name)
        if plain:
            yield target, plain, node.lineno


def _layer(name: str) -> str:
    top = name.split(".")[0]
    if name in GROUND or top in GROUND:
        return "ground"
    if top == "config":
        return "config"
    if top in STAGES:
        return "stage"
    if top == "store":
        return "store"
    if top == "pipeline":
        return "pipeline"
    return "face"


def _within(target: str, allowed: set[str]) -> bool:
    """True if `target` is one of `allowed` or inside one of them."""
    return any(target == a or target.startswith(a + ".") for a in allowed)


def _layer_problem(source: str, target: str) -> str | None:
    """Why `source` may not import `target`, or None if it may."""
    top, target_top = source.split(".")[0], target.split(".")[0]
    layer, target_layer = _layer(source), _layer(target)
    if target_layer == "ground" and (layer != "ground" or source == "models"):
        return None
    if layer == "ground" and target == "errors":
        return None  # the exception tree is below everything
    if layer == "ground":
        return "the ground floor imports nothing of ours but errors (models also vocab)"
    if layer == "config":
        if target_layer == "ground" or target_top == "config":
            return None
        return "config imports only the ground floor and itself"
    if layer == "stage":
        if target_top == top or target in STAGE_EXCEPTIONS.get(top, set()):
            return None
        return "a stage imports only the ground floor, its own package and the story model"
    if layer == "store":
        if target_top != "store":
            return "the store imports only the ground floor and itself"
        mine, theirs = source.partition(".")[2], target.partition(".")[2]
        if theirs == "schema" and mine != "db":
            return "only store.db applies the migrations"
        if mine in STORE_TABLES and theirs not in {"_sql"}:
            return "a table module imports only the ground floor and store._sql"
        if mine == "schema" and theirs != "_sql":
            return "store.schema imports only store._sql"
        return None
    if layer == "pipeline":
        return None if target_layer != "face" else "pipeline never imports a face"
    # faces; `python -m threatbrief` is the command line's own entry point
    if source == "__main__":
        return None if target == "cli" else "__main__ only starts the command line"
    if target_top == top:
        if top == "cli" and source != "cli" and target == "cli":
            return "command modules import cli._common, never cli/__init__"
        return None
    if target_layer in {"pipeline", "config"} or _within(target, FACE_RESOURCES):
        return None
    if source == "cli.run" and target == "schedule.scheduler":
        return None  # `threatbrief run` hands the process to the scheduler face
    if source == "cli.serve" and target == "web":
        return None  # `threatbrief serve` hands the process to the web face
    return "a face imports pipeline, config, the ground floor and its resources only"


def violations(root: Path) -> list[str]:
    """Every breach of the house rules in the package at `root`, as readable lines."""
    modules = _modules(root)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    found = []
    for name, path in modules.items():
        for target, names, line in _imports(name, path, modules):
            where = f"{path.relative_to(root)}:{line}"
            if target not in modules:
                continue
            graph[name].add(target)
            why = _layer_problem(name, target)
            if why:
                found.append(f"{where}: {name} imports {target}: {why}")
            for private in (n for n in names if n.startswith("_") and not n.startswith("__")):
                found.append(f"{where}: {name} imports the private name {target}.{private}")
    found += [f"import cycle: {' -> '.join(c)}" for c in _cycles(graph)]
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected component that has one (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                cycles.append(sorted(component) + [sorted(component)[0]])

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_the_house_follows_its_rules() -> None:
    assert violations(PACKAGE) == []


@pytest.mark.parametrize(
    ("module", "planted", "expected"),
    [
        ("ingest/parse.py", "from ..pipeline import ingest", "a stage imports only"),
        ("store/items.py", "from . import feeds", "a table module imports only"),
        ("models.py", "from .config import Config", "the ground floor imports nothing"),
        ("cli/ingest.py", "from ..store import items", "a face imports pipeline"),
        ("cli/briefs.py", "from . import cli", "command modules import cli._common"),
        ("schedule/jobs.py", "from ..cli import cli", "a face imports pipeline"),
        ("pipeline/briefs.py", "from ..store.items import _brief_item", "private name"),
        ("pipeline/briefs.py", "from . import demo", "import cycle"),
    ],
    ids=["upward", "table-to-table", "ground", "face-past-pipeline", "cli-init", "face-to-face",
         "private", "cycle"],
)  # fmt: skip
def test_a_planted_breach_is_caught(
    tmp_path: Path, module: str, planted: str, expected: str
) -> None:
    copy = tmp_path / "threatbrief"
    shutil.copytree(
        PACKAGE, copy, ignore=shutil.ignore_patterns("*.pyc", "lexicon", "sample", "fonts")
    )
    path = copy / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{planted}\n", encoding="utf-8")
    found = violations(copy)
    assert any(expected in line for line in found), found


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


def test_classify_starts_without_the_store_renderer_or_fetcher() -> None:
    """The command line imports a command's module only when it runs, so `classify` (often
    a pipe of a few lines) starts without sqlite-utils, jinja2, httpx or feedparser."""
    probe = (
        "import sys; from threatbrief.cli import cli; "
        "cli(['classify', '-i', '/dev/null'], standalone_mode=False); "
        "print(sorted(m for m in ('sqlite_utils', 'jinja2', 'httpx', 'feedparser', "
        "'threatbrief.pipeline') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_every_command_of_the_lazy_group_loads() -> None:
    from threatbrief.cli import COMMANDS, cli

    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == sorted(COMMANDS)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name
