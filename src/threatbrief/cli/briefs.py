# SPDX-License-Identifier: Apache-2.0
"""The brief command."""

from __future__ import annotations

from pathlib import Path

import click

from .. import pipeline
from ..models import utc_now
from ._common import State, handles_errors, parse_level, parse_period, period_options, split

__all__ = ["brief"]


@click.command()
@period_options
@click.option(
    "--partners",
    default="EE,JP",
    show_default=True,
    help="Comma-separated ISO 3166 codes of the partners.",
)
@click.option("--actors", default="", help="Only these actor sets or groups (comma-separated).")
@click.option("--sectors", default="", help="Only these sectors (comma-separated).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md", "txt", "pdf", "json"]),
    default="html",
    show_default=True,
)
@click.option(
    "--tlp",
    "clearance",
    default="amber",
    show_default=True,
    help="Highest TLP of items the brief may contain.",
)
@click.option(
    "--templates",
    "template_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder whose templates override the packaged ones.",
)
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the brief.",
)
@click.pass_obj
@handles_errors
def brief(
    state: State,
    since: str | None,
    until: str | None,
    period: str | None,
    partners: str,
    actors: str,
    sectors: str,
    fmt: str,
    clearance: str,
    template_dir: Path | None,
    out: Path,
) -> None:
    """Write a bilateral threat brief for a period, in the report's house style.

    \b
    Example:
        threatbrief brief --period 2026-10 --partners EE,JP -o brief-2026-10.html
        threatbrief brief --since 2026-10-01 --until 2026-11-01 --format pdf -o brief.pdf
    """
    config = state.config()
    span = parse_period(since, until, period, utc_now())
    level = parse_level(clearance)
    with state.db() as db:
        result = pipeline.run_brief(
            config,
            db,
            span,
            [p.strip().upper() for p in partners.split(",") if p.strip()],
            out,
            fmt,
            actors=split(actors),
            sectors=split(sectors),
            clearance=level,
            template_dir=template_dir,
        )
    click.echo(f"{result.path}: {result.fmt}, {result.items} items, TLP:{result.tlp.upper()}")
