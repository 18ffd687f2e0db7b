# SPDX-License-Identifier: Apache-2.0
"""Attribute an item to actor sets, actors, sectors and target countries, with evidence.

Text in, `Tagging` out; pure. One Aho-Corasick pass per field finds every lexicon term; rules
then decide what each hit means. Attribution follows the sources' own words:
- a group alias is strong evidence for the group and its state;
- a state cue counts only in an attributive construction ("Chinese state-sponsored actors",
  "hackers linked to North Korea", "北朝鮮のハッカー集団", "Venemaa sõjaväeluure");
- a bare country is the victim or the setting, never the actor ("a Russian bank was hit");
- criminal and hacktivist groups are recorded as actors with no actor set;
- hedged wording ("suspected", "likely", "〜か") keeps the tag with lower confidence.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ..models import Evidence, Tagging
from .lexicon import LOCAL_FILE, Lexicon, Term, fold, load_lexicon
from .normalise import Normalised, normalise

__all__ = ["Tagger"]

STRONG, ALIAS, FAMILY, SECTOR, HEDGED = 0.9, 0.95, 0.8, 0.8, 0.6
WINDOW = 80
# A sentence ends at . ! ? followed by a space, but not after an initial ("U.S.", "e.g.").
_SENTENCE_END = re.compile(r"(?<![\s.][a-z])(?<!^[a-z])[.!?](?=\s|$)\s*|[。！？\n]\s*|;\s")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_LATIN_CHAR = re.compile(r"[A-Za-z0-9\u00c0-\u024f]")
_CONTEXT = re.compile(
    r"(?i)\b(group|actor|actors|apt|hackers?|threat|campaign|espionage|"
    r"malware|intrusion|cyber|attack|attacks|backdoor|phishing)\b|グループ|集団|攻撃"
)
# Microsoft's family names carry the state; CrowdStrike's "Chollima" is unambiguous too.
_FAMILY = {
    "typhoon": "china",
    "blizzard": "russia",
    "sleet": "north-korea",
    "sandstorm": "iran",
    "chollima": "north-korea",
}
_FAMILY_RE = re.compile(r"\b([A-Z][a-z]{2,14}) (Typhoon|Blizzard|Sleet|Sandstorm|Chollima)\b")
_WEATHER = frozenset(
    {
        "Super",
        "Tropical",
        "Severe",
        "Heavy",
        "Strong",
        "Powerful",
        "Deadly",
        "Major",
        "Massive",
        "Snow",
        "Winter",
        "Freezing",
        "Light",
        "Big",
        "Great",
        "Last",
        "This",
        "That",
        "The",
        "Desert",
        "Dust",
        "Sand",
        "Spring",
        "Summer",
        "Autumn",
        "Violent",
        "Category",
        "Monster",
        "Fierce",
        "Next",
        "First",
    }
)


def _word(word: str) -> str:
    """A regex for one lexicon word; a trailing `*` marks a stem that takes any ending."""
    return re.escape(word[:-1]) + r"\w*" if word.endswith("*") else re.escape(word)


def _alternation(words: Iterable[str]) -> str:
    ordered = sorted({fold(w) for w in words if w}, key=len, reverse=True)
    return "|".join(_word(w) for w in ordered)


@dataclass
class _Hit:
    term: Term
    start: int
    end: int


@dataclass
class _Field:
    """One field as the rules see it: `text` is the normalised text (`low` its folded form),
    and every offset the rules use is into it; `span()` maps one back to `original`."""

    name: str
    original: str
    normal: Normalised
    low: str
    hits: list[_Hit] = field(default_factory=list)
    marks: dict[str, list[int]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.normal.text

    def quote(self, start: int, end: int) -> tuple[str, int, int]:
        """The original text behind `text[start:end]`, with its offsets in the original."""
        s, e = self.normal.span(start, end)
        return self.original[s:e], s, e

    @cached_property
    def _bounds(self) -> tuple[list[int], list[int]]:
        """Start of every sentence, and end of every sentence, in order."""
        starts, ends = [0], []
        for m in _SENTENCE_END.finditer(self.low):
            ends.append(m.start())
            starts.append(m.end())
        ends.append(len(self.low))
        return starts, ends

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        starts, ends = self._bounds
        i = max(bisect.bisect_right(starts, start) - 1, 0)
        j = min(max(bisect.bisect_left(ends, end), i), len(ends) - 1)
        return starts[i], ends[j]


class Tagger:
    """Compiled rules over a `Lexicon`; `tag()` is safe to call from many threads."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        # the override folders of a `default()` tagger, so that worker processes can build
        # the same one (the automata cannot be pickled); None for any other tagger
        self.sources: tuple[Path, ...] | None = None
        self._iso_state = {str(v.get("iso")): k for k, v in lexicon.states.items() if v.get("iso")}
        g = lexicon.grammar
        en, ja, et = g.get("en", {}), g.get("ja", {}), g.get("et", {})
        nouns = _alternation(en.get("actor_nouns", []))
        fillers = _alternation(en.get("fillers", []))
        self._criminal = re.compile(rf"\b(?:{_alternation(en.get('criminal', []))})\b")
        self._en_noun_after = re.compile(
            rf"^(?:['’]s)?\s*(?:(?:{fillers})[\s-]+){{0,3}}(?:{nouns})\b"
        )
        self._en_compound = re.compile(rf"^(?:{_alternation(en.get('compound_suffixes', []))})\b")
        self._en_noun_before = re.compile(rf"\b(?:{nouns})\b")
        links = _alternation(en.get("links", []))
        self._en_link_before = re.compile(rf"\b(?:{links})\s+(?:the\s+)?(?:government\s+of\s+)?$")
        self._en_near_link = re.compile(r"\b(?:from|based in|operating from|in)\s+(?:the\s+)?$")
        self._en_attributed_to = re.compile(r"\battribut\w*\b[^.;]{0,80}\bto\s+(?:the\s+)?$")
        self._en_blame_before = re.compile(
            rf"\b(?:{_alternation(en.get('blame', []))})\s+(?:the\s+)?$"
        )
        self._en_blame_after = re.compile(r"^(?:['’]s\b|\s+(?:for|of|over|with)\b)")
        self._blockers_before = tuple(fold(b) for b in en.get("blockers_before", []))
        self._blockers_after = tuple(fold(b) for b in en.get("blockers_after", []))
        self._event = re.compile(
            r"\b(?:attack|attacks|cyberattacks?|intrusions?|campaigns?|breach|hack|hacking|"
            r"operations?|activity|compromise|theft|heist|malware|espionage|incident|"
            r"exploitation|spying)\b"
        )
        particles, ja_nouns = (
            _alternation(ja.get("particles", [])),
            _alternation(ja.get("nouns", [])),
        )
        self._ja_after = re.compile(rf"^(?:{particles})?\s?(?:{ja_nouns})")
        self._ja_standalone = re.compile(rf"^(?:{_alternation(ja.get('standalone_suffixes', []))})")
        self._et_after = re.compile(
            rf"^(?:\s+(?!vastu\b)[\w-]+){{0,4}}?\s+(?:{_alternation(et.get('nouns', []))})"
            rf"|^(?:{_alternation(et.get('links', []))})"
        )
        self._et_links = re.compile(r"^\s*(?:seotud|seostatud|toetatud|poolt toetatud)\b")
        self._et_blame = re.compile(rf"\b(?:{_alternation(et.get('blame', []))})\b")
        fr = g.get("fr", {})
        self._fr_noun_before = re.compile(
            rf"\b(?:{_alternation(fr.get('nouns_before', []))})(?:\s+informatiques)?\s+$"
        )
        self._fr_link_before = re.compile(
            rf"\b(?:{_alternation(fr.get('links', []))})\s+(?:la\s+|le\s+|l['’])?$"
        )
        verbs = _alternation(en.get("subject_verbs", []))
        self._en_subject = re.compile(
            rf"^\s+(?:(?:is|are|was|were|has|have|had|likely|likely to|allegedly|reportedly|"
            rf"probably|also|again|now|repeatedly|increasingly|then)\s+){{0,3}}(?:{verbs})\b"
        )
        self._coordination = re.compile(
            r"^\s*(?:,\s*(?:and\s+|or\s+)?|and|or|&|/|と|や|ja|ning)\s*$"
        )

    @cached_property
    def version(self) -> str:
        return self.lexicon.version

    @classmethod
    def default(cls, overrides: Sequence[Path] = ()) -> Tagger:
        """A tagger over the packaged lexicon plus local overrides (cached per override set)."""
        stamps = []
        for folder in overrides:  # a changed override file must give a new tagger
            local = folder / LOCAL_FILE
            stamps.append((folder, local.stat().st_mtime_ns if local.exists() else 0))
        return _default_tagger(tuple(stamps))

    # ----------------------------------------------------------------- matching
    def _scan(self, name: str, text: str) -> _Field:
        normal = normalise(text)
        f = _Field(name, text, normal, fold(normal.text))
        lex = self.lexicon
        for index, start, end in _matches(f.low, lex.automaton, lex.latin):
            for term in lex.terms[index]:
                f.hits.append(_Hit(term, start, end))
        for index, start, _end in _matches(f.low, lex.cue_automaton, lex.cue_latin):
            for kind in lex.cue_kinds[index]:
                f.marks.setdefault(kind, []).append(start)
        return f

    # ----------------------------------------------------------------- rules
    def _hedged(self, f: _Field, start: int, end: int) -> bool:
        return self._in_sentence(f, "hedge", start, end)

    @staticmethod
    def _in_sentence(f: _Field, kind: str, start: int, end: int) -> bool:
        """Whether a cue word of `kind` (targeting, hedge) occurs in the sentence around a hit."""
        left, right = f.sentence(start, end)
        return _any_between(f.marks.get(kind, ()), left, right)

    def _negated(self, f: _Field, start: int) -> bool:
        """A negation shortly before the hit, in its sentence ("previously attributed to")."""
        left, _ = f.sentence(start, start)
        return _any_between(f.marks.get("negation", ()), max(left, start - 120), start)

    def _state_rule(self, f: _Field, hit: _Hit, alias_spans: Sequence[tuple[int, int]]) -> str:
        """The rule that makes this state cue attributive here, or "" if it is not."""
        role, low, s, e = hit.term.role, f.low, hit.start, hit.end
        before, after = low[max(0, s - WINDOW) : s], low[e : e + WINDOW]
        if before.endswith(self._blockers_before) or after.startswith(self._blockers_after):
            return ""
        if self._negated(f, s):
            return ""
        if role == "services":
            return "state-service"
        if _CJK.search(hit.term.original):
            if (
                self._ja_after.match(after)
                or self._ja_standalone.match(after)
                or hit.term.original.endswith("系")
            ):
                return "ja-attributive"
            return ""
        if self._et_after.match(after) or self._et_links.match(after):
            return "et-attributive" if not self._criminal.match(after.strip()) else ""
        sentence_start, _ = f.sentence(s, e)
        lead = low[sentence_start:s]
        if role == "weak_services":
            if (
                self._en_noun_after.match(after)
                or after.startswith(("-linked", "-backed"))
                or self._en_link_before.search(lead)
                or re.search(r"['’]s\s+$", lead)
            ):
                return "state-service-attributive"
            return ""
        noun = self._en_noun_after.match(after)
        if noun and not self._criminal.search(after[: noun.end() + 1]):
            if not self._criminal.match(after[noun.end() :].strip()):
                return "state-adjective" if role == "adjectives" else "state-possessive"
        compound = "-" in hit.term.original or self._en_compound.match(after)
        if compound and not self._criminal.match(
            after.lstrip("- ").split(" ", 1)[-1]
            if self._en_compound.match(after)
            else after.strip()
        ):
            if role == "adjectives" or self._en_compound.match(after):
                return "state-compound"
        if role not in ("names", "adjectives"):
            return ""
        if role == "adjectives" and self._fr_noun_before.search(lead):
            return "fr-attributive"
        if (
            role == "names"
            and self._fr_link_before.search(lead)
            and re.search(r"\b(?:exploit\w*|attaqu\w*|pirat\w*|cyber\w*|espionn\w*|campagne)", lead)
        ):
            return "fr-link"
        context = bool(
            self._en_noun_before.search(lead)
            or self._event.search(lead)
            or any(a < s and a >= sentence_start for a, _ in alias_spans)
        )
        if self._en_link_before.search(lead) and context:
            near = self._en_near_link.search(lead)
            if not near or re.search(
                rf"(?:{self._en_noun_before.pattern})\s+\S*\s*$", lead[: near.start()]
            ):
                return "state-link"
        if self._en_attributed_to.search(lead):
            return "state-attributed"
        if self._en_blame_before.search(lead) and self._en_blame_after.match(after):
            return "state-blame"
        if self._et_blame.search(lead):
            return "et-attributive"
        return ""

    def _coordinate(self, f: _Field, hits: list[_Hit], rules: list[str]) -> list[str]:
        """Share attribution across coordinated states ("Russian and North Korean hackers",
        "Russia, Iran and China are likely to interfere") and apply the subject rule."""
        chains: list[list[int]] = []
        for i, hit in enumerate(hits):
            prev = hits[i - 1] if i else None
            joined = prev is not None and self._coordination.match(f.low[prev.end : hit.start])
            if joined and chains:
                chains[-1].append(i)
            else:
                chains.append([i])
        out = list(rules)
        for chain in chains:
            people = [i for i in chain if hits[i].term.role in ("names", "adjectives")]
            if not people:
                continue
            last = hits[chain[-1]]
            if (
                last.term.role == "names"
                and not any(out[i] for i in people)
                and not self._negated(f, hits[chain[0]].start)
                and self._en_subject.match(f.low[last.end : last.end + WINDOW])
            ):
                for i in people:
                    out[i] = "state-subject"
            found = next((out[i] for i in people if out[i]), "")
            if found and len(people) > 1:
                for i in people:
                    out[i] = out[i] or found.removesuffix("-coordinated") + "-coordinated"
        return out

    def _ambiguous_ok(self, f: _Field, hit: _Hit) -> bool:
        original = f.text[hit.start : hit.end]
        if original != hit.term.original and original.lower() != original:
            return original[0].isupper() and original.lower() == hit.term.original.lower()
        if original != hit.term.original:
            return False
        window = f.text[max(0, hit.start - WINDOW) : hit.end + WINDOW]
        return bool(_CONTEXT.search(window))

    # ----------------------------------------------------------------- entry point
    def tag(self, fields: Sequence[tuple[str, str]]) -> Tagging:
        """Tag an item given as (field name, text) pairs, e.g. title and summary."""
        evidence: list[Evidence] = []
        seen: set[tuple[str, str, str]] = set()

        def add(kind: str, label: str, f: _Field, s: int, e: int, rule: str, conf: float) -> None:
            # a state named by the text itself is kept beside the state a group alias implies:
            # the export writes `attributed-to` only where the source said so
            cue = kind == "actor_set" and not rule.startswith("alias")
            key = (kind, label, f.name + ("#cue" if cue else ""))
            if key in seen:
                return
            seen.add(key)
            quoted, start, end = f.quote(s, e)
            evidence.append(Evidence(kind, label, quoted, f.name, start, end, rule, conf))

        lex = self.lexicon
        for name, text in fields:
            if not text:
                continue
            f = self._scan(name, text[:1_000_000])
            alias_spans = []
            # (state, sentence start) of every attribution: that state is the actor there,
            # so the same sentence naming its country does not make it a target
            attributed: set[tuple[str | None, int]] = set()
            for hit in f.hits:
                if hit.term.kind != "alias":
                    continue
                if hit.term.ambiguous and not self._ambiguous_ok(f, hit):
                    continue
                actor = lex.actors[hit.term.value]
                if ("actor", actor.name, f.name) in seen:
                    alias_spans.append((hit.start, hit.end))
                    continue
                hedged = self._hedged(f, hit.start, hit.end)
                conf = HEDGED + 0.1 if hedged else ALIAS
                alias_spans.append((hit.start, hit.end))
                add("actor", actor.name, f, hit.start, hit.end, "alias", conf)
                if actor.state:
                    attributed.add((actor.state, f.sentence(hit.start, hit.end)[0]))
                    add(
                        "actor_set",
                        actor.state,
                        f,
                        hit.start,
                        hit.end,
                        "alias" + ("-hedged" if hedged else ""),
                        conf,
                    )
            for m in _FAMILY_RE.finditer(f.text):
                if m.group(1) in _WEATHER or not _CONTEXT.search(f.text):
                    continue
                if any(s <= m.start() < e for s, e in alias_spans):
                    continue
                state = _FAMILY[m.group(2).lower()]
                hedged = self._hedged(f, m.start(), m.end())
                add("actor", m.group(0), f, m.start(), m.end(), "alias-family", FAMILY)
                add(
                    "actor_set",
                    state,
                    f,
                    m.start(),
                    m.end(),
                    "alias-family" + ("-hedged" if hedged else ""),
                    HEDGED if hedged else FAMILY,
                )
            state_hits = [h for h in f.hits if h.term.kind == "state"]
            rules = self._coordinate(
                f, state_hits, [self._state_rule(f, h, alias_spans) for h in state_hits]
            )
            for hit, rule in zip(state_hits, rules, strict=True):
                if rule:
                    hedged = self._hedged(f, hit.start, hit.end)
                    attributed.add((hit.term.value, f.sentence(hit.start, hit.end)[0]))
                    add(
                        "actor_set",
                        hit.term.value,
                        f,
                        hit.start,
                        hit.end,
                        rule + ("-hedged" if hedged else ""),
                        HEDGED if hedged else STRONG,
                    )
            for hit in f.hits:
                if hit.term.kind not in ("sector", "country"):
                    continue
                kind = "sector" if hit.term.kind == "sector" else "target"
                if (kind, hit.term.value, f.name) in seen:
                    continue  # one piece of evidence per label and field is enough
                left, _ = f.sentence(hit.start, hit.end)
                if not self._in_sentence(f, "targeting", hit.start, hit.end):
                    continue
                if hit.term.kind == "sector":
                    add("sector", hit.term.value, f, hit.start, hit.end, "sector-targeted", SECTOR)
                elif (
                    self._iso_state.get(hit.term.value),
                    left,
                ) not in attributed and not self._is_reporter(f, hit):
                    add("target", hit.term.value, f, hit.start, hit.end, "country-targeted", SECTOR)
        return self._finish(evidence)

    _REPORTER = re.compile(
        r"^(?:['’]s)?\s*(?:national police|police|npa|nisc|government said|"
        r"authorities|intelligence|foreign ministry|ministry of foreign|"
        r"ncsc|cisa|fbi|nsa|asd|agency|agencies said|partners|and international)"
    )

    def _is_reporter(self, f: _Field, hit: _Hit) -> bool:
        """A country named as the one reporting ("Japan's National Police Agency said") or as
        a stance or language ("pro-Russian", "Russian-speaking"), not as a target."""
        before, after = f.low[max(0, hit.start - 5) : hit.start], f.low[hit.end : hit.end + 40]
        return bool(
            self._REPORTER.match(after)
            or before.endswith(self._blockers_before)
            or after.startswith((*self._blockers_after, " new year"))
        )

    def _finish(self, evidence: list[Evidence]) -> Tagging:
        def labels(kind: str) -> tuple[str, ...]:
            return tuple(sorted({e.label for e in evidence if e.kind == kind}))

        return Tagging(
            labels("actor_set"),
            labels("actor"),
            labels("sector"),
            labels("target"),
            tuple(evidence),
            self.lexicon.version,
        )


def _matches(
    low: str, automaton: Any, edges: list[tuple[bool, bool]]
) -> Iterator[tuple[int, int, int]]:
    """Automaton matches whose Latin ends are not glued to other Latin letters or digits
    (Python's \\b would count kana as word characters, so "Lazarusが" must pass here)."""
    for index, start, end in automaton.find_matches_as_indexes(low, overlapping=False):
        left, right = edges[index]
        if left and start > 0 and _LATIN_CHAR.match(low[start - 1]):
            continue
        if right and end < len(low) and _LATIN_CHAR.match(low[end]):
            continue
        yield index, start, end


def _any_between(positions: Sequence[int], low: int, high: int) -> bool:
    i = bisect.bisect_left(positions, low)
    return i < len(positions) and positions[i] < high


@functools.lru_cache(maxsize=4)
def _default_tagger(overrides: tuple[tuple[Path, int], ...]) -> Tagger:
    folders = tuple(folder for folder, _ in overrides)
    tagger = Tagger(load_lexicon(folders))
    tagger.sources = folders
    return tagger
