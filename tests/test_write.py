# SPDX-License-Identifier: Apache-2.0
"""The sentence templates of the brief at 0, 1, 2 and many (issue #13, grammar)."""

from __future__ import annotations

import dataclasses

import pytest

from threatbrief.brief.prose import linked as _linked
from threatbrief.brief.prose import trend as _trend
from threatbrief.vocab import counted


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ([], ""),
        (["Russia"], "Russia-linked"),
        (["China", "North Korea"], "China- and North Korea-linked"),
        (["Russia", "China", "North Korea"], "Russia-, China- and North Korea-linked"),
    ],
    ids=["none", "one", "two", "many"],
)
def test_a_suspended_compound_carries_its_hyphens(names: list[str], expected: str) -> None:
    assert _linked(names) == expected


def test_a_trend_never_says_new_this_period_twice() -> None:
    assert _trend(3, 0) == "with none in the previous period"
    assert _trend(0, 0) == "none in either period"
    assert _trend(20, 8).startswith("up 150% from 8")
    assert _trend(40, 38).startswith("about the same")


@pytest.mark.parametrize(
    ("now", "before", "expected"),
    [
        (1, 6, "fewer than the 6 of the previous period"),
        (6, 2, "more than the 2 of the previous period"),
        (3, 3, "as many as in the previous period (3)"),
    ],  # fmt: skip
)
def test_no_percentage_on_small_counts(now: int, before: int, expected: str) -> None:
    assert _trend(now, before) == expected
    assert "%" not in _trend(now, before)


@pytest.mark.parametrize(
    ("n", "noun", "expected"),
    [
        (0, "item", "0 items"),
        (1, "item", "1 item"),
        (1, "story", "1 story"),
        (2, "story", "2 stories"),
        (12, "feed", "12 feeds"),
    ],  # fmt: skip
)
def test_counts_agree_with_their_noun(n: int, noun: str, expected: str) -> None:
    assert counted(n, noun) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "Zero more reports"), (1, "One more report"), (9, "Nine more reports"),
     (12, "12 more reports")],
)  # fmt: skip
def test_a_count_opening_a_sentence_is_a_word_up_to_nine(n: int, expected: str) -> None:
    assert counted(n, "more report", opening=True) == expected


def test_a_brief_of_one_item_reads_in_the_singular() -> None:
    from datetime import UTC, datetime

    from threatbrief.brief.write import build_brief
    from threatbrief.models import TLP, BriefItem, Period

    when = datetime(2026, 11, 3, tzinfo=UTC)
    item = BriefItem(
        id="a", feed_id="f", publisher="CERT", kind="cert", lang="en",
        url="https://cert.example/1", title="APT29 phishing targets Japanese diplomats",
        summary="APT29 sent phishing mail to Japanese diplomats.", published_at=when,
        tlp=TLP.CLEAR, actor_sets=("russia",), actors=("APT29",), targets=("JP",),
    )  # fmt: skip
    period = Period.month(2026, 11)
    ctx = build_brief([item], [], period, ["EE", "JP"], "desk", when, [], [], {}, [])
    assert (
        "It draws on 1 item from 1 feed in English (1), which reports 1 event."
        in (ctx.introduction[0])
    )


VICTIMS = ["Hoshino Ministry", "Kawabe Bank", "Tomita Power", "Sakura Clinic", "Nami Times",
           "Kurogane Arms", "Umibe Port", "Sora Telecom", "Midori Water"]  # fmt: skip


def _attack(n: int, target: str, kind: str, sector: str = "government") -> object:
    from datetime import UTC, datetime

    from threatbrief.models import TLP, BriefItem

    return BriefItem(
        id=f"{target}{n}", feed_id=f"feed-{kind}-{n}", publisher="P", kind=kind, lang="en",
        url=f"https://src{n}.example/{target}", title=f"{VICTIMS[n]} reports an APT28 breach",
        summary=f"APT28 breached {VICTIMS[n]}, a {sector} organisation.",
        published_at=datetime(2026, 11, 2 + 3 * n, tzinfo=UTC), tlp=TLP.CLEAR,
        actor_sets=("russia",), actors=("APT28",), sectors=(sector,), targets=(target,),
    )  # fmt: skip


