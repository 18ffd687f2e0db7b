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
from ._common import State, stderr
from ._lazy import LazyGroup

__all__ = ["cli"]

# each command's module is imported only when the command runs (`classify` starts in a
# fraction of the time it takes to import the store, the renderer and the fetcher)
COMMANDS = {
    "check-config": "ingest:check_config",
    "fetch": "ingest:fetch",
    "feeds": "ingest:feeds",
    "reparse": "ingest:reparse",
    "demo": "run:demo",
    "classify": "classify:classify",
    "explain": "tagging:explain",
    "retag": "tagging:retag",
    "tag": "tagging:tag",
    "lexicon": "tagging:lexicon",
    "brief": "briefs:brief",
    "subscribers": "subscribers:subscribers_group",
    "digest": "subscribers:digest",
    "run": "run:run",
    "export": "share:export",
    "import": "share:import_bundle",
    "publish": "share:publish",
    "poll": "share:poll",
    "assessments": "share:assessments",
    "quarantine": "quarantine:quarantine_group",
    "stories": "stories:stories_group",
    "users": "users:users_group",
    "serve": "serve:serve",
}


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
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
