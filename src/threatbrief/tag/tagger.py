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
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path

from ..models import Evidence, Tagging
from .fields import Field, Hit, any_between, matches, word_end
from .lexicon import LOCAL_FILE, Lexicon, fold, load_lexicon
from .normalise import normalise
from .roles import (
    ACTOR_ROLES,
    ATTRIBUTION_KINDS,
    COORDINATION,
    RoleRules,
    alternation,
    ordered_alternation,
    spread,
)
from .victims import VictimRules

__all__ = ["Tagger"]

STRONG, ALIAS, FAMILY, SECTOR, HEDGED = 0.9, 0.95, 0.8, 0.8, 0.6
WINDOW = 80
# A sentence ends at . ! ? followed by a space, but not after an initial ("U.S.", "e.g.").
_CONTEXT = re.compile(
    r"(?i)\b(group|actor|actors|apt|hackers?|threat|campaign|espionage|"
    r"malware|intrusion|cyber|attack|attacks|backdoor|phishing)\b|グループ|集団|攻撃|標的型|"
    r"ハッカー|マルウェア|サイバー|スパイ|不正アクセス"
)
# Microsoft's family names carry the state; CrowdStrike's "Chollima" is unambiguous too.
_FAMILY = {
    "typhoon": "china",
    "blizzard": "russia",
    "sleet": "north-korea",
    "sandstorm": "iran",
    "chollima": "north-korea",
}
# `\b[A-Z]` written as `[A-Z](?<!\w[A-Z])`: a pattern that opens with a character class lets
# the regex engine skip to the next capital instead of trying `\b` at every position
_FAMILY_RE = re.compile(
    r"([A-Z](?<!\w[A-Z])[a-z]{2,14}) (Typhoon|Blizzard|Sleet|Sandstorm|Chollima)\b"
)
# the family words as written: a field with none of them needs no search for a family name
_FAMILY_WORDS = tuple(word.capitalize() for word in _FAMILY)
# capitalised words before a family name that make it weather, not a group ("Super Typhoon")
_WEATHER = frozenset(
    "Super Tropical Severe Heavy Strong Powerful Deadly Major Massive Snow Winter Freezing Light "
    "Big Great Last This That The Desert Dust Sand Spring Summer Autumn Violent Category Monster "
    "Fierce Next First".split()
)


# "<state>[ending] <word> vastu": against the state's things (Vene pankade vastu)
_ET_AGAINST = re.compile(r"^\w*(?:\s+[\w-]+)?\s+vastu\b")


def _alternation(words: Iterable[str]) -> str:
    return alternation(words, empty="")


