# SPDX-License-Identifier: Apache-2.0
"""The `stories` group: an item's story, and analysts' decisions to join or split stories."""

from __future__ import annotations

from collections.abc import Sequence

import click

from ..errors import UsageError
from ..models import TLP, StoryLink, utc_now
from ..pipeline import stories as story_cases
from ..pipeline.stories import Story
from ..textsafe import printable
from ._common import State, analyst_option, handles_errors

__all__ = ["echo_story", "stories_group"]


def echo_story(story: Story, decisions: Sequence[StoryLink], item_id: str) -> None:
    """The story an item is part of: its sources, why they were merged, analysts' decisions."""
    if len(story.items) == 1:
        click.echo("story: this item stands alone")
    else:
        why = ", ".join(story.merged_on) or "—"
        click.echo(printable(f"story {story.id}: {len(story.items)} items, merged on {why}"))
        for i in story.items:
            mark = "*" if i.id == item_id else " "
            click.echo(printable(f" {mark} {i.id}  {i.publisher} (via {i.feed_id})  {i.title}"))
    for d in decisions:
        other = d.other_id if d.item_id == item_id else d.item_id
        by = f" by {d.decided_by}" if d.decided_by else ""
        note = f" — {d.note}" if d.note else ""
        click.echo(printable(f"  analyst {d.action} with {other}{by}, {d.decided_at}{note}"))


@click.group("stories")
def stories_group() -> None:
    """Stories are events: the items that report one event, across feeds and languages.
    Clustering is automatic; an analyst's join or split wins over it and survives
    re-clustering, in briefs, digests, exports and the workspace alike."""


@stories_group.command("show")
@click.argument("item_id")
@click.pass_obj
@handles_errors
def show_command(state: State, item_id: str) -> None:
    """Show the story ITEM_ID is part of: its items, publishers and why they were merged.

    \b
    Example:
        threatbrief stories show 3f1c0a9e2b7d4c6a8e10
    """
    config = state.config()
    with state.db() as db:
        story = story_cases.get_story(config, db, TLP.RED, item_id)
        if story is None:
            raise UsageError(f"no item with id {item_id!r}")
        decisions = story_cases.story_decisions(db, item_id)
    echo_story(story, decisions, item_id)


@stories_group.command("join")
@click.argument("item_id")
@click.argument("other_id")
@click.option("--note", default="", help="Why (shown by `explain` and `stories show`).")
@analyst_option
@click.pass_obj
@handles_errors
def join_command(state: State, item_id: str, other_id: str, note: str, by: str) -> None:
    """Join the stories of ITEM_ID and OTHER_ID: they report one event.

    \b
    Example:
        threatbrief stories join 3f1c0a9e2b7d4c6a8e10 9a8b7c6d5e4f3a2b1c0d --note "same raid"
    """
    with state.db() as db:
        story_cases.join_stories(db, item_id, other_id, note=note, by=by, now=utc_now())
    click.echo(printable(f"{item_id} and {other_id}: one story"))


@stories_group.command("split")
@click.argument("item_id")
@click.option("--note", default="", help="Why (shown by `explain` and `stories show`).")
@analyst_option
@click.pass_obj
@handles_errors
def split_command(state: State, item_id: str, note: str, by: str) -> None:
    """Take ITEM_ID out of its story: it becomes a story of its own.

    \b
    Example:
        threatbrief stories split 3f1c0a9e2b7d4c6a8e10 --note "another intrusion"
    """
    config = state.config()
    with state.db() as db:
        others = story_cases.split_story(config, db, item_id, note=note, by=by, now=utc_now())
    if others:
        click.echo(printable(f"{item_id}: split from {len(others)} item(s): {', '.join(others)}"))
    else:
        click.echo(printable(f"{item_id}: already a story of its own"))
