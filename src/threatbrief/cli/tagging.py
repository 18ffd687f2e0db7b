# SPDX-License-Identifier: Apache-2.0
"""The tagging commands: explain, retag, and the `tag` and `lexicon` groups (`classify` has
its own module, which imports only the tagger)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from rich.text import Text

from .. import pipeline
from ..models import StoredTag, TagOrigin, utc_now
from ..tag.lexicon_import import import_actors
from ..textsafe import printable
from ..vocab import TAG_KINDS
from ._common import State, analyst_option, handles_errors, stdout
from .stories import echo_story

__all__ = ["explain", "lexicon", "retag", "tag"]


@click.command()
@click.argument("item_id")
@click.pass_obj
@handles_errors
def explain(state: State, item_id: str) -> None:
    """Why an item has each of its tags: the evidence, its rule and confidence.

    \b
    Example:
        threatbrief explain 3f9c0d1e2a4b5c6d7e8f
    """
    with state.db() as db:
        found = pipeline.explain_item(db, item_id, state.config())
    # everything below comes from feeds, partners or analysts: no terminal escape, carriage
    # return or bidi control is printed as it is
    item = found.item
    stdout.print(Text(printable(item["title"] or ""), style="bold"))
    click.echo(
        printable(f"{item['url']}  ({item['feed_id']}, {item['published_at'] or 'date unknown'})")
    )
    for kind in TAG_KINDS:
        labels = ", ".join(found.labels.get(kind, [])) or "—"
        click.echo(printable(f"{kind.replace('_', ' ')}s: {labels}"))
    if not found.tags:
        click.echo("No tags: nothing in the text attributes or targets anything.")
    for t in found.tags:
        click.echo(printable(f"  {t.kind}={t.value}: {_reason(t)}"))
    if item.get("quarantine"):
        held = f"quarantined for {item['quarantine']}"
        if item.get("released_at"):
            held += f"; released {item['released_at']}" + (
                f" by {item['released_by']}" if item.get("released_by") else ""
            )
        click.echo(printable(held))
    if found.story is not None:
        echo_story(found.story, found.decisions, item_id)


def _reason(t: StoredTag) -> str:
    """Why one tag is there, as `explain` prints it."""
    if t.source is TagOrigin.ANALYST:
        who = f" by {t.decided_by}" if t.decided_by else ""
        return f"analyst {t.action}{who}" + (f" — {t.note}" if t.note else "")
    if t.source is TagOrigin.PARTNER:
        return (
            f"{t.partner} assesses so in {t.evidence_text!r} (TLP:{t.tlp.label.upper()}, {t.note})"
        )
    # the mention's role, the source's hedge in its own words and who attributes
    how = [f"role {t.role}"] if t.role else []
    if t.kind in ("actor_set", "actor"):
        how.append(f"hedge {t.hedge!r}" if t.hedge else "no hedge")
        if t.attribution_type:
            how.append(f"{t.attribution_type} attribution")
    return (
        f"{t.field}[{t.start}:{t.end}] {t.evidence_text!r} rule {t.rule}, "
        f"confidence {t.confidence:.2f}"
        + "".join(f", {h}" for h in how)
        + f" (lexicon {t.lexicon_version})"
    )


@click.command()
@click.pass_obj
@handles_errors
def retag(state: State) -> None:
    """Re-run the tagger over every stored item, after a lexicon change.

    Analyst corrections survive.

    \b
    Example:
        threatbrief retag
    """
    tagger = state.tagger()
    with state.db() as db:
        count = pipeline.run_retag(db, tagger)
    click.echo(f"Re-tagged {count} items with lexicon {tagger.version}.")


@click.group()
def tag() -> None:
    """Analyst corrections: add or remove a label on one item; they win over the lexicon."""


def _correct(
    state: State, action: str, item_id: str, kind: str, value: str, note: str, by: str
) -> None:
    with state.db() as db:
        pipeline.correct_tag(
            db,
            item_id,
            kind,
            value,
            action,
            note,
            now=utc_now(),
            lexicon=state.tagger().lexicon,
            by=by,
        )
    click.echo(printable(f"{item_id}: analyst {action} {kind} {value}"))


for _action in ("add", "remove"):

    def _make(action: str) -> Callable[..., None]:
        @tag.command(
            action,
            help=f"{action.capitalize()} one label on an item "
            f"(kinds: actor-set, actor, sector, target).\n\n"
            f"\b\nExample:\n    threatbrief tag {action} ITEM_ID "
            f'actor-set russia --note "per partner report"',
        )
        @click.argument("item_id")
        @click.argument("kind", type=click.Choice(["actor-set", "actor", "sector", "target"]))
        @click.argument("value")
        @click.option("--note", default="", help="Why (shown by `explain`).")
        @analyst_option
        @click.pass_obj
        @handles_errors
        def command(state: State, item_id: str, kind: str, value: str, note: str, by: str) -> None:
            _correct(state, action, item_id, kind, value, note, by)

        return command

    _make(_action)


@click.group()
def lexicon() -> None:
    """Inspect and extend the tagger's lexicon."""


@lexicon.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["misp-galaxy", "attack-stix"]),
    required=True,
    help="MISP galaxy threat-actor.json or an ATT&CK STIX bundle.",
)
@click.pass_obj
@handles_errors
def lexicon_import(state: State, file: Path, fmt: str) -> None:
    """Merge a public actor list into the local overrides; conflicts are reported, not merged.

    \b
    Example:
        threatbrief lexicon import threat-actor.json --format misp-galaxy
    """
    report = import_actors(file, fmt, state.tagger().lexicon, state.lexicon_dir)
    click.echo(
        f"{report.path}: {len(report.added_groups)} new groups, "
        f"{report.added_aliases} new aliases, {len(report.conflicts)} conflicts"
    )
    for conflict in report.conflicts:
        click.echo(f"  conflict: {conflict}", err=True)
