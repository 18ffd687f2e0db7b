# SPDX-License-Identifier: Apache-2.0
"""Analytic actor sections, pull-quotes, non-state threats, change since the last brief, what
to watch and conclusions tied to evidence (issue #13): each sentence template at 0, 1, 2 and
many, and each fact stated only when a source's words give it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from threatbrief.brief import analysis, prose, sections
from threatbrief.brief.change import since_last
from threatbrief.brief.conclusions import conclusions
from threatbrief.brief.nonstate import kind, nonstate
from threatbrief.brief.notes import Notes
from threatbrief.brief.stories import Story, first_sentence, make_story
from threatbrief.brief.watch import follow_ups
from threatbrief.brief.write import build_brief
from threatbrief.models import TLP, BriefItem, Period

WHEN = datetime(2026, 11, 10, tzinfo=UTC)


def item(n: int, title: str, summary: str = "", **kw: object) -> BriefItem:
    fields: dict[str, object] = {
        "id": f"i{n}", "feed_id": f"f{n}", "publisher": "CISA", "kind": "cert", "lang": "en",
        "url": f"https://cert.example/{n}", "title": title, "summary": summary,
        "published_at": WHEN, "tlp": TLP.CLEAR,
    }  # fmt: skip
    fields.update(kw)
    return BriefItem(**fields)  # type: ignore[arg-type]


def story(n: int, title: str, summary: str = "", **kw: object) -> Story:
    return make_story([item(n, title, summary, **kw)], ["EE", "JP"])


# ------------------------------------------------------------------ the sentence templates
@pytest.mark.parametrize(
    ("organs", "groups", "expected"),
    [
        ([], [], "No source names a group; the attribution is to China as a state."),
        ([], ["APT31"], "The one group named is APT31."),
        ([], ["APT31", "APT41"], "The groups named most are APT31 and APT41."),
        (
            ["the Ministry of State Security (MSS)"],
            ["APT31", "APT41", "MirrorFace"],
            "The sources tie the activity to the Ministry of State Security (MSS); the groups "
            "they name most are APT31, APT41 and MirrorFace.",
        ),
        (["the FSB", "the SVR"], [], "The sources tie the activity to the FSB and the SVR."),
    ],
    ids=["none", "one", "two", "many-with-organ", "organs-only"],
)
def test_who_names_the_organ_where_the_sources_do(
    organs: list[str], groups: list[str], expected: str
) -> None:
    assert sections._who("China", organs, groups) == expected


@pytest.mark.parametrize(
    ("sectors", "countries", "expected"),
    [
        ([], [], ""),
        (["government"], [], "Their reported targets were in the government sector."),
        ([], ["Japan"], "Their reported targets were in Japan."),
        (
            ["government", "defence"],
            ["Estonia", "Japan"],
            "Their reported targets were in the government and defence sectors, in Estonia and "
            "Japan.",
        ),
        (
            ["education and research", "finance", "energy"],
            ["Estonia", "Japan", "Latvia"],
            "Their reported targets were in the education and research, finance, and energy "
            "sectors, in Estonia, Japan and Latvia.",
        ),
    ],
    ids=["none", "one-sector", "one-country", "two", "many"],
)
def test_to_whom_reads_as_one_sentence(
    sectors: list[str], countries: list[str], expected: str
) -> None:
    assert sections._whom(sectors, countries) == expected


@pytest.mark.parametrize(
    ("methods", "expected"),
    [
        ([], ""),
        ([("DDoS", 3)], "The method the sources name is DDoS."),
        (
            [("spear-phishing", 3), ("DDoS", 1)],
            "The methods the sources name are spear-phishing (3) and DDoS (1).",
        ),
        (
            [("spear-phishing", 3), ("supply-chain compromise", 2), ("DDoS", 1)],
            "The methods the sources name are spear-phishing (3), supply-chain compromise (2) "
            "and DDoS (1).",
        ),
    ],
    ids=["none", "one", "two", "many"],
)
def test_how_names_the_methods_with_their_counts(
    methods: list[tuple[str, int]], expected: str
) -> None:
    assert sections._how(methods) == expected


@pytest.mark.parametrize(
    ("now", "before", "groups", "old", "expected"),
    [
        (3, 0, [], set(), "The previous period had no event attributed to China-linked actors."),
        (1, 1, ["APT31"], {"APT31"},
         "The previous period had 1 event attributed to China-linked actors, as many as this "
         "one."),
        (3, 1, ["APT31", "APT41"], {"APT31"},
         "The previous period had 1 event attributed to China-linked actors, fewer than this "
         "one. APT41 was not named in it."),
        (16, 10, ["A", "B", "C", "D"], set(),
         "The previous period had 10 events attributed to China-linked actors; this period's "
         "16 are up 60%. A, B and C were not named in it."),
    ],
    ids=["no-events-before", "same", "small-counts", "many"],
)  # fmt: skip
def test_what_changed_prints_no_percentage_on_small_counts(
    now: int, before: int, groups: list[str], old: set[str], expected: str
) -> None:
    assert sections._changed("China", now, before, groups, old) == expected


@pytest.mark.parametrize(
    ("n_stories", "aims", "expected"),
    [
        (1, {}, "Sources reported 1 event attributed to China-linked actors (1 report)."),
        (1, {"espionage": 1}, "Sources reported 1 event attributed to China-linked actors "
         "(1 report), espionage."),
        (4, {"revenue": 3, "espionage": 1}, "Sources reported 4 events attributed to "
         "China-linked actors (4 reports), most of them theft for revenue."),
        (5, {"espionage": 2, "disruption": 1}, "Sources reported 5 events attributed to "
         "China-linked actors (5 reports); espionage made up the largest share (2 of 5)."),
        (4, {"espionage": 2, "disruption": 2}, "Sources reported 4 events attributed to "
         "China-linked actors (4 reports), as much espionage as disruption."),
    ],
    ids=["no-aim", "one", "most", "chiefly", "tie"],
)  # fmt: skip
def test_the_overview_names_an_aim_only_as_far_as_the_sources_do(
    n_stories: int, aims: dict[str, int], expected: str
) -> None:
    stories = [story(n, f"Event {n}") for n in range(n_stories)]
    assert sections._overview("China", stories, Counter(aims)) == expected


# ------------------------------------------------------------------ facts from the words
def test_aims_methods_organs_and_sums_come_from_the_sources_words() -> None:
    theft = story(
        1,
        "FBI attributes 308 million USD theft from DMM Bitcoin to TraderTraitor",
        "TraderTraitor compromised an employee of a wallet software company.",
        actor_sets=("north-korea",),
    )
    assert analysis.aims(theft) == ["revenue"]
    assert "supply-chain compromise" in analysis.methods(theft)
    assert analysis.sums(theft) == ["308 million USD"]
    gru = story(2, "GRU Unit 26165 targets logistics firms with spear-phishing")
    assert analysis.organs(gru, "russia") == ["military intelligence (the GRU)"]
    assert analysis.methods(gru) == ["spear-phishing"]
    plain = story(3, "Guidance for telecom operators")
    assert analysis.aims(plain) == analysis.methods(plain) == analysis.sums(plain) == []


def test_a_story_of_two_actors_gives_each_only_its_own_clauses() -> None:
    both = story(
        4,
        "Threat landscape",
        "CERT-EU records DDoS by pro-Russian hacktivists against Union entities, and espionage "
        "by state-sponsored groups from China.",
        actor_sets=("china", "russia"),
    )
    china = ["China", "Chinese"]
    assert "DDoS" not in analysis.methods(both, china)
    assert analysis.aims(both, china) == ["espionage"]
    # the hacktivists' clause says what they did, not what the Russian state did
    assert "DDoS" not in analysis.methods(both, ["Russia", "Russian"])
    state = story(5, "Landscape", "CERT-EU records DDoS by Russian state actors, and espionage "
                  "by groups from China.", actor_sets=("china", "russia"))  # fmt: skip
    assert "DDoS" in analysis.methods(state, ["Russia", "Russian"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Attacks hit ministries in Estonia. more", "Attacks hit ministries in Estonia."),
        ("Attacks hit ministries in Estonia […]", "Attacks hit ministries in Estonia."),
        ("Attacks hit ministries Read more »", "Attacks hit ministries."),
        ("MirrorFace が攻撃", "MirrorFace が攻撃。"),
        ("The Kremlin denies it.", "The Kremlin denies it."),
    ],
)
def test_a_quoted_sentence_loses_the_feeds_debris(text: str, expected: str) -> None:
    assert analysis.clean_sentence(text) == expected


def test_the_sources_own_hedge_is_kept_in_its_words() -> None:
    assert analysis.hedge(story(5, "Suspected Chinese hackers breach a telco")) == "suspected"
    assert analysis.hedge(story(6, "x", "We assess with moderate confidence it is APT41.")) == (
        "assess with moderate confidence"
    )
    assert analysis.hedge(story(7, "APT41 breaches a telco")) == ""


# ------------------------------------------------------------------ the pull-quote
def test_the_pull_quote_names_actor_victim_and_consequence_from_the_best_source() -> None:
    lead = make_story(
        [
            item(1, "Advisory", "We have posted a Q&A. APT28 stole e-mail from ministries in "
                 "Estonia. Read more", actor_sets=("russia",), actors=("APT28",),
                 targets=("EE",), sectors=("government",)),
            item(2, "News", "Reporters heard of a hack.", kind="news", publisher="Paper",
                 actor_sets=("russia",), actors=("APT28",), targets=("EE",)),
        ],
        ["EE", "JP"],
    )  # fmt: skip
    quote = sections.pull_quote("russia", [lead])
    assert quote is not None
    assert quote.text == "APT28 stole e-mail from ministries in Estonia."
    assert quote.story.items[quote.item_index].publisher == "CISA"


def test_a_quote_in_japanese_is_followed_by_an_english_gloss() -> None:
    ja = story(
        8,
        "MirrorFaceによる攻撃",
        "警察庁は、MirrorFaceが外務省などを標的とした攻撃を行ったと発表した。",
        lang="ja", publisher="National Police Agency", actor_sets=("china",),
        actors=("MirrorFace",), targets=("JP",), sectors=("government",),
    )  # fmt: skip
    section = sections.actor_section(1, "china", [ja], [], ["EE", "JP"], Notes(), {})
    assert section.pull_quote_lang == "ja"
    assert section.pull_quote.startswith("警察庁は")
    assert section.pull_quote_gloss == (
        "The National Police Agency reports activity by MirrorFace against the government "
        "sector in Japan."
    )


def test_a_section_never_lists_the_actors_own_country_and_every_claim_has_notes() -> None:
    spying = story(
        9, "Chinese hackers spy on dissidents", "China's MSS spied on dissidents in Japan.",
        actor_sets=("china",), targets=("CN", "JP"),
    )  # fmt: skip
    section = sections.actor_section(1, "china", [spying], [], ["EE", "JP"], Notes(), {})
    assert "CN" not in section.targets
    whom = [c.text for p in section.paragraphs for c in p if c.text.startswith("Their reported")]
    assert whom == ["Their reported targets were in Japan."]
    claims = [c for p in section.paragraphs for c in p]
    # every sentence that states a fact of the sources has notes; only an absence has none
    assert [c.text for c in claims if not c.notes] == [
        "The previous period had no event attributed to China-linked actors."
    ]
    assert section.organs == ["the Ministry of State Security (MSS)"]


# ------------------------------------------------------------------ non-state, change, watch
def test_non_state_threats_are_kept_apart_by_kind() -> None:
    ransom = story(10, "Qilin ransomware halts a brewer", actors=("Qilin",), targets=("JP",))
    ddos = story(11, "DDoS delays flights", targets=("JP",))
    state = story(12, "APT28 DDoS", actor_sets=("russia",), targets=("JP",))
    assert kind(ransom) == "ransomware" and kind(ddos) == "ddos"
    flaw = story(15, "Alert", "The CERT confirmed exploitation of a VPN flaw in Japan.",
                 targets=("JP",))  # fmt: skip
    leak = story(16, "Data leak at a retailer", targets=("JP",))
    assert kind(flaw) == "exploitation" and kind(leak) == "other"
    assert nonstate([], ["EE", "JP"], Notes()) == []
    rows = nonstate([ransom, ddos, state], ["EE", "JP"], Notes())
    assert [r["code"] for r in rows] == ["JP"]
    assert rows[0]["claim"].text == (
        "Against Japan, the sources report 2 events that none attributes to a state: "
        "1 ransomware attack (Qilin) and 1 DDoS attack."
    )
    assert rows[0]["claim"].notes == [1, 2]


def test_change_since_the_last_brief_names_only_what_is_new() -> None:
    old = story(13, "APT28 hits Estonia", actors=("APT28",), targets=("EE",))
    new = story(14, "APT29 hits Japan", actors=("APT29",), targets=("JP",))
    assert since_last([old, new], [], None, Notes()) == {}
    last = {"label": "October 2026", "findings": {"groups": ["APT28"], "targets": ["EE"]}}
    notes = Notes()
    change = since_last([old, new], [], last, notes)
    assert change["label"] == "October 2026"
    assert [g["name"] for g in change["groups"]] == ["APT29"]
    assert [t["name"] for t in change["targets"]] == ["Japan"]
    assert change["groups"][0]["notes"] == [1]


def test_to_watch_holds_only_announced_follow_ups_after_the_period() -> None:
    end = datetime(2026, 12, 1, tzinfo=UTC)
    ahead = story(15, "Trial", "The trial of two MSS contractors is scheduled for 12 January "
                  "2027.", published_at=datetime(2026, 11, 5, tzinfo=UTC))  # fmt: skip
    past = story(16, "Deadline", "Agencies must patch by 20 November 2026.")
    stale = story(17, "Plan", "CISA will publish guidance.",
                  published_at=datetime(2026, 8, 1, tzinfo=UTC))  # fmt: skip
    recent = story(18, "Plan", "CISA will publish guidance on the flaw.")
    found = follow_ups([ahead, past, stale, recent], end)
    assert [f.story_id for f in found] == [ahead.id, recent.id]
    assert found[0].when == "2027-01-12" and found[1].when == ""


# ------------------------------------------------------------------ conclusions
def _brief(stories_items: list[BriefItem]) -> list[str]:
    ctx = build_brief(
        stories_items, [], Period.month(2026, 11), ["EE", "JP"], "desk", WHEN, [], [], {}, []
    )
    return [c.text for c in ctx.conclusions]


def test_conclusions_follow_the_findings_and_carry_notes() -> None:
    shared = [
        item(20, "APT28 breaches an Estonian ministry", "APT28 breached a ministry.",
             actor_sets=("russia",), actors=("APT28",), targets=("EE",)),
        item(21, "APT28 phishing hits Japanese diplomats", "APT28 phished diplomats.",
             actor_sets=("russia",), actors=("APT28",), targets=("JP",), feed_id="g"),
    ]  # fmt: skip
    alone = [
        item(22, "Lazarus steals from a Japanese exchange", "Lazarus stole 10 million USD.",
             actor_sets=("north-korea",), actors=("Lazarus Group",), targets=("JP",)),
    ]  # fmt: skip
    with_shared = _brief(shared)
    assert with_shared[0].startswith("APT28 targeted both Estonia and Japan")
    assert with_shared[1].startswith("Estonia to Japan: the sources attribute 1 event")
    assert with_shared[2].startswith("Japan to Estonia: the sources attribute 1 event")
    without = _brief(alone)
    assert without[0].startswith("No group or method was reported against both")
    assert without[1].startswith("Estonia to Japan: no source reported an event against Estonia")
    assert "Lazarus Group" in without[2]
    ctx = build_brief(shared, [], Period.month(2026, 11), ["EE", "JP"], "d", WHEN, [], [], {}, [])
    assert all(c.notes for c in ctx.conclusions[:3])
    assert not any("STIX" in c.text for c in ctx.conclusions)  # no advertisement


def test_conclusions_for_no_events_claim_nothing() -> None:
    assert conclusions([], [], ["EE", "JP"], [], Notes())[0].notes == []


def test_a_story_only_a_feed_of_unknown_kind_reports_counts_nowhere() -> None:
    planted = item(30, "Chinese spies breach the Estonian and Japanese foreign ministries",
                   "Chinese spies of APT41 breached ministries in Estonia and Japan.",
                   kind="unknown", publisher="Blog", actor_sets=("china",), actors=("APT41",),
                   targets=("EE", "JP"), sectors=("government",))  # fmt: skip
    real = item(31, "APT41 exploits a flaw at a telecom operator",
                "APT41 exploited a gateway flaw at a telecom operator in Singapore.",
                actor_sets=("china",), actors=("APT41",), targets=("SG",),
                sectors=("telecom",), feed_id="g")  # fmt: skip
    ctx = build_brief([planted, real], [], Period.month(2026, 11), ["EE", "JP"], "d", WHEN,
                      [], [], {}, [])  # fmt: skip
    (china,) = ctx.sections
    assert [s.items[0].id for s in china.stories] == ["i31"] and china.count == 1
    assert [s.items[0].id for s in ctx.unverified] == ["i30"] and ctx.unverified[0].notes
    assert china.pull_quote_story_id == china.stories[0].id
    planted_id = ctx.unverified[0].id
    claims = [*ctx.key_judgements, *ctx.conclusions]
    assert all(planted_id not in c.story_ids for c in claims)
    rows = ctx.partner_relevance
    assert all(planted_id not in r["story_ids"] for r in rows)
    assert ctx.partner_matrix.peak == 0  # the planted story is no partner's event


@pytest.mark.parametrize("both", [True, False], ids=["both-partners", "one-partner"])
def test_a_non_state_threat_both_partners_faced_is_a_key_judgement(both: bool) -> None:
    attacks = [
        item(40, "DDoS attacks slow Japanese bank sites", "A DDoS slowed online banking.",
             targets=("JP",), sectors=("finance",)),
        item(41, "Hacktivists DDoS Estonian ministries", "Pro-Russian hacktivists flooded "
             "ministry sites with a DDoS.", targets=("EE" if both else "JP",),
             sectors=("government",), feed_id="g", published_at=datetime(2026, 11, 20,
             tzinfo=UTC)),
    ]  # fmt: skip
    ctx = build_brief(attacks, [], Period.month(2026, 11), ["EE", "JP"], "d", WHEN, [], [], {}, [])
    shared = [j for j in ctx.key_judgements if j.text.startswith("Both")]
    if both:
        assert [j.text for j in shared] == [
            "Both Estonia and Japan faced DDoS attacks that no source attributes to a state."
        ]
        assert set(shared[0].story_ids) == {s.id for s in ctx.stories}
    else:
        assert shared == []


def test_the_other_main_sets_aims_are_judged_in_the_sources_words() -> None:
    china = [
        item(
            50 + n,
            f"APT41 espionage at telecom {n}",
            f"APT41 spied on operator {n}.",
            actor_sets=("china",),
            actors=("APT41",),
            feed_id=f"c{n}",
            targets=("SG",),
            sectors=("telecom",),
            url=f"https://c.example/{n}",
            published_at=datetime(2026, 11, 1 + 9 * n, tzinfo=UTC),
        )
        for n in range(3)
    ]
    korea = [
        item(
            60 + n,
            f"Lazarus theft {n}",
            f"Lazarus stole {n + 1} million USD from exchange {n}.",
            actor_sets=("north-korea",),
            actors=("Lazarus Group",),
            feed_id=f"k{n}",
            targets=("KR",),
            sectors=("crypto-currency",),
            url=f"https://k.example/{n}",
            published_at=datetime(2026, 11, 2 + 12 * n, tzinfo=UTC),
        )
        for n in range(2)
    ]
    # fmt: skip
    ctx = build_brief([*china, *korea], [], Period.month(2026, 11), ["EE", "JP"], "d", WHEN,
                      [], [], {}, [])  # fmt: skip
    texts = [j.text for j in ctx.key_judgements]
    assert texts[0] == (
        "China-linked actors were the most reported, with 3 attributed events, most of them "
        "espionage, led by APT41."
    )
    assert texts[1] == "Most North Korea-linked events were theft for revenue (2 of 2)."


def test_common_to_both_names_shared_groups_methods_and_flaws_with_notes() -> None:
    ee = item(70, "APT28 exploits CVE-2026-1111 at an Estonian ministry",
              "APT28 exploited CVE-2026-1111 in a VPN gateway with spear-phishing lures.",
              actor_sets=("russia",), actors=("APT28",), targets=("EE",),
              sectors=("government",))  # fmt: skip
    jp = item(71, "APT28 exploits CVE-2026-1111 at a Japanese ministry",
              "APT28 exploited CVE-2026-1111 against a ministry in Japan after phishing "
              "lures.", actor_sets=("russia",), actors=("APT28",), targets=("JP",),
              sectors=("government",), feed_id="g", url="https://jp.example/1",
              published_at=datetime(2026, 11, 25, tzinfo=UTC))  # fmt: skip
    ctx = build_brief([ee, jp], [], Period.month(2026, 11), ["EE", "JP"], "d", WHEN, [], [],
                      {}, [])  # fmt: skip
    (common,) = [r for r in ctx.partner_relevance if r["code"] == "common"]
    texts = [c.text for c in common["claims"]]
    assert texts == [
        "APT28 was reported against both.",
        "Both faced spear-phishing.",
        "CVE-2026-1111 was exploited against both.",
    ]
    # one event (the CVE with its group joins the two reports), cited in every claim
    assert all(c.notes == [1] for c in common["claims"]) and len(ctx.stories) == 1
    alone = build_brief([ee], [], Period.month(2026, 11), ["EE", "JP"], "d", WHEN, [], [], {}, [])
    assert [r.get("claims") for r in alone.partner_relevance if r["code"] == "common"] == [[]]


def test_a_source_in_the_partners_language_about_the_partner_is_in_its_section() -> None:
    ja = item(80, "北朝鮮IT技術者、日本企業から受注か",
              "北朝鮮のIT技術者が日本企業から仕事を受注していた。", lang="ja",
              publisher="新聞", actor_sets=("north-korea",))  # fmt: skip
    other = item(81, "中国のハッカーが米国の通信会社に侵入", "米国の通信会社が被害を受けた。",
                 lang="ja", publisher="新聞", feed_id="g", targets=("US",),
                 actor_sets=("china",))  # fmt: skip
    ctx = build_brief([ja, other], [], Period.month(2026, 11), ["EE", "JP"], "d", WHEN, [], [],
                      {}, [])  # fmt: skip
    (japan,) = [r for r in ctx.partner_relevance if r["code"] == "JP"]
    assert [s.items[0].id for s in japan["stories"]] == ["i80"]
    assert japan["summary"] == (
        "One report in Japanese concerns Japan without naming it as a target."
    )


# ------------------------------------------------------------------ key stories as sentences
def test_a_warning_is_told_as_a_warning_not_as_an_event() -> None:
    s = story(
        1,
        "Iranian cyber actors may target vulnerable networks",
        "Iranian state-sponsored actors may target defence firms with ties to Israel.",
        actor_sets=("iran",), sectors=("defence",), targets=("IL",), confidence=0.9,
    )  # fmt: skip
    s.actors = []
    text = prose.lede(s, "iran", avoid=first_sentence(s.summary))
    assert text.startswith("On 10 November 2026 CISA warned of possible activity by Iran-linked")
    assert "reported activity" not in text


def test_a_group_is_named_as_the_source_spells_it_with_the_lexicons_name() -> None:
    s = story(1, "Marbled Dust exploits a chat zero-day", "Marbled Dust exploited a zero-day.",
              actors=("Sea Turtle",), actor_sets=("turkiye",), confidence=0.95)  # fmt: skip
    s.spelled = {"Sea Turtle": "Marbled Dust"}
    text = prose.lede(s, "turkiye", avoid="Marbled Dust exploited a zero-day.")
    assert "activity by Marbled Dust (Sea Turtle)" in text


def test_a_group_named_in_the_second_sentence_gives_both_sentences() -> None:
    s = story(
        1, "Brewer halts production after ransomware attack",
        "A brewer suspended shipments at its factories after a ransomware attack. The Qilin "
        "gang later claimed it.",
        actors=("Qilin",), targets=("JP",), confidence=0.95,
    )  # fmt: skip
    assert prose.lede(s, "") == (
        "A brewer suspended shipments at its factories after a ransomware attack. The Qilin "
        "gang later claimed it (CISA, 10 November 2026)."
    )


def test_a_partners_story_is_told_from_the_report_that_names_the_partner() -> None:
    kev = item(1, "CISA adds a VPN flaw to the KEV catalogue", "A VPN flaw is being exploited.")
    local = item(
        2, "Alert on a VPN flaw", "The CERT has confirmed exploitation of the VPN flaw against "
        "organisations in Japan.", publisher="JPCERT/CC", targets=("JP",),
    )  # fmt: skip
    s = make_story([kev, local], ["EE", "JP"])
    assert prose.told_by(s, "JP") is local and prose.told_by(s, "EE") is kev
    assert prose.lede(s, "", about="JP").startswith("The CERT has confirmed exploitation")
    assert "(JPCERT/CC, 10 November 2026)" in prose.lede(s, "", about="JP")


@pytest.mark.parametrize("publishers", [["CISA"], ["CISA", "NCSC UK"], ["CISA", "FBI", "NSA"]])
def test_other_publishers_follow_in_a_sentence_of_their_own_with_notes(
    publishers: list[str],
) -> None:
    items = [item(n, "Joint advisory", publisher=p) for n, p in enumerate(publishers)]
    s = make_story(items, ["EE", "JP"])
    notes = Notes()
    notes.of([s])
    notes.also(s)
    assert s.also == publishers[1:3] and len(s.also_notes) == len(s.also)
    assert [notes.notes[n - 1].publisher for n in s.also_notes] == s.also


def test_active_defence_cites_the_story_that_names_who_exploited_the_flaw() -> None:
    kev = story(50, "CISA adds CVE-2026-2222 to the KEV catalogue",
                "CVE-2026-2222 in a VPN gateway is being exploited.")  # fmt: skip
    named = story(51, "UNC0000 exploited CVE-2026-2222", "UNC0000 exploited CVE-2026-2222.",
                  actor_sets=("china",), actors=("UNC0000",), publisher="Vendor")  # fmt: skip
    exploited = [{"cve": "CVE-2026-2222", "story_ids": [kev.id, named.id],
                  "actor_sets": ["china"], "actors": ["UNC0000"]}]  # fmt: skip
    notes = Notes()
    points = conclusions([], [kev, named], ["EE", "JP"], exploited, notes)
    (defence,) = [c for c in points if "Active cyber defence" in c.text]
    assert defence.text.startswith("UNC0000 exploited CVE-2026-2222 in this period.")
    assert [notes.notes[n - 1].publisher for n in defence.notes] == ["Vendor"]


@pytest.mark.parametrize(
    ("text", "cves"),
    [
        ("CISA adds CVE-2026-1111 to the catalogue. It is being exploited in the wild.",
         {"CVE-2026-1111"}),
        ("オンプレミス版の製品に脆弱性 (CVE-2026-2222) がある。悪用が確認されている。",
         {"CVE-2026-2222"}),
        ("Two actors exploited the ToolShell vulnerabilities in SharePoint servers.",
         {"CVE-2025-53770", "CVE-2025-53771"}),
        # not said to be exploited, or said of another CVE in the next sentence
        ("A fix for CVE-2026-3333 is out. Update now.", set()),
        ("CVE-2026-4444 is fixed. CVE-2026-5555 is exploited.", {"CVE-2026-5555"}),
    ],
    ids=["next-sentence", "ja-next-sentence", "nickname", "fixed-only", "another-cve"],
)  # fmt: skip
def test_a_cve_counts_as_exploited_where_its_own_or_next_sentence_says_so(
    text: str, cves: set[str]
) -> None:
    from threatbrief.brief.exploited import cves_said_exploited

    assert cves_said_exploited(text) == cves


def test_exploited_rows_cite_the_report_that_says_so_and_keep_the_sources_hedge() -> None:
    from threatbrief.brief.exploited import exploited

    fix = item(60, "Advisory for CVE-2026-7777", "Apply the fix for CVE-2026-7777.",
               publisher="JVN", published_at=datetime(2026, 11, 1, tzinfo=UTC))  # fmt: skip
    used = item(61, "Attacks exploit CVE-2026-7777", "CVE-2026-7777 is exploited in Japan.",
                publisher="JPCERT/CC", feed_id="g")  # fmt: skip
    s = make_story([fix, used], ["EE", "JP"])
    hedged = story(62, "UNC0001 likely behind CVE-2026-7777 attacks",
                   "The vendor assesses with moderate confidence that UNC0001 exploited "
                   "CVE-2026-7777.", actor_sets=("china",), actors=("UNC0001",),
                   confidence=0.6, publisher="Vendor")  # fmt: skip
    notes = Notes()
    (row,) = exploited([s, hedged], notes)
    assert row["publisher"] == "JPCERT/CC" and notes.notes[row["notes"][0] - 1].title == used.title
    assert row["hedged"] and row["exploiters"] == "UNC0001"
    # a nickname gives only the CVEs a source names beside it
    tool = story(63, "Actors exploit the ToolShell vulnerabilities",
                 "The ToolShell flaw CVE-2025-53770 is exploited.")  # fmt: skip
    (named,) = exploited([tool], Notes())
    assert named["cves"] == ["CVE-2025-53770"] and named["name"] == "ToolShell"


def test_a_flaw_another_story_ties_to_a_state_is_no_non_state_threat() -> None:
    local = story(64, "Alert", "Exploitation of CVE-2026-8888 in Japan is confirmed.",
                  targets=("JP",))  # fmt: skip
    assert [r["story_ids"] for r in nonstate([local], ["EE", "JP"], Notes())] == [[local.id]]
    assert nonstate([local], ["EE", "JP"], Notes(), frozenset({"CVE-2026-8888"})) == []


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("TOKYO (Reuters) -An attack hit banks", "An attack hit banks."),
     ("WASHINGTON, Dec 3 (AP) — hackers stole data", "Hackers stole data."),
     ("The agency (CISA) - it is no dateline", "The agency (CISA) - it is no dateline.")],
)  # fmt: skip
def test_a_wire_dateline_is_no_part_of_a_sentence(raw: str, clean: str) -> None:
    assert analysis.clean_sentence(raw) == clean


def test_a_judgements_notes_are_those_of_the_stories_that_make_it_true() -> None:
    nk = ("north-korea",)
    spy = item(80, "Kimsuky phishes researchers", "Kimsuky spied on think-tank staff.",
               actor_sets=nk, actors=("Kimsuky",), feed_id="a")  # fmt: skip
    heist = item(81, "Lazarus drains a Singapore exchange",
                 "Lazarus Group stole $100 million in cryptocurrency from Kumo Exchange.",
                 actor_sets=nk, actors=("Lazarus Group",), feed_id="t1")  # fmt: skip
    bank = item(82, "Bank heist in Vietnam blamed on Andariel",
                "Andariel stole 20 million dollars from Mekong Bank.",
                actor_sets=nk, actors=("Andariel",), feed_id="t2")  # fmt: skip
    china = [
        item(90, "APT40 breaches a port authority", "APT40 breached the Harbour Board.",
             actor_sets=("china",), actors=("APT40",), feed_id="c0"),
        item(91, "Volt Typhoon lurks in water utilities", "Volt Typhoon hid in Rivertown Water.",
             actor_sets=("china",), actors=("Volt Typhoon",), feed_id="c1"),
        item(92, "APT41 steals game source code", "APT41 took code from Pixelworks.",
             actor_sets=("china",), actors=("APT41",), feed_id="c2"),
        item(93, "Salt Typhoon in telecom routers", "Salt Typhoon reached Telco Nine routers.",
             actor_sets=("china",), actors=("Salt Typhoon",), feed_id="c3"),
    ]  # fmt: skip
    ctx = build_brief([spy, heist, bank, *china], [], Period.month(2026, 11), ["EE", "JP"], "d",
                      WHEN, [], [], {}, [])  # fmt: skip
    by_id = {s.id: s for s in ctx.stories}
    (aim,) = [j for j in ctx.key_judgements if "theft for revenue" in j.text]
    assert {by_id[i].items[0].id for i in aim.story_ids} == {"i81", "i82"}
    top = ctx.key_judgements[0]
    assert top.text.startswith("China-linked actors were the most reported, with 4")
    led = [by_id[i].actors[0] for i in top.story_ids[:3]]
    assert led == ctx.sections[0].groups[:3]


def test_the_annex_lists_a_few_unverified_stories_and_counts_the_rest() -> None:
    from threatbrief import render

    blog = [item(100 + n, f"Blog post {n} about victim V{n}x", f"Unsourced claim number {n}.",
                 kind="unknown", publisher=f"Blog {n}", feed_id=f"b{n}",
                 url=f"https://blog{n}.example/p")
            for n in range(30)]  # fmt: skip
    ctx = build_brief(blog, [], Period.month(2026, 11), ["EE", "JP"], "d", WHEN, [], [], {}, [])
    assert len(ctx.unverified) == 30 and not ctx.sections
    assert sum(1 for s in ctx.unverified if s.notes) == 25
    md = render.render_brief(ctx, "md")
    assert isinstance(md, str) and "…and 5 more stories (threatbrief stories lists them)." in md


def test_sectors_in_both_carry_a_note_for_each_sector_in_each_partner() -> None:
    rows = [
        ("EE", "finance", "APT28", "Tallinn savings bank"),
        ("JP", "finance", "APT29", "Osaka trust bank"),
        ("EE", "government", "Turla", "Estonian interior ministry"),
        ("JP", "government", "Sandworm", "Japanese land ministry"),
    ]
    found = [item(110 + n, f"{group} breaches the {who}", f"{group} stole files from the {who}.",
                  targets=(code,), sectors=(sector,), actor_sets=("russia",), actors=(group,),
                  feed_id=f"s{n}", url=f"https://s{n}.example/a")
             for n, (code, sector, group, who) in enumerate(rows)]  # fmt: skip
    ctx = build_brief(found, [], Period.month(2026, 11), ["EE", "JP"], "d", WHEN, [], [], {}, [])
    (both,) = [j for j in ctx.key_judgements if "targeted in both" in j.text]
    assert len(both.notes) == 4
    assert {ctx.footnotes[n - 1].title for n in both.notes} == {i.title for i in found}