class Tagger:
    """Compiled rules over a `Lexicon`; `tag()` is safe to call from many threads."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        # the override folders of a `default()` tagger, so that worker processes can build
        # the same one (the automata cannot be pickled); None for any other tagger
        self.sources: tuple[Path, ...] | None = None
        self._iso_state = {str(v.get("iso")): k for k, v in lexicon.states.items() if v.get("iso")}
        self._state_iso = {v: k for k, v in self._iso_state.items()}
        self.roles = RoleRules(lexicon.grammar, lexicon.states)
        self.victims = VictimRules(lexicon, self.roles)
        g = lexicon.grammar
        en, ja, et = g.get("en", {}), g.get("ja", {}), g.get("et", {})
        nouns = _alternation(en.get("actor_nouns", []))
        self._criminal = re.compile(rf"\b(?:{_alternation(en.get('criminal', []))})\b")
        # its match end is used, so the longest noun must win
        longest_fillers = ordered_alternation(en.get("fillers", []), empty="")
        longest_nouns = ordered_alternation(en.get("actor_nouns", []), empty="")
        self._en_noun_after = re.compile(
            rf"^(?:['’]s)?\s*(?:(?:{longest_fillers})[\s-]+){{0,3}}(?:{longest_nouns})\b"
        )
        self._en_compound = re.compile(rf"^(?:{_alternation(en.get('compound_suffixes', []))})\b")
        self._en_noun_before = re.compile(rf"\b(?:{nouns})\b")
        links = _alternation(en.get("links", []))
        self._en_link_before = re.compile(
            rf"\b(?:{links})\s+(?:the\s+)?(?:governments?\s+of\s+)?"
            r"(?:(?:countries|states|nations|regimes)\s+(?:like|such as|including)\s+)?$"
        )
        self._en_group_before = re.compile(r"\b(?:group|groups|crew|crews)\b")
        # a bare "from"/"in" needs the actor right before it; "originated in" is a link itself
        self._en_near_link = re.compile(
            r"\b(?<!originated )(?<!originating )(?:from|based in|operating from|in)\s+(?:the\s+)?$"
        )
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
        # "links a series of attacks on Czech institutions to Beijing": a verb of tying with
        # the act as its object (so "organisations linked to Ukraine" is no attribution)
        self._en_tied_to = re.compile(
            r"\b(?:link|links|linked|linking|tie|ties|tied|tying|trace|traces|traced|tracing|"
            r"connect|connects|connected|connecting)\s+[^.;]{0,60}?"
            rf"{self._event.pattern}[^.;]{{0,50}}\bto\s+(?:the\s+)?$"
        )
        # "hackers from Russia", "attacks came from Russia": a from/in link needs the actor or
        # the act right before it ("banks in Russia" is a place)
        self._en_near_actor = re.compile(
            rf"(?:{self._en_noun_before.pattern}|{self._event.pattern})\s+\S*\s*$"
        )
        # a state form that ends in の (イランの) has taken the particle's first character
        ja_links = [str(p) for p in ja.get("particles", [])]
        ja_links += [p[1:] for p in ja_links if p.startswith("の") and len(p) > 2]
        particles, ja_nouns = _alternation(ja_links), _alternation(ja.get("nouns", []))
        # the source's hedge may stand between the link and the noun:
        # 中国政府の支援を受けたとみられるハッカー
        ja_hedged = _alternation(ja.get("hedges_between", []))
        self._ja_after = re.compile(rf"^(?:{particles})?(?:{ja_hedged})?\s?(?:{ja_nouns})")
        self._ja_standalone = re.compile(rf"^(?:{_alternation(ja.get('standalone_suffixes', []))})")
        self._et_after = re.compile(
            rf"^(?:\s+(?!vastu\b)[\w-]+){{0,4}}?\s+(?:{_alternation(et.get('nouns', []))})"
            rf"|^(?:{_alternation(et.get('links', []))})"
        )
        self._et_links = re.compile(r"^\s*(?:seotud|seostatud|toetatud|poolt toetatud)\b")
        self._et_subject = re.compile(
            r"^\s+(?:(?:on|oli|olid|ka|taas|jälle)\s+)?"
            rf"(?:{_alternation(et.get('subject_verbs', []))})\b"
        )
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
            # a state that launches a missile or an offensive is at war, not in a network
            rf"(?!\s+(?:[\w-]+\s+){{0,2}}(?:{_alternation(en.get('kinetic_objects', []))})\b)"
        )
        # "a government-backed actor in Russia": people (not acts, not criminals) placed in a
        # state; "attacks in Russia" and "gangs in Russia" are places
        criminal = {fold(str(w)) for w in en.get("criminal", [])}
        people = [w for w in en.get("origin_nouns", []) if fold(str(w)) not in criminal]
        self._en_people_in = re.compile(
            rf"\b(?:{_alternation(people)})\s+(?:based\s+)?in\s+(?:the\s+)?$"
        )
        self._coordination = COORDINATION
        self._en_origin = re.compile(
            rf"^(?:['’]s)?\s*(?:(?:{longest_fillers}|ransomware|criminal)[\s-]+){{0,3}}"
            rf"(?:{_alternation(en.get('origin_nouns', []))})\b"
        )
        ja_origin = _alternation(ja.get("origin_nouns", []))
        self._ja_origin = re.compile(rf"^(?:の|系の|系)?[^\s、。をがはにへ]{{0,4}}?(?:{ja_origin})")
        self._et_origin = re.compile(rf"^\s+(?:{_alternation(et.get('origin_nouns', []))})")

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
    def _scan(self, name: str, text: str) -> Field:
        normal = normalise(text)
        low = fold(normal.text)
        lex, terms = self.lexicon, self.lexicon.terms
        hits = [
            Hit(term, start, end)
            for index, start, end in matches(low, lex.automaton, lex.latin)
            for term in terms[index]
        ]
        marks: dict[str, list[int]] = {}
        mark_ends: dict[str, list[int]] = {}
        for index, start, end in matches(low, lex.cue_automaton, lex.cue_latin):
            for kind in lex.cue_kinds[index]:
                marks.setdefault(kind, []).append(start)
                mark_ends.setdefault(kind, []).append(end)
        return Field(name, text, normal, low, hits, marks, mark_ends)

    # ----------------------------------------------------------------- rules
    def _hedged(self, f: Field, start: int, end: int) -> bool:
        return self._in_sentence(f, "hedge", start, end)

    @staticmethod
    def _in_sentence(f: Field, kind: str, start: int, end: int) -> bool:
        """Whether a cue word of `kind` (targeting, hedge) occurs in the sentence around a hit."""
        positions = f.marks.get(kind)
        if not positions:  # no such cue in the field: no sentence to find
            return False
        left, right = f.sentence(start, end)
        return any_between(positions, left, right)

    def _negated(self, f: Field, start: int) -> bool:
        """A negation shortly before the hit, in its sentence ("previously attributed to")."""
        positions = f.marks.get("negation")
        if not positions:  # most fields negate nothing
            return False
        left, _ = f.sentence(start, start)
        return any_between(positions, max(left, start - 120), start)

    def _state_rule(self, f: Field, hit: Hit, alias_spans: Sequence[tuple[int, int]]) -> str:
        """The rule that makes this state cue attributive here, or "" if it is not: the
        constructions next to the hit first, then those of the clause (`roles.py`)."""
        role, low, s, e = hit.term.role, f.low, hit.start, hit.end
        before, after = low[max(0, s - WINDOW) : s], low[e : e + WINDOW]
        if before.endswith(self._blockers_before) or after.startswith(self._blockers_after):
            return ""
        if self._negated(f, s):
            return ""
        if role == "weak_services" and self.roles.speaks(after):
            return ""  # "Russia's FSB said it had uncovered …": the organ speaks
        near = self._near_rule(f, hit, alias_spans, after)
        if near or hit.term.cjk:
            return near if near != "victim" else ""
        if role == "services":
            return ""
        lead = low[f.sentence(s, e)[0] : s][-160:]
        return self.roles.actor_rule(role, lead, after)

    def _near_rule(
        self, f: Field, hit: Hit, alias_spans: Sequence[tuple[int, int]], after: str
    ) -> str:
        role, low, s, e = hit.term.role, f.low, hit.start, hit.end
        if role == "services":
            return "state-service"
        if hit.term.cjk:
            if (
                self._ja_after.match(after)
                or self._ja_standalone.match(after)
                or hit.term.original.endswith("系")
            ):
                return "ja-attributive"
            return ""
        nominative = low[s:e] == hit.term.folded
        if nominative and self._et_subject.match(after):  # "Põhja-Korea varastas …"
            return "et-subject"
        if nominative and self.roles.et_accuser(after):  # "Venemaa süüdistas Eestit …"
            return ""
        if self._et_after.match(after) or self._et_links.match(after):
            return "et-attributive" if not self._criminal.match(after.strip()) else ""
        sentence_start, _ = f.sentence(s, e)
        lead = low[sentence_start:s]
        # the patterns that end at the hit need only the lead's tail (the longest link with
        # "the governments of countries such as" is under 70 characters)
        tail = lead[-100:]
        if role == "weak_services":
            if (
                self._en_noun_after.match(after)
                or after.startswith(("-linked", "-backed"))
                or self._en_link_before.search(tail)
                or re.search(r"['’]s\s+$", tail)
            ):
                return "state-service-attributive"
            return ""
        if self.roles.victim_before(tail):
            return "victim"
        noun = self._en_noun_after.match(after)
        if noun and not self._criminal.search(after[: noun.end() + 1]):
            if self.roles.victim(after[noun.end() :]):
                return "victim"
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
        if role == "adjectives" and self._fr_noun_before.search(tail):
            return "fr-attributive"
        if (
            role == "names"
            and self._fr_link_before.search(tail)
            and re.search(r"\b(?:exploit\w*|attaqu\w*|pirat\w*|cyber\w*|espionn\w*|campagne)", lead)
        ):
            return "fr-link"
        if self._en_link_before.search(tail) and (
            self._en_noun_before.search(lead)
            or self._en_group_before.search(lead)
            or self._event.search(lead)
            or any(a < s and a >= sentence_start for a, _ in alias_spans)
        ):
            near = self._en_near_link.search(tail)
            if not near or self._en_near_actor.search(tail[: near.start()]):
                return "state-link"
        if tail.endswith((" in ", " in the ")) and self._en_people_in.search(tail):
            return "state-link"
        if "attribut" in lead and self._en_attributed_to.search(lead[-160:]):
            return "state-attributed"
        if tail.endswith(("to ", "to the ")) and self._en_tied_to.search(lead[-160:]):
            return "state-attributed"
        if self._en_blame_before.search(tail) and self._en_blame_after.match(after):
            return "state-blame"
        # "süüdistab Ukrainat …": the verb's object, a few words on, and not what the act
        # was against ("… DDoS-rünnakus Vene pankade vastu")
        if self._et_blame.search(lead[-50:]) and not _ET_AGAINST.match(after):
            return "et-attributive"
        return ""

    def _coordinate(self, f: Field, hits: list[Hit], rules: list[str]) -> list[str]:
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
            if (
                last.term.cjk
                and not any(out[i] for i in people)
                and not self._negated(f, hits[chain[0]].start)
            ):
                _, right = f.sentence(last.start, last.end)
                if self.roles.ja_subject(f.low[last.end : last.end + 2], f.low[last.end : right]):
                    for i in people:
                        out[i] = "ja-subject"
            found = next((out[i] for i in people if out[i]), "")
            if found and len(people) > 1:
                for i in people:
                    out[i] = out[i] or found.removesuffix("-coordinated") + "-coordinated"
        return out

    def _ambiguous_ok(self, f: Field, hit: Hit) -> bool:
        original = f.text[hit.start : hit.end]
        if original != hit.term.original and original.lower() != original:
            return original[0].isupper() and original.lower() == hit.term.original.lower()
        if original != hit.term.original:
            return False
        window = f.text[max(0, hit.start - WINDOW) : hit.end + WINDOW]
        return bool(_CONTEXT.search(window))

    # ----------------------------------------------------------------- entry point
    def tag(self, fields: Sequence[tuple[str, str]], source_kind: str = "") -> Tagging:
        """Tag an item given as (field name, text) pairs, e.g. title and summary.

        `source_kind` (official, vendor or media: who publishes the feed) is the attribution
        type when the text names no attributing agent."""
        evidence: list[Evidence] = []
        mentions: list[Evidence] = []
        seen: set[tuple[str, str, str]] = set()

        def add(
            kind: str, label: str, f: Field, s: int, e: int, rule: str, conf: float, *how: str
        ) -> None:
            # a state named by the text itself is kept beside the state a group alias implies:
            # the export writes `attributed-to` only where the source said so
            cue = kind == "actor_set" and not rule.startswith("alias")
            key = (kind, label, f.name + ("#cue" if cue else ""))
            if key in seen:
                return
            seen.add(key)
            quoted, start, end = f.quote(s, e)
            evidence.append(Evidence(kind, label, quoted, f.name, start, end, rule, conf, *how))

        lex = self.lexicon
        for name, text in fields:
            if not text:
                continue
            f = self._scan(name, text[:1_000_000])
            alias_spans: list[tuple[int, int]] = []
            crime_starts: list[int] = []  # where a criminal or hacktivist group is named
            for hit in [h for h in f.hits if h.term.kind == "alias"]:
                if hit.term.ambiguous and not self._ambiguous_ok(f, hit):
                    continue
                actor = lex.actors[hit.term.value]
                if not actor.state:
                    crime_starts.append(hit.start)
                alias_spans.append((hit.start, hit.end))
                if ("actor", actor.name, f.name) in seen:
                    continue
                hedge = self._hedge(f, hit.start, hit.end)
                conf = HEDGED + 0.1 if hedge else ALIAS
                how = ("actor", hedge, self._attribution_type(f, hit.start, source_kind))
                add("actor", actor.name, f, hit.start, hit.end, "alias", conf, *how)
                if actor.state:
                    rule = "alias" + ("-hedged" if hedge else "")
                    add("actor_set", actor.state, f, hit.start, hit.end, rule, conf, *how)
            context: bool | None = None  # whether the field talks about threat actors
            families = any(word in f.text for word in _FAMILY_WORDS)
            for m in _FAMILY_RE.finditer(f.text) if families else ():
                if m.group(1) in _WEATHER:
                    continue
                if context is None:
                    context = bool(_CONTEXT.search(f.text))
                if not context:
                    continue
                if any(s <= m.start() < e for s, e in alias_spans):
                    continue
                state = _FAMILY[m.group(2).lower()]
                hedge = self._hedge(f, m.start(), m.end())
                how = ("actor", hedge, self._attribution_type(f, m.start(), source_kind))
                add("actor", m.group(0), f, m.start(), m.end(), "alias-family", FAMILY, *how)
                rule = "alias-family" + ("-hedged" if hedge else "")
                conf = HEDGED if hedge else FAMILY
                add("actor_set", state, f, m.start(), m.end(), rule, conf, *how)
            state_hits = [h for h in f.hits if h.term.kind == "state"]
            rules = self._coordinate(
                f, state_hits, [self._state_rule(f, h, alias_spans) for h in state_hits]
            )
            roles = self._mention_roles(f, state_hits, rules, crime_starts)
            span_role = {}
            for hit, rule, role in zip(state_hits, rules, roles, strict=True):
                span_role[(hit.start, hit.end)] = role
                end = word_end(f, hit)  # a stem is quoted with its ending: "Pekingit"
                if role == "organ":
                    continue  # the organ's own evidence carries the attribution
                if role not in ACTOR_ROLES:
                    quoted, start, stop = f.quote(hit.start, end)
                    shown = role or "setting"
                    mentions.append(
                        Evidence(
                            "mention", hit.term.value, quoted, f.name, start, stop,
                            f"state-{shown}", 0.0, shown,
                        )
                    )  # fmt: skip
                    continue
                if ("actor_set", hit.term.value, f.name + "#cue") in seen:
                    continue  # one cue per state and field; the first one's hedge is kept
                hedge = self._hedge(f, hit.start, hit.end)
                how = (role, hedge, self._attribution_type(f, hit.start, source_kind))
                rule += "-hedged" if hedge else ""
                conf = HEDGED if hedge else STRONG
                add("actor_set", hit.term.value, f, hit.start, end, rule, conf, *how)
            bystanders: dict[tuple[int, int], str] | None = None  # at the first country
            victims_at: list[int] = []  # where a victim sector and a target were found,
            targets_at: list[int] = []  # in text order
            speakers: list[Hit] = []  # countries left out because they speak
            for hit in [h for h in f.hits if h.term.kind in ("sector", "country")]:
                kind = "sector" if hit.term.kind == "sector" else "target"
                if (kind, hit.term.value, f.name) in seen:
                    continue  # one piece of evidence per label and field is enough
                if hit.term.ambiguous and f.text[hit.start : hit.end] != hit.term.original:
                    continue  # "us", not "US"
                if not self._in_sentence(f, "targeting", hit.start, hit.end):
                    continue
                if kind == "sector":
                    if self._actors_own(f, hit, span_role, evidence):
                        continue  # "Hiina valitsuse koordineeritud häkkimine": the actor's
                    if not self.victims.sector_is_other(f, hit):
                        rule = "sector-targeted"
                        add(kind, hit.term.value, f, hit.start, hit.end, rule, SECTOR, "target")
                        victims_at.append(hit.start)
                    continue
                # the state's own mention decides: an actor, accuser or tool origin is no target
                role = span_role.get((hit.start, hit.end), "")
                if role == "accuser":
                    speakers.append(hit)
                if role not in ("", "target") or self.victims.is_reporter(f, hit):
                    continue
                if bystanders is None:  # only sentences that target can hold a target
                    countries = [
                        h
                        for h in f.hits
                        if h.term.kind == "country"
                        and self._in_sentence(f, "targeting", h.start, h.end)
                    ]
                    bystanders = self.victims.bystanders(f, countries)
                if (hit.start, hit.end) in bystanders:
                    if bystanders[(hit.start, hit.end)] == "accuser":
                        speakers.append(hit)
                    continue
                if self._origin(f, hit):
                    continue
                named = hit.term.role in ("institution", "reporter")
                if named and self.victims.institution_is_foreign(f, hit):
                    continue
                rule = "country-against" if role == "target" else "country-targeted"
                add(kind, hit.term.value, f, hit.start, hit.end, rule, SECTOR, "target")
                targets_at.append(hit.start)
            for hit in self._speaking_victims(f, speakers, victims_at, targets_at, evidence):
                rule = "country-speaker-victim"
                add("target", hit.term.value, f, hit.start, hit.end, rule, SECTOR, "target")
        return self._finish(evidence, mentions)

    def _speaking_victims(
        self,
        f: Field,
        speakers: Sequence[Hit],
        victims_at: Sequence[int],
        targets_at: Sequence[int],
        evidence: Sequence[Evidence],
    ) -> list[Hit]:
        """A country that speaks is its own victim where it speaks alone of a victim sector
        that no other country owns: "Czechia blames APT31 for a foreign ministry breach",
        "Germany blames the GRU for a campaign on defence firms". Not a co-signer of a joint
        product, not one of several speakers, not the accused actor's own state, and not a
        speaker that denies ("Russia's foreign ministry denied attacking the hospitals")."""
        if not speakers or not victims_at:
            return []
        own = {self._state_iso.get(e.label) for e in evidence if e.kind == "actor_set"}
        by_sentence: dict[tuple[int, int], list[Hit]] = {}
        for hit in speakers:
            if hit.term.value not in own and not self.roles.cosigner(f, hit):
                by_sentence.setdefault(f.sentence(hit.start, hit.end), []).append(hit)
        found = []
        for (left, right), hits in by_sentence.items():
            if len({h.term.value for h in hits}) != 1:
                continue
            if any_between(f.marks.get("negation", ()), left, right):
                continue
            if any_between(victims_at, left, right) and not any_between(targets_at, left, right):
                found.append(hits[0])
        return found

    def _mention_roles(
        self, f: Field, hits: list[Hit], rules: list[str], crime_starts: Sequence[int]
    ) -> list[str]:
        """The role of each state mention: actor or beneficiary where a rule fired, else what
        its clause makes it (accuser, target, setting; "" when nothing says), shared along a
        coordinated list ("Russia and China accuse …")."""
        out: list[str] = []
        for n, (hit, rule) in enumerate(zip(hits, rules, strict=True)):
            if rule and hit.term.role not in ("services",) and crime_starts:
                # "ロシアのハッカーグループ「NoName057(16)」": the group named is not the state's
                _, right = f.sentence(hit.start, hit.end)
                if any_between(crime_starts, hit.end, min(right, hit.end + 40)):
                    rule = ""
            if rule:
                out.append("beneficiary" if rule.startswith("state-beneficiary") else "actor")
                continue
            if self._negated(f, hit.start):
                out.append("setting")  # a decoy or a denied link: neither actor nor victim
                continue
            following = hits[n + 1] if n + 1 < len(hits) else None
            if (
                following is not None
                and following.term.value == hit.term.value
                and rules[n + 1]
                and following.start - hit.end <= 4
                and not f.low[hit.end : following.start].strip(" '’s")
            ):
                out.append("organ")  # "Russia GRU officers": the state of the organ that acts
                continue
            out.append(self.roles.role_of(f, hit))
        spread(f.low, [(h.start, h.end) for h in hits], out)
        return out

    @staticmethod
    def _actors_own(
        f: Field, hit: Hit, span_role: dict[tuple[int, int], str], evidence: Sequence[Evidence]
    ) -> bool:
        """A sector word right after a state in the actor's role, or after a state that a
        group alias of the item already gave, names the actor's own organ ("Hiina valitsuse
        koordineeritud rünnakud", "APT32 … ベトナム政府の関与")."""
        adjacent = [
            h for h in f.hits if h.term.kind == "state" and hit.start - 3 <= h.end <= hit.start
        ]
        if not adjacent:
            return False
        sets = {e.label for e in evidence if e.kind == "actor_set"}
        return any(
            span_role.get((h.start, h.end)) in ACTOR_ROLES or h.term.value in sets for h in adjacent
        )

    def _origin(self, f: Field, hit: Hit) -> bool:
        """A country right before the people who act names their origin, not the victim:
        "Ukrainian hackers", "ウクライナのハッカー", "Ukraina häkkerid"."""
        after = f.low[hit.end : hit.end + WINDOW]
        if hit.term.cjk:
            return bool(self._ja_origin.match(after))
        return bool(self._en_origin.match(after) or self._et_origin.match(after))

    def _hedge(self, f: Field, start: int, end: int) -> str:
        """The source's own hedge in the sentence of an attribution, as written ("" if none)."""
        positions = f.marks.get("hedge")
        if not positions:  # most fields hedge nothing
            return ""
        left, right = f.sentence(start, end)
        i = bisect.bisect_left(positions, left)
        if i < len(positions) and positions[i] < right:
            return f.quote(positions[i], f.mark_ends["hedge"][i])[0].rstrip("。")
        return ""

    def _attribution_type(self, f: Field, start: int, source_kind: str) -> str:
        """Who attributes: the agent named in the sentence ("the FBI said", "according to
        Microsoft", 警察庁は), else in the field, else the feed's kind, else the media."""
        marks = f.marks
        if marks.keys().isdisjoint(ATTRIBUTION_KINDS):  # most fields name nobody
            return source_kind if source_kind in ATTRIBUTION_KINDS else "media"
        left, right = f.sentence(start, start)
        known = f.memo.get(("type", left))
        if known is None:  # one answer per sentence
            found = [k for k in ATTRIBUTION_KINDS if any_between(marks.get(k, ()), left, right)]
            known = self.roles.attribution_type(
                found or [k for k in ATTRIBUTION_KINDS if k in marks]
            )
            f.memo[("type", left)] = known
        return known

    def _finish(self, evidence: list[Evidence], mentions: list[Evidence]) -> Tagging:
        # the actor's own country is never its target unless a construction says so
        # ("attacks against Russia"): "Russian hackers … Russia's interests" is the setting
        own = {self._state_iso.get(e.label) for e in evidence if e.kind == "actor_set"}
        evidence = [
            e
            for e in evidence
            if not (e.kind == "target" and e.label in own and e.rule != "country-against")
        ]

        found: dict[str, set[str]] = {}
        for e in evidence:
            found.setdefault(e.kind, set()).add(e.label)

        def labels(kind: str) -> tuple[str, ...]:
            return tuple(sorted(found.get(kind, ())))

        return Tagging(
            labels("actor_set"),
            labels("actor"),
            labels("sector"),
            labels("target"),
            tuple(evidence),
            self.lexicon.version,
            tuple(mentions),
        )


@functools.lru_cache(maxsize=4)
def _default_tagger(overrides: tuple[tuple[Path, int], ...]) -> Tagger:
    folders = tuple(folder for folder, _ in overrides)
    tagger = Tagger(load_lexicon(folders))
    tagger.sources = folders
    return tagger
