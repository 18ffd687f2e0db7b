# SPDX-License-Identifier: Apache-2.0
"""The brief builder and the archive: ask for a brief of a period for some partners, at a
clearance no higher than one's own, in any format; preview its HTML in the page and download
any brief of the archive one may see. The archive shows who asked, when, and the checksum."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, Response, abort, g, redirect, render_template, request, url_for

from ..errors import UsageError
from ..models import TLP, utc_now
from ..pipeline.brief_archive import (
    BRIEF_FORMATS,
    ArchivedBrief,
    archived_brief,
    archived_briefs,
    brief_bytes,
    brief_folder,
    read_period,
    request_brief,
)
from ..pipeline.stories import latest_activity
from ._session import State, levels_up_to, login_required, partner_codes

__all__ = ["PREVIEW_CSP", "register"]

# A brief is the house's own HTML, but it quotes feed text: in the preview frame it may use
# its inline styles and embedded fonts, and nothing else. `sandbox` also denies it script,
# forms and the workspace's origin.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox"
)


def _brief_or_404(state: State, brief_id: int) -> ArchivedBrief:
    found = archived_brief(state.db(), brief_id, g.user.tlp)
    if found is None:
        abort(404)  # unknown, or above the user's clearance: the same answer
    return found


def register(app: Flask, state: State) -> None:
    """Add the brief routes to `app`."""

    def form(error: str = "", values: dict[str, str] | None = None, status: int = 200) -> Any:
        now = utc_now()
        end = latest_activity(state.config(), state.db(), g.user.tlp, now)
        # the last whole month; in a store no longer fetched, the month of its newest item
        fresh = end > now  # the store is being fetched: the last whole month before today
        anchor = now if fresh else end - timedelta(days=1)
        start = anchor.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        month = (start - timedelta(days=1)).replace(day=1) if fresh else start
        following = (month + timedelta(days=32)).replace(day=1)
        defaults = {
            "since": f"{month:%Y-%m-%d}",
            "until": f"{following:%Y-%m-%d}",
            "period": "",
            "partners": ",".join(partner_codes(state.config())),
            "format": "html",
            "tlp": min(g.user.tlp, TLP.AMBER).label,
        }
        page = render_template(
            "brief_new.html",
            user=g.user,
            error=error,
            values={**defaults, **(values or {})},
            formats=list(BRIEF_FORMATS),
            levels=levels_up_to(g.user.tlp),
        )
        return page, status

    @app.get("/briefs")
    @login_required(state)
    def briefs() -> str:
        rows = archived_briefs(state.db(), g.user.tlp)
        return render_template("briefs.html", user=g.user, rows=rows)

    @app.get("/briefs/new")
    @login_required(state)
    def brief_new() -> Any:
        return form()

    @app.post("/briefs/new")
    @login_required(state)
    def brief_build() -> Any:
        values = {
            k: request.form.get(k, "").strip()[:100]
            for k in ("since", "until", "period", "partners", "format", "tlp")
        }
        partners = [p.strip().upper() for p in values["partners"].split(",") if p.strip()]
        try:
            period = read_period(values["since"], values["until"], values["period"], utc_now())
            try:
                clearance = TLP.parse(values["tlp"] or g.user.tlp.label)
            except ValueError as exc:
                raise UsageError(str(exc)) from exc
            built = request_brief(
                state.config(),
                state.db(),
                brief_folder(state.db_path),
                period,
                partners,
                values["format"],
                clearance=clearance,
                requested_by=g.user.email,
                user_clearance=g.user.tlp,
            )
        except UsageError as exc:
            return form(str(exc), values, 400)
        return redirect(url_for("brief_view", brief_id=built.id))

    @app.get("/briefs/<int:brief_id>")
    @login_required(state)
    def brief_view(brief_id: int) -> str:
        brief = _brief_or_404(state, brief_id)
        try:
            brief_bytes(brief)
            problem = ""
        except UsageError as exc:
            problem = str(exc)
        return render_template("brief_view.html", user=g.user, brief=brief, problem=problem)

    @app.get("/briefs/<int:brief_id>/preview")
    @login_required(state)
    def brief_preview(brief_id: int) -> Response:
        brief = _brief_or_404(state, brief_id)
        if brief.fmt != "html":
            abort(404)
        try:
            data = brief_bytes(brief)
        except UsageError as exc:
            abort(410, str(exc))
        response = Response(data, mimetype="text/html")
        response.headers["Content-Security-Policy"] = PREVIEW_CSP
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response

    @app.get("/briefs/<int:brief_id>/download")
    @login_required(state)
    def brief_download(brief_id: int) -> Response:
        brief = _brief_or_404(state, brief_id)
        try:
            data = brief_bytes(brief)
        except UsageError as exc:
            abort(410, str(exc))
        response = Response(data, content_type=brief.media_type)
        response.headers.set("Content-Disposition", "attachment", filename=brief.filename)
        if brief.fmt == "html":  # opened from the downloads, it is still only a document
            response.headers["Content-Security-Policy"] = PREVIEW_CSP
        return response
