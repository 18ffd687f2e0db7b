# SPDX-License-Identifier: Apache-2.0
"""The `threatbrief` command line: thin click commands over `pipeline` and `config`.

This is the one place where errors become messages and exit codes: 0 success, 1 runtime error
(including a partial feed failure), 2 usage or configuration error. Data goes to stdout,
progress and logs to stderr.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import sqlite_utils
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table
from rich.text import Text

from . import __version__, jobs, outbox, pipeline, store, store_outbox
from .classify import classify_stream
from .config import Config, load_config
from .demo import run_demo
from .errors import ConfigError, ThreatbriefError, UsageError
from .lexicon_import import import_actors
from .mail import smtp_settings
from .models import TLP
from .schedule import build_scheduler
from .tag import Tagger

stderr = Console(stderr=True)
# Feed text, error messages and names reach these tables: no Rich markup is read from them,
# so "[/]" in a feed's error can neither break the output nor style it.
stdout = Console(highlight=False, soft_wrap=True, markup=False)


class _State:
    def __init__(self, config_path: str, db_path: str, lexicon_dir: str) -> None:
        self.config_path = config_path
        self.db_path = db_path
        self.lexicon_dir = Path(lexicon_dir)

    def tagger(self) -> Tagger:
        return Tagger.default([self.lexicon_dir])

    def config(self) -> Config:
        return load_config(self.config_path)

    @contextmanager
    def db(self) -> Iterator[sqlite_utils.Database]:
        db = store.open_db(self.db_path)
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
    ctx.obj = _State(config_path, db_path, lexicon_dir)


@cli.command("check-config")
@click.pass_obj
@handles_errors
def check_config(state: _State) -> None:
    """Validate feeds.yaml: every problem with its path; exit 2 if invalid.

    \b
    Example:
        threatbrief --config feeds.yaml check-config
    """
    config = state.config()
    for feed in config.feeds:
        flag = "" if feed.enabled else "  (disabled)"
        click.echo(
            f"{feed.id:<28} {feed.lang:<3} {feed.country or '--':<3} "
            f"every {_duration(feed.interval.total_seconds()):<4} {feed.url}{flag}"
        )
    click.echo(f"{config.source}: OK, {len(config.feeds)} feeds")


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def _outcome_table(outcomes: list[pipeline.FeedOutcome]) -> Table:
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


@cli.command()
@click.option(
    "--feed", "feed_ids", multiple=True, metavar="ID", help="Fetch only this feed (repeatable)."
)
@click.pass_obj
@handles_errors
def fetch(state: _State, feed_ids: tuple[str, ...]) -> None:
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
    stdout.print(_outcome_table(outcomes))
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


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
@handles_errors
def feeds(state: _State, as_json: bool) -> None:
    """Per-feed health: last success, last error, consecutive failures, items.

    \b
    Example:
        threatbrief feeds
        threatbrief feeds --json | jq '.[] | select(.state == "failing")'
    """
    config = state.config()
    with state.db() as db:
        store.sync_feeds(db, config.feeds)
        rows = store.feed_health(db, [f.id for f in config.feeds])
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


@cli.command()
@click.option(
    "--feed", "feed_ids", multiple=True, metavar="ID", help="Rebuild only this feed (repeatable)."
)
@click.pass_obj
@handles_errors
def reparse(state: _State, feed_ids: tuple[str, ...]) -> None:
    """Rebuild items from the raw feed bodies kept in the store (after a parser fix).

    \b
    Example:
        threatbrief reparse --feed jpcert-ja
    """
    config = state.config()
    with state.db() as db:
        outcomes = pipeline.run_reparse(config, db, feed_ids, tagger=state.tagger())
    stdout.print(_outcome_table(outcomes))
    if any(o.failed for o in outcomes):
        sys.exit(1)


@cli.command()
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
    stdout.print(_outcome_table(report.outcomes))
    for label, path in report.files:
        click.echo(f"{label}: {path}")


@cli.command()
@click.option(
    "-i",
    "--input",
    "source",
    type=click.File("r", encoding="utf-8"),
    default="-",
    help="JSON Lines input (default stdin).",
)
@click.option(
    "-o",
    "--output",
    "sink",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="JSON Lines output (default stdout).",
)
@click.pass_obj
@handles_errors
def classify(state: _State, source: Any, sink: Any) -> None:
    """Tag any text: JSON Lines in, one JSON line out per input line, in order.

    Input lines: {"id": ..., "title": ..., "summary": ..., "lang": ...}. A line that cannot be
    read gives {"id": null, "line": N, "error": ...} and the rest go on.

    \b
    Example:
        echo '{"id": "1", "title": "Lazarus hits a crypto exchange"}' | threatbrief classify
    """
    errors = classify_stream(source, sink, state.tagger())
    if errors:
        click.echo(f"{errors} line(s) could not be classified (see their error objects)", err=True)


@cli.command()
@click.argument("item_id")
@click.pass_obj
@handles_errors
def explain(state: _State, item_id: str) -> None:
    """Why an item has each of its tags: the evidence, its rule and confidence.

    \b
    Example:
        threatbrief explain 3f9c0d1e2a4b5c6d7e8f
    """
    with state.db() as db:
        item = store.get_item(db, item_id)
        rows = store.item_tags(db, item_id)
    stdout.print(Text(item["title"] or "", style="bold"))
    click.echo(f"{item['url']}  ({item['feed_id']}, {item['published_at'] or 'date unknown'})")
    labels = store.effective_labels(rows)
    for kind in store.TAG_KINDS:
        click.echo(f"{kind.replace('_', ' ')}s: {', '.join(labels.get(kind, [])) or '—'}")
    if not rows:
        click.echo("No tags: nothing in the text attributes or targets anything.")
    for r in rows:
        if r["origin"] == "analyst":
            click.echo(
                f"  {r['kind']}={r['value']}: analyst {r['action']}"
                + (f" — {r['note']}" if r["note"] else "")
            )
            continue
        if r["origin"].startswith("partner:"):
            click.echo(
                f"  {r['kind']}={r['value']}: {r['origin'].removeprefix('partner:')} assesses "
                f"so in {r['evidence_text']!r} (TLP:{str(r['tlp']).upper()}, {r['note']})"
            )
            continue
        text = r["evidence_text"]
        click.echo(
            f"  {r['kind']}={r['value']}: {r['field']}[{r['start']}:{r['end']}] "
            f"{text!r} rule {r['rule']}, confidence {r['confidence']:.2f} "
            f"(lexicon {r['lexicon_version']})"
        )


@cli.command()
@click.pass_obj
@handles_errors
def retag(state: _State) -> None:
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


@cli.group()
def tag() -> None:
    """Analyst corrections: add or remove a label on one item; they win over the lexicon."""


def _correct(state: _State, action: str, item_id: str, kind: str, value: str, note: str) -> None:
    with state.db() as db, store.feed_transaction(db):
        store.add_analyst_tag(
            db, item_id, kind.replace("-", "_"), value, action, note, pipeline.utc_now()
        )
    click.echo(f"{item_id}: analyst {action} {kind} {value}")


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
        @click.pass_obj
        @handles_errors
        def command(state: _State, item_id: str, kind: str, value: str, note: str) -> None:
            _correct(state, action, item_id, kind, value, note)

        return command

    _make(_action)


@cli.group()
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
def lexicon_import(state: _State, file: Path, fmt: str) -> None:
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


def period_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--since, --until and --period, for commands that cover a period."""
    fn = click.option(
        "--period", help="Shorthand instead of --since/--until: 2026-10, 2026-W44, last-30d."
    )(fn)
    fn = click.option(
        "--until", help="Day after the last, YYYY-MM-DD (UTC); the end is exclusive."
    )(fn)
    return click.option("--since", help="First day, YYYY-MM-DD (UTC).")(fn)


