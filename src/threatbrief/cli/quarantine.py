# SPDX-License-Identifier: Apache-2.0
"""The `quarantine` group: items held back because their text carried active content."""

from __future__ import annotations

import click

from ..models import utc_now
from ..pipeline import quarantine as held
from ..textsafe import printable
from ._common import State, analyst_option, handles_errors

__all__ = ["quarantine_group"]


@click.group("quarantine")
def quarantine_group() -> None:
    """Items held back because their text carried active content (script, event handlers,
    javascript: links, template syntax): stored and explainable, but out of briefs' key
    stories, pull-quotes and judgements, digests and exports until released."""


@quarantine_group.command("list")
@click.pass_obj
@handles_errors
def list_command(state: State) -> None:
    """List quarantined items: id, feed, why, title.

    \b
    Example:
        threatbrief quarantine list
    """
    with state.db() as db:
        found = held.list_quarantine(db)
    for q in found:
        click.echo(printable(f"{q.id}  {q.feed_id}  [{q.reason}]  {q.title}"))
    click.echo(f"{len(found)} quarantined item{'s' if len(found) != 1 else ''}", err=True)


@quarantine_group.command("release")
@click.argument("item_id")
@analyst_option
@click.pass_obj
@handles_errors
def release_command(state: State, item_id: str, by: str) -> None:
    """Release ITEM_ID into briefs, digests and exports (after reading it with `explain`).

    \b
    Example:
        threatbrief quarantine release 3f1c0a9e2b7d4c6a8e10
    """
    with state.db() as db:
        reason = held.release_item(db, item_id, now=utc_now(), by=by)
    click.echo(printable(f"{item_id}: released (it was held for {reason})"))
