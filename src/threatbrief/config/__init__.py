# SPDX-License-Identifier: Apache-2.0
"""Read feeds.yaml into a validated, frozen `Config`, reporting every problem at once.

YAML in, dataclasses out; the only I/O is reading the file. Nothing downstream ever sees a raw
mapping, so a broken config fails here (`threatbrief check-config`), never in the middle of a fetch.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from email_validator import EmailNotValidError, validate_email

from ..errors import ConfigError, Problem
from ..models import Feed
from .feeds import MAIL_KEYS, check_defaults, check_feed
from .schema import BriefSchedule, Config, MailConfig, Schedules
from .values import FEED_ID, SMTP_SECURITY, Checker, parse_duration, parse_size, parse_zone, shown
from .yamlload import MAX_FILE_BYTES, BudgetLoader, yaml_problem

__all__ = ["Config", "MailConfig", "load_config", "parse_config", "parse_duration", "parse_size"]


TOP_KEYS = ("version", "organisation", "defaults", "feeds", "mail", "schedules")
SCHEDULE_KEYS = ("timezone", "daily_digest", "weekly_digest", "briefs")
BRIEF_KEYS = ("name", "cron", "partners", "period", "format", "folder")
_NUMERIC_DOW = re.compile(r"\d")


def _cron(value: object, zone: str) -> str:
    """A five-field cron string that APScheduler accepts; weekdays by name only, because
    APScheduler 3 counts Monday as 0 where cron counts Sunday as 0."""
    from apscheduler.triggers.cron import CronTrigger

    if not isinstance(value, str) or len(value.split()) != 5:
        raise ValueError("not a five-field cron expression")
    if _NUMERIC_DOW.search(value.split()[4]):
        raise ValueError("not allowed: give weekdays by name (mon-fri), not by number")
    CronTrigger.from_crontab(value, timezone=zone)
    return value


def _check_schedules(c: Checker, raw: Any) -> Schedules:
    path = "schedules"
    d = c.mapping(raw, path, SCHEDULE_KEYS)
    zone = c.convert(
        d, "timezone", path, parse_zone, "UTC", "use an IANA zone such as Europe/Tallinn"
    )
    hint = "use five cron fields with weekdays by name, e.g. '0 7 * * mon'"
    daily = c.convert(d, "daily_digest", path, lambda v: _cron(v, zone), "0 7 * * *", hint)
    weekly = c.convert(d, "weekly_digest", path, lambda v: _cron(v, zone), "0 7 * * mon", hint)
    briefs = []
    names: dict[str, int] = {}
    for i, raw_brief in enumerate(c.get(d, "briefs", path, list, [])):
        bpath = f"{path}.briefs[{i}]"
        b = c.mapping(raw_brief, bpath, BRIEF_KEYS)
        name = c.get(b, "name", bpath, str, f"brief-{i}")
        # the name becomes a file name and a job id: a slug, and unique
        if not FEED_ID.match(name):
            c.add(f"{bpath}.name", f"'{name}' is not a slug", "e.g. monthly-ee-jp")
        elif name in names:
            c.add(f"{bpath}.name", f"'{name}' is already used by briefs[{names[name]}]")
        names.setdefault(name, i)
        partners = tuple(str(p).upper() for p in c.get(b, "partners", bpath, list, ["EE", "JP"]))
        if not partners or not all(re.fullmatch(r"[A-Z]{2}", p) for p in partners):
            c.add(
                f"{bpath}.partners",
                f"{list(partners)} are not ISO 3166 alpha-2 codes",
                "e.g. [EE, JP]",
            )
        period = c.get(b, "period", bpath, str, "previous-month")
        if period not in ("previous-month", "previous-week"):
            c.add(f"{bpath}.period", f"'{period}' is not previous-month or previous-week")
        fmt = c.get(b, "format", bpath, str, "html")
        if fmt not in ("html", "md", "txt", "json", "pdf"):
            c.add(f"{bpath}.format", f"'{fmt}' is not html, md, txt, json or pdf")
        briefs.append(
            BriefSchedule(
                name=name,
                cron=c.convert(b, "cron", bpath, lambda v: _cron(v, zone), "0 6 1 * *", hint),
                partners=partners,
                period=period,
                fmt=fmt,
                folder=c.get(b, "folder", bpath, str, "briefs"),
            )
        )
    return Schedules(timezone=zone, daily_digest=daily, weekly_digest=weekly, briefs=tuple(briefs))


def _check_mail(c: Checker, raw: Any) -> MailConfig:
    m = c.mapping(raw, "mail", MAIL_KEYS)
    security = c.get(m, "security", "mail", str, "starttls")
    if security not in SMTP_SECURITY:
        c.add("mail.security", f"'{security}' is not one of {', '.join(SMTP_SECURITY)}")
    port = c.get(m, "port", "mail", int, 0)
    if not 0 <= port <= 65535:
        c.add("mail.port", f"{port} is not a TCP port")
    for key in ("user_env", "password_env"):
        name = c.get(m, key, "mail", str, "")
        if name and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            c.add(f"mail.{key}", f"'{name}' is not an environment variable name")
    sender = c.get(m, "from", "mail", str, "threatbrief@localhost")
    if sender != "threatbrief@localhost":  # the default is for the local outbox only
        try:
            validate_email(sender, check_deliverability=False)
        except EmailNotValidError as exc:
            c.add("mail.from", f"'{sender}' is not an email address: {exc}")
    return MailConfig(
        host=c.get(m, "host", "mail", str, ""),
        port=port,
        security=security,
        user_env=c.get(m, "user_env", "mail", str, ""),
        password_env=c.get(m, "password_env", "mail", str, ""),
        sender=sender,
        outbox=c.get(m, "outbox", "mail", str, "outbox"),
    )


def parse_config(raw: Any, source: str = "feeds.yaml") -> Config:
    """Validate an already-loaded YAML document.

    Raises:
        ConfigError: with every problem found.
    """
    c = Checker()
    top = c.mapping(raw, "(top level)", TOP_KEYS) if raw is not None else {}
    if raw is None:
        c.add("(top level)", "the file is empty", "start with 'version: 1' and a 'feeds:' list")
    version = c.get(top, "version", "(top level)", int, 1)
    if version != 1:
        c.add("version", f"{shown(version)} is not supported", "this threatbrief reads version 1")
    defaults, allow_private, networks = check_defaults(c, top.get("defaults"))
    feeds_raw = c.get(top, "feeds", "(top level)", list, [])
    if raw is not None and not feeds_raw and "feeds" not in top:
        c.add("feeds", "is required", "list at least one feed with 'id' and 'url'")
    feeds: list[Feed] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(feeds_raw):
        feed = check_feed(c, entry, i, defaults)
        if feed is None or not feed.id:
            continue
        if feed.id in seen:
            c.add(
                f"feeds[{i}].id",
                f"'{feed.id}' is already used by feeds[{seen[feed.id]}]",
                "feed ids must be unique",
            )
        seen.setdefault(feed.id, i)
        feeds.append(feed)
    mail = _check_mail(c, top.get("mail"))
    schedules = _check_schedules(c, top.get("schedules"))
    org = c.get(top, "organisation", "(top level)", str, "threatbrief")
    if c.problems:
        raise ConfigError(source, c.problems)
    return Config(
        source=source,
        feeds=tuple(feeds),
        limits=defaults.limits,
        allow_private_networks=allow_private,
        allow_networks=networks,
        organisation=org,
        mail=mail,
        schedules=schedules,
        version=version,
        warnings=tuple(c.warnings),
    )


def load_config(path: str | Path) -> Config:
    """Read and validate a feeds.yaml file.

    The file may be at most 4 MiB, use at most 1,000 aliases and expand to at most 200,000
    values, nested at most 64 deep.

    Raises:
        ConfigError: the file is missing, too large, not YAML, or invalid; every problem is
            listed.
    """
    path = Path(path)
    source = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ConfigError(
                source,
                [Problem("(file)", f"is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")],
            )
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(
            source,
            [Problem("(file)", "does not exist", "pass --config FILE or set THREATBRIEF_CONFIG")],
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, [Problem("(file)", f"cannot be read: {exc}")]) from exc
    try:
        raw = yaml.load(text, Loader=BudgetLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(source, [yaml_problem(exc)]) from exc
    except (ValueError, RecursionError) as exc:  # an int of 5,000 digits; [[[[… nested deeply
        problem = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        raise ConfigError(source, [Problem("(file)", f"not valid YAML: {problem}")]) from exc
    return parse_config(raw, source)