@pytest.mark.parametrize(("ee_kind", "shared"), [("unknown", False), ("cert", True)])
def test_common_to_both_needs_a_trusted_event_for_each_partner(ee_kind: str, shared: bool) -> None:
    from datetime import UTC, datetime

    from threatbrief.brief.write import build_brief
    from threatbrief.models import Period

    items = [_attack(1, "EE", ee_kind), _attack(2, "JP", "cert")]
    ctx = build_brief(items, [], Period.month(2026, 11), ["EE", "JP"], "desk",
                      datetime(2026, 12, 1, tzinfo=UTC), [], [], {}, [])  # fmt: skip
    said = " ".join(j.text for j in ctx.key_judgements)
    assert ("targeted in both" in said) is shared
    common = next(r for r in ctx.partner_relevance if r["code"] == "common")
    assert (common["sectors"] == ["government"]) is shared


def test_a_partner_section_lists_every_event_against_the_partner() -> None:
    from datetime import UTC, datetime

    from threatbrief.brief.write import build_brief
    from threatbrief.models import Period

    items = [_attack(n, "JP", "cert", sector) for n, sector in
             enumerate(["government", "finance", "energy", "health", "media", "defence",
                        "transport", "telecom"])]  # fmt: skip
    ctx = build_brief(items, [], Period.month(2026, 11), ["EE", "JP"], "desk",
                      datetime(2026, 12, 1, tzinfo=UTC), [], [], {}, [])  # fmt: skip
    japan = next(r for r in ctx.partner_relevance if r["code"] == "JP")
    assert len(japan["stories"]) == 8


def _story(
    lang: str, title: str, summary: str, publisher: str = "NCSC UK", confidence: float = 0.95
) -> object:
    from datetime import UTC, datetime

    from threatbrief.brief.stories import make_story
    from threatbrief.models import TLP, BriefItem

    item = BriefItem(
        id="s1", feed_id="f", publisher=publisher, kind="cert", lang=lang,
        url="https://src.example/1", title=title, summary=summary,
        published_at=datetime(2025, 1, 8, tzinfo=UTC), tlp=TLP.CLEAR,
        actor_sets=("china",), actors=("MirrorFace",), sectors=("government",), targets=("JP",),
        confidence=confidence,
    )  # fmt: skip
    return make_story([item], ["EE", "JP"])


def test_a_key_story_is_the_sources_own_sentence_when_it_names_the_actor() -> None:
    from threatbrief.brief.write import lede

    story = _story("en", "Advisory on MirrorFace",
                   "MirrorFace, a group linked to China, targeted Japanese ministries since "
                   "2019. More follows.")  # fmt: skip
    assert lede(story, "china") == (  # type: ignore[arg-type]
        "MirrorFace, a group linked to China, targeted Japanese ministries since 2019 "
        "(NCSC UK, 8 January 2025)."
    )


@pytest.mark.parametrize(
    ("lang", "summary", "publisher", "avoid"),
    [
        ("ja", "ミラーフェイスが日本の省庁を標的にした。", "National Police Agency", ""),
        ("en", "Administrators should patch their appliances now.", "CISA", ""),
        ("en", "MirrorFace targeted Japanese ministries since 2019.", "Microsoft",
         "MirrorFace targeted Japanese ministries since 2019."),
    ],
    ids=["japanese-source", "sentence-without-the-actor", "already-the-pull-quote"],
)  # fmt: skip
def test_otherwise_a_key_story_is_built_from_its_facts(
    lang: str, summary: str, publisher: str, avoid: str
) -> None:
    from threatbrief.brief.write import lede

    story = _story(lang, "MirrorFaceによるサイバー攻撃について", summary, publisher)
    the = "the " if publisher.startswith("National") else ""
    assert lede(story, "china", avoid=avoid) == (  # type: ignore[arg-type]
        f"On 8 January 2025 {the}{publisher} reported activity by MirrorFace against the "
        "government sector in Japan: “MirrorFaceによるサイバー攻撃について” (in Japanese)."
    )


@pytest.mark.parametrize(
    ("summary", "confidence", "who"),
    [
        ("", 0.95, "activity by MirrorFace"),
        ("", 0.6, "suspected activity by MirrorFace"),
        ("攻撃は MirrorFace によるものとみられる。", 0.6,
         "activity it links to MirrorFace (“とみられる”)"),
    ],
    ids=["plain", "hedged-by-the-tagger", "the-sources-own-words"],
)  # fmt: skip
def test_a_hedged_attribution_makes_a_hedged_key_story(
    summary: str, confidence: float, who: str
) -> None:
    from threatbrief.brief.write import lede

    story = _story("ja", "MirrorFaceによる攻撃", summary, "JPCERT/CC", confidence)
    assert lede(story, "china") == (  # type: ignore[arg-type]
        f"On 8 January 2025 JPCERT/CC reported {who} against the government sector in Japan: "
        "“MirrorFaceによる攻撃” (in Japanese)."
    )


