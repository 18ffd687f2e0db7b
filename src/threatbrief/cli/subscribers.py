# SPDX-License-Identifier: Apache-2.0
"""The mail commands: the `subscribers` group and `digest`."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from .. import pipeline
from ..errors import UsageError
from ..models import Subscriber, utc_now
from ._common import State, handles_errors, split, stdout

__all__ = ["digest", "subscribers_group"]


@click.group("subscribers")
def subscribers_group() -> None:
    """Manage digest subscribers: add, list, update, remove."""


def _subscriber_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option("--name", default="", help="Display name."),
            click.option("--actors", default="", help="Actor sets, comma-separated (default all)."),
            click.option("--sectors", default="", help="Sectors, comma-separated (default all)."),
            click.option("--partners", default="", help="Partner ISO codes, e.g. EE,JP."),
            click.option(
                "--cadence",
                type=click.Choice(["daily", "weekly"]),
                default="weekly",
                show_default=True,
            ),
            click.option(
                "--tlp",
                default="clear",
                show_default=True,
                help="Clearance: clear, green, amber or amber+strict.",
            ),
        ]
    ):
        fn = option(fn)
    return fn


def _save_subscriber(state: State, email: str, update: bool, **opts: str) -> None:
    with state.db() as db:
        sub = pipeline.add_subscriber(
            db,
            email,
            name=opts["name"],
            actor_sets=split(opts["actors"]),
            sectors=split(opts["sectors"]),
            partners=[p.upper() for p in split(opts["partners"])],
            cadence=opts["cadence"],
            tlp=opts["tlp"],
            now=utc_now(),
            update=update,
        )
    click.echo(
        f"{'Updated' if update else 'Added'} {sub.email} ({sub.cadence}, "
        f"TLP:{sub.tlp.label.upper()})"
    )


@subscribers_group.command("add")
@click.argument("email")
@_subscriber_options
@click.pass_obj
@handles_errors
def subscribers_add(state: State, email: str, **opts: str) -> None:
    """Subscribe an address to digests.

    \b
    Example:
        threatbrief subscribers add liaison@ria.example --actors china,russia --partners EE,JP
    """
    _save_subscriber(state, email, False, **opts)


@subscribers_group.command("update")
@click.argument("email")
@_subscriber_options
@click.pass_obj
@handles_errors
def subscribers_update(state: State, email: str, **opts: str) -> None:
    """Change a subscriber's filters, cadence or clearance.

    \b
    Example:
        threatbrief subscribers update liaison@ria.example --cadence daily
    """
    _save_subscriber(state, email, True, **opts)


def _record(sub: Subscriber) -> dict[str, Any]:
    """A subscriber as the table and the JSON listing show it: the columns as stored."""
    return {
        "email": sub.email,
        "name": sub.name,
        "actor_sets": ",".join(sub.actor_sets),
        "sectors": ",".join(sub.sectors),
        "partners": ",".join(sub.partners),
        "cadence": sub.cadence,
        "tlp": sub.tlp.label,
        "created_at": sub.created_at,
        "last_digest_end": sub.last_digest_end,
        "last_state": sub.last_state,
    }


@subscribers_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table (no tokens).")
@click.pass_obj
@handles_errors
def subscribers_list(state: State, as_json: bool) -> None:
    """Every subscriber with filters, cadence, clearance, last digest and its state.

    \b
    Example:
        threatbrief subscribers list
        threatbrief subscribers list --json
    """
    with state.db() as db:
        rows = [_record(sub) for sub in pipeline.list_subscribers(db)]
    if as_json:  # the unsubscribe token stays out: it is the subscriber's credential
        click.echo(json.dumps(rows))
        return
    table = Table(title="Subscribers", title_justify="left")
    for col in (
        "email",
        "actor sets",
        "sectors",
        "partners",
        "cadence",
        "tlp",
        "last digest",
        "state",
    ):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["email"],
            r["actor_sets"] or "all",
            r["sectors"] or "all",
            r["partners"] or "—",
            r["cadence"],
            r["tlp"],
            r["last_digest_end"] or "never",
            r["last_state"] or "—",
        )
    stdout.print(table)


@subscribers_group.command("remove")
@click.argument("email", required=False)
@click.option(
    "--token", help="Unsubscribe whoever holds this token (from an 'unsubscribe …' mail)."
)
@click.pass_obj
@handles_errors
def subscribers_remove(state: State, email: str | None, token: str | None) -> None:
    """Unsubscribe an address, or the holder of an unsubscribe token.

    Every digest carries a List-Unsubscribe address whose subject is "unsubscribe TOKEN";
    pass that token here to act on such a request without trusting the sender's address.

    \b
    Example:
        threatbrief subscribers remove liaison@ria.example
        threatbrief subscribers remove --token Zr4…
    """
    with state.db() as db:
        removed = pipeline.remove_subscriber(db, email, token)
    click.echo(f"Removed {removed}")


@click.command()
@click.option(
    "--send",
    is_flag=True,
    help="Deliver by SMTP (settings from feeds.yaml mail: or THREATBRIEF_SMTP_*; without "
    "them, into the outbox folder). Without --send: a dry run that changes nothing.",
)
@click.option(
    "--retry-failed", is_flag=True, help="Put digests that failed back in the queue first."
)
@click.option("--now", "now_text", help="Pretend it is this ISO time (UTC if no offset).")
@click.pass_obj
@handles_errors
def digest(state: State, send: bool, retry_failed: bool, now_text: str | None) -> None:
    """Build each due subscriber's digest and deliver it; without --send, preview it.

    A dry run writes each due digest to the outbox folder as preview-*.eml and moves no
    subscriber's window, so the next `digest --send` still sends them.

    \b
    Example:
        threatbrief digest                     # dry run: preview .eml files in ./outbox
        threatbrief digest --send
        threatbrief digest --send --retry-failed
    """
    config = state.config()
    now = utc_now()
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError as exc:
            raise UsageError(f"--now: {exc}") from exc
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    if retry_failed and not send:
        raise UsageError("--retry-failed needs --send: a dry run changes nothing")
    settings = pipeline.digest_settings(config, os.environ) if send else None
    if send and settings is None:
        click.echo("No SMTP settings: writing .eml files to the outbox instead.", err=True)
    with state.db() as db:
        run = pipeline.run_digests(
            config,
            db,
            now=now,
            send=send,
            settings=settings,
            outbox=Path(config.mail.outbox),
            dry_run=not send,
            retry_failed=retry_failed,
        )
    if not send:
        click.echo(
            f"Dry run: {len(run.previews)} digests previewed in {config.mail.outbox}/, "
            f"{run.empty} empty; nothing was queued and no window moved (--send delivers)"
        )
        return
    click.echo(
        f"{run.queued} digests queued, {run.empty} empty, {run.sent} sent, "
        f"{len(run.written)} written to {config.mail.outbox}/, {run.deferred} deferred, "
        f"{len(run.failed)} failed"
        + (f", {run.requeued} requeued" if retry_failed else "")
        + (f", {len(run.cancelled)} withheld" if run.cancelled else "")
    )
    for failure in run.failed:
        click.echo(f"  failed: {failure}", err=True)
    for withheld in run.cancelled:
        click.echo(f"  withheld: {withheld}", err=True)
    if run.deferred_because:
        click.echo(f"Error: {run.deferred} deferred: {run.deferred_because}", err=True)
    if run.failed or run.deferred_because:
        sys.exit(1)
