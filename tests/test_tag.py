# SPDX-License-Identifier: Apache-2.0
"""Tagger rules, table-driven, hard negatives first; every case asserts its evidence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from threatbrief.models import Tagging
from threatbrief.tag import Tagger
from threatbrief.tag.lexicon import _FAST_LOADER, PACKAGED, fold, load_lexicon
from threatbrief.tag.normalise import normalise
from threatbrief.textsafe import INVISIBLE

TAGGER = Tagger(load_lexicon())


def tag(title: str, summary: str = "") -> Tagging:
    return TAGGER.tag([("title", title), ("summary", summary)])


def evidence(t: Tagging, kind: str, label: str) -> list[tuple[str, str]]:
    return [(e.text, e.rule) for e in t.evidence if e.kind == kind and e.label == label]


# (text, actor sets) where a country is named but nobody attributes anything to it
NEGATIVES = [
    ("Russian-speaking ransomware gang LockBit hits a hospital", ()),
    ("A Russian bank was hit by a DDoS attack", ()),
    ("Chinese New Year phishing lures target bank customers", ()),
    ("Korean vendor Samsung patches a flaw in its phones", ()),
    ("Kaspersky ban takes effect in the United States", ()),
    ("China Telecom outage disrupts mobile service", ()),
    ("Pro-Russian hacktivists NoName057(16) launch DDoS on Estonian sites", ()),
    ("Killnet claims attacks on Japanese government websites", ()),
    ("Super Typhoon Hagibis hits Japan and disrupts rail", ()),
    ("Nation-state hackers breached a telecom provider", ()),
    ("Russian ransomware affiliate extradited to the US", ()),
    ("Iranian steel factories disrupted by a cyberattack", ()),
    ("ロシアの銀行がランサムウェア被害", ()),
    ("Hiina pank teatas andmelekkest", ()),
    ("Cyberattack on Russian institutes, researchers say", ()),
]

POSITIVES = [
    ("Chinese hackers target Russian institutes", ("china",), "Chinese"),
    (
        "Hackers linked to North Korea stole crypto from an exchange",
        ("north-korea",),
        "North Korea",
    ),
    ("The UK blames China for the Electoral Commission hack", ("china",), "China"),
    ("Attack attributed to Russia's GRU, partners say", ("russia",), "Russia"),
    (
        "PRC state-sponsored actors compromise critical infrastructure",
        ("china",),
        "PRC state-sponsored",
    ),
    ("Beijing-backed hackers spied on lawmakers", ("china",), "Beijing-backed"),
    ("Pyongyang-backed group targets defence firms", ("north-korea",), "Pyongyang-backed"),
    ("Russian military intelligence targeted logistics firms", ("russia",), "Russian"),
    (
        "Russian and North Korean hackers target vaccine research",
        ("north-korea", "russia"),
        "Russian",
    ),
    (
        "Russia, Iran and China are likely to interfere in the election",
        ("china", "iran", "russia"),
        "Russia",
    ),
    ("北朝鮮のハッカー集団が暗号資産を窃取", ("north-korea",), "北朝鮮の"),
    ("中国を背景とするサイバー攻撃グループによる攻撃", ("china",), "中国"),
    ("ロシアの情報機関によるサイバー攻撃", ("russia",), "ロシアの"),
    ("Eesti omistas küberründed Venemaa sõjaväeluurele", ("russia",), "Venemaa sõjaväeluurele"),
    ("Hiina häkkerid ründasid ministeeriumi", ("china",), "Hiina"),
    ("Une faille exploitée par Moscou, selon Washington", ("russia",), "Moscou"),
]


@pytest.mark.parametrize("text,sets", NEGATIVES, ids=[t[:40] for t, _ in NEGATIVES])
def test_bare_country_mentions_are_not_attribution(text: str, sets: tuple[str, ...]) -> None:
    assert tag(text).actor_sets == sets


@pytest.mark.parametrize("text,sets,cue", POSITIVES, ids=[t[:40] for t, *_ in POSITIVES])
def test_attributive_constructions_give_the_actor_set(
    text: str, sets: tuple[str, ...], cue: str
) -> None:
    result = tag(text)
    assert result.actor_sets == sets
    first = sets[-1] if cue in ("Russian", "Russia") else sets[0]
    texts = [t for t, _ in evidence(result, "actor_set", first)]
    assert cue in texts, texts


@pytest.mark.parametrize(
    "text,actor,state",
    [
        ("APT28 phishing hits ministries", "APT28", "russia"),
        ("Fancy Bear returns", "APT28", "russia"),
        ("Forest Blizzard targets logistics", "APT28", "russia"),
        ("Lazarusが暗号資産交換業者を攻撃", "Lazarus Group", "north-korea"),
        ("ラザルスによる攻撃", "Lazarus Group", "north-korea"),
        ("Kimsuky spear-phishing against think tanks", "Kimsuky", "north-korea"),
        ("ミラーフェイスによる標的型攻撃", "MirrorFace", "china"),
        ("キムスキーの攻撃", "Kimsuky", "north-korea"),
        ("APT 40 exploits appliances", "APT40", "china"),
        ("Midnight Blizzard reads mailboxes", "APT29", "russia"),
        ("Charming Kitten phishing", "APT35", "iran"),
        ("Ghostwriter campaign resurfaces", "UNC1151", "belarus"),
    ],
    ids=lambda v: str(v)[:30],
)
def test_group_aliases_give_actor_and_state(text: str, actor: str, state: str) -> None:
    result = tag(text)
    assert actor in result.actors and state in result.actor_sets
    assert evidence(result, "actor", actor)[0][1] == "alias"


@pytest.mark.parametrize(
    "text,actor",
    [
        ("LockBit claims attack on a port", "LockBit"),
        ("Scattered Spider breaches casinos", "Scattered Spider"),
        ("BlackCat affiliates hit healthcare", "ALPHV"),
        ("Cl0p exploits file transfer software", "Cl0p"),
        ("Killnet DDoS on airports", "Killnet"),
        ("NoName057(16) targets banks", "NoName057(16)"),
    ],
    ids=lambda v: str(v)[:30],
)
def test_criminal_and_hacktivist_groups_are_actors_without_a_set(text: str, actor: str) -> None:
    result = tag(text)
    assert result.actors == (actor,) and result.actor_sets == ()


def test_unknown_microsoft_family_name_still_gives_the_state() -> None:
    result = tag("Microsoft tracks Cobalt Typhoon, a new actor targeting telecoms")
    assert result.actor_sets == ("china",)
    assert evidence(result, "actor_set", "china") == [("Cobalt Typhoon", "alias-family")]


@pytest.mark.parametrize(
    "text",
    [
        "Suspected Chinese state-sponsored actors exploited Ivanti",
        "北朝鮮の関与か、暗号資産が流出",
        "Rünnakute taga on arvatavasti Venemaa sõjaväeluure",
    ],
    ids=["en-suspected", "ja-ka", "et-arvatavasti"],
)
def test_hedged_attribution_is_kept_with_lower_confidence(text: str) -> None:
    result = tag(text)
    (state,) = result.actor_sets
    assert 0 < result.confidence("actor_set", state) < 0.9
    assert all(rule.endswith("-hedged") for _, rule in evidence(result, "actor_set", state))


def test_superseded_attribution_is_not_kept() -> None:
    result = tag(
        "Belarus linked to Ghostwriter",
        "Mandiant tied Belarus to Ghostwriter, which others had previously attributed "
        "to Russia's foreign intelligence services.",
    )
    assert result.actor_sets == ("belarus",)


def test_ambiguous_aliases_need_capitals_and_context() -> None:
    assert tag("Tick bites rise in spring").actors == ()
    assert tag("The Tick group targets Japanese defence firms").actors == ("Tick",)
    assert tag("Mercury levels in fish").actors == ()


def test_sectors_need_a_targeting_sentence() -> None:
    advisory = tag("Vulnerability in banking software", "Update to version 2.1.")
    assert advisory.sectors == ()
    attack = tag("Hackers breached three banks and a hospital")
    assert attack.sectors == ("finance", "health")
    assert evidence(attack, "sector", "health") == [("hospital", "sector-targeted")]


@pytest.mark.parametrize(
    "text,sector",
    [
        ("Hackers target Japanese semiconductor makers", "manufacturing"),
        ("攻撃者が通信事業者を標的に", "telecom"),
        ("Küberründed tabasid riigiasutuste veebilehti", "government"),
        ("DDoS attacks disrupted airlines and airports", "transport"),
        ("North Korean hackers stole cryptocurrency worth $1.5bn", "crypto-currency"),
    ],
    ids=["en-manufacturing", "ja-telecom", "et-government", "en-transport", "en-crypto"],
)
def test_sector_keywords_in_three_languages(text: str, sector: str) -> None:
    assert sector in tag(text).sectors


def test_targets_exclude_the_actor_and_the_reporter() -> None:
    result = tag(
        "Russian GRU targets Estonian government institutions",
        "Japan's National Police Agency said the attacks also hit Japanese firms.",
    )
    assert result.targets == ("EE", "JP")
    assert evidence(result, "target", "JP")[0][0] == "Japanese"


def test_evidence_offsets_point_at_the_matched_text() -> None:
    title = "Analysis: ＡＰＴ２８ and 北朝鮮のハッカー集団 in one title"
    result = TAGGER.tag([("title", title)])
    for e in result.evidence:
        assert title[e.start : e.end] == e.text and e.field == "title"
    assert "APT28" in result.actors


@pytest.mark.parametrize(
    "text",
    ["", "\u202e\u0000\x1b[31m", "x" * 1_000_000, "Lazarus " * 50_000],
    ids=["empty", "controls", "1mb", "many"],
)
def test_hostile_text_is_tagged_without_error(text: str) -> None:
    result = tag(text)
    assert isinstance(result.evidence, tuple)


# (title, group, the original text its evidence must quote): invisible characters and
# look-alike letters that once hid a group from the automaton, while a reader still saw it
HIDDEN = [
    ("Laza\u200drus hackers steal crypto", "Lazarus Group", "Laza\u200drus"),
    ("Laz\u200carus hackers steal crypto", "Lazarus Group", "Laz\u200carus"),
    ("APT\u206028 phishing hits ministries", "APT28", "APT\u206028"),
    ("Laza\u00adrus hackers steal crypto", "Lazarus Group", "Laza\u00adrus"),
    ("Phishing by \u061cLaz\u061carus hackers", "Lazarus Group", "Laz\u061carus"),
    ("APT\u202828 phishing hits ministries", "APT28", "APT\u202828"),
    (
        "Report: \U0001d400\U0001d40f\U0001d413\U0001d7d0\U0001d7d6 phishing",
        "APT28",
        "\U0001d400\U0001d40f\U0001d413\U0001d7d0\U0001d7d6",
    ),
    (
        "Report: \U0001d40b\U0001d41a\U0001d433\U0001d41a\U0001d42b\U0001d42e\U0001d42c hackers",
        "Lazarus Group",
        "\U0001d40b\U0001d41a\U0001d433\U0001d41a\U0001d42b\U0001d42e\U0001d42c",
    ),
    ("ﾗｻﾞﾙｽが暗号資産を窃取", "Lazarus Group", "ﾗｻﾞﾙｽ"),
]


@pytest.mark.parametrize(
    "title,actor,quoted",
    HIDDEN,
    ids=[
        "zero-width-joiner",
        "zero-width-non-joiner",
        "word-joiner",
        "soft-hyphen",
        "arabic-letter-mark",
        "line-separator",
        "math-bold-apt28",
        "math-bold-lazarus",
        "half-width-katakana",
    ],
)
def test_invisible_and_lookalike_characters_do_not_hide_a_group(
    title: str, actor: str, quoted: str
) -> None:
    result = TAGGER.tag([("title", title)])
    assert actor in result.actors
    (found,) = [e for e in result.evidence if e.kind == "actor"]
    assert found.text == quoted
    assert title[found.start : found.end] == found.text  # offsets into the original text
    for e in result.evidence:
        assert title[e.start : e.end] == e.text


def test_every_invisible_character_is_removed_inside_a_word() -> None:
    invisible = re.compile(f"[{INVISIBLE}]")
    chars = [chr(cp) for cp in range(0x110000) if invisible.match(chr(cp))]
    assert len(chars) > 4_000
    for char in chars:
        for text in (f"Laz{char}arus", f"北朝鮮{char}の", f"Laz{char}arus\n"):
            assert normalise(text).text == text.replace(char, ""), hex(ord(char))


def test_normalised_offsets_map_back_past_what_was_removed() -> None:
    summary = (
        "Ｔｈｅ\u200b ｇｒｏｕｐ APT\u200d28 targeted ｇｏｖｅｒｎｍｅｎｔ networks in Estonia."
    )
    result = TAGGER.tag([("summary", summary)])
    assert result.actors == ("APT28",) and result.targets == ("EE",)
    spans = {(e.kind, e.text): (e.start, e.end) for e in result.evidence}
    start = summary.index("APT")
    assert spans[("actor", "APT\u200d28")] == (start, start + 6)
    assert ("sector", "ｇｏｖｅｒｎｍｅｎｔ networks") in spans
    assert spans[("target", "Estonia")] == (summary.index("Estonia"), summary.index("Estonia") + 7)


@pytest.mark.parametrize(
    "title,quoted",
    [
        ("Lazarus\u2028Group stole crypto", "Lazarus\u2028Group"),
        ("Lazarus\u2028\u2028stole crypto", "Lazarus"),
        ("Phishing by Lazarus.\u2029Other news", "Lazarus"),
    ],
    ids=["between-two-words-of-a-name", "before-a-line-break", "after-a-sentence"],
)
def test_a_line_separator_between_words_still_ends_the_word(title: str, quoted: str) -> None:
    result = tag(title)
    assert evidence(result, "actor", "Lazarus Group") == [(quoted, "alias")]


def _aliases() -> dict[str, set[str]]:
    doc = yaml.safe_load((PACKAGED / "actors.yaml").read_text(encoding="utf-8"))
    owners: dict[str, set[str]] = {}
    for actor in doc["actors"]:
        for alias in (actor["name"], *actor.get("aliases", [])):
            owners.setdefault(fold(str(alias)), set()).add(actor.get("set") or "none")
    return owners


def test_no_alias_belongs_to_two_actor_sets() -> None:
    clashes = {a: s for a, s in _aliases().items() if len(s) > 1}
    assert clashes == {}


def test_lexicon_has_at_least_150_groups_with_unique_names() -> None:
    doc = yaml.safe_load((PACKAGED / "actors.yaml").read_text(encoding="utf-8"))
    names = [a["name"] for a in doc["actors"]]
    assert len(names) >= 150 and len(names) == len(set(names))
    assert all(
        set(a) <= {"name", "set", "kind", "sponsor", "aliases", "ambiguous"} for a in doc["actors"]
    )


@pytest.mark.parametrize("path", sorted(PACKAGED.glob("*.yaml")), ids=lambda p: p.stem)
def test_lexicon_files_round_trip_and_carry_a_version(path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["version"] and yaml.safe_load(yaml.safe_dump(doc, allow_unicode=True)) == doc


@pytest.mark.parametrize("path", sorted(PACKAGED.glob("*.yaml")), ids=lambda p: p.stem)
def test_lexicon_files_read_the_same_with_the_fast_loader(path: Path) -> None:
    # load_lexicon reads the packaged files with libyaml's loader, for start-up time
    text = path.read_text(encoding="utf-8")
    assert yaml.load(text, Loader=_FAST_LOADER) == yaml.safe_load(text)


def test_every_country_the_lexicon_names_has_a_name_in_the_briefs() -> None:
    # a brief that meets a code it cannot name would print "in IQ"
    import yaml

    from threatbrief.tag.lexicon import PACKAGED
    from threatbrief.vocab import COUNTRY_NAMES

    doc = yaml.safe_load((PACKAGED / "countries.yaml").read_text(encoding="utf-8"))
    codes = set(doc["countries"]) | set(doc["institutions"])
    assert codes - set(COUNTRY_NAMES) == set()
