# SPDX-License-Identifier: Apache-2.0
"""Analysts' decisions about stories: a join or a split wins over clustering, holds through
re-clustering, re-fetching and re-tagging, and is shown with who made it. Our own items."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from helpers import local_config, rss
from test_events import JOINT_BY_ID, TWO_ATTACKS, _item
from threatbrief import pipeline
from threatbrief.brief.stories import cluster
from threatbrief.cli import cli
from threatbrief.config import Config
from threatbrief.errors import UsageError
from threatbrief.models import TLP, Period, StoryLink
from threatbrief.pipeline import stories as story_cases
from threatbrief.store import stories as story_table
from threatbrief.tag import Tagger

NOW = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
MARCH = Period(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC))


# -- the clustering rules, pure ---------------------------------------------------------------


def test_a_split_keeps_two_reports_of_one_advisory_apart() -> None:
    a, b = JOINT_BY_ID
    assert len(cluster(JOINT_BY_ID)) == 1
    events = cluster(JOINT_BY_ID, links=[StoryLink(a.id, b.id, "split")])
    assert sorted(len(e) for e in events) == [1, 1]


def test_a_join_merges_two_attacks_the_rules_keep_apart() -> None:
    first, second = TWO_ATTACKS[0]
    (event,) = cluster([first, second], links=[StoryLink(first.id, second.id, "join")])
    assert event.merged_on == ("analyst",)


def test_a_split_is_not_bridged_by_a_third_report() -> None:
    # b matches a and c alike; once c is split from a, b may join one of them, never both
    a, b = JOINT_BY_ID
    c = _item(
        "cert-eu",
        "cert-eu",
        "CERT-EU relays advisory AA26-287A on telecom intrusions",
        "CERT-EU summarises joint advisory AA26-287A for EU institutions.",
        days=0.4,
    )
    events = cluster([a, b, c], links=[StoryLink(a.id, c.id, "split")])
    together = next(e for e in events if any(i.id == a.id for i in e))
    assert c.id not in {i.id for i in together}
    assert sorted(len(e) for e in events) == [1, 2]


# -- through the store, the brief and the command line ----------------------------------------

CISA = (
    "aa25-071a",
    "Joint advisory AA25-071A: Medusa ransomware actors target critical infrastructure",
    "https://www.cisa.gov/news-events/cybersecurity-advisories/aa25-071a",
)
NCSC = (
    "ncsc-medusa",
    "NCSC co-signs advisory AA25-071A on Medusa ransomware",
    "https://www.ncsc.gov.uk/news/medusa-advisory",
)


@pytest.fixture
def loaded(
    httpserver: HTTPServer, db: sqlite_utils.Database
) -> tuple[Config, sqlite_utils.Database]:
    httpserver.expect_request("/cisa.xml").respond_with_data(rss(CISA))
    httpserver.expect_request("/ncsc.xml").respond_with_data(rss(NCSC))
    config = local_config(
        {"cisa": httpserver.url_for("/cisa.xml"), "ncsc": httpserver.url_for("/ncsc.xml")},
        kind="cert",
    )
    pipeline.run_fetch(config, db, clock=lambda: NOW)
    return config, db


def _ids(db: sqlite_utils.Database) -> dict[str, str]:
    return {
        str(title): str(id)
        for id, title in db.execute("select id, title from items order by title").fetchall()
    }


def _brief_stories(config: Config, db: sqlite_utils.Database, out: Path) -> list[list[str]]:
    pipeline.run_brief(config, db, MARCH, ["EE", "JP"], out, "json", clock=lambda: NOW)
    doc = json.loads(out.read_text(encoding="utf-8"))
    return sorted(sorted(i["id"] for i in s["items"]) for s in doc["stories"])


def test_the_latest_decision_for_a_pair_holds(
    loaded: tuple[Config, sqlite_utils.Database],
) -> None:
    _, db = loaded
    x, y = _ids(db).values()
    story_table.add_link(db, x, y, "split", "", "alice", NOW)
    story_table.add_link(db, y, x, "join", "same event", "bob", NOW)
    (link,) = story_table.active_links(db)
    assert (link.action, link.decided_by, link.note) == ("join", "bob", "same event")
    with pytest.raises(UsageError, match="twice"):
        story_table.add_link(db, x, x, "join", "", "", NOW)
    with pytest.raises(UsageError, match="no item"):
        story_table.add_link(db, x, "nope", "join", "", "", NOW)
    with pytest.raises(UsageError, match="unknown story action"):
        story_table.add_link(db, x, y, "merge", "", "", NOW)


def test_a_split_holds_in_briefs_through_refetch_and_retag(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path
) -> None:
    config, db = loaded
    ids = _ids(db)
    cisa, ncsc = ids[CISA[1]], ids[NCSC[1]]
    assert _brief_stories(config, db, tmp_path / "a.json") == [sorted([cisa, ncsc])]
    others = story_cases.split_story(config, db, ncsc, note="a relay", by="alice", now=NOW)
    assert others == [cisa]
    pipeline.run_fetch(config, db, clock=lambda: NOW)  # the same items again
    pipeline.run_retag(db, Tagger.default())
    assert _brief_stories(config, db, tmp_path / "b.json") == [[cisa], [ncsc]]
    # explain shows the story and the decision, with who made it
    found = pipeline.explain_item(db, ncsc, config)
    assert found.story is not None and [i.id for i in found.story.items] == [ncsc]
    (decision,) = found.decisions
    assert (decision.action, decision.decided_by, decision.note) == ("split", "alice", "a relay")
    # a later join of the same pair wins
    story_cases.join_stories(db, cisa, ncsc, by="bob", now=NOW)
    assert _brief_stories(config, db, tmp_path / "c.json") == [sorted([cisa, ncsc])]
    story = story_cases.get_story(config, db, TLP.CLEAR, cisa)
    assert story is not None and "analyst" in story.merged_on


def test_the_command_line_shows_joins_and_splits_with_who_made_them(
    loaded: tuple[Config, sqlite_utils.Database],
) -> None:
    config, db = loaded
    ids = _ids(db)
    cisa, ncsc = ids[CISA[1]], ids[NCSC[1]]
    db_path = db.conn.execute("pragma database_list").fetchone()[2]
    cfg = Path(db_path).with_name("feeds.yaml")
    cfg.write_text(
        "version: 1\ndefaults: {allow_networks: [127.0.0.1/32]}\nfeeds:\n"
        + "".join(
            f"  - {{id: {f}, url: {config.feed(f).url!r}, kind: cert}}\n" for f in ("cisa", "ncsc")
        ),
        encoding="utf-8",
    )
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--db", db_path, "-c", str(cfg), *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    shown = run("stories", "show", cisa)
    assert "2 items, merged on advisory-id" in shown and "(via ncsc)" in shown
    assert f"split from 1 item(s): {cisa}" in run("stories", "split", ncsc, "--by", "carol")
    assert "stands alone" in run("stories", "show", cisa)
    explained = run("explain", ncsc)
    assert "story: this item stands alone" in explained
    assert f"analyst split with {cisa} by carol" in explained
    run("stories", "join", cisa, ncsc, "--note", "one advisory", "--by", "dave")
    shown = run("stories", "show", ncsc)
    assert "merged on advisory-id" not in shown and "merged on analyst" in shown
    assert "analyst join with" in shown and "by dave" in shown and "one advisory" in shown
    bad = runner.invoke(cli, ["--db", db_path, "-c", str(cfg), "stories", "join", cisa, cisa])
    assert bad.exit_code == 2 and "twice" in bad.output


def test_kept_stories_follow_every_commit_from_any_connection(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path
) -> None:
    """The workspace keeps a clustered period between requests; a split by this connection
    or a correction by another (a CLI, the scheduler) shows at the next request."""
    from threatbrief.store.db import open_db

    config, db = loaded
    wanted = story_cases.StoryFilter(since=MARCH.start, until=MARCH.end)

    def groups() -> list[int]:
        page = story_cases.find_stories(config, db, TLP.AMBER, wanted)
        return sorted(len(s.items) for s in page.stories)

    assert groups() == [2]  # the two releases of AA25-071A are one story
    assert groups() == [2]  # kept: same answer
    x, y = _ids(db).values()
    story_cases.split_story(config, db, x, note="", by="alice", now=NOW, clearance=TLP.AMBER)
    assert groups() == [1, 1]
    other = open_db(tmp_path / "test.db")  # the store `db` opened, by another connection
    story_cases.join_stories(other, x, y, note="one advisory", by="bob", now=NOW)
    other.close()
    assert groups() == [2]
    assert story_cases.get_story(config, db, TLP.AMBER, x) is not None


def test_a_write_that_changes_no_story_keeps_the_clustering(
    loaded: tuple[Config, sqlite_utils.Database], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A login, a feed's health or an archived brief commits too, but changes no story: the
    kept clustering stays; a new tag throws it away."""
    from threatbrief.store.db import open_db

    config, db = loaded
    built: list[int] = []
    real = story_cases._events
    monkeypatch.setattr(story_cases, "_events", lambda d, i: built.append(1) or real(d, i))
    wanted = story_cases.StoryFilter(since=MARCH.start, until=MARCH.end)
    story_cases.find_stories(config, db, TLP.CLEAR, wanted)
    other = open_db(tmp_path / "test.db")
    pipeline.add_user(other, "a@cert.example", "reader", "clear", "a long enough password",
                      now=NOW)  # fmt: skip
    pipeline.feed_report(config, other)
    story_cases.find_stories(config, db, TLP.CLEAR, wanted)
    assert len(built) == 1
    x = next(iter(_ids(db).values()))
    pipeline.correct_tag(other, x, "sector", "health", "add", "", now=NOW)
    other.close()
    story_cases.find_stories(config, db, TLP.CLEAR, wanted)
    assert len(built) == 2