@cli.command()
@period_options
@click.option(
    "--partners",
    default="EE,JP",
    show_default=True,
    help="Comma-separated ISO 3166 codes of the partners.",
)
@click.option("--actors", default="", help="Only these actor sets or groups (comma-separated).")
@click.option("--sectors", default="", help="Only these sectors (comma-separated).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md", "txt", "pdf", "json"]),
    default="html",
    show_default=True,
)
@click.option(
    "--tlp",
    "clearance",
    default="amber",
    show_default=True,
    help="Highest TLP of items the brief may contain.",
)
@click.option(
    "--templates",
    "template_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder whose templates override the packaged ones.",
)
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the brief.",
)
@click.pass_obj
@handles_errors
def brief(
    state: _State,
    since: str | None,
    until: str | None,
    period: str | None,
    partners: str,
    actors: str,
    sectors: str,
    fmt: str,
    clearance: str,
    template_dir: Path | None,
    out: Path,
) -> None:
    """Write a bilateral threat brief for a period, in the report's house style.

    \b
    Example:
        threatbrief brief --period 2026-10 --partners EE,JP -o brief-2026-10.html
        threatbrief brief --since 2026-10-01 --until 2026-11-01 --format pdf -o brief.pdf
    """
    config = state.config()
    span = pipeline.parse_period(since, until, period, pipeline.utc_now())
    try:
        level = TLP.parse(clearance)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    with state.db() as db:
        result = pipeline.run_brief(
            config,
            db,
            span,
            [p.strip().upper() for p in partners.split(",") if p.strip()],
            out,
            fmt,
            actors=_split(actors),
            sectors=_split(sectors),
            clearance=level,
            template_dir=template_dir,
        )
    click.echo(f"{result.path}: {result.fmt}, {result.items} items, TLP:{result.tlp.upper()}")


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