@pytest.mark.parametrize(
    ("title", "summary", "listed"),
    [
        ("UNC5221 exploits CVE-2025-0282 in VPN appliances", "Patch now.", True),
        ("Vendor fixes CVE-2025-1111", "CVE-2025-1111 allows remote code execution.", False),
        ("Patch notes", "The flaw CVE-2025-2222 was fixed. Separately, phishing was exploited.",
         False),
        ("脆弱性 CVE-2025-3333 を悪用する攻撃を確認", "", True),
    ],
    ids=["exploited", "only-fixed", "exploit-in-another-sentence", "japanese"],
)  # fmt: skip
def test_exploited_vulnerabilities_are_those_the_source_says_were_used(
    title: str, summary: str, listed: bool
) -> None:
    from datetime import UTC, datetime

    from threatbrief.brief.write import build_brief
    from threatbrief.models import TLP, BriefItem, Period

    item = BriefItem(
        id="v1", feed_id="f", publisher="JVN", kind="cert", lang="en",
        url="https://src.example/v", title=title, summary=summary,
        published_at=datetime(2026, 11, 3, tzinfo=UTC), tlp=TLP.CLEAR,
        actors=("UNC5221",) if "UNC5221" in title else (),
    )  # fmt: skip
    ctx = build_brief([item], [], Period.month(2026, 11), ["EE", "JP"], "desk",
                      datetime(2026, 12, 1, tzinfo=UTC), [], [], {}, [])  # fmt: skip
    cves = [v["cve"] for v in ctx.exploited]
    assert bool(cves) is listed
    if listed:
        (row,) = ctx.exploited
        assert row["story_ids"] == ["v1"] and row["notes"] and row["publisher"] == "JVN"


def test_a_partner_row_says_what_its_events_come_to() -> None:
    from threatbrief.brief.stories import make_story
    from threatbrief.brief.write import _partner_summary

    russia = make_story([_attack(1, "EE", "cert")], ["EE"])  # type: ignore[list-item]
    crime = make_story([_attack(2, "EE", "cert")], ["EE"])  # type: ignore[list-item]
    crime.actor_sets = []
    assert _partner_summary("Estonia", []) == ""
    assert _partner_summary("Estonia", [russia]) == (
        "Sources reported 1 event against Estonia: attributed to Russia (1)."
    )
    assert _partner_summary("Estonia", [russia, crime]) == (
        "Sources reported 2 events against Estonia: attributed to Russia (1), and 1 attributed "
        "to no state."
    )
    assert _partner_summary("Estonia", [crime]) == (
        "Sources reported 1 event against Estonia, none attributed to a state."
    )
    flaw = make_story([_attack(3, "EE", "cert")], ["EE"])  # type: ignore[list-item]
    flaw.actor_sets, flaw.summary = [], ""
    flaw.items = [dataclasses.replace(flaw.items[0], summary="CVE-2026-1234 was exploited.")]
    tied = frozenset({"CVE-2026-1234"})
    assert _partner_summary("Estonia", [russia, flaw, crime], tied) == (
        "Sources reported 3 events against Estonia: attributed to Russia (1); 1 exploiting a "
        "flaw that other sources tie to a state actor; and 1 attributed to no state."
    )


def test_an_unattributed_story_is_told_as_such() -> None:
    from threatbrief.brief.write import lede

    story = _story("ja", "日本航空にDDoS攻撃", "日本航空がDDoS攻撃を受けた。", "FBI")
    story.actors, story.actor_sets = [], []  # type: ignore[attr-defined]
    assert lede(story, "") == (  # type: ignore[arg-type]
        "On 8 January 2025 the FBI reported unattributed activity against the government sector "
        "in Japan: “日本航空にDDoS攻撃” (in Japanese)."
    )


def test_every_judgement_carries_the_notes_of_its_stories_each_partner_first() -> None:
    from datetime import UTC, datetime

    from threatbrief.brief.write import build_brief
    from threatbrief.models import Period

    items = [_attack(n, "JP", "cert") for n in range(4)] + [_attack(5, "EE", "cert")]
    ctx = build_brief(items, [], Period.month(2026, 11), ["EE", "JP"], "desk",
                      datetime(2026, 12, 1, tzinfo=UTC), [], [], {}, [])  # fmt: skip
    assert ctx.key_judgements and all(j.notes for j in ctx.key_judgements if j.story_ids)
    both = next(j for j in ctx.key_judgements if "in both" in j.text)
    cited = {ctx.footnotes[n - 1].url for n in both.notes}
    assert "https://src5.example/EE" in cited and any(u.endswith("/JP") for u in cited)
