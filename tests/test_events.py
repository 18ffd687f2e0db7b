# SPDX-License-Identifier: Apache-2.0
"""Stories are events: one joint advisory through several feeds and languages is one story
with every source; two attacks by one group in one week stay two. Our own synthetic items."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from threatbrief.brief.stories import cluster
from threatbrief.models import TLP, BriefItem
from threatbrief.pipeline.briefs import actor_aliases, place_names

DAY = datetime(2026, 10, 14, 9, 0, tzinfo=UTC)


def _item(
    id: str,
    feed: str,
    title: str,
    summary: str,
    *,
    lang: str = "en",
    days: float = 0,
    actors: tuple[str, ...] = (),
    sectors: tuple[str, ...] = (),
    targets: tuple[str, ...] = (),
    url: str = "",
) -> BriefItem:
    return BriefItem(
        id=id,
        feed_id=feed,
        publisher=feed,
        kind="cert",
        lang=lang,
        url=url or f"https://{feed}.example/{id}",
        title=title,
        summary=summary,
        published_at=DAY + timedelta(days=days),
        tlp=TLP.CLEAR,
        actor_sets=("china",) if actors else (),
        actors=actors,
        sectors=sectors,
        targets=targets,
    )


JOINT_BY_ID = [
    _item(
        "cisa",
        "cisa",
        "Countering state-sponsored intrusions into telecommunications backbones",
        "CISA, the NSA and partners from eleven countries describe how Salt Typhoon compromises "
        "provider edge routers (advisory AA26-287A).",
        actors=("Salt Typhoon",),
        sectors=("telecom",),
        targets=("US", "JP"),
    ),
    _item(
        "ncsc",
        "ncsc-uk",
        "UK and allies expose espionage against telecom networks",
        "The NCSC co-signs joint advisory AA26-287A on Chinese state-sponsored access to routers.",
        days=0.2,
        actors=("Salt Typhoon",),
        sectors=("telecom",),
        targets=("GB",),
    ),
]
JOINT_BY_ACTOR = [
    _item(
        "cisa-gru",
        "cisa",
        "Russian GRU Unit 29155 targets logistics companies supporting Ukraine",
        "Agencies of nine countries attribute scanning and intrusions at Western rail and port "
        "operators to APT28 of GRU Unit 26165, which hijacked cameras near border crossings.",
        actors=("APT28",),
        sectors=("transport",),
        targets=("UA", "PL"),
    ),
    _item(
        "ncsc-gru",
        "ncsc-uk",
        "NCSC and partners warn of GRU campaign against Western logistics",
        "Fancy Bear, of GRU Unit 26165, targets Western rail and port operators that move aid "
        "to Ukraine, the NCSC says.",
        days=0.1,
        actors=("APT28",),
        sectors=("transport",),
        targets=("UA",),
    ),
]
EN_AND_JA = [
    _item(
        "npa-en",
        "jpcert-en",
        "NPA attributes the theft from Kumo Exchange to TraderTraitor",
        "Japan's police say North Korean actors of the TraderTraitor cluster stole 1,204 BTC "
        "from Kumo Exchange in August after tricking an engineer of its wallet provider.",
        actors=("TraderTraitor",),
        sectors=("crypto-currency",),
        targets=("JP",),
    ),
    _item(
        "npa-ja",
        "jpcert-ja",
        "Kumo Exchangeからの暗号資産窃取、北朝鮮のTraderTraitorによる犯行と特定",
        "警察庁は、8月にKumo Exchangeから1,204 BTCが窃取された事案を、北朝鮮のTraderTraitorによる"
        "ものと特定した。",
        lang="ja",
        days=0.3,
        actors=("TraderTraitor",),
        sectors=("crypto-currency",),
        targets=(),
    ),
]
ALIASES_JA = [
    _item(
        "ja-1",
        "news-ja-1",
        "ミラーフェイスが国内の研究機関に標的型メール、外交政策の専門家を狙う",
        "ミラーフェイスが国内の研究機関と外交政策の専門家に標的型メールを送り、"
        "遠隔操作ツールを感染させようとしたことが分かった。",
        lang="ja",
        actors=("MirrorFace",),
        targets=("JP",),
    ),
    _item(
        "ja-2",
        "news-ja-2",
        "MirrorFaceが国内の研究機関に標的型メール、外交政策の専門家を狙う",
        "Earth Kashaとも呼ばれるMirrorFaceが国内の研究機関と外交政策の専門家に標的型メールを送り、"
        "遠隔操作ツールを感染させようとしたことが分かった。",
        lang="ja",
        days=1,
        actors=(),  # the second outlet's item was not tagged: only its words can match
        targets=("JP",),
    ),
]


# no group named: a victim's own notice in Japanese and the news of it in English
DDOS_EN_AND_JA = [
    _item(
        "kumo-ja",
        "kumo-notice",
        "雲海航空にDDoS攻撃、国内線の手続きに遅れ",
        "雲海航空のネットワークがDDoS攻撃を受け、搭乗手続きと航空券の販売が一時停止した。",
        lang="ja",
        sectors=("transport",),
        targets=("JP",),
    ),
    _item(
        "kumo-en",
        "news-en",
        "Unkai Airways hit by DDoS attack, delaying check-in",
        "A DDoS attack on the airline's network stopped check-in and ticket sales for hours; "
        "no group was named.",
        days=0.5,
        sectors=("transport",),
        targets=("JP",),
    ),
]

# a CERT's alert and its translation name the victims in their own scripts (ミナトUFJ銀行 in one,
# "Unkai Airways" in the other): the names tell apart only reports in one language
DDOS_ALERT_EN_AND_JA = [
    _item(
        "alert-en",
        "cert-en",
        "Alert on DDoS attacks against Japanese organisations",
        "DDoS attacks disrupted online services of Japanese banks and Unkai Airways.",
        sectors=("finance", "transport"),
        targets=("JP",),
    ),
    _item(
        "alert-ja",
        "cert-ja",
        "年末年始に発生したDDoS攻撃について",
        "国内の銀行や航空会社、ミナトUFJ銀行のウェブサービスがDDoS攻撃を受けた。",
        lang="ja",
        days=1,
        sectors=("finance", "transport"),
        targets=("JP",),
    ),
]
# a phishing notice and its translation, one of which names no sector
PHISHING_ET_AND_EN = [
    _item(
        "phish-et",
        "cert-et",
        "Petturid saadavad riigiportaali nimel õngitsussõnumeid",
        "Õngitsussõnumid püüavad pangaparoole.",
        lang="et",
        sectors=("finance",),
        targets=("EE",),
    ),
    _item(
        "phish-en",
        "cert-en",
        "Phishing campaign impersonates the state portal",
        "Text messages imitate the portal to harvest credentials.",
        days=0.2,
        targets=("EE",),
    ),
]


@pytest.mark.parametrize(
    "items,reason",
    [
        (DDOS_EN_AND_JA, "method+victim+window"),
        (DDOS_ALERT_EN_AND_JA, "method+victim+window"),
        (PHISHING_ET_AND_EN, "method+victim+window"),
        (JOINT_BY_ID, "advisory-id"),
        (JOINT_BY_ACTOR, "actor+victim+window"),
        (EN_AND_JA, "actor+victim+window"),
        (ALIASES_JA, "text"),
    ],
    ids=[
        "unattributed-ddos-in-two-languages",
        "ddos-alert-naming-victims-in-two-scripts",
        "phishing-notice-without-a-sector",
        "joint-advisory-by-id",
        "joint-advisory-by-actor",
        "english-and-japanese",
        "aliases",
    ],
)
def test_reports_of_one_event_are_one_story(items: list[BriefItem], reason: str) -> None:
    (event,) = cluster(items, aliases=actor_aliases())
    assert {i.id for i in event} == {i.id for i in items}
    assert reason in event.merged_on


TWO_ATTACKS = [
    # one group, one week, one sector and country, two victims named
    (
        _item(
            "a",
            "cert-ee",
            "APT28 phishing hits the Tartu water utility",
            "RIA says APT28 sent password-reset lures to staff of Tartu Veevärk.",
            actors=("APT28",),
            sectors=("critical-infrastructure-other",),
            targets=("EE",),
        ),
        _item(
            "b",
            "news-ee",
            "APT28 phishing hits the Narva power station",
            "Staff of Eesti Energia in Narva received password-reset lures from APT28.",
            days=3,
            actors=("APT28",),
            sectors=("critical-infrastructure-other",),
            targets=("EE",),
        ),
    ),
    # one group, one week, one sector, two countries
    (
        _item(
            "c",
            "cert-jp",
            "Kimsuky targets think tanks with fake interview requests",
            "Researchers in Japan received fake interview requests from Kimsuky.",
            actors=("Kimsuky",),
            sectors=("education-research",),
            targets=("JP",),
        ),
        _item(
            "d",
            "cert-ee",
            "Kimsuky targets think tanks with fake interview requests",
            "Researchers in Estonia received fake interview requests from Kimsuky.",
            days=2,
            actors=("Kimsuky",),
            sectors=("education-research",),
            targets=("EE",),
        ),
    ),
    # one group, sector and country in one week; each victim named only where a sentence
    # starts, and the country named in both
    (
        _item(
            "g",
            "news-ua",
            "Lazarus blamed for an intrusion at a Ukrainian bank",
            "Tamori Holdings confirmed an intrusion. Police in Ukraine blame Lazarus.",
            actors=("Lazarus Group",),
            sectors=("finance",),
            targets=("UA",),
        ),
        _item(
            "h",
            "news-en",
            "Lazarus blamed for a bank intrusion in Ukraine",
            "Saata Group confirmed an intrusion. The authorities in Ukraine blame Lazarus.",
            days=2,
            actors=("Lazarus Group",),
            sectors=("finance",),
            targets=("UA",),
        ),
    ),
    # one group, one week, two sectors
    (
        _item(
            "e",
            "cert-ee",
            "Sandworm wiper at a grain terminal",
            "Sandworm deployed a wiper at a grain export terminal in Odesa.",
            actors=("Sandworm",),
            sectors=("transport",),
            targets=("UA",),
        ),
        _item(
            "f",
            "news-ua",
            "Sandworm targets a power distributor",
            "A regional power distributor in Ukraine found Sandworm's wiper on its servers.",
            days=1,
            actors=("Sandworm",),
            sectors=("energy",),
            targets=("UA",),
        ),
    ),
]


@pytest.mark.parametrize(
    "pair",
    TWO_ATTACKS,
    ids=["two-victims-named", "two-countries", "victims-named-first", "two-sectors"],
)
def test_two_attacks_by_one_group_in_one_week_stay_two_stories(
    pair: tuple[BriefItem, BriefItem],
) -> None:
    assert len(cluster(list(pair), aliases=actor_aliases(), places=place_names())) == 2


def test_the_same_group_and_victim_outside_the_window_are_two_events() -> None:
    first, second = JOINT_BY_ACTOR
    later = dataclasses.replace(second, published_at=DAY + timedelta(days=20))
    assert len(cluster([first, later], aliases=actor_aliases())) == 2
    assert len(cluster([first, later], aliases=actor_aliases(), window=timedelta(days=30))) == 1


# (text, published, historical?): old activity republished is background, a new
# attribution of old activity or a text that also names a recent date is not
HISTORY = [
    ("Hackers breached the party's mail servers in 2016.", "2026-10-10", True),
    ("In January 2016, intruders entered the election commission's network.", "2026-10-10", True),
    ("2019年以降、国内の研究機関を狙った標的型メールが続いた。", "2026-10-10", True),
    ("Rünnakud toimusid 2020. aastal mitme riigiasutuse vastu.", "2026-10-10", True),
    ("The government attributes the 2016 intrusions to APT28.", "2026-10-10", False),
    (
        "Since 2019 the group has probed ministries, most recently in September 2026.",
        "2026-10-10",
        False,
    ),
    ("A phishing wave hit ministries this week.", "2026-10-10", False),
]


@pytest.mark.parametrize(
    "text,published,historical",
    HISTORY,
    ids=[
        "in-2016",
        "in-january-2016",
        "ja-since-2019",
        "et-2020",
        "new-attribution",
        "recent-date-too",
        "undated",
    ],
)
def test_an_event_dated_long_before_publication_is_historical(
    text: str, published: str, historical: bool
) -> None:
    from threatbrief.brief.history import is_historical

    item = dataclasses.replace(
        JOINT_BY_ID[0],
        summary=text,
        published_at=datetime.fromisoformat(published + "T09:00+00:00"),
    )
    assert is_historical(item) is historical


def test_activity_dated_inside_the_briefs_period_is_never_historical() -> None:
    from threatbrief.brief.history import is_historical

    late = dataclasses.replace(
        JOINT_BY_ID[0],
        title="Canada says a group compromised a telecom company",
        summary="The group exploited network devices of a telecom company in February 2025.",
        published_at=datetime(2025, 6, 23, 9, tzinfo=UTC),
    )
    assert is_historical(late)  # four months before it was published
    assert not is_historical(late, since=datetime(2024, 11, 1, tzinfo=UTC))  # in the period
    assert is_historical(late, since=datetime(2025, 4, 1, tzinfo=UTC))  # before this one


def test_a_republished_2016_intrusion_is_background_not_this_period() -> None:
    from threatbrief.brief.write import build_brief
    from threatbrief.models import Period

    old = _item(
        "old",
        "news-ee",
        "How APT28 broke into a party's servers",
        "A retrospective: APT28 broke into a political party's mail servers in 2016.",
        actors=("APT28",),
        sectors=("elections",),
        targets=("EE",),
    )
    old = dataclasses.replace(old, actor_sets=("russia",))
    current = dataclasses.replace(JOINT_BY_ACTOR[0], actor_sets=("russia",))
    period = Period(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    ctx = build_brief(
        [old, current], [], period, ["EE", "JP"], "Desk", DAY, aliases=actor_aliases()
    )
    (russia,) = ctx.sections
    assert russia.count == 1 and russia.story_ids == ["cisa-gru"]
    assert [s.id for s in ctx.background] == ["old"] and ctx.background[0].historical
    assert "elections" not in " ".join(str(j) for j in ctx.key_judgements)


def test_a_digest_lists_a_joint_advisory_once_with_every_source() -> None:
    from threatbrief.brief.stories import cluster as group
    from threatbrief.digest.build import WindowStories, build_digest
    from threatbrief.models import Period, Subscriber

    items = [dataclasses.replace(i, actor_sets=("china",)) for i in JOINT_BY_ID]
    sub = Subscriber(email="liaison@cert.example.jp", actor_sets=("china",), tlp=TLP.CLEAR)
    period = Period(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    window = WindowStories(group(items, aliases=actor_aliases()))
    digest = build_digest(items, sub, period, DAY, window=window)
    (story,) = digest.stories
    assert {p for p, _url in story.links} == {"cisa", "ncsc-uk"}
    assert story.story.merged_on == ["advisory-id"]


def _ddos(
    id: str, feed: str, title: str, summary: str = "", *, days: float, sector: str
) -> BriefItem:
    return _item(id, feed, title, summary, days=days, sectors=(sector,), targets=("JP",))


@pytest.mark.parametrize(
    "pair",
    [
        # three days apart: two attacks, however alike
        (_ddos("a", "f1", "DDoS slows an airline's booking site", days=0, sector="transport"),
         _ddos("b", "f2", "Flights delayed after a DDoS on check-in", days=3, sector="transport")),
        # the same day, other sectors
        (_ddos("a", "f1", "Online banking slowed by a DDoS", days=0, sector="finance"),
         _ddos("b", "f2", "Port terminal bookings stopped after a DDoS", days=0,
               sector="transport")),
        # the same day and sector, other victims named
        (_ddos("a", "f1", "Bank hit by a DDoS attack", "Kawabe Bank's online service was down.",
               days=0, sector="finance"),
         _ddos("b", "f2", "Lender hit by a DDoS attack", "Tomita Credit's app was slow.", days=0,
               sector="finance")),
        # phishing the same day against two named sectors of one country
        (_item("a", "f1", "Phishing e-mails imitate a bank's login page", "", days=0,
               sectors=("finance",), targets=("JP",)),
         _item("b", "f2", "Ministry staff sent phishing lures about pay rises", "", days=0,
               sectors=("government",), targets=("JP",))),
    ],
    ids=["days-apart", "other-sectors", "other-victims", "phishing-other-sectors"],
)  # fmt: skip
def test_unattributed_attacks_alike_in_method_stay_apart(pair: tuple[BriefItem, ...]) -> None:
    assert len(cluster(list(pair))) == 2
