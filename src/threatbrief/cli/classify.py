# SPDX-License-Identifier: Apache-2.0
"""`threatbrief classify`: the tagger over JSON Lines, with nothing else imported (no store,
renderer or fetcher), so that a pipe of a few lines starts fast."""

from __future__ import annotations

from typing import Any

import click

from ..tag.classify import classify_stream
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
@click.pass_obj
@handles_errors
def classify(state: State, source: Any, sink: Any) -> None:
    """Tag any text: JSON Lines in, one JSON line out per input line, in order.

    Input lines: {"id": ..., "title": ..., "summary": ..., "lang": ...}. A line that cannot be
    read gives {"id": null, "line": N, "error": ...} and the rest go on.

    \b
    Example:
        echo '{"id": "1", "title": "Lazarus hits a crypto exchange"}' | threatbrief classify
    """
    errors = classify_stream(source, sink, state.tagger())
    if errors:
        click.echo(f"{errors} line(s) could not be classified (see their error objects)", err=True)
