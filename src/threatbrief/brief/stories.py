# SPDX-License-Identifier: Apache-2.0
"""The story model: items that report one event, clustered, merged and ranked.

`BriefItem`s in, `Story`s out; pure. Briefs, digests and exports all group items here, so a
reader sees the same stories everywhere. A story is ranked by corroboration, the authority of
its sources, the confidence of its attribution and its relevance to the partners.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import ahocorasick_rs
from rapidfuzz import fuzz

from ..models import BriefItem, StoryLink
from ..vocab import PARTNER_LANGUAGES
from .history import is_historical

__all__ = [
    "CVE_ID",
    "AUTHORITY",
    "AliasNormaliser",
    "Event",
    "Story",
    "cluster",
    "first_sentence",
    "make_story",
    "cves_of",
    "trusted",
]

# Source authority by feed kind; a feed that does not say what it is counts least.
AUTHORITY = {
    "government": 1.0,
    "cert": 1.0,
    "vendor": 0.7,
    "news": 0.4,
    "aggregator": 0.3,
    "unknown": 0.1,
}
CVE_ID = re.compile(r"\bCVE-\d{4}-\d{4,7}\b", re.IGNORECASE)


@dataclass
class Story:
    """Items that report the same event, with their combined labels and a rank."""

    id: str
    title: str
    summary: str
    items: list[BriefItem]
    actor_sets: list[str]
    actors: list[str]
    sectors: list[str]
    targets: list[str]
    publishers: list[str]
    score: float
    confidence: float
    first_seen: datetime | None
    notes: list[int] = field(default_factory=list)
    merged_on: list[str] = field(default_factory=list)
    lede: str = ""  # the one sentence a brief gives it as a key story (brief.write.lede)
    also: list[str] = field(default_factory=list)  # other publishers of a key story
    also_names: list[str] = field(default_factory=list, metadata={"brief": False})  # in prose
    # the name the lead report gives a group, where it is an alias ("Marbled Dust")
    spelled: dict[str, str] = field(default_factory=dict)
    also_notes: list[int] = field(default_factory=list)  # their notes, one per publisher
    historical: bool = False  # its items date the activity long before they were published
    quarantined: bool = False  # its items carried active content and are held back

    @property
    def corroboration(self) -> int:
        return len({i.feed_id for i in self.items})


def cves_of(story: Story) -> set[str]:
    """The CVE identifiers a story's reports name, upper-cased."""
    return {c.upper() for i in story.items for c in CVE_ID.findall(f"{i.title} {i.summary}")}


def trusted(story: Story) -> bool:
    """Does a source above the lowest trust (a feed of known kind) report the story?"""
    return any(
        AUTHORITY.get(i.kind, AUTHORITY["unknown"]) > AUTHORITY["unknown"] for i in story.items
    )


class Event(list[BriefItem]):
    """The items of one event, and why they were merged (`merged_on`, sorted): `address` (a
    shared canonical link or a link between feeds), `advisory-id` (a CISA, ICS, JVN, JPCERT or
    CERT-EU identifier, or a CVE with the same actor), `actor+victim+window` (the same group
    against the same sector or country within the window), `method+victim+window` (no actor
    named: the same DDoS, ransomware or phishing against the same sector and country within two
    days)
    or `text` (near-duplicate title and
    summary once actor aliases are read as their group's name)."""

    merged_on: tuple[str, ...] = ()


# Advisory identifiers; the CVE rule is separate (a CVE is an event only with its actor).
_ADVISORY = re.compile(
    r"\b(?:AA\d{2}-\d{3}[A-Z]|ICS[AM]A-\d{2}-\d{3}-\d{2}[A-Z]?|JVN(?:VU|TA)?#?\d{8}"
    r"|JVNDB-\d{4}-\d{6}|JPCERT-AT-\d{4}-\d{4}|CERT-EU-(?:SA|TLR)?\d{4}-\d{3})\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[a-z0-9][a-z0-9._-]*[a-z0-9]|[a-z0-9]|[\u3040-\u30ff\u3400-\u9fff]+")
