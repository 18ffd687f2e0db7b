# SPDX-License-Identifier: Apache-2.0
"""What the sources say an actor was after and how it worked: facts read from a story's text.

Stories in, facts out; pure. An actor section states the state organ behind the groups, the
aims (espionage, revenue, disruption, influence), the methods and the sums stolen only where a
source's own words name them, so every such sentence can cite the stories that say so. The
patterns are constructions in English, Japanese and Estonian, not names of single reports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .stories import AUTHORITY, Story

__all__ = [
    "AIMS",
    "METHODS",
    "ORGANS",
    "aims",
    "clean_sentence",
    "hedge",
    "methods",
    "organs",
    "sentences",
    "sums",
]


def _lowered(pattern: str) -> str:
    """`pattern` in lower case but for its escapes (`\\W` stays `\\W`, `\\S` stays `\\S`)."""
    return re.sub(r"\\.|[^\\]+", lambda m: m[0] if m[0][0] == "\\" else m[0].lower(), pattern)


def _any(*patterns: str) -> re.Pattern[str]:
    """One pattern for any of `patterns`, case-insensitive, to search text already in lower
    case (`_low`): re's IGNORECASE is three times slower on these alternations, and a brief
    runs them over every story."""
    return re.compile("|".join(f"(?:{_lowered(p)})" for p in patterns))


# what an actor was after, in the words sources use for it
AIMS: dict[str, re.Pattern[str]] = {
    "espionage": _any(
        r"espionage", r"\bspy(?:ing)?\b", r"\bspies\b", r"intelligence[- ]gathering",
        r"collect(?:s|ed|ing)? (?:information|intelligence|data)", r"cyber[- ]?luure",
        r"luure", r"koguvad teavet", r"諜報", r"スパイ", r"情報窃取", r"情報収集",
        r"steal(?:s|ing)? (?:data|information|credentials|e-?mails|secrets|documents)",
        r"(?:data|information|e-?mails?|secrets|documents) (?:were |was )?stolen", r"exfiltrat",
    ),
    "revenue": _any(
        # a theft is for revenue when what was taken is money: "stole virtual assets",
        # "theft of 308 million USD"; "documents were stolen" is espionage
        r"(?:theft|heist|stole|stolen|steal\w*|launder\w*)\W+(?:\w+\W+){0,6}?(?:crypto\w*|"
        r"bitcoin|virtual assets|funds|money|USD|dollars|\$|euros?|yen|exchange|wallet)",
        r"(?:crypto\w*|bitcoin|virtual assets|funds|money)\W+(?:\w+\W+){0,4}?(?:theft|"
        r"heist|stolen)", r"revenue", r"\bransom\b", r"money laundering",
        r"暗号資産.{0,10}(?:窃取|流出|盗)", r"不正流出", r"raha\w* varas", r"krüptoraha",
    ),
    "disruption": _any(
        r"(?<![A-Za-z])DDoS(?![A-Za-z])", r"denial[- ]of[- ]service", r"\bwiper", r"sabotage",
        r"destructive",
        r"disrupt", r"halt(?:s|ed)? (?:production|operations)", r"outage", r"サービス妨害",
        r"DDoS攻撃", r"teenusetõkestus", r"ummistusrünn",
    ),
    "influence": _any(
        r"disinformation", r"influence (?:operations?|campaigns?)", r"propaganda",
        r"election interference", r"interfer\w* (?:in|with) (?:the )?(?:vote|elections?)",
        r"偽情報", r"影響工作", r"mõjutustegevus", r"desinformatsioon",
    ),
}  # fmt: skip

AIM_NAMES = {
    "espionage": "espionage",
    "revenue": "theft for revenue",
    "disruption": "disruption",
    "influence": "influence operations",
}

# how it worked: the methods a CERT reader asks about, as the sources name them
METHODS: dict[str, re.Pattern[str]] = {
    # aimed at chosen people ("lures", 標的型メール), or at the public at large (a fake portal)
    "spear-phishing": _any(
        r"spear-?phish", r"lures?\b", r"e-?mails? posing as", r"標的型(?:攻撃)?メール",
    ),
    "phishing": _any(r"(?<!spear-)(?<!spear)\bphish", r"impersonat", r"フィッシング", r"õngitsus"),
    "the exploitation of edge devices": _any(
        r"(?:VPN|gateway|router|firewall|edge|network) devices?", r"Connect Secure",
        r"FortiGate|FortiOS|Ivanti|Citrix|NetScaler|Palo Alto|Cisco (?:IOS|ASA)",
        r"network devices", r"VPN(?:装置|機器)", r"ネットワーク機器",
    ),
    "supply-chain compromise": _any(
        r"supply[- ]chain", r"サプライチェーン", r"(?:wallet )?software (?:company|maker|vendor)"
        r"'?s? (?:employee|update|build)", r"compromised an employee of",
        r"tarneahel",
    ),
    "DDoS": _any(
        r"(?<![A-Za-z])DDoS", r"denial[- ]of[- ]service", r"teenusetõkestus", r"ummistusrünn"
    ),
    "fraudulent IT workers": _any(
        r"IT workers", r"remote (?:IT )?workers", r"IT労働者", r"get hired", r"fake (?:job|hire)",
    ),
    "ransomware": _any(r"ransomware", r"ランサムウェア", r"lunavara", r"lunaraha"),
    "credential theft": _any(
        r"credentials?\b", r"password spray", r"token theft", r"パスワード", r"認証情報",
        r"paroole|paroolid",
    ),
    "zero-day exploits": _any(r"zero-day", r"0-day", r"ゼロデイ", r"nullpäeva"),
    "custom malware": _any(r"\bbackdoor", r"\bimplant", r"バックドア", r"tagauks"),
}  # fmt: skip

# the state organs sources name behind the groups, per actor set (name as written, pattern)
ORGANS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    "china": [
        ("the Ministry of State Security (MSS)", _any(r"Ministry of State Security", r"\bMSS\b",
                                                       r"国家安全部")),
        ("the People's Liberation Army (PLA)", _any(r"People'?s Liberation Army", r"\bPLA\b",
                                                     r"人民解放軍")),
    ],
    "russia": [
        ("military intelligence (the GRU)", _any(r"\bGRU\b", r"military intelligence",
                                                r"Unit \d{5}", r"軍参謀本部情報総局",
                                                r"sõjaväeluure")),
        ("the FSB", _any(r"\bFSB\b", r"Federal Security Service", r"Center 16",
                         r"連邦保安庁")),
        ("the foreign intelligence service (SVR)", _any(r"\bSVR\b",
                                                           r"Foreign Intelligence Service of "
                                                           r"the Russian", r"対外情報庁")),
    ],
    "north-korea": [
        ("the Reconnaissance General Bureau (RGB)", _any(r"Reconnaissance General Bureau",
                                                         r"\bRGB\b", r"偵察総局")),
    ],
    "iran": [
        ("the Islamic Revolutionary Guard Corps (IRGC)", _any(r"\bIRGC\b",
                                                              r"Revolutionary Guard")),
        ("the Ministry of Intelligence (MOIS)", _any(r"\bMOIS\b",
                                                     r"Ministry of Intelligence")),
    ],
}  # fmt: skip

# a sum stolen or demanded: "308 million USD", "$659 million", "1.5 billion dollars"
_MONEY = re.compile(
    r"(?:US\$|\$|USD ?)\s?\d[\d,.]*(?:\s?(?:million|billion|bn|m)\b)?"
    r"|\d[\d,.]*\s?(?:million|billion)\s?(?:USD|US dollars|dollars|euros?|yen)"
    r"|\d[\d,.]*\s?(?:bitcoin|BTC)\b",
    re.IGNORECASE,
)

# the source's own estimative words, kept as it wrote them
_HEDGE = _any(
    r"(?:assess(?:es|ed)?|judge[sd]?) with (?:low|moderate|high) confidence",
    r"\b(?:highly |most )?likely\b", r"\bprobably\b", r"\bsuspected\b", r"\bpossibly\b",
    r"\bmay have\b", r"\bbelieved to\b", r"とみられる", r"と見られる", r"疑い", r"可能性",
    r"tõenäoliselt", r"suure tõenäosusega", r"arvatavasti", r"kahtlustatav",
)  # fmt: skip

# feed debris at a sentence's end: "… in Estonia. more", "Read more", "[…]", "Continue reading"
_DEBRIS = re.compile(
    r"(?:\s*(?:\[(?:…|\.\.\.)\]|…|\.\.\.|read more|continue reading|more|続きを読む|loe edasi)"
    r"\s*[.»>›]*)+\s*$",
    re.IGNORECASE,
)
# a wire dateline: "TOKYO (Reuters) -", "WASHINGTON, Dec 3 (AP) —", "Tallinn, 4 March (ERR) –"
_DATELINE = re.compile(
    r"^[A-Z][A-Za-z .'-]{1,30}(?:,\s*[A-Z][a-z]{2,8}\.? \d{1,2})?\s*\((?:Reuters|AP|AFP|Kyodo|"
    r"Bloomberg|ERR|BNS|Yonhap|Jiji)\)\s*[-–—]+\s*"
)
_SENTENCE = re.compile(r".+?(?:。|[.!?](?=\s+[A-Z\u00c0-\u00de\u0100-\u024f\"“]|\s*$))", re.S)


# a sentence's clauses: "ransomware by pro-Russian hacktivists, and espionage by groups from
# China" says two things about two actors
_CLAUSE = re.compile(r",? and (?=\w+ by )|; |, while |, whereas |, but |。|、および")


_HACKTIVISTS = re.compile(r"hacktivis|ハクティビスト|häktivist", re.IGNORECASE)


def _text(story: Story, actor: Sequence[str] = ()) -> str:
    """A story's words about one actor: all of them when the story names one actor set, else
    the clauses that name the actor (`actor`: its groups and the words for its state)."""
    text = " ".join(f"{i.title}. {i.summary}" for i in story.items)
    if len(story.actor_sets) <= 1 or not actor:
        return text
    words = re.compile("|".join(re.escape(w) for w in actor if w), re.IGNORECASE)
    clauses = [c for raw in _SENTENCE.findall(text) or [text] for c in _CLAUSE.split(raw)]
    # "DDoS by pro-Russian hacktivists" says what hacktivists did, not the state
    return " ".join(c for c in clauses if words.search(c) and not _HACKTIVISTS.search(c))


def _low(story: Story, actor: Sequence[str]) -> str:
    return _text(story, actor).lower()


def aims(story: Story, actor: Sequence[str] = ()) -> list[str]:
    """The aims a story's sources name (about `actor`, see `_text`), in the order of
    `AIMS`."""
    text = _low(story, actor)
    return [aim for aim, pattern in AIMS.items() if pattern.search(text)]


def methods(story: Story, actor: Sequence[str] = ()) -> list[str]:
    """The methods a story's sources name (about `actor`), in the order of `METHODS`."""
    text = _low(story, actor)
    found = [name for name, pattern in METHODS.items() if pattern.search(text)]
    if "spear-phishing" in found and "phishing" in found:
        found.remove("phishing")  # "phishing lures": the narrower name says it
    return found


