# SPDX-License-Identifier: Apache-2.0
"""The ingest commands: check-config, fetch, feeds and reparse."""

from __future__ import annotations

import json
import os
import sys

import click
from rich.table import Table

from .. import pipeline
from .._net import redact_url
from ._common import State, handles_errors, outcome_table, stderr, stdout

__all__ = ["check_config", "feeds", "fetch", "reparse"]


@click.command("check-config")
@click.pass_obj
@handles_errors
def check_config(state: State) -> None:
    """Validate feeds.yaml: every problem with its path; exit 2 if invalid.

    Warnings (a very wide allowance, a credential in a URL, an unset headers_env variable) go
    to stderr and do not change the exit code. URLs are shown with credentials hidden.

    \b
    Example:
        threatbrief --config feeds.yaml check-config
    """
    config = state.config()
    for feed in config.feeds:
        flag = "" if feed.enabled else "  (disabled)"
        click.echo(
            f"{feed.id:<28} {feed.lang:<3} {feed.country or '--':<3} "
            f"every {_duration(feed.interval.total_seconds()):<4} {redact_url(feed.url)}{flag}"
        )
    for problem in config.warnings:
        click.echo(f"Warning: {config.source}: {problem}", err=True)
    for feed in config.feeds:
        for header, env in feed.headers_env:
            if not os.environ.get(env):
                click.echo(
                    f"Warning: {config.source}: feed '{feed.id}' sends {header} from ${env}, "
                    "which is not set here; fetches of this feed will fail until it is",
                    err=True,
                )
    click.echo(f"{config.source}: OK, {len(config.feeds)} feeds")


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


@click.command()
@click.option(
    "--feed", "feed_ids", multiple=True, metavar="ID", help="Fetch only this feed (repeatable)."
)
@click.pass_obj
@handles_errors
def fetch(state: State, feed_ids: tuple[str, ...]) -> None:
    """Fetch, parse and store feeds; exit 1 if any feed failed (the others are still stored).

    \b
    Example:
        threatbrief fetch
        threatbrief fetch --feed jpcert-en --feed cisa-advisories
    """
    config = state.config()
    feeds = pipeline.select_feeds(config, feed_ids)
    with state.db() as db:
        with stderr.status(f"Fetching {len(feeds)} feeds…") as status:
            done: list[str] = []

            def progress(outcome: pipeline.FeedOutcome) -> None:
                done.append(outcome.feed_id)
                status.update(f"Fetched {len(done)}/{len(feeds)} feeds (last: {outcome.feed_id})")

            outcomes = pipeline.run_fetch(
                config, db, feed_ids, on_done=progress, tagger=state.tagger()
            )
    stdout.print(outcome_table(outcomes))
    failed = [o for o in outcomes if o.failed]
    new = sum(o.new for o in outcomes)
    click.echo(
        f"{len(outcomes) - len(failed)} of {len(outcomes)} feeds OK, {new} new items.", err=True
    )
    if failed:
        click.echo(
            f"Error: {len(failed)} feed(s) failed: {', '.join(o.feed_id for o in failed)}", err=True
        )
        sys.exit(1)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
@handles_errors
def feeds(state: State, as_json: bool) -> None:
    """Per-feed health: last success, last error, consecutive failures, items.

    \b
    Example:
        threatbrief feeds
        threatbrief feeds --json | jq '.[] | select(.state == "failing")'
    """
    config = state.config()
    with state.db() as db:
        rows = pipeline.feed_report(config, db)
    if as_json:
        click.echo(
            json.dumps(
                [{**{k: getattr(r, k) for k in r.__slots__}, "state": r.state} for r in rows],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    table = Table(title="Feed health", title_justify="left")
    for col in (
        "feed",
        "state",
        "items",
        "last success",
        "failures",
        "failing since",
        "last error",
    ):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r.id,
            r.state,
            str(r.items),
            r.last_success_at or "never",
            str(r.consecutive_failures),
            r.failing_since or "",
            (r.last_error or "")[:120],
            style="red" if r.state == "failing" else "",
        )
    stdout.print(table)


@click.command()
@click.option(
    "--feed", "feed_ids", multiple=True, metavar="ID", help="Rebuild only this feed (repeatable)."
)
@click.pass_obj
@handles_errors
def reparse(state: State, feed_ids: tuple[str, ...]) -> None:
    """Rebuild items from the raw feed bodies kept in the store (after a parser fix).

    \b
    Example:
        threatbrief reparse --feed jpcert-ja
    """
    config = state.config()
    with state.db() as db:
        outcomes = pipeline.run_reparse(config, db, feed_ids, tagger=state.tagger())
    stdout.print(outcome_table(outcomes))
    if any(o.failed for o in outcomes):
        sys.exit(1)
