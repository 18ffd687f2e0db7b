# SPDX-License-Identifier: Apache-2.0
"""The sharing commands: export, import, publish, poll and assessments (registered on `cli.cli`).

stix2 and taxii2-client take about a quarter of a second to import, so the modules that use
them are imported inside the commands that need them, not when any command starts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from rich.table import Table

from . import pipeline, store_share
from .cli import _State, handles_errors, period_options, stdout
from .errors import ShareError, UsageError
from .models import TLP, may_receive

__all__ = ["assessments", "export", "import_bundle", "poll", "publish"]


def _level(text: str) -> TLP:
    try:
        return TLP.parse(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


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
    help="The bundle file; the MISP event and manifest.json go beside it.",
)
@click.pass_obj
@handles_errors
def export(
    state: _State,
    since: str | None,
    until: str | None,
    period: str | None,
    clearance: str,
    partners: str,
    fmt: str,
    validate: bool,
    out: Path,
) -> None:
    """Export a period's assessment as STIX 2.1 (TLP 2.0 marked) and as a MISP feed entry.

    \b
    Example:
        threatbrief export --period 2026-10 --tlp green -o exports/2026-10.json
        threatbrief export --since 2026-10-01 --until 2026-11-01 --tlp amber --validate -o b.json
    """
    from .exchange import run_export

    config = state.config()
    now = pipeline.utc_now()
    span = pipeline.parse_period(since, until, period, now)
    codes = tuple(p.strip().upper() for p in partners.split(",") if p.strip())
    with state.db() as db:
        result = run_export(
            config,
            db,
            span,
            _level(clearance),
            out,
            now=now,
            partners=codes,
            tagger=state.tagger(),
            validate=validate,
        )
    checked = ", validated" if validate else ""
    click.echo(
        f"{result.path}: {result.objects} STIX objects, TLP:{result.tlp.upper()}{checked}; "
        f"MISP event {result.misp_path.name} and manifest.json beside it"
    )


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--partner", required=True, help="Who sent it, e.g. CERT-EE or JPCERT-CC.")
@click.option("--validate", is_flag=True, help="Also check the bundle with stix2-validator.")
@click.pass_obj
@handles_errors
def import_bundle(state: _State, file: Path, partner: str, validate: bool) -> None:
    """Import a partner's STIX 2.1 bundle: all of it or nothing, TLP failing closed.

    \b
    Example:
        threatbrief import jpcert-2026-10.json --partner JPCERT-CC
    """
    from .exchange import run_import

    data = file.read_bytes()
    with state.db() as db:
        result = run_import(
            db,
            data,
            partner,
            now=pipeline.utc_now(),
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
def publish(state: _State, file: Path, api_root: str, collection: str, clearance: str) -> None:
    """Publish a bundle to a TAXII 2.1 collection; every object must pass the TLP gate.

    Credentials come from THREATBRIEF_TAXII_USER and THREATBRIEF_TAXII_PASSWORD.

    \b
    Example:
        threatbrief publish exports/2026-10.json --taxii https://taxii.example/api1 \\
            --collection 9ee8… --tlp green
    """
    from . import taxii
    from .partner import BundleError, read_bundle

    level = _level(clearance)
    data = file.read_bytes()
    try:
        checked = read_bundle(data, {})
    except BundleError as exc:
        raise ShareError(f"not published: {exc}") from None
    if checked.errors:
        raise ShareError("not published: invalid objects", [str(e) for e in checked.errors])
    above = sorted(o for o, lv in checked.levels.items() if not may_receive(lv, level, "export"))
    if above:
        raise ShareError(
            f"not published: {len(above)} object(s) are above TLP:{level.label.upper()} or TLP:RED",
            above,
        )
    bundle = json.loads(data)
    status = taxii.publish(taxii.collection(api_root, collection, os.environ), bundle)
    click.echo(f"{file}: published to {collection} ({status})")


@click.command()
@_taxii_options
@click.option("--partner", required=True, help="Who runs the collection, e.g. JPCERT-CC.")
@click.pass_obj
@handles_errors
def poll(state: _State, api_root: str, collection: str, partner: str) -> None:
    """Import what a partner's TAXII 2.1 collection gained since the last poll.

    \b
    Example:
        threatbrief poll --taxii https://taxii.jpcert.example/api1 --collection 4f1… \\
            --partner JPCERT-CC
    """
    from . import taxii
    from .exchange import run_import

    target = taxii.collection(api_root, collection, os.environ)
    with state.db() as db:
        since = store_share.bookmark(db, api_root, collection)
        bundle, newest = taxii.fetch_new(target, since)
        now = pipeline.utc_now()
        if not bundle["objects"]:
            click.echo(f"{collection}: nothing new since {since or 'the start'}")
            return
        result = run_import(
            db,
            json.dumps(bundle).encode(),
            partner,
            now=now,
            tagger=state.tagger(),
            source=f"taxii:{api_root}#{collection}",
        )
        if newest:
            store_share.set_bookmark(db, api_root, collection, newest, now)
    click.echo(
        f"{collection}: {result.objects} objects, {result.assessments} assessments "
        f"({result.changed} new or newer), highest TLP:{result.tlp.upper()}"
    )


@click.command()
@click.option("--partner", help="Only this partner's assessments.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.pass_obj
@handles_errors
def assessments(state: _State, partner: str | None, as_json: bool) -> None:
    """List partners' imported assessments: who, when, TLP, the groups named, and any marking
    that counted as TLP:RED.

    \b
    Example:
        threatbrief assessments --partner JPCERT-CC
    """
    with state.db() as db:
        rows = store_share.assessments(db, partner)
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
