# SPDX-License-Identifier: Apache-2.0
"""The overview: the period's events per actor set per week, each partner's latest events,
feeds that need attention and the stories waiting for review."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, abort, g, render_template, request

from .. import pipeline
from ..models import Period, utc_now
from ..pipeline.stories import default_period
from ..pipeline.stories import overview as period_overview
from ._session import State, day, login_required, may, partner_codes
from .chart import week_chart

__all__ = ["register"]


def register(app: Flask, state: State) -> None:
    """Add the overview route to `app`."""

    @app.get("/")
    @login_required(state)
    def overview() -> str:
        config, db = state.config(), state.db()
        shown = default_period(config, db, g.user.tlp, utc_now())
        until = day(request.args.get("until"), shown.end)
        since = day(request.args.get("since"), shown.start)
        if until <= since:
            abort(400, "until must be after since")
        partners = partner_codes(config)
        seen = period_overview(config, db, g.user.tlp, Period(since, until), partners)
        visible = {f.id for f in config.feeds if f.tlp <= g.user.tlp}
        failing = [
            f for f in pipeline.feed_report(config, db) if f.state != "ok" and f.id in visible
        ]
        return render_template(
            "overview.html",
            user=g.user,
            seen=seen,
            chart=week_chart(seen.weeks),
            last_day=seen.period.end - timedelta(days=1),
            failing=failing,
            may_review=may(g.user, "analyst"),
        )