# A name: a capitalised, all-caps or coded Latin word, or a number of three digits or more.
_NAME = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z][A-Za-z0-9&-]*[A-Za-z0-9]|\d[\d,.]{2,}\d|\d{3,})(?![A-Za-z0-9])"
)
_YEAR = re.compile(r"(?:19|20)\d\d")
_NEXT_NAME = re.compile(r" [A-Z][A-Za-z0-9&-]*[A-Za-z0-9]")
# words written in lower case somewhere: a capital at a sentence's start is grammar for them
_LOWER_WORD = re.compile(r"(?<![A-Za-z0-9])[a-z][a-z-]+[a-z]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z-]{3,}")
_HOME_PAGE = re.compile(r"^https?://[^/]+/?$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
# A bucket this large is a bulk update (every KEV entry naming one CVE), not one event.
_MAX_BUCKET = 25
# Text rule: each item is indexed under its rarest tokens, and only tokens held by at most
# this many items are looked up, so candidate lists stay short (no all-pairs comparison).
_INDEX_TOKENS = 4
_MAX_POSTING = 40
# Short titles look alike to any ratio ("Unrelated story", "Another unrelated story"): a text
# match also needs this many tokens in common.
_MIN_SHARED = 4
TEXT_THRESHOLD = 72.0  # rapidfuzz ratio of the sorted token strings, 0-100
# Two same-language reports of one event share words; below this the actor rule is vetoed.
VETO_THRESHOLD = 40.0
# Items that name no actor are one event by their method, victim sector and country only
# within two days: a victim's notice and the news of it, a CERT's alert and its translation.
_METHODS = {
    "ddos": re.compile(
        r"(?<![A-Za-z])DDoS|denial[- ]of[- ]service|サービス妨害|teenusetõkestus", re.I
    ),
    "ransomware": re.compile(r"ransomware|ランサムウェア|lunavara", re.I),
    "phishing": re.compile(r"phishing|フィッシング|õngitsus", re.I),
}
_METHOD_WINDOW = 2 * 86_400.0
# words written like names that name a method, not a victim ("DDoS" in two reports of two
# attacks is no sign that they are one)
_NOT_VICTIMS = frozenset({"ddos", "dos", "ransomware", "apt"})
# Co-signed advisories come out on the same day (seconds), from authorities.
_JOINT_RELEASE = 86_400.0
_AUTHORITIES = frozenset({"cert", "government"})


class AliasNormaliser:
    """Reads every alias of a group (MirrorFace, ミラーフェイス, Earth Kasha) as the group's one
    token, so that reports that spell the group differently compare as equal text. Built from
    the lexicon's names and aliases, passed in as data (`{alias: canonical name}`)."""

    def __init__(self, aliases: Mapping[str, str]) -> None:
        table = {a.lower(): n for a, n in aliases.items() if a.strip()}
        for name in set(aliases.values()):
            table.setdefault(name.lower(), name)
        self._patterns = sorted(table, key=len, reverse=True)
        self._names = [table[p] for p in self._patterns]
        self._automaton = (
            ahocorasick_rs.AhoCorasick(
                self._patterns, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest
            )
            if self._patterns
            else None
        )

    def _pieces(self, text: str) -> list[tuple[str, str]]:
        """`text` as (plain text, "") and ("", group name) pieces, in order; aliases are
        matched case-insensitively."""
        low = text.lower()
        out: list[tuple[str, str]] = []
        pos = 0
        if self._automaton is not None:
            for index, start, end in self._automaton.find_matches_as_indexes(low):
                if self._patterns[index].isascii() and (
                    _latin(low[start - 1 : start]) or _latin(low[end : end + 1])
                ):
                    continue  # "flea" inside "fleas" is not the group (MirrorFaceが is)
                out.append((text[pos:start], ""))
                out.append(("", self._names[index]))
                pos = end
        out.append((text[pos:], ""))
        return out

    def names(self, title: str, summary: str) -> tuple[set[str], set[str], set[str]]:
        """The names an item gives that are not a group's: capitalised or coded Latin words
        (`DMM`, `Bitcoin`, `DC3`) and long numbers (`26165`, `4,502.9`), lower-cased, years
        left out; they tell one victim from another. Returned as (inside a sentence, at the
        start of one, at the start of one and followed by another name): a sentence's first
        word may be capitalised by grammar only ("Eleven countries", "The NCSC"), so `cluster`
        keeps it only if some item also writes it inside a sentence, or if it leads a name of
        several words ("Tamori Holdings confirmed") and is never written in lower case.
        Every word of a headline in title case is left out."""
        inside: set[str] = set()
        first: set[str] = set()
        lead: set[str] = set()
        latin = _LATIN_WORD.findall(title)
        title_case = bool(latin) and sum(w[0].isupper() for w in latin) > len(latin) / 2
        for text in (summary,) if title_case else (title, summary):
            # the groups' names masked, so they count neither as names nor as a sentence's end
            masked = "".join(plain or "#" * len(group) for plain, group in self._pieces(text))
            for match in _NAME.finditer(masked):
                low = match.group(0).lower().replace(",", "")
                if _YEAR.fullmatch(low):
                    continue
                before = masked[: match.start()].rstrip()
                if before and before[-1] not in ".!?:;。":
                    inside.add(low)
                    continue
                first.add(low)
                if _NEXT_NAME.match(masked, match.end()):
                    lead.add(low)
        return inside, first - inside, lead - inside

    def tokens(self, text: str) -> list[str]:
        """Lower-case word tokens (CJK runs as character bigrams), each alias one group token."""
        out: list[str] = []
        for plain, group in self._pieces(text):
            out += _words(plain.lower()) if plain else ["@" + group.lower().replace(" ", "_")]
        return out


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _words(text: str) -> list[str]:
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        if _CJK.match(tok):
            out += [tok[i : i + 2] for i in range(max(len(tok) - 1, 1))]
        else:
            out.append(tok)
    return out


class _Merger:
    """Union-find over item positions that remembers why each set was joined, and refuses a
    join that would put two items an analyst split into one story."""

    def __init__(self, n: int, apart: Mapping[int, set[int]] | None = None) -> None:
        self.parent = list(range(n))
        self.reasons: dict[int, set[str]] = {}
        self.apart = apart or {}
        # per set, its members that an analyst split from some item (few, usually none)
        self.marked: dict[int, set[int]] = {i: {i} for i in self.apart}

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def kept_apart(self, ra: int, rb: int) -> bool:
        """Whether an analyst split some member of set `ra` from some member of set `rb`."""
        return any(
            self.find(other) == rb
            for member in self.marked.get(ra, ())
            for other in self.apart[member]
        )

    def union(self, a: int, b: int, reason: str, *, force: bool = False) -> bool:
        """Join the sets of `a` and `b`; False when they are kept apart (unless `force`)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if not force and self.marked and self.kept_apart(ra, rb):
            return False
        keep, gone = min(ra, rb), max(ra, rb)
        self.parent[gone] = keep
        merged = self.reasons.setdefault(keep, set())
        merged.add(reason)
        merged |= self.reasons.pop(gone, set())
        if gone in self.marked:
            self.marked.setdefault(keep, set()).update(self.marked.pop(gone))
        return True


def _decisions(
    items: Sequence[BriefItem], links: Sequence[StoryLink]
) -> tuple[list[tuple[int, int]], dict[int, set[int]]]:
    """Analysts' decisions among `items` as positions: pairs to join, and for each split item
    the items it must stay apart from. A link to an item outside `items` is ignored."""
    position = {item.id: n for n, item in enumerate(items)}
    joins: list[tuple[int, int]] = []
    apart: dict[int, set[int]] = defaultdict(set)
    for link in links:
        a, b = position.get(link.item_id), position.get(link.other_id)
        if a is None or b is None:
            continue
        if link.action == "join":
            joins.append((a, b))
        elif link.action == "split":
            apart[a].add(b)
            apart[b].add(a)
    return joins, dict(apart)


def _when(item: BriefItem) -> float:
    return item.published_at.timestamp() if item.published_at else 0.0


def cluster(
    items: Sequence[BriefItem],
    threshold: float = TEXT_THRESHOLD,
    *,
    aliases: Mapping[str, str] | None = None,
    window: timedelta = timedelta(days=7),
    links: Sequence[StoryLink] = (),
    places: Iterable[str] = (),
) -> list[Event]:
    """Group items that report the same event (see `Event` for the rules). Analysts'
    decisions (`links`) come first and hold: a `join` merges two items' stories (`analyst`),
    and no rule ever puts two `split` items back into one story. `places` are the names of
    countries and cities, which never tell one victim from another.

    Near-linear: every rule looks items up in an index (by address, identifier, actor and
    sector or country, rare tokens) and compares an item only with the few it shares a key
    with, inside the time `window`. Two attacks by one group in one week stay apart when
    their sectors differ, their countries differ, or (same language) their words do.
    """
    joins, apart = _decisions(items, links)
    merger = _Merger(len(items), apart)
    for a, b in joins:
        merger.union(a, b, "analyst", force=True)
    span = window.total_seconds()
    normaliser = AliasNormaliser(aliases or {})
    sets = [set(normaliser.tokens(f"{i.title} {i.summary}")) for i in items]
    keyed = [" ".join(sorted(s)) for s in sets]  # what rapidfuzz compares
    _by_keys(items, merger)
    # a name most items give ("Japan", "Holdings") tells no victim from another
    found = [normaliser.names(i.title, i.summary) for i in items]
    written_inside = {n for inside, _first, _lead in found for n in inside}
    lower = {w for i in items for w in _LOWER_WORD.findall(f"{i.title} {i.summary}")}
    names = [inside | (first & written_inside) | (lead - lower) for inside, first, lead in found]
    name_df = Counter(n for kept in names for n in kept)
    common = max(3, len(items) // 200)
    # a place tells no victim from another: the items' targets already say where
    unplaced = {w for p in places for w in p.lower().split()}
    unplaced |= _NOT_VICTIMS
    names = [{n for n in kept if name_df[n] <= common and n not in unplaced} for kept in names]
    profiles = _Profiles(items, names)
    for n in range(len(items)):  # events already joined by address or identifier
        root = merger.find(n)
        if root != n:
            profiles.join(root, n, root)
    _by_actor(items, merger, keyed, profiles, span)
    _by_actor(items, merger, keyed, profiles, min(span, _METHOD_WINDOW), by_method=True)
    _by_text(items, merger, sets, keyed, profiles, span, threshold)
    groups: dict[int, Event] = {}
    for n, item in enumerate(items):
        groups.setdefault(merger.find(n), Event()).append(item)
    for root, event in groups.items():
        event.merged_on = tuple(sorted(merger.reasons.get(root, ())))
    return list(groups.values())


def _by_keys(items: Sequence[BriefItem], merger: _Merger) -> None:
    """Shared canonical addresses, links between feeds, advisory ids, CVEs with one actor."""
    index: dict[tuple[str, str], list[int]] = defaultdict(list)
    position = {item.id: n for n, item in enumerate(items)}
    # A feed that gives one address to many entries links to a listing page, not a story.
    listing = {u for u, c in Counter((i.feed_id, i.url) for i in items).items() if c > 1}

    def story_address(item: BriefItem) -> bool:
        # a listing page, or a site's home page, is not the address of one story
        return (
            bool(item.url)
            and (item.feed_id, item.url) not in listing
            and not (_HOME_PAGE.match(item.url))
        )

    for n, item in enumerate(items):
        if story_address(item):
            index[("address", item.url)].append(n)
            for other in item.linked:
                if other in position and story_address(items[position[other]]):
                    merger.union(n, position[other], "address")
        text = f"{item.title} {item.summary} {item.url}"
        for ident in {m.upper().replace("#", "") for m in _ADVISORY.findall(text)}:
            index[("advisory-id", ident)].append(n)
        for cve in {c.upper() for c in CVE_ID.findall(f"{item.title} {item.summary}")}:
            for actor in item.actors or ("",):
                index[("advisory-id", f"{cve}/{actor}")].append(n)
    for (reason, _key), members in index.items():
        if len(members) <= _MAX_BUCKET:
            for m in members[1:]:
                merger.union(members[0], m, reason)


class _Profiles:
    """What each event so far is known by: its feeds, the victims' names and countries. A
    merge that would join two events with different victims, or give one feed's two reports
    to one event, is refused for the whole event, not only for the pair (no chains)."""

    def __init__(self, items: Sequence[BriefItem], names: list[set[str]]) -> None:
        self.items = items
        self.names = names
        self.known: dict[int, tuple[set[str], set[str], set[str], set[str]]] = {}

    def of(self, root: int) -> tuple[set[str], set[str], set[str], set[str]]:
        found = self.known.get(root)
        if found is None:
            item = self.items[root]
            found = self.known[root] = (
                {item.feed_id},
                self.names[root],
                set(item.targets),
                {item.lang},
            )
        return found

    def apart(
        self, ra: int, rb: int, *, one_feed: bool, joint: bool = False, same_script: bool = False
    ) -> bool:
        """Whether the events at `ra` and `rb` are told apart. A `joint` release (two
        authorities' items within a day of each other) may name other countries: each
        co-signing agency names its own ("Japan among them", "including in the UK"). With
        `same_script`, victims' names tell events apart only where both are reported in one
        language: a Japanese report names 三菱UFJ銀行 where the English one says "banks"."""
        (feeds_a, names_a, targets_a, langs_a) = self.of(ra)
        (feeds_b, names_b, targets_b, langs_b) = self.of(rb)
        if one_feed and feeds_a & feeds_b:
            return True
        if not joint and targets_a and targets_b and not targets_a & targets_b:
            return True
        if same_script and not langs_a & langs_b:
            return False
        return bool(names_a and names_b and not names_a & names_b)

    def join(self, ra: int, rb: int, root: int) -> None:
        """`root` now stands for what `ra` and `rb` stood for (`rb` may be a member item)."""
        a, b = self.of(ra), self.of(rb)
        self.known.pop(ra, None)
        self.known.pop(rb, None)
        self.known[root] = (a[0] | b[0], a[1] | b[1], a[2] | b[2], a[3] | b[3])


def _by_actor(
    items: Sequence[BriefItem],
    merger: _Merger,
    keyed: list[str],
    profiles: _Profiles,
    span: float,
    *,
    by_method: bool = False,
) -> None:
    """The same group against the same sector (or, with no sector, the same country) within
    the window, unless something tells the two apart (`_Profiles.apart`: other countries,
    other victims named, two reports from one feed) or, in one language, their words barely
    overlap. Two attacks by one group in one week stay two stories.

    `by_method` reads the same rule for items that name no group and no state: the same
    method (a DDoS, ransomware, phishing) against the same sector in the same country, so that a
    victim's own notice and a report in another language are one event."""
    buckets: dict[tuple[str, str], list[int]] = defaultdict(list)
    for n, item in enumerate(items):
        if by_method:
            if item.actors or item.actor_sets or not item.targets:
                continue
            text = f"{item.title} {item.summary}"
            actors = [m for m, pattern in _METHODS.items() if pattern.search(text)]
            # and by country alone when one of the two names no sector ("state portal")
            victims = [f"s:{x}/{t}" for x in item.sectors for t in item.targets]
            victims += [f"c:{t}" for t in item.targets]
        else:
            actors = list(item.actors)
            victims = [f"s:{x}" for x in item.sectors] or [f"c:{t}" for t in item.targets]
        for actor in actors:
            for victim in victims:
                buckets[(actor, victim)].append(n)
    reason = "method+victim+window" if by_method else "actor+victim+window"
    when = [_when(i) for i in items]
    for (_actor, victim), members in buckets.items():
        if len(members) < 2:
            continue
        members.sort(key=when.__getitem__)
        by_country = by_method and victim.startswith("c:")
        for j, b in enumerate(members):
            for a in reversed(members[max(0, j - _MAX_BUCKET) : j]):
                if when[b] - when[a] > span:
                    break
                if by_country and items[a].sectors and items[b].sectors:
                    continue  # two named sectors met in their own bucket already
                ra, rb = merger.find(a), merger.find(b)
                joint = (
                    when[b] - when[a] <= _JOINT_RELEASE
                    and items[a].kind in _AUTHORITIES
                    and items[b].kind in _AUTHORITIES
                )
                if ra == rb or profiles.apart(
                    ra, rb, one_feed=True, joint=joint, same_script=by_method
                ):
                    continue
                if items[a].lang == items[b].lang and not fuzz.ratio(
                    keyed[a], keyed[b], score_cutoff=VETO_THRESHOLD
                ):
                    continue
                if merger.union(a, b, reason):
                    profiles.join(ra, rb, merger.find(a))
                    break


def _by_text(
    items: Sequence[BriefItem],
    merger: _Merger,
    sets: list[set[str]],
    keyed: list[str],
    profiles: _Profiles,
    span: float,
    threshold: float,
) -> None:
    """Near-duplicate title and summary: each item is compared with the items that share one
    of its rarest tokens (a prefix filter), within the window."""
    df: Counter[str] = Counter(tok for s in sets for tok in s)
    postings: dict[str, list[int]] = defaultdict(list)
    for n, s in enumerate(sets):
        rare = sorted((df[t], t) for t in s if 1 < df[t] <= _MAX_POSTING)[:_INDEX_TOKENS]
        for _count, tok in rare:
            postings[tok].append(n)
    when = [_when(i) for i in items]
    for members in postings.values():
        if len(members) < 2:
            continue
        members.sort(key=when.__getitem__)
        for j, b in enumerate(members):
            for a in reversed(members[:j]):
                if when[b] - when[a] > span:
                    break
                if merger.find(a) == merger.find(b) or len(sets[a] & sets[b]) < _MIN_SHARED:
                    continue
                ra, rb = merger.find(a), merger.find(b)
                if profiles.apart(ra, rb, one_feed=False):
                    continue
                if fuzz.ratio(keyed[a], keyed[b], score_cutoff=threshold) and merger.union(
                    a, b, "text"
                ):
                    profiles.join(ra, rb, merger.find(a))


def first_sentence(text: str) -> str:
    """The first sentence: up to 。 or to . ! ? before a capital ("2020. aasta" goes on)."""
    match = re.match(r"(.+?(?:。|[.!?](?=\s+[A-Z\u00c0-\u00de\u0100-\u024f]|\s*$)))", text.strip())
    return (match.group(1) if match else text.strip())[:400]


_LAST = datetime.max.replace(tzinfo=UTC)


def make_story(
    members: list[BriefItem], partners: Sequence[str], since: datetime | None = None
) -> Story:
    """One event's story: its lead item (most authoritative, then earliest), combined labels,
    every source and its rank. `members` may be an `Event`, whose `merged_on` it keeps. With
    `since` (the period's start), activity dated inside the period is never historical."""
    merged_on = list(getattr(members, "merged_on", ()))
    members = sorted(
        members,
        # an undated item sorts last; the sentinel is aware, as every stored date is, so an
        # undated entry beside a dated one can never stop a brief on a TypeError
        # ties go to the brief's language, then to the id: the same lead in every run
        key=lambda i: (
            -AUTHORITY.get(i.kind, AUTHORITY["unknown"]),
            i.published_at or _LAST,
            i.lang != "en",
            i.id,
        ),
    )
    lead = members[0]

    def union(attr: str) -> list[str]:
        return sorted({v for i in members for v in getattr(i, attr)})

    targets = union("targets")
    corroboration = len({i.feed_id for i in members})
    authority = max(AUTHORITY.get(i.kind, AUTHORITY["unknown"]) for i in members)
    confidence = max((i.confidence for i in members), default=0.0)
    relevance = sum(1.0 for p in partners if p in targets)
    relevance += 0.5 * any(i.lang == PARTNER_LANGUAGES.get(p) for p in partners for i in members)
    score = corroboration + authority + confidence + 1.5 * relevance
    dates = [i.published_at for i in members if i.published_at]
    return Story(
        id=lead.id,
        title=lead.title,
        summary=lead.summary,
        items=members,
        actor_sets=union("actor_sets"),
        actors=union("actors"),
        sectors=union("sectors"),
        targets=targets,
        publishers=sorted({i.publisher for i in members}),
        score=round(score, 3),
        confidence=confidence,
        first_seen=min(dates) if dates else None,
        merged_on=merged_on,
        historical=all(is_historical(i, since) for i in members),
        quarantined=any(i.quarantined for i in members),
    )
