# SPDX-License-Identifier: Apache-2.0
"""The Flask application: configuration, security headers, sessions and the routes.

Routes only parse the request, call one pipeline function with the user's clearance, and
render a template. The store is opened per request (SQLite connections belong to the thread
that made them).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import sqlite_utils
from flask import Flask, abort, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from .. import pipeline
from ..config import Config, load_config
from ..errors import UsageError
from ..models import TLP, User, utc_now
from ..pipeline.quarantine import release_item
from ..pipeline.stories import (
    StoryFilter,
    find_stories,
    get_story,
    join_stories,
    split_story,
    story_decisions,
)
from ..store.db import open_db
from ..textsafe import safe_url
from ..vocab import (
    ROLES,
    SECTOR_NAMES,
    SET_NAMES,
    TAG_KINDS,
    country_name,
    sector_name,
    set_name,
)
from .marks import marked

__all__ = ["CSP", "create_app"]

F = TypeVar("F", bound=Callable[..., Any])

# No inline script, no outside origin: feed and partner text is escaped by Jinja2, and should
# markup survive, the browser still refuses to run it.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SESSION_HOURS = 8
TEMPLATES = [
    Path(__file__).parent.parent / "templates" / "web",
    Path(__file__).resolve().parents[3] / "templates" / "web",
]


def _secret(db_path: Path) -> bytes:
    """The key that signs sessions: THREATBRIEF_WEB_SECRET, or one made once and kept beside
    the database (readable by its owner only), so sessions survive a restart."""
    if os.environ.get("THREATBRIEF_WEB_SECRET"):
        return os.environ["THREATBRIEF_WEB_SECRET"].encode()
    path = Path(f"{db_path}.web-secret")
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def create_app(config_path: str | Path, db_path: str | Path, *, secure_cookies: bool) -> Flask:
    """The workspace over one configuration and one store."""
    folder = next((p for p in TEMPLATES if p.is_dir()), TEMPLATES[0])
    app = Flask(
        "threatbrief.web",
        template_folder=str(folder),
        static_folder=str(folder / "static"),
        static_url_path="/static",
    )
    app.config.update(
        SECRET_KEY=_secret(Path(db_path)),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=secure_cookies,
        SESSION_COOKIE_NAME="threatbrief_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
        MAX_CONTENT_LENGTH=60 * 1024 * 1024,
    )
    app.jinja_env.autoescape = True
    app.jinja_env.filters.update(
        set_name=set_name, sector_name=sector_name, country_name=country_name, safe_url=safe_url
    )
    CSRFProtect(app)
    state = _State(Path(config_path), Path(db_path))

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.teardown_appcontext
    def close(_exc: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    _routes(app, state)
    return app


class _State:
    def __init__(self, config_path: Path, db_path: Path) -> None:
        self.config_path, self.db_path = config_path, db_path

    def config(self) -> Config:
        return load_config(self.config_path)

    def db(self) -> sqlite_utils.Database:
        if "db" not in g:
            g.db = open_db(self.db_path)
        db: sqlite_utils.Database = g.db
        return db


def _current_user(state: _State) -> User | None:
    email = session.get("email")
    if not email:
        return None
    user = pipeline.get_user(state.db(), email)
    if user is None:
        session.clear()  # removed since they logged in
    return user


def _login_required(state: _State, role: str = "reader") -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = _current_user(state)
            if user is None:
                return redirect(url_for("login", next=request.path))
            if ROLES.index(user.role) < ROLES.index(role):
                abort(403)
            g.user = user
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _story_page(state: _State, story_id: str, error: str = "") -> str:
    """A story as the user may see it: each item with its labels, their evidence marked in
    the text, why the items were merged and analysts' decisions."""
    config, db = state.config(), state.db()
    found = get_story(config, db, g.user.tlp, story_id)
    if found is None:
        abort(404)
    visible = {i.id for i in found.items}
    explained = []
    for item in found.items:
        why = pipeline.explain_item(db, item.id)
        # a partner's tag above the user's clearance is not shown, not even as a label
        tags = [t for t in why.tags if t.tlp <= g.user.tlp]
        explained.append(
            {
                "item": item,
                "tags": tags,
                "title": marked(item.title, "title", tags),
                "summary": marked(item.summary, "summary", tags),
                "quarantine": why.item.get("quarantine") or "",
                "released": why.item.get("released_at") or "",
                "released_by": why.item.get("released_by") or "",
            }
        )
    decisions = [
        d
        for i in found.items
        for d in story_decisions(db, i.id)
        if d.item_id == i.id and (d.other_id in visible or d.action == "split")
    ]
    return render_template(
        "story.html",
        user=g.user,
        story=found,
        explained=explained,
        decisions=decisions,
        error=error,
        may_edit=ROLES.index(g.user.role) >= ROLES.index("analyst"),
        tag_kinds=TAG_KINDS,
    )


def _day(text: str | None, default: datetime) -> datetime:
    if not text:
        return default
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        abort(400, f"not a date: {text[:40]}")


