# SPDX-License-Identifier: Apache-2.0
"""Feeds, partners, subscribers and users. Everyone sees the feeds and the partner
assessments at their clearance; admins also fetch a feed now, import a partner's bundle,
export a period for a partner, manage subscribers (and preview one's next digest exactly as
it would be sent) and manage users."""

from __future__ import annotations

import io
import tempfile
import zipfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, g, redirect, render_template, request, url_for

from .. import pipeline
from ..errors import ShareError, UsageError
from ..models import TLP, utc_now
from ..pipeline.brief_archive import read_period
from ..pipeline.digests import next_digest
from ..pipeline.ingest import recent_fetches
from ..vocab import ROLES
from ._session import State, levels_up_to, login_required, may, partner_codes
from .briefs import PREVIEW_CSP
from .jobs import FetchJobs

__all__ = ["register"]

UPLOAD_LIMIT = 50 * 1024 * 1024


def _parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a digest."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return (
        str(text.get_content()) if text is not None else "",
        str(html.get_content()) if html is not None else "",
    )


def register(app: Flask, state: State) -> None:
    """Add the feeds, partners, subscribers and users routes to `app`."""
    jobs = FetchJobs(state.db_path)

    # -- feeds ------------------------------------------------------------------------------

    @app.get("/feeds")
    @login_required(state)
    def feeds() -> str:
        config = state.config()
        visible = {f.id: f for f in config.feeds if f.tlp <= g.user.tlp}
        rows = [r for r in pipeline.feed_report(config, state.db()) if r.id in visible]
        running = [j for j in jobs.jobs() if j.feed_id in visible]
        return render_template(
            "feeds.html",
            user=g.user,
            rows=rows,
            feeds=visible,
            jobs=running,
            refresh=any(j.running for j in running),
            fetches=recent_fetches(config, state.db(), g.user.tlp),
            may_fetch=may(g.user, "admin"),
        )

    @app.post("/feeds/<feed_id>/fetch")
    @login_required(state, "admin")
    def fetch_now(feed_id: str) -> Any:
        config = state.config()
        if feed_id not in {f.id for f in config.feeds if f.tlp <= g.user.tlp}:
            abort(404)
        jobs.start(config, feed_id, g.user.email)  # already running: the page shows that one
        return redirect(url_for("feeds"))

    # -- partners -----------------------------------------------------------------------------

    def partners_page(notice: str = "", errors: list[str] | None = None, status: int = 200) -> Any:
        from ..pipeline.exchange import list_assessments

        rows = list_assessments(state.db(), clearance=g.user.tlp)
        page = render_template(
            "partners.html",
            user=g.user,
            rows=rows,
            notice=notice,
            errors=errors or [],
            may_share=may(g.user, "admin"),
            levels=levels_up_to(g.user.tlp),
            partners=",".join(partner_codes(state.config())),
        )
        return page, status

    @app.get("/partners")
    @login_required(state)
    def partners() -> Any:
        return partners_page()

    @app.post("/partners/import")
    @login_required(state, "admin")
    def partners_import() -> Any:
        from ..pipeline.exchange import run_import

        upload = request.files.get("bundle")
        partner = request.form.get("partner", "").strip()[:64]
        if upload is None or not upload.filename:
            return partners_page(errors=["choose a STIX 2.1 bundle file to import"], status=400)
        data = upload.read(UPLOAD_LIMIT + 1)
        if len(data) > UPLOAD_LIMIT:
            return partners_page(errors=["the bundle is larger than 50 MB"], status=400)
        try:
            result = run_import(state.db(), data, partner, now=utc_now(), source="upload")
        except ShareError as exc:
            return partners_page(errors=[str(exc), *exc.problems[:50]], status=400)
        except UsageError as exc:
            return partners_page(errors=[str(exc)], status=400)
        notice = (
            f"Imported {result.assessments} assessments from {partner} at "
            f"TLP:{result.tlp.upper()}; {result.tags} partner labels on our items."
        )
        return partners_page(notice)

    @app.post("/partners/export")
    @login_required(state, "admin")
    def partners_export() -> Any:
        from ..pipeline.exchange import run_export

        form = request.form
        fmt = form.get("format", "stix")
        try:
            period = read_period(
                form.get("since", "")[:40],
                form.get("until", "")[:40],
                form.get("period", "")[:40],
                utc_now(),
            )
            level = TLP.parse(form.get("tlp", "clear")[:20])
            if level > g.user.tlp:
                raise UsageError("that TLP is above your clearance")
            codes = tuple(
                p.strip().upper() for p in form.get("partners", "").split(",") if p.strip()
            )
            with tempfile.TemporaryDirectory(prefix="threatbrief-export-") as tmp:
                out = Path(tmp) / "bundle.json"
                misp = Path(tmp) / "misp" if fmt == "misp" else None
                if misp is not None:
                    misp.mkdir()
                result = run_export(
                    state.config(),
                    state.db(),
                    period,
                    level,
                    out,
                    now=utc_now(),
                    partners=codes or partner_codes(state.config()),
                    misp_dir=misp,
                )
                stem = f"threatbrief-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}-{result.tlp}"
                if misp is None:
                    data, name, kind = out.read_bytes(), f"{stem}.json", "application/json"
                else:
                    buffer = io.BytesIO()
                    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                        for path in sorted(misp.iterdir()):
                            archive.write(path, f"misp-feed/{path.name}")
                    data, name, kind = buffer.getvalue(), f"{stem}-misp.zip", "application/zip"
        except ValueError as exc:  # an unreadable TLP
            return partners_page(errors=[str(exc)], status=400)
        except (UsageError, ShareError) as exc:
            return partners_page(errors=[str(exc)], status=400)
        response = Response(data, content_type=kind)
        response.headers.set("Content-Disposition", "attachment", filename=name)
        return response

    # -- subscribers --------------------------------------------------------------------------

    def subscribers_page(error: str = "", status: int = 200) -> Any:
        page = render_template(
            "subscribers.html",
            user=g.user,
            rows=pipeline.list_subscribers(state.db()),
            error=error,
            levels=levels_up_to(TLP.RED),  # red never leaves by email
        )
        return page, status

    @app.get("/subscribers")
    @login_required(state, "admin")
    def subscribers() -> Any:
        return subscribers_page()

    @app.post("/subscribers")
    @login_required(state, "admin")
    def subscriber_add() -> Any:
        form = request.form

        def listed(key: str) -> list[str]:
            return [v.strip() for v in form.get(key, "")[:400].split(",") if v.strip()]

        try:
            pipeline.add_subscriber(
                state.db(),
                form.get("email", "").strip()[:320],
                name=form.get("name", "").strip()[:200],
                actor_sets=listed("actor_sets"),
                sectors=listed("sectors"),
                partners=[p.upper() for p in listed("partners")],
                cadence=form.get("cadence", "weekly")[:20],
                tlp=form.get("tlp", "clear")[:20],
                now=utc_now(),
            )
        except UsageError as exc:
            return subscribers_page(str(exc), 400)
        return redirect(url_for("subscribers"))

    @app.post("/subscribers/remove")
    @login_required(state, "admin")
    def subscriber_remove() -> Any:
        try:
            pipeline.remove_subscriber(state.db(), request.form.get("email", "")[:320])
        except UsageError as exc:
            return subscribers_page(str(exc), 400)
        return redirect(url_for("subscribers"))

    def _next(email: str) -> EmailMessage | None:
        known = {s.email for s in pipeline.list_subscribers(state.db())}
        if email not in known:
            abort(404)
        return next_digest(state.config(), state.db(), email, now=utc_now())

    @app.get("/subscribers/preview")
    @login_required(state, "admin")
    def subscriber_preview() -> str:
        email = request.args.get("email", "")[:320]
        message = _next(email)
        text, _html = _parts(message) if message is not None else ("", "")
        headers = (
            [(k, str(v)) for k, v in message.items() if k.lower() != "content-type"]
            if message is not None
            else []
        )
        return render_template(
            "subscriber_preview.html", user=g.user, email=email, headers=headers, text=text,
            due=message is not None,
        )  # fmt: skip

    @app.get("/subscribers/preview.html")
    @login_required(state, "admin")
    def subscriber_preview_html() -> Response:
        message = _next(request.args.get("email", "")[:320])
        if message is None:
            abort(404)
        response = Response(_parts(message)[1], mimetype="text/html")
        response.headers["Content-Security-Policy"] = PREVIEW_CSP
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response

    # -- users --------------------------------------------------------------------------------

    def users_page(error: str = "", notice: str = "", status: int = 200) -> Any:
        page = render_template(
            "users.html",
            user=g.user,
            rows=pipeline.list_users(state.db()),
            roles=ROLES,
            levels=list(TLP),
            error=error,
            notice=notice,
        )
        return page, status

    @app.get("/users")
    @login_required(state, "admin")
    def users() -> Any:
        return users_page()

    @app.post("/users")
    @login_required(state, "admin")
    def user_add() -> Any:
        form = request.form
        password = pipeline.new_password()
        try:
            added = pipeline.add_user(
                state.db(),
                form.get("email", "").strip()[:320],
                form.get("role", "reader")[:20],
                form.get("tlp", "clear")[:20],
                password,
                now=utc_now(),
            )
        except UsageError as exc:
            return users_page(str(exc), status=400)
        return users_page(notice=f"{added.email} added; their password (shown once): {password}")

    @app.post("/users/remove")
    @login_required(state, "admin")
    def user_remove() -> Any:
        email = request.form.get("email", "")[:320]
        if email == g.user.email:
            return users_page("you cannot remove yourself", status=400)
        try:
            pipeline.remove_user(state.db(), email)
        except UsageError as exc:
            return users_page(str(exc), status=400)
        return redirect(url_for("users"))
