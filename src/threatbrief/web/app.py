# SPDX-License-Identifier: Apache-2.0
"""The Flask application: configuration, security headers, sessions and the routes.

Routes only parse the request, call one pipeline function with the user's clearance, and
render a template. The store is opened per request (SQLite connections belong to the thread
that made them).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, g, redirect, render_template, request, send_file, session, url_for
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from .. import pipeline
from ..errors import ThreatbriefError
from ..models import utc_now
from ..pipeline.brief_archive import CJK_FONT
from ..textsafe import safe_url
from ..vocab import country_name, sector_name, set_name
from . import admin, briefs, overview, stories
from ._session import State

__all__ = ["CSP", "create_app"]

# No inline script, no outside origin: feed and partner text is escaped by Jinja2, and should
# markup survive, the browser still refuses to run it.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
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


def _warm(config_path: Path, db_path: Path) -> None:
    """Cluster the default period for each clearance the users hold, so that the first
    reader of the day does not wait for it; a failure here only means a slower first page."""
    from ..config import load_config
    from ..pipeline.stories import warm
    from ..store.db import open_db

    log = logging.getLogger(__name__)
    try:
        db = open_db(db_path)
        try:
            levels = {u.tlp for u in pipeline.list_users(db)}
            started = time.perf_counter()
            ready = warm(load_config(config_path), db, levels, utc_now())
            log.info("%d stories ready in %.1f s", ready, time.perf_counter() - started)
        finally:
            db.close()
    except ThreatbriefError as exc:
        log.warning("could not prepare the default period: %s", exc)


def create_app(
    config_path: str | Path, db_path: str | Path, *, secure_cookies: bool, warm: bool = False
) -> Flask:
    """The workspace over one configuration and one store. With `warm`, a thread clusters
    the default period for each user clearance at once (`threatbrief serve` asks for it)."""
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
    state = State(Path(config_path), Path(db_path))

    @app.after_request
    def headers(response: Response) -> Response:
        # a route may narrow these further (a brief's preview frame has its own policy)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("X-Frame-Options", "DENY")
        # the workspace's own style and fonts may be cached; every page and download not
        if request.path.startswith(("/static/", "/fonts/")):
            response.headers["Cache-Control"] = "public, max-age=86400"
        else:
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.teardown_appcontext
    def close(_exc: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.get("/fonts/cjk.woff2")
    def cjk_font() -> Response:
        # the brief's own subset of Noto Sans CJK JP, so Japanese never shows as boxes on a
        # machine with no Japanese font; the style sheet asks for it only for CJK text
        return send_file(CJK_FONT, mimetype="font/woff2", max_age=86400)

    _auth_routes(app, state)
    for module in (overview, stories, briefs, admin):
        module.register(app, state)
    if warm:
        threading.Thread(
            target=_warm, args=(state.config_path, state.db_path), name="warm", daemon=True
        ).start()
    return app


def _auth_routes(app: Flask, state: State) -> None:

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
