# SPDX-License-Identifier: Apache-2.0
"""The `users` group: workspace accounts, each with a role and a TLP clearance."""

from __future__ import annotations

import json
import sys

import click
from rich.table import Table

from .. import pipeline
from ..models import utc_now
from ..vocab import ROLES
from ._common import State, handles_errors, stdout

__all__ = ["users_group"]


@click.group("users")
def users_group() -> None:
    """Workspace users: add, list, remove, passwd."""


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password to set, and whether it was made here (and must be shown once)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    return pipeline.new_password(), True


@users_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What they may do.")
@click.option("--tlp", "clearance", required=True, help="Their clearance: clear … red.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
@handles_errors
def users_add(state: State, email: str, role: str, clearance: str, password_stdin: bool) -> None:
    """Add a user. Without --password-stdin a random password is made and shown once.

    \b
    Example:
        threatbrief users add analyst@ria.example --role analyst --tlp amber
        printf '%s\\n' "$PASSWORD" | threatbrief users add r@ria.example --role reader \\
            --tlp green --password-stdin
    """
    password, made = _password(password_stdin)
    with state.db() as db:
        user = pipeline.add_user(db, email, role, clearance, password, now=utc_now())
    click.echo(f"Added {user.email} ({user.role}, TLP:{user.tlp.label.upper()})")
    if made:
        click.echo(f"One-time password (shown once; change it with `users passwd`): {password}")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.pass_obj
@handles_errors
def users_list(state: State, as_json: bool) -> None:
    """Every user with their role, clearance and failed logins (never a password).

    \b
    Example:
        threatbrief users list
    """
    with state.db() as db:
        found = pipeline.list_users(db)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "email": u.email,
                        "role": u.role,
                        "tlp": u.tlp.label,
                        "created_at": u.created_at,
                        "failed_logins": u.failed_logins,
                    }
                    for u in found
                ]
            )
        )
        return
    table = Table(title="Users", title_justify="left")
    for col in ("email", "role", "tlp", "since", "failed logins"):
        table.add_column(col)
    for u in found:
        table.add_row(u.email, u.role, u.tlp.label, u.created_at[:10], str(u.failed_logins))
    stdout.print(table)


@users_group.command("remove")
@click.argument("email")
@click.pass_obj
@handles_errors
def users_remove(state: State, email: str) -> None:
    """Remove a user.

    \b
    Example:
        threatbrief users remove r@ria.example
    """
    with state.db() as db:
        removed = pipeline.remove_user(db, email)
    click.echo(f"Removed {removed}")


@users_group.command("passwd")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
@handles_errors
def users_passwd(state: State, email: str, password_stdin: bool) -> None:
    """Set a user's password (a random one, shown once, without --password-stdin).

    \b
    Example:
        threatbrief users passwd analyst@ria.example
    """
    password, made = _password(password_stdin)
    with state.db() as db:
        pipeline.change_password(db, email, password, now=utc_now())
    click.echo(f"Password changed for {email}")
    if made:
        click.echo(f"One-time password (shown once): {password}")
