# SPDX-License-Identifier: Apache-2.0
"""The `threatbrief` command line: thin click commands over `pipeline` and `config`.

This module builds the group and its logging, then hands it each command of the command
modules (`ingest`, `tagging`, `briefs`, `subscribers`, `share`, `quarantine`, `stories`,
`run`, `serve`, `users`), which import
`cli._common`, never this module. `_common.handles_errors` is the one place where errors
become messages and exit codes.
"""

from __future__ import annotations

import logging

import click
from rich.logging import RichHandler

from .. import __version__
from . import (
    briefs,
    ingest,
    quarantine,
    run,
    serve,
    share,
    stories,
    subscribers,
    tagging,
    users,
)
from ._common import State, stderr

__all__ = ["cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="threatbrief")
@click.option(
    "-c",
    "--config",
    "config_path",
    envvar="THREATBRIEF_CONFIG",
    default="feeds.yaml",
    show_default=True,
    help="Configuration file.",
)
@click.option(
    "--db",
    "db_path",
    envvar="THREATBRIEF_DB",
    default="threatbrief.db",
    show_default=True,
    help="SQLite database file.",
)
@click.option(
    "--lexicon-dir",
    envvar="THREATBRIEF_LEXICON_DIR",
    default="lexicon.local",
    show_default=True,
    help="Folder of local lexicon overrides (actors.local.yaml).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr.")
@click.pass_context
def cli(
    ctx: click.Context, config_path: str, db_path: str, lexicon_dir: str, verbose: int, quiet: bool
) -> None:
    """Turn public cybersecurity advisories into bilateral threat briefs.

    \b
    Example:
        threatbrief check-config
        threatbrief fetch
        threatbrief feeds
    """
    level = (
        logging.WARNING
        if quiet
        else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    )
    logging.basicConfig(
        level=level,
        format="%(message)s",
        force=True,
        handlers=[RichHandler(console=stderr, show_path=False)],
    )
    ctx.obj = State(config_path, db_path, lexicon_dir)


for _command in (
    ingest.check_config,
    ingest.fetch,
    ingest.feeds,
    ingest.reparse,
    run.demo,
    tagging.classify,
    tagging.explain,
    tagging.retag,
    tagging.tag,
    tagging.lexicon,
    briefs.brief,
    subscribers.subscribers_group,
    subscribers.digest,
    run.run,
    share.export,
    share.import_bundle,
    share.publish,
    share.poll,
    share.assessments,
    quarantine.quarantine_group,
    stories.stories_group,
    users.users_group,
    serve.serve,
):
    cli.add_command(_command)
