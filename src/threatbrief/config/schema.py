# SPDX-License-Identifier: Apache-2.0
"""The validated configuration: frozen dataclasses that everything downstream reads."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Problem
from ..models import Feed, FetchLimits


@dataclass(frozen=True, slots=True)
class MailConfig:
    """SMTP settings; the password is only ever named by environment variable."""

    host: str = ""
    port: int = 0
    security: str = "starttls"
    user_env: str = ""
    password_env: str = ""
    sender: str = "threatbrief@localhost"
    outbox: str = "outbox"


@dataclass(frozen=True, slots=True)
class BriefSchedule:
    """A brief written on a schedule (e.g. monthly Estonia–Japan) into a folder."""

    name: str
    cron: str
    partners: tuple[str, ...] = ("EE", "JP")
    period: str = "previous-month"
    fmt: str = "html"
    folder: str = "briefs"


@dataclass(frozen=True, slots=True)
class Schedules:
    """When `threatbrief run` sends digests and writes briefs; cron strings, validated."""

    timezone: str = "UTC"
    daily_digest: str = "0 7 * * *"
    weekly_digest: str = "0 7 * * mon"
    briefs: tuple[BriefSchedule, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    """The whole validated configuration."""

    source: str
    feeds: tuple[Feed, ...]
    limits: FetchLimits = FetchLimits()
    allow_private_networks: bool = False
    allow_networks: tuple[str, ...] = ()
    organisation: str = "threatbrief"
    mail: MailConfig = MailConfig()
    schedules: Schedules = Schedules()
    version: int = 1
    # Things that load but deserve a word (a very wide allowance, a credential in a URL);
    # `check-config` prints them.
    warnings: tuple[Problem, ...] = ()

    def feed(self, feed_id: str) -> Feed:
        """The feed with this id.

        Raises:
            KeyError: no such feed.
        """
        for feed in self.feeds:
            if feed.id == feed_id:
                return feed
        raise KeyError(feed_id)