def _routes(app: Flask, state: _State) -> None:
    login_required = _login_required

    @app.get("/login")
    def login() -> str:
        return render_template("login.html", error="", next=request.args.get("next", "/"))

    @app.post("/login")
    def login_post() -> Any:
        email = request.form.get("email", "")[:320]
        password = request.form.get("password", "")[:1024]
        result = pipeline.check_login(state.db(), email, password, now=utc_now())
        if result.delay:
            time.sleep(result.delay)  # each failure after the third doubles the wait
        if result.user is None:
            return render_template("login.html", error="Wrong address or password.", next="/"), 401
        session.clear()
        session.permanent = True
        session["email"] = result.user.email
        target = request.form.get("next", "/")
        return redirect(target if target.startswith("/") and not target.startswith("//") else "/")

    @app.post("/logout")
    def logout() -> Any:
        session.clear()
        return redirect(url_for("login"))

    @app.get("/")
    @login_required(state)
    def overview() -> str:
        config, db = state.config(), state.db()
        now = utc_now()
        recent = StoryFilter(since=now - timedelta(days=30), until=now + timedelta(days=1))
        stories = find_stories(config, db, g.user.tlp, recent, per_page=10)
        failing = [f for f in pipeline.feed_report(config, db) if f.state != "ok"]
        return render_template("overview.html", user=g.user, page=stories, failing=failing)

    @app.get("/stories")
    @login_required(state)
    def stories() -> str:
        now = utc_now()
        args = request.args
        wanted = StoryFilter(
            since=_day(args.get("since"), now - timedelta(days=30)),
            until=_day(args.get("until"), now + timedelta(days=1)),
            **{
                k: args.get(k, "")[:200]
                for k in ("q", "actor_set", "actor", "sector", "target", "partner", "feed", "lang")
            },  # fmt: skip
        )
        if wanted.until <= wanted.since:
            abort(400, "until must be after since")
        try:
            number = int(args.get("page", "1"))
        except ValueError:
            number = 1
        page = find_stories(state.config(), state.db(), g.user.tlp, wanted, page=number)
        query = urlencode([(k, v) for k, v in args.items(multi=True) if k != "page"])
        return render_template(
            "stories.html",
            user=g.user,
            page=page,
            query=query,
            wanted=wanted,
            set_names=SET_NAMES,
            sector_names=SECTOR_NAMES,
        )

    @app.get("/stories/<story_id>")
    @login_required(state)
    def story(story_id: str) -> Any:
        return _story_page(state, story_id[:64])

    def _act(item_id: str, action: Callable[[User], object]) -> Any:
        """Run one analyst action on an item the user may see, then show its story again;
        a refused action shows the story with the reason and answers 400."""
        item_id = item_id[:64]
        if get_story(state.config(), state.db(), g.user.tlp, item_id) is None:
            abort(404)  # unknown, or above the user's clearance: the same answer
        try:
            action(g.user)
        except UsageError as exc:
            return _story_page(state, item_id, error=str(exc)), 400
        return redirect(url_for("story", story_id=item_id))

    @app.post("/items/<item_id>/labels")
    @login_required(state, "analyst")
    def correct_label(item_id: str) -> Any:
        form = request.form
        return _act(
            item_id,
            lambda user: pipeline.correct_tag(
                state.db(),
                item_id,
                form.get("kind", "")[:20],
                form.get("value", "").strip()[:200],
                form.get("action", "")[:10],
                form.get("note", "").strip()[:1000],
                now=utc_now(),
                by=user.email,
            ),
        )

    @app.post("/items/<item_id>/split")
    @login_required(state, "analyst")
    def split(item_id: str) -> Any:
        return _act(
            item_id,
            lambda user: split_story(
                state.config(),
                state.db(),
                item_id,
                note=request.form.get("note", "").strip()[:1000],
                by=user.email,
                now=utc_now(),
                clearance=user.tlp,
            ),
        )

    @app.post("/items/<item_id>/join")
    @login_required(state, "analyst")
    def join(item_id: str) -> Any:
        other = request.form.get("other", "").strip()[:64]

        def run(user: User) -> None:
            # an item the analyst may not see is unknown to them, never joined
            if get_story(state.config(), state.db(), user.tlp, other) is None:
                raise UsageError(f"no item with id {other!r}")
            join_stories(
                state.db(),
                item_id,
                other,
                note=request.form.get("note", "").strip()[:1000],
                by=user.email,
                now=utc_now(),
            )

        return _act(item_id, run)

    @app.post("/items/<item_id>/release")
    @login_required(state, "analyst")
    def release(item_id: str) -> Any:
        return _act(
            item_id,
            lambda user: release_item(state.db(), item_id, now=utc_now(), by=user.email),
        )

    @app.get("/feeds")
    @login_required(state)
    def feeds() -> str:
        config = state.config()
        visible = {f.id for f in config.feeds if f.tlp <= g.user.tlp}
        rows = [r for r in pipeline.feed_report(config, state.db()) if r.id in visible]
        return render_template("feeds.html", user=g.user, rows=rows)

    @app.get("/partners")
    @login_required(state)
    def partners() -> str:
        from ..pipeline.exchange import list_assessments

        rows = [a for a in list_assessments(state.db()) if TLP.read(str(a["tlp"])) <= g.user.tlp]
        return render_template("partners.html", user=g.user, rows=rows)
