# SPDX-License-Identifier: Apache-2.0
"""The long-running and end-to-end commands: run (the scheduler) and demo."""

from __future__ import annotations

import logging
import shutil
import signal
import sys
from pathlib import Path

import click

from ..pipeline.demo import SAMPLE_DIR, run_demo
from ..store.db import open_db, run_lock
from ._common import State, handles_errors, outcome_table, stdout

__all__ = ["demo", "run"]


@click.command()
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("threatbrief-demo"),
    show_default=True,
    help="Folder for the demo database and outputs.",
)
@handles_errors
def demo(out_dir: Path) -> None:
    """Offline end-to-end run on the bundled sample corpus, served from 127.0.0.1.

    \b
    Example:
        threatbrief demo -o /tmp/demo
    """
    report = run_demo(out_dir, progress=lambda msg: click.echo(msg, err=True))
    stdout.print(outcome_table(report.outcomes))
    for label, path in report.files:
        click.echo(f"{label}: {path}")
    db = next((path for label, path in report.files if label == "database"), None)
    if report.workspace_user and db is not None:
        config = SAMPLE_DIR / "feeds.yaml"
        # the command as this shell can run it: `.venv/bin/threatbrief` when it is not on PATH
        program = "threatbrief" if shutil.which("threatbrief") else sys.argv[0]
        click.echo(
            f"\nOpen the workspace over the demo store:\n"
            f"  {program} -c {config} --db {db} serve\n"
            f"  then log in at http://127.0.0.1:8765/ as {report.workspace_user} "
            f"with the one-time password {report.workspace_password}"
        )


@click.command()
@click.pass_obj
@handles_errors
def run(state: State) -> None:
    """Run unattended: fetch each feed on its interval, send digests, write periodic briefs.

    Runs in the foreground until SIGTERM or SIGINT; a running job finishes first. A second
    `run` on the same database refuses to start.

    \b
    Example:
        threatbrief -v run
    """
    # imported here: APScheduler costs every other command a twentieth of a second at start
    from ..schedule.scheduler import build_scheduler

    config = state.config()
    with run_lock(state.db_path):
        open_db(state.db_path).close()  # migrate once, before jobs open it
        scheduler = build_scheduler(
            config, state.config_path, state.db_path, str(state.lexicon_dir)
        )

        def stop(signum: int, _frame: object) -> None:
            logging.getLogger(__name__).info("signal %d: stopping after running jobs", signum)
            scheduler.shutdown(wait=True)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        click.echo(f"threatbrief run: {len(scheduler.get_jobs())} jobs; stop with Ctrl-C", err=True)
        scheduler.start()
