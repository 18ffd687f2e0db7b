# SPDX-License-Identifier: Apache-2.0
"""Event clustering: a synthetic month of items in English, Japanese and Estonian, 15 % of them
in events reported by several sources, clustered by `brief.stories.cluster`. Prints pairwise
precision and recall against the generator's ground truth, per rule, and the time.

    python benchmarks/bench_stories.py [--items 10000] [--multi 0.15] [--seed 7]

The generator writes its own text from templates. Hard cases are part of it: one group's
different attacks in the same week and sector, reports of one event in other languages and
with other spellings of the group (ミラーフェイス, Earth Kasha), and feeds that reuse wording.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from threatbrief.brief.stories import cluster
from threatbrief.models import TLP, BriefItem
from threatbrief.pipeline.briefs import actor_aliases, place_names

START = datetime(2026, 10, 1, tzinfo=UTC)

# canonical group, spellings used by each language's sources
ACTORS = [
    (
        "Lazarus Group",
        ["Lazarus", "Lazarus Group", "Hidden Cobra"],
        ["ラザルス", "Lazarus"],
        ["Lazarus"],
    ),
    ("Kimsuky", ["Kimsuky", "APT43", "Emerald Sleet"], ["キムスキー", "Kimsuky"], ["Kimsuky"]),
    ("MirrorFace", ["MirrorFace", "Earth Kasha"], ["ミラーフェイス", "MirrorFace"], ["MirrorFace"]),
    ("APT28", ["APT28", "Fancy Bear", "Forest Blizzard"], ["APT28"], ["APT28"]),
    ("APT29", ["APT29", "Cozy Bear", "Midnight Blizzard"], ["APT29"], ["APT29"]),
    ("Sandworm", ["Sandworm", "Seashell Blizzard"], ["Sandworm"], ["Sandworm"]),
    ("Volt Typhoon", ["Volt Typhoon"], ["Volt Typhoon"], ["Volt Typhoon"]),
    ("Salt Typhoon", ["Salt Typhoon"], ["Salt Typhoon"], ["Salt Typhoon"]),
    ("APT40", ["APT40", "Gingham Typhoon"], ["APT40"], ["APT40"]),
    ("APT41", ["APT41", "Brass Typhoon"], ["APT41"], ["APT41"]),
    ("Andariel", ["Andariel", "Onyx Sleet"], ["Andariel"], ["Andariel"]),
    ("Turla", ["Turla", "Secret Blizzard"], ["Turla"], ["Turla"]),
]
ACTORS += [(f"UNC{n}", [f"UNC{n}"], [f"UNC{n}"], [f"UNC{n}"]) for n in range(1000, 1060)]
COUNTRIES = {
    "JP": ("Japan", "日本", "Jaapani"),
    "EE": ("Estonia", "エストニア", "Eesti"),
    "US": ("the United States", "米国", "USA"),
    "GB": ("the United Kingdom", "英国", "Suurbritannia"),
    "UA": ("Ukraine", "ウクライナ", "Ukraina"),
    "DE": ("Germany", "ドイツ", "Saksamaa"),
    "KR": ("South Korea", "韓国", "Lõuna-Korea"),
    "TW": ("Taiwan", "台湾", "Taiwan"),
    "PL": ("Poland", "ポーランド", "Poola"),
    "FR": ("France", "フランス", "Prantsusmaa"),
}
SECTORS = {
    "government": ("ministries", "政府機関", "ministeeriumid"),
    "defence": ("defence contractors", "防衛産業", "kaitsetööstus"),
    "energy": ("power utilities", "電力会社", "energiaettevõtted"),
    "finance": ("banks", "銀行", "pangad"),
    "telecom": ("telecom operators", "通信事業者", "sideoperaatorid"),
    "health": ("hospitals", "病院", "haiglad"),
    "transport": ("logistics firms", "物流企業", "logistikafirmad"),
    "crypto-currency": ("crypto exchanges", "暗号資産交換業者", "krüptobörsid"),
    "education-research": ("universities", "大学", "ülikoolid"),
    "media": ("newsrooms", "報道機関", "meediaväljaanded"),
}
METHODS = [
    ("spear-phishing", "標的型メール", "õngitsuskirjad"),
    ("a VPN zero-day", "VPNのゼロデイ脆弱性", "VPN-i nullpäeva haavatavus"),
    ("a supply-chain compromise", "サプライチェーン攻撃", "tarneahela rünne"),
    ("wiper malware", "ワイパー型マルウェア", "andmeid hävitav pahavara"),
    ("stolen cloud credentials", "窃取したクラウド認証情報", "varastatud pilvekonto andmed"),
    ("a fake job offer", "偽の求人", "võlts tööpakkumine"),
]
SYLLABLES = "ka ri to mo na se hi ro ta ku mi sa ya ne o a e ki".split()
EN = [
    "{actor} hits {org} in {country} with {method}",
    "{country}: {sector} targeted by {actor} using {method}",
    "Agencies attribute {org} breach to {actor}",
    "{actor} campaign against {sector} in {country}",
]
EN_BODY = [
    "Investigators say {actor} used {method} against {org}, one of several {sector} in {country}.",
    "{org} confirmed an intrusion. The authorities blame {actor}, which relied on {method}.",
    "A report links the attack on {org} in {country} to {actor}; {sector} were warned.",
]
JA = ["{actor}が{country}の{org}を攻撃、{method}を悪用", "{country}の{sector}に{actor}による攻撃"]
JA_BODY = ["警察庁は、{org}への攻撃を{actor}によるものと特定した。{method}が使われた。"]
ET = ["{actor} ründas {country} asutust {org}", "{actor} sihib {sector} ({country})"]
ET_BODY = ["Uurijate sõnul kasutas {actor} asutuse {org} vastu {method}."]
FEEDS = {"en": [f"en-{n}" for n in range(20)], "ja": [f"ja-{n}" for n in range(6)]}
FEEDS["et"] = [f"et-{n}" for n in range(4)]


@dataclass
class Event:
    actor: int
    country: str
    sector: str
    org: str
    method: int
    when: datetime
    advisory: str


def _org(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() + rng.choice(
        [" Holdings", " Corp", " Group", " Institute", ""]
    )


def _event(rng: random.Random, n: int, days: int) -> Event:
    # a long tail of groups: a few are in many reports, many in few
    actor = min(int(rng.paretovariate(0.9)) - 1, len(ACTORS) - 1)
    # unique, as real advisory identifiers are
    letter = "ABCDEFGHIJ"[n // 100_000 % 10]
    advisory = f"AA{n // 1000 % 100:02d}-{n % 1000:03d}{letter}" if rng.random() < 0.1 else ""
    return Event(
        actor,
        rng.choice(list(COUNTRIES)),
        rng.choice(list(SECTORS)),
        _org(rng),
        rng.randrange(len(METHODS)),
        START + timedelta(minutes=rng.randrange(days * 24 * 60)),
        advisory,
    )


def _report(rng: random.Random, event: Event, lang: str, feed: str, n: int, eid: int) -> BriefItem:
    li = {"en": 0, "ja": 1, "et": 2}[lang]
    canonical, *spellings = ACTORS[event.actor]
    words = {
        "actor": rng.choice(spellings[li]),
        "country": COUNTRIES[event.country][li],
        "sector": SECTORS[event.sector][li],
        "org": event.org,
        "method": METHODS[event.method][li],
    }
    heads, bodies = {"en": (EN, EN_BODY), "ja": (JA, JA_BODY), "et": (ET, ET_BODY)}[lang]
    body = rng.choice(bodies).format(**words)
    if event.advisory and rng.random() < 0.7:
        body += f" (advisory {event.advisory})"
    return BriefItem(
        id=f"{n}:{eid}",
        feed_id=feed,
        publisher=feed,
        kind="news",
        lang=lang,
        url=f"https://{feed}.example/{n}",
        title=rng.choice(heads).format(**words),
        summary=body,
        published_at=event.when + timedelta(hours=rng.uniform(0, 72)),
        tlp=TLP.CLEAR,
        actors=(canonical,),
        sectors=(event.sector,),
        targets=(event.country,),
    )


def corpus(total: int, multi: float, seed: int, days: int = 30) -> list[BriefItem]:
    rng = random.Random(seed)
    items: list[BriefItem] = []
    eid = 0
    while len(items) < total * multi:
        event = _event(rng, eid, days)
        langs = ["en"] + rng.choices(["en", "ja", "et"], weights=[5, 3, 2], k=rng.randint(1, 3))
        feeds = set()
        for lang in langs:
            feed = rng.choice([f for f in FEEDS[lang] if f not in feeds])
            feeds.add(feed)
            items.append(_report(rng, event, lang, feed, len(items), eid))
        eid += 1
    while len(items) < total:
        event = _event(rng, eid, days)
        lang = rng.choices(["en", "ja", "et"], weights=[6, 3, 1])[0]
        items.append(_report(rng, event, lang, rng.choice(FEEDS[lang]), len(items), eid))
        eid += 1
    rng.shuffle(items)
    return items


def pairwise(groups: list[list[BriefItem]]) -> tuple[float, float, int, int]:
    """Pairwise precision and recall of `groups` against the events the ids name."""
    truth: Counter[str] = Counter(i.id.split(":")[1] for g in groups for i in g)
    true_pairs = sum(c * (c - 1) // 2 for c in truth.values())
    found = sum(len(g) * (len(g) - 1) // 2 for g in groups)
    hits = 0
    for g in groups:
        for c in Counter(i.id.split(":")[1] for i in g).values():
            hits += c * (c - 1) // 2
    return (
        (hits / found if found else 1.0),
        (hits / true_pairs if true_pairs else 1.0),
        found,
        true_pairs,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--multi", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--scale", action="store_true", help="also 10x the items over 10x the days (same density)"
    )
    args = parser.parse_args()
    aliases, places = actor_aliases(), place_names()
    sizes = [args.items] + ([args.items * 10] if args.scale else [])
    for size in sizes:
        days = 30 * size // args.items
        items = corpus(size, args.multi, args.seed, days)
        started = time.perf_counter()
        events = cluster(items, aliases=aliases, places=places)
        elapsed = time.perf_counter() - started
        precision, recall, found, true_pairs = pairwise([list(e) for e in events])
        reasons: defaultdict[str, int] = defaultdict(int)
        for e in events:
            for r in e.merged_on:
                reasons[r] += 1
        print(  # noqa: T201
            f"{size} items over {days} days, {len(events)} stories: "
            f"pairwise precision {precision:.3f}, "
            f"recall {recall:.3f} ({found} pairs found, {true_pairs} true); "
            f"{elapsed:.2f} s ({elapsed / size * 1e6:.0f} µs/item); merged on {dict(reasons)}"
        )


if __name__ == "__main__":
    main()
