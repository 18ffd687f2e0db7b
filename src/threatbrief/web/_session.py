# SPDX-License-Identifier: Apache-2.0
"""What every route shares: the store and configuration of the request, the logged-in user,
and the decorator that asks for a session and a role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils
from flask import abort, g, redirect, request, session, url_for

from .. import pipeline
from ..config import Config, load_config
from ..models import TLP, User
from ..store.db import open_db
from ..vocab import ROLES

__all__ = ["State", "day", "levels_up_to", "login_required", "may", "partner_codes"]

F = TypeVar("F", bound=Callable[..., Any])


class State:
    """The workspace's configuration file and store; the store is opened once per request
    (SQLite connections belong to the thread that made them) and closed at its end."""

    def __init__(self, config_path: Path, db_path: Path) -> None:
        self.config_path, self.db_path = config_path, db_path
        self._config: tuple[tuple[int, int], Config] | None = None

    def config(self) -> Config:
        """The configuration, read again only when its file changed (10-15 ms a read)."""
        try:
            stat = self.config_path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = (0, 0)  # gone: load_config says so clearly
        kept = self._config
        if kept is not None and kept[0] == stamp:
            return kept[1]
        config = load_config(self.config_path)
        self._config = (stamp, config)
        return config

    def db(self) -> sqlite_utils.Database:
        if "db" not in g:
            g.db = open_db(self.db_path)
        db: sqlite_utils.Database = g.db
        return db


def current_user(state: State) -> User | None:
    email = session.get("email")
    if not email:
        return None
    user = pipeline.get_user(state.db(), email)
    if user is None:
        session.clear()  # removed since they logged in
    return user


def may(user: User, role: str) -> bool:
    """Does `user`'s role include `role`'s rights (reader < analyst < admin)?"""
    return ROLES.index(user.role) >= ROLES.index(role)


def login_required(state: State, role: str = "reader") -> Callable[[F], F]:
    """A view for logged-in users of at least `role`; others go to the login page, or get
    403 when logged in with too small a role."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user(state)
            if user is None:
                return redirect(url_for("login", next=request.path))
            if not may(user, role):
                abort(403)
            g.user = user
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def day(text: str | None, default: datetime) -> datetime:
    """A date from a query parameter, or `default` when none is given; 400 when unreadable."""
    if not text:
        return default
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        abort(400, f"not a date: {text[:40]}")


def partner_codes(config: Config) -> tuple[str, ...]:
    """The partners the workspace serves: those of the first scheduled brief, else EE, JP."""
    briefs = config.schedules.briefs
    return tuple(briefs[0].partners) if briefs else ("EE", "JP")


def levels_up_to(clearance: TLP) -> list[TLP]:
    """The TLP levels a form may offer someone cleared to `clearance` for something that
    leaves the workspace (a brief, an export, a digest): up to it, and never red."""
    return [level for level in TLP if level <= clearance and level is not TLP.RED]
