# SPDX-License-Identifier: Apache-2.0
"""What every command module shares: the invocation's state (configuration, database,
lexicon), the one translation of our errors into messages and exit codes, the period options,
and the consoles.

Exit codes: 0 success, 1 runtime error (including a partial feed failure), 2 usage or
configuration error. Data goes to stdout, progress and logs to stderr.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from ..errors import ConfigError, ThreatbriefError, UsageError
from ..models import TLP, Period
from ..tag import Tagger

if TYPE_CHECKING:
    import sqlite_utils
    from rich.table import Table

    from ..config import Config
    from ..pipeline import FeedOutcome

__all__ = [
    "State",
    "analyst_option",
    "handles_errors",
    "outcome_table",
    "parse_level",
    "parse_period",
    "period_options",
    "split",
    "stderr",
    "stdout",
]

stderr = Console(stderr=True)
# Feed text, error messages and names reach these tables: no Rich markup is read from them,
# so "[/]" in a feed's error can neither break the output nor style it.
stdout = Console(highlight=False, soft_wrap=True, markup=False)


class State:
    """The global options of one invocation; commands open what they need from it."""

    def __init__(self, config_path: str, db_path: str, lexicon_dir: str) -> None:
        self.config_path = config_path
        self.db_path = db_path
        self.lexicon_dir = Path(lexicon_dir)

    def tagger(self) -> Tagger:
        return Tagger.default([self.lexicon_dir])

    # the configuration, the store and the tables are imported by the commands that use
    # them, so that `classify` starts without them
    def config(self) -> Config:
        from ..config import load_config

        return load_config(self.config_path)

    @contextmanager
    def db(self) -> Iterator[sqlite_utils.Database]:
        from ..store.db import open_db

        db = open_db(self.db_path)
        try:
            yield db
        finally:
            db.close()


def _fail(exc: ThreatbriefError) -> None:
    code = 2 if isinstance(exc, ConfigError | UsageError) else 1
    click.echo(f"Error: {exc}", err=True)
    sys.exit(code)


def handles_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn our exceptions into `Error: …` and the right exit code."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ThreatbriefError as exc:
            _fail(exc)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def period_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--since, --until and --period, for commands that cover a period."""
    fn = click.option(
        "--period", help="Shorthand instead of --since/--until: 2026-10, 2026-W44, last-30d."
    )(fn)
    fn = click.option(
        "--until", help="Day after the last, YYYY-MM-DD (UTC); the end is exclusive."
    )(fn)
    return click.option("--since", help="First day, YYYY-MM-DD (UTC).")(fn)


def parse_period(since: str | None, until: str | None, period: str | None, now: datetime) -> Period:
    """A period from --since/--until dates or a shorthand: 2026-10, 2026-W44, last-7d.

    Raises:
        UsageError: unreadable dates, a year outside 1990-2100, an empty or reversed range.
    """
    from ..pipeline.brief_archive import read_period  # the pipeline only for commands that use it

    return read_period(since, until, period, now, flag="--")


def parse_level(text: str) -> TLP:
    """A TLP level from an option.

    Raises:
        UsageError: the text names no TLP level.
    """
    try:
        return TLP.parse(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def split(text: str) -> list[str]:
    """A comma-separated option as a list, blanks dropped."""
    return [t.strip() for t in text.split(",") if t.strip()]


def outcome_table(outcomes: list[FeedOutcome]) -> Table:
    """The fetch summary that `fetch`, `reparse` and `demo` print."""
    from rich.table import Table

    table = Table(title="Fetch summary", title_justify="left")
    for col, just in (
        ("feed", "left"),
        ("outcome", "left"),
        ("status", "right"),
        ("new", "right"),
        ("updated", "right"),
        ("seconds", "right"),
        ("error", "left"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for o in outcomes:
        style = "red" if o.failed else ""
        table.add_row(
            o.feed_id,
            o.outcome,
            str(o.status or ""),
            str(o.new),
            str(o.updated),
            f"{o.duration:.2f}",
            o.error[:160],
            style=style,
        )
    return table


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in this environment (a bare container)
        return ""


def analyst_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--by NAME`: who makes a decision (a label's correction, a story's split or join, a
    release), as explain and the workspace show it; the login name by default."""
    return click.option(
        "--by",
        default=_login_name,
        show_default="your login name",
        help="Who decides (recorded with the decision).",
    )(command)
