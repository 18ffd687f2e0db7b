# SPDX-License-Identifier: Apache-2.0
"""The sharing commands: export, import, publish, poll and assessments.

stix2 and taxii2-client take about a quarter of a second to import, so the modules that use
them are imported inside the commands that need them, not when any command starts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from rich.table import Table

from ..models import utc_now
from ._common import State, handles_errors, parse_level, parse_period, period_options, split, stdout

__all__ = ["assessments", "export", "import_bundle", "poll", "publish"]


@click.command()
@period_options
@click.option(
    "--tlp",
    "clearance",
    required=True,
    help="The recipient's clearance: nothing above it is exported (red never is).",
)
@click.option("--partners", default="EE,JP", show_default=True, help="ISO codes of the partners.")
@click.option("--format", "fmt", type=click.Choice(["stix"]), default="stix", show_default=True)
@click.option("--validate", is_flag=True, help="Check the bundle with stix2-validator (slow).")
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The bundle file (a regular file; it is replaced whole).",
)
@click.option(
    "--misp-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="A MISP feed folder: the event and manifest.json are written there.",
)
@click.pass_obj
@handles_errors
def export(
    state: State,
    since: str | None,
    until: str | None,
    period: str | None,
    clearance: str,
    partners: str,
    fmt: str,
    validate: bool,
    out: Path,
    misp_dir: Path | None,
) -> None:
    """Export a period's assessment as STIX 2.1 (TLP 2.0 marked), and as a MISP feed entry
    with --misp-dir.

    \b
    Example:
        threatbrief export --period 2026-10 --tlp green -o exports/2026-10.json
        threatbrief export --period 2026-10 --tlp green -o exports/2026-10.json \\
            --misp-dir exports/misp
        threatbrief export --since 2026-10-01 --until 2026-11-01 --tlp amber --validate -o b.json
    """
    from ..pipeline.exchange import run_export

    config = state.config()
    now = utc_now()
    span = parse_period(since, until, period, now)
    codes = tuple(p.upper() for p in split(partners))
    with state.db() as db:
        result = run_export(
            config,
            db,
            span,
            parse_level(clearance),
            out,
            now=now,
            partners=codes,
            tagger=state.tagger(),
            validate=validate,
            misp_dir=misp_dir,
        )
    checked = ", validated" if validate else ""
    misp = (
        f"; MISP event {result.misp_path.name} and manifest.json in {result.misp_path.parent}/"
        if result.misp_path
        else ""
    )
    click.echo(
        f"{result.path}: {result.objects} STIX objects, TLP:{result.tlp.upper()}{checked}{misp}"
    )


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--partner", required=True, help="Who sent it, e.g. CERT-EE or JPCERT-CC.")
@click.option("--validate", is_flag=True, help="Also check the bundle with stix2-validator.")
@click.pass_obj
@handles_errors
def import_bundle(state: State, file: Path, partner: str, validate: bool) -> None:
    """Import a partner's STIX 2.1 bundle: all of it or nothing, TLP failing closed.

    \b
    Example:
        threatbrief import jpcert-2026-10.json --partner JPCERT-CC
    """
    from ..pipeline.exchange import run_import

    data = file.read_bytes()
    with state.db() as db:
        result = run_import(
            db,
            data,
            partner,
            now=utc_now(),
            tagger=state.tagger(),
            source=str(file),
            validate=validate,
        )
    for note in result.marking_notes:
        click.echo(f"counted as TLP:RED: {note}", err=True)
    click.echo(
        f"{file}: {result.objects} objects, {result.assessments} assessments "
        f"({result.changed} new or newer), {result.tags} partner tags, "
        f"highest TLP:{result.tlp.upper()}"
    )


def _taxii_options(fn: click.decorators.FC) -> click.decorators.FC:
    fn = click.option("--collection", required=True, help="The collection id.")(fn)
    return click.option(
        "--taxii", "api_root", required=True, help="The TAXII 2.1 API root address."
    )(fn)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_taxii_options
@click.option("--tlp", "clearance", required=True, help="The collection's readers' clearance.")
@click.pass_obj
@handles_errors
def publish(state: State, file: Path, api_root: str, collection: str, clearance: str) -> None:
    """Publish a bundle to a TAXII 2.1 collection; every object must pass the TLP gate.

    Credentials come from THREATBRIEF_TAXII_USER and THREATBRIEF_TAXII_PASSWORD.

    \b
    Example:
        threatbrief publish exports/2026-10.json --taxii https://taxii.example/api1 \\
            --collection 9ee8… --tlp green
    """
    from ..pipeline.exchange import publish_bundle

    status = publish_bundle(
        file.read_bytes(), api_root, collection, parse_level(clearance), os.environ
    )
    click.echo(f"{file}: published to {collection} ({status})")


@click.command()
@_taxii_options
@click.option("--partner", required=True, help="Who runs the collection, e.g. JPCERT-CC.")
@click.pass_obj
@handles_errors
def poll(state: State, api_root: str, collection: str, partner: str) -> None:
    """Import what a partner's TAXII 2.1 collection gained since the last poll.

    \b
    Example:
        threatbrief poll --taxii https://taxii.jpcert.example/api1 --collection 4f1… \\
            --partner JPCERT-CC
    """
    from ..pipeline.exchange import poll_collection

    with state.db() as db:
        polled = poll_collection(
            db, api_root, collection, partner, os.environ, tagger=state.tagger()
        )
    result = polled.imported
    if result is None:
        click.echo(f"{collection}: nothing new since {polled.since or 'the start'}")
        return
    for skipped in result.skipped:
        click.echo(f"skipped: {skipped}", err=True)
    click.echo(
        f"{collection}: {result.objects} objects, {result.assessments} assessments "
        f"({result.changed} new or newer), highest TLP:{result.tlp.upper()}"
        + (f"; {len(result.skipped)} invalid object(s) skipped" if result.skipped else "")
    )


@click.command()
@click.option("--partner", help="Only this partner's assessments.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.pass_obj
@handles_errors
def assessments(state: State, partner: str | None, as_json: bool) -> None:
    """List partners' imported assessments: who, when, TLP, the groups named, and any marking
    that counted as TLP:RED.

    \b
    Example:
        threatbrief assessments --partner JPCERT-CC
    """
    from ..pipeline.exchange import list_assessments

    with state.db() as db:
        rows = list_assessments(db, partner)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No partner assessments imported yet (threatbrief import or poll).")
        return
    table = Table(title="Partner assessments", title_justify="left")
    for column in ("partner", "published", "TLP", "type", "name", "groups", "marking notes"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["partner"],
            (r["published"] or "")[:10],
            str(r["tlp"]).upper(),
            r["type"],
            r["name"][:80],
            (r["actors"] or "").replace(",", ", "),
            (r["marking_notes"] or "")[:80],
            style="red" if r["tlp"] == "red" else "",
        )
    stdout.print(table)
