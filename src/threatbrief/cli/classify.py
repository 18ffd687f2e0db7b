# SPDX-License-Identifier: Apache-2.0
"""`threatbrief classify`: the tagger over JSON Lines, with nothing else imported (no store,
renderer or fetcher), so that a pipe of a few lines starts fast."""

from __future__ import annotations

from typing import Any

import click

from ..tag.classify import auto_workers, classify_stream
from ._common import State, handles_errors

__all__ = ["classify"]


@click.command()
@click.option(
    "-i",
    "--input",
    "source",
    type=click.File("rb"),
    default="-",
    help="JSON Lines input, UTF-8 (default stdin).",
)
@click.option(
    "-o",
    "--output",
    "sink",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="JSON Lines output (default stdout).",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=0,
    help="Worker processes: 0 (the default) means one per core for a file of 4 MB or more and"
    " 1 otherwise; 1 tags in this process, line by line.",
)
@click.pass_obj
@handles_errors
def classify(state: State, source: Any, sink: Any, workers: int) -> None:
    """Tag any text: JSON Lines in, one JSON line out per input line, in order.

    Input lines: {"id": ..., "title": ..., "summary": ..., "lang": ...}. A line that cannot be
    read gives {"id": null, "line": N, "error": ...} and the rest go on. A large file is
    tagged by worker processes, in chunks; the output keeps the input's order.

    \b
    Example:
        echo '{"id": "1", "title": "Lazarus hits a crypto exchange"}' | threatbrief classify
    """
    errors = classify_stream(source, sink, state.tagger(), workers or auto_workers(source))
    if errors:
        click.echo(f"{errors} line(s) could not be classified (see their error objects)", err=True)
