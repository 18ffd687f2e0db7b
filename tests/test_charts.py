# SPDX-License-Identifier: Apache-2.0
"""The brief's charts (issue 13, item 9): the counts behind the sector heat map, the weekly
trend and the partner matrix; their SVG, escaped and well-formed; their text tables, at most
80 columns with Japanese labels; and all three in the demo's HTML brief."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from threatbrief.brief.charts import heatmap, partner_matrix, weekly, weeks
from threatbrief.brief.stories import Story, make_story
from threatbrief.brief.write import build_brief
from threatbrief.cli import cli
from threatbrief.models import TLP, BriefItem, Period
from threatbrief.render import render_brief
from threatbrief.svgcharts import grid_svg, weekly_svg
from threatbrief.textwidth import display_width, table
from threatbrief.vocab import counted

OCTOBER = Period(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
NOW = datetime(2026, 11, 2, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def _item(n: int, day: int, **labels: object) -> BriefItem:
    fields: dict[str, object] = {
        "id": f"i{n}", "feed_id": f"feed-{n}", "publisher": f"CERT {n}", "kind": "cert",
        "lang": "en", "url": f"https://cert{n}.example/advisory/{n}",
        "title": f"Advisory {n} on victim {n}", "summary": f"Report {n}.",
        "published_at": datetime(2026, 10, day, 9, tzinfo=UTC), "tlp": TLP.CLEAR,
        "actor_sets": ("russia",), "sectors": ("government",),
    }  # fmt: skip
    fields.update(labels)
    return BriefItem(**fields)  # type: ignore[arg-type]


def _story(n: int, day: int, **labels: object) -> Story:
    return make_story([_item(n, day, **labels)], ["EE", "JP"])


def test_no_events_make_empty_charts() -> None:
    assert heatmap([], []).rows == [] and heatmap([], []).peak == 0
    trend = weekly([], [], OCTOBER)
    assert trend.series == [] and len(trend.weeks) == 5
    assert partner_matrix([], {"EE": [], "JP": []}, []).counts == [[], []]


def test_one_event_counts_once_in_each_of_its_cells() -> None:
    story = _story(1, 3, actor_sets=("china",), sectors=("defence", "energy"))
    grid = heatmap([story], ["china", "russia"])
    assert grid.row_keys == ["defence", "energy"] and grid.columns == ["China", "Russia"]
    assert grid.counts == [[1, 0], [1, 0]]
    trend = weekly([story], ["china", "russia"], OCTOBER)
    assert [s.counts for s in trend.series] == [[1, 0, 0, 0, 0], [0, 0, 0, 0, 0]]


def test_many_events_fill_rows_by_total_and_columns_in_section_order() -> None:
    stories = [
        _story(1, 2),
        _story(2, 9),
        _story(3, 10, actor_sets=("china",), sectors=("finance",)),
        _story(4, 30, actor_sets=("china", "russia"), sectors=("government", "finance")),
    ]
    grid = heatmap(stories, ["china", "russia"])
    assert grid.row_keys == ["government", "finance"]  # 4 events against 2
    assert grid.counts == [[1, 3], [2, 1]] and grid.peak == 3
    trend = weekly(stories, ["china", "russia"], OCTOBER)
    assert [s.counts for s in trend.series] == [[0, 1, 0, 0, 1], [1, 1, 0, 0, 1]]


def test_the_last_week_is_partial_when_the_period_ends_before_its_seventh_day() -> None:
    bins = weeks(OCTOBER)
    assert [w.start.day for w in bins] == [1, 8, 15, 22, 29]
    assert [w.partial for w in bins] == [False, False, False, False, True]
    assert bins[-1].days == 3 and bins[-1].end == OCTOBER.end
    fortnight = Period(OCTOBER.start, datetime(2026, 10, 15, tzinfo=UTC))
    assert [w.partial for w in weeks(fortnight)] == [False, False]
    # an event on the period's last day falls in the partial week, not past the end
    late = _story(1, 31)
    assert weekly([late], ["russia"], OCTOBER).series[0].counts == [0, 0, 0, 0, 1]


def test_an_event_without_a_date_is_counted_apart() -> None:
    story = _story(1, 5)
    story.first_seen = None
    trend = weekly([story], ["russia"], OCTOBER)
    assert trend.series[0].counts == [0] * 5 and trend.undated == 1


def test_the_items_of_one_event_are_counted_once() -> None:
    """Three feeds carry one advisory (same advisory id): one event in every chart."""
    items = [
        _item(n, 6 + n, targets=("EE",), title="AA26-279A: APT28 targets Estonian ministries")
        for n in range(3)
    ]
    ctx = build_brief(items, [], OCTOBER, ["EE", "JP"], "desk", NOW, [], [], {}, [])
    assert ctx.story_count == 1
    assert ctx.heatmap.counts == [[1]] and ctx.heatmap.columns == ["Russia"]
    assert sum(ctx.weekly.series[0].counts) == 1
    assert ctx.partner_matrix.rows == ["Estonia", "Japan"]
    assert ctx.partner_matrix.counts == [[1], [0]]


def test_the_partner_matrix_counts_what_the_partner_sections_tell() -> None:
    """An event against Japan, and a Japanese report about Japan (国内) that names no target:
    both concern Japan, as its section says; the event against Estonia does not."""
    against = _item(1, 3, actor_sets=("china",), targets=("JP",))
    about = BriefItem(
        id="ja", feed_id="jp-feed", publisher="JPCERT/CC", kind="cert", lang="ja",
        url="https://jpcert.example/at/1", title="国内の組織を狙う攻撃について",
        summary="国内の組織への攻撃が確認されました。",
        published_at=datetime(2026, 10, 20, tzinfo=UTC), tlp=TLP.CLEAR,
        actor_sets=("china",), sectors=("manufacturing",),
    )  # fmt: skip
    elsewhere = _item(3, 12, targets=("EE",))
    items = [against, about, elsewhere]
    ctx = build_brief(items, [], OCTOBER, ["EE", "JP"], "desk", NOW, [], [], {}, [])
    japan = next(r for r in ctx.partner_relevance if r["code"] == "JP")
    assert len(japan["story_ids"]) == 2
    matrix = ctx.partner_matrix
    china, russia = matrix.column_keys.index("china"), matrix.column_keys.index("russia")
    assert matrix.row_keys == ["EE", "JP"]
    assert (matrix.counts[1][china], matrix.counts[1][russia]) == (2, 0)
    assert (matrix.counts[0][china], matrix.counts[0][russia]) == (0, 1)


HOSTILE = '<script>alert("x")</script> & "quotes"'


def _parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("aria-label")
    assert root.find(f"{SVG}title") is not None
    return root


def test_grid_svg_escapes_every_label() -> None:
    svg = grid_svg([HOSTILE, "government"], ["China", HOSTILE], [[3, 0], [1, 2]], HOSTILE)
    assert "<script" not in svg and "&lt;script&gt;" in svg
    root = _parsed(svg)
    assert HOSTILE in root.get("aria-label", "")  # escaped in the attribute, read back whole
    assert len(root.findall(f"{SVG}rect")) == 4
    figures = [t.text for t in root.findall(f"{SVG}text")]
    assert {"3", "1", "2", "·"} <= set(figures)


def test_weekly_svg_escapes_labels_and_draws_the_partial_week_apart() -> None:
    svg = weekly_svg(
        ["1 Oct", "8 Oct", HOSTILE],
        [False, False, True],
        [(HOSTILE, [1, 0, 2]), ("Russia", [0, 3, 1])],
        "Events per week",
        "The last week has only 3 days.",
    )
    assert "<script" not in svg
    root = _parsed(svg)
    bars = root.findall(f"{SVG}rect")
    assert len(bars) == 4  # a zero draws no bar
    dashed = [b for b in bars if b.get("stroke-dasharray")]
    assert len(dashed) == 2  # the partial week of each panel
    heights = {float(b.get("height", 0)) for b in bars}
    assert max(heights) == 52  # one scale: Russia's 3 is the tallest, in every panel
    assert "3 days" in root.get("aria-label", "")


def test_the_html_brief_keeps_a_hostile_sector_label_as_text() -> None:
    item = _item(1, 3, sectors=("<script>alert(1)</script>",))
    ctx = build_brief([item], [], OCTOBER, ["EE", "JP"], "desk", NOW, [], [], {}, [])
    html = render_brief(ctx, "html")
    assert isinstance(html, str) and "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


LABELS = ["重要インフラ（電力・ガス・水道）", "政府機関", "government", "防衛産業と研究機関の皆様"]


@pytest.mark.parametrize("columns", [3, 6, 20], ids=["few", "some", "many"])
def test_a_text_table_fits_80_columns_with_japanese_labels(columns: int) -> None:
    header = ["分野", *(f"{name} {n}" for n, name in zip(range(columns), ["北朝鮮", "China",
              "North Korea (DPRK)", "ロシア"] * 5, strict=False))]  # fmt: skip
    rows = [[label, *(n * 7 % 13 for n in range(columns))] for label in LABELS]
    text = table(header, rows, footer=[["All events", *([123] * columns)]])
    lines = text.splitlines()
    assert max(display_width(line) for line in lines) <= 80
    # every figure is there, uncut
    assert text.count("123") == columns
    for line in lines:
        assert not line.endswith(" ")


def test_a_text_table_keeps_its_columns_aligned_by_display_width() -> None:
    text = table(["Partner", "China", "Russia"], [["Estonia", 1, 22], ["日本", 333, 4]])
    lines = text.splitlines()
    assert {display_width(line) for line in lines} == {display_width(lines[0])}
    assert lines[2].startswith("Estonia") and lines[3].startswith("日本   ")


def test_a_long_label_is_cut_and_marked() -> None:
    text = table(["Sector", "A"], [["x" * 100, 1]], width=30)
    assert max(display_width(line) for line in text.splitlines()) <= 30
    assert "x." in text


def test_days_take_a_regular_plural() -> None:
    assert (counted(3, "day"), counted(2, "story")) == ("3 days", "2 stories")


def test_empty_charts_render_a_sentence() -> None:
    item = _item(1, 3, actor_sets=(), sectors=(), targets=("EE",))
    ctx = build_brief([item], [], OCTOBER, ["EE", "JP"], "desk", NOW, [], [], {}, [])
    for fmt in ("html", "md", "txt"):
        out = " ".join(str(render_brief(ctx, fmt)).split())
        assert "<svg" not in out, fmt
        assert "so there is no weekly trend to show" in out, fmt
        assert "No event attributed to a state actor concerned Estonia or Japan" in out, fmt


@pytest.mark.slow
def test_the_demo_html_brief_has_the_three_charts(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "unused.db"), "demo", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = (out / "brief-EE-JP.html").read_text(encoding="utf-8")
    for chart in ("chart-weekly", "chart-sectors", "chart-partners"):
        start = html.index(f'<figure id="{chart}">')
        figure = html[start : html.index("</figure>", start)]
        svg = figure[figure.index("<svg") : figure.index("</svg>") + len("</svg>")]
        _parsed(svg)
    assert "<script" not in html
    # the text version's tables (each a block of lines with a rule of dashes) fit 80 columns
    text = (out / "brief-EE-JP.txt").read_text(encoding="utf-8")
    blocks = [b.splitlines() for b in text.split("\n\n")]
    tables = [b for b in blocks if any(re.fullmatch(r"-+(  -+)+", line) for line in b)]
    assert len(tables) >= 3
    assert max(display_width(line) for b in tables for line in b) <= 80


def test_a_long_period_is_tabled_by_month_and_a_very_long_one_by_year() -> None:
    def dated(n: int, when: datetime) -> Story:
        return _story(n, 1, published_at=when, actor_sets=("china",))

    year = Period(datetime(2024, 11, 1, tzinfo=UTC), datetime(2025, 11, 1, tzinfo=UTC))
    stories = [
        dated(1, datetime(2024, 11, 5, tzinfo=UTC)),
        dated(2, datetime(2025, 3, 9, tzinfo=UTC)),
    ]
    table = weekly(stories, ["china"], year).months
    assert len(table) == 12 and table[0] == ("Nov 2024", [1]) and table[4] == ("Mar 2025", [1])
    decade = Period(datetime(2015, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    by_year = weekly(stories, ["china"], decade).months
    assert [y for y, _ in by_year][:2] == ["2015", "2016"] and dict(by_year)["2024"] == [1]
    assert weekly(stories, ["china"], OCTOBER).months == []  # a month is shown by week