def organs(story: Story, key: str, actor: Sequence[str] = ()) -> list[str]:
    """The state organs of actor set `key` that a story's sources name (about `actor`)."""
    text = _low(story, actor)
    return [name for name, pattern in ORGANS.get(key, []) if pattern.search(text)]


def sums(story: Story) -> list[str]:
    """Sums of money or coin a story's sources name, as written, without repeats."""
    found: list[str] = []
    for item in story.items:
        for match in _MONEY.finditer(f"{item.title}. {item.summary}"):
            value = match.group(0).strip().rstrip(".,")
            if value and value not in found:
                found.append(value)
    return found


def hedge(story: Story) -> str:
    """The lead source's own estimative words ("likely", "assess with moderate confidence",
    とみられる), or "" when it states the attribution plainly."""
    lead = story.items[0]
    match = _HEDGE.search(f"{lead.title}. {lead.summary}".lower())
    return match.group(0).lower() if match else ""


def clean_sentence(text: str) -> str:
    """A sentence without the feed's debris at its end or a wire dateline at its start
    ("TOKYO (Reuters) - "), with its own full stop."""
    text = " ".join(text.split())
    text = _DEBRIS.sub("", text).strip()
    text = _DATELINE.sub("", text)
    text = text[:1].upper() + text[1:]
    if text and text[-1] not in ".!?。":
        text += "。" if re.search(r"[\u3040-\u30ff\u3400-\u9fff]$", text) else "."
    return text


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a source, with the story and item it comes from."""

    text: str
    story: Story
    item_index: int

    @property
    def authority(self) -> float:
        item = self.story.items[self.item_index]
        return AUTHORITY.get(item.kind, AUTHORITY["unknown"])


def sentences(stories: Sequence[Story]) -> list[Sentence]:
    """Every sentence of the stories' summaries (and titles without one), cleaned."""
    out = []
    for story in stories:
        for index, item in enumerate(story.items):
            body = item.summary.strip() or item.title.strip()
            for raw in _SENTENCE.findall(body) or [body]:
                text = clean_sentence(raw)
                if text:
                    out.append(Sentence(text, story, index))
    return out