@cli.group("subscribers")
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


def _save_subscriber(state: _State, email: str, update: bool, **opts: str) -> None:
    with state.db() as db, store.feed_transaction(db):
        sub = outbox.add_subscriber(
            db,
            email,
            name=opts["name"],
            actor_sets=_split(opts["actors"]),
            sectors=_split(opts["sectors"]),
            partners=[p.upper() for p in _split(opts["partners"])],
            cadence=opts["cadence"],
            tlp=opts["tlp"],
            now=pipeline.utc_now(),
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
def subscribers_add(state: _State, email: str, **opts: str) -> None:
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
def subscribers_update(state: _State, email: str, **opts: str) -> None:
    """Change a subscriber's filters, cadence or clearance.

    \b
    Example:
        threatbrief subscribers update liaison@ria.example --cadence daily
    """
    _save_subscriber(state, email, True, **opts)


@subscribers_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table (no tokens).")
@click.pass_obj
@handles_errors
def subscribers_list(state: _State, as_json: bool) -> None:
    """Every subscriber with filters, cadence, clearance, last digest and its state.

    \b
    Example:
        threatbrief subscribers list
        threatbrief subscribers list --json
    """
    with state.db() as db:
        rows = store_outbox.subscribers(db)
    if as_json:  # the unsubscribe token stays out: it is the subscriber's credential
        click.echo(json.dumps([{k: v for k, v in r.items() if k != "token"} for r in rows]))
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
def subscribers_remove(state: _State, email: str | None, token: str | None) -> None:
    """Unsubscribe an address, or the holder of an unsubscribe token.

    Every digest carries a List-Unsubscribe address whose subject is "unsubscribe TOKEN";
    pass that token here to act on such a request without trusting the sender's address.

    \b
    Example:
        threatbrief subscribers remove liaison@ria.example
        threatbrief subscribers remove --token Zr4…
    """
    if (email is None) == (token is None):
        raise UsageError("give either an EMAIL or --token, not both or neither")
    with state.db() as db, store.feed_transaction(db):
        if token is not None:
            removed = store_outbox.remove_subscriber_by_token(db, token.strip())
            if removed is None:
                raise UsageError("no subscriber holds that token")
        else:
            removed = outbox.normalized_address(email or "")
            if not store_outbox.remove_subscriber(db, removed):
                raise UsageError(f"no subscriber {email}")
    click.echo(f"Removed {removed}")


@cli.command()
@click.option(
    "--send",
    is_flag=True,
    help="Deliver by SMTP (settings from feeds.yaml mail: "
    "or THREATBRIEF_SMTP_*); without it, .eml files go to the outbox folder.",
)
@click.option("--now", "now_text", help="Pretend it is this ISO time (UTC if no offset).")
@click.pass_obj
@handles_errors
def digest(state: _State, send: bool, now_text: str | None) -> None:
    """Build each due subscriber's digest and deliver it, or write it to the outbox.

    \b
    Example:
        threatbrief digest                     # dry run: .eml files in ./outbox
        threatbrief digest --send
    """
    config = state.config()
    now = pipeline.utc_now()
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError as exc:
            raise UsageError(f"--now: {exc}") from exc
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    settings = smtp_settings(config.mail, os.environ) if send else None
    if send and settings is None:
        click.echo("No SMTP settings: writing .eml files to the outbox instead.", err=True)
    with state.db() as db:
        run = outbox.run_digests(
            config, db, now=now, send=send, settings=settings, outbox=Path(config.mail.outbox)
        )
    click.echo(
        f"{run.queued} digests queued, {run.empty} empty, {run.sent} sent, "
        f"{len(run.written)} written to {config.mail.outbox}/, {run.deferred} deferred, "
        f"{len(run.failed)} failed"
    )
    for failure in run.failed:
        click.echo(f"  failed: {failure}", err=True)
    if run.failed:
        sys.exit(1)


@cli.command()
@click.pass_obj
@handles_errors
def run(state: _State) -> None:
    """Run unattended: fetch each feed on its interval, send digests, write periodic briefs.

    Runs in the foreground until SIGTERM or SIGINT; a running job finishes first. A second
    `run` on the same database refuses to start.

    \b
    Example:
        threatbrief -v run
    """
    config = state.config()
    with jobs.run_lock(state.db_path):
        store.open_db(state.db_path).close()  # migrate once, before jobs open it
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


# The sharing commands live in their own module; it imports this one, so it comes last.
from .cli_share import assessments, export, import_bundle, poll, publish  # noqa: E402

for _command in (export, import_bundle, publish, poll, assessments):
    cli.add_command(_command)
