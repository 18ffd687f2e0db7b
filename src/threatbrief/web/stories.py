# SPDX-License-Identifier: Apache-2.0
"""The Stories and Story pages, and the analyst's actions on a story: add or remove a label,
split or join stories, release an item from quarantine. Each action names its user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Flask, abort, g, redirect, render_template, request, url_for

from .. import pipeline
from ..errors import UsageError
from ..models import User, utc_now
from ..pipeline.quarantine import release_item
from ..pipeline.stories import (
    TEXT_FILTERS,
    StoryFilter,
    default_period,
    find_stories,
    get_story,
    join_stories,
    split_story,
    story_decisions,
)
from ..vocab import SECTOR_NAMES, SET_NAMES, TAG_KINDS
from ._session import State, day, login_required, may
from .marks import marked

__all__ = ["register", "story_page"]


def story_page(state: State, story_id: str, error: str = "") -> str:
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
        may_edit=may(g.user, "analyst"),
        tag_kinds=TAG_KINDS,
    )


def register(app: Flask, state: State) -> None:
    """Add the story routes to `app`."""

    @app.get("/stories")
    @login_required(state)
    def stories() -> str:
        args = request.args
        shown = default_period(state.config(), state.db(), g.user.tlp, utc_now())
        wanted = StoryFilter(
            since=day(args.get("since"), shown.start),
            until=day(args.get("until"), shown.end),
            **{k: args.get(k, "")[:200] for k in TEXT_FILTERS},
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
        return story_page(state, story_id[:64])

    def _act(item_id: str, action: Callable[[User], object]) -> Any:
        """Run one analyst action on an item the user may see, then show its story again;
        a refused action shows the story with the reason and answers 400."""
        item_id = item_id[:64]
        if get_story(state.config(), state.db(), g.user.tlp, item_id) is None:
            abort(404)  # unknown, or above the user's clearance: the same answer
        try:
            action(g.user)
        except UsageError as exc:
            return story_page(state, item_id, error=str(exc)), 400
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
