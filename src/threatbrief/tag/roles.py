# SPDX-License-Identifier: Apache-2.0
"""The role of a state mention in its clause: actor, beneficiary, target, accuser or setting.

`tagger.py` finds the attributive constructions of docs/lexicon.md; this module adds the
clause-level ones that need more than the words next to the hit ("interference by Moscow",
"officers of the PLA", "stole secrets for North Korea") and names what a mention that is not
the actor is doing ("Moscow accuses Washington", "attacks against Russia", "Iranian tools").
Every pattern is compiled once from `grammar.yaml` (`roles:` and `attributors:`), and each is
anchored at the hit (a `match` on the text after it or a `search` on a bounded lead ending at
it), so deciding a role costs a few anchored matches per state hit, never a scan of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .fields import CJK, Field, Hit
from .lexicon import fold

__all__ = [
    "ACTOR_ROLES",
    "ja_agent",
    "ATTRIBUTION_KINDS",
    "RoleRules",
    "alternation",
    "ordered_alternation",
    "spread",
]

# roles that make a mention count for its actor set
ACTOR_ROLES = frozenset({"actor", "beneficiary"})
# cue kinds of grammar.yaml `attributors`, strongest first: a claim of responsibility is the
# actor's own word, then governments, then security companies; none named is "media"
ATTRIBUTION_KINDS = ("self-claimed", "official", "vendor")


def _word(word: str) -> str:
    return re.escape(word[:-1]) + r"\w*" if word.endswith("*") else re.escape(word)


NOTHING = r"(?!x)x"  # a pattern that never matches: the alternation of no words
_END, _STEM = "", r"\w*"  # trie leaves: a word ends here, a stem takes any ending here


def ordered_alternation(words: Iterable[Any], empty: str = NOTHING) -> str:
    """One regex alternative per word, longest first, folded like the text it will meet: for
    a pattern whose match end is used (the longest word wins)."""
    ordered = sorted({fold(str(w)) for w in words if w}, key=len, reverse=True)
    return "|".join(_word(w) for w in ordered) or empty


def alternation(words: Iterable[Any], empty: str = NOTHING) -> str:
    """The words of `ordered_alternation` as one regex over their trie ("link(?:ed to|s to)"),
    which matches the same text; for a pattern only asked whether it matches and where,
    since the alternative taken may differ. The engine then tries one branch per letter at
    each position instead of every word (a `search` of the links before a state hit takes
    about half the time)."""
    trie: dict[str, Any] = {}
    for word in {fold(str(w)) for w in words if w}:
        node = trie
        for char in word[:-1] if word.endswith("*") else word:
            node = node.setdefault(char, {})
        node[_STEM if word.endswith("*") else _END] = {}
    return _branches(trie) if trie else empty


def _branches(node: dict[str, Any]) -> str:
    alternatives = [
        key if key in (_END, _STEM) else re.escape(key) + _branches(node[key])
        for key in sorted(node, key=lambda key: (key in (_END, _STEM), key))
    ]
    return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"


# the gap between two members of a coordinated list: "China, Iran and North Korea", 中国や北朝鮮
COORDINATION = re.compile(
    r"^\s*(?:,\s*(?:and\s+|or\s+)?|and|or|and the|as well as|&|/|と|や|、|ja|ning)\s*$"
)
# the same with a member the lexicon does not know between them: "Japan, US and South Korea"
_LIST_GAP = re.compile(r"^\s*(?:,\s*[\w.'’-]+(?:\s+[\w'’-]+)?)+,?\s+(?:and|or)\s+$")
# a co-signer of a joint product, not its subject: "Agencies from thirteen countries, Japan
# among them", "co-sealed by the UK, Japan and Canada", "partner agencies from Japan and …"
_COSIGNER_AFTER = re.compile(r"^,?\s+(?:among them|one of the (?:co-?)?signator)")
_COSIGNER_BEFORE = re.compile(
    r"\b(?:co-?sealed by|co-?signed by|signed by|joined by|(?:agencies|authorities|partners|"
    r"governments|signatories) from)\s+(?:the\s+)?"
    r"(?:[\w.'’-]+(?:\s+[\w'’-]+)?(?:,|\s+and|,\s+and)\s+(?:the\s+)?){0,12}$"
)


# "<国>の(サイバー)攻撃を受けた", "<国>による攻撃": the attack is the state's, whoever suffered it
_JA_AGENT = re.compile(r"^(?:の|による|からの)(?:サイバー)?攻撃")


def ja_agent(after: str) -> bool:
    """ "米国のサイバー攻撃を受けた": the text after a mention makes the attack its own."""
    return bool(_JA_AGENT.match(after))


def spread(low: str, spans: Sequence[tuple[int, int]], out: list[str]) -> None:
    """Share a speaking or receiving role along a coordinated list, both ways: in "Russia
    and China accuse …" and "attacks on Japan and Estonia" every member has the role that
    the clause gave the one next to the verb (`out[i]` is the role of `spans[i]`)."""
    for order in (range(1, len(spans)), range(len(spans) - 2, -1, -1)):
        for i in order:
            j = i - 1 if order.step == 1 else i + 1
            if out[j] not in ("accuser", "target") or out[i] not in ("", "setting"):
                continue  # nothing to share: the gap need not be read
            a, b = (spans[j], spans[i]) if j < i else (spans[i], spans[j])
            gap = low[a[1] : b[0]]
            if COORDINATION.match(gap) or _LIST_GAP.match(gap):
                out[i] = out[j]


_AFTER = 80  # how far after a mention its clause is read
# "officers of the PLA were indicted": the organ is the object of the verb, not its speaker
_PASSIVE = re.compile(r"^\s+(?:was|were|is|are|has been|have been|had been|being)\b")
_BY = ("by ", "by the ")
_FOR = ("for ", "for the ")
_OF = tuple(
    f"{p} {t}" for p in ("of", "from", "in", "with") for t in ("", "the ", "china's ", "russia's ")
)


class RoleRules:
    """The clause rules of grammar.yaml `roles:`, compiled once per tagger."""

    def __init__(self, grammar: Mapping[str, Any], states: Mapping[str, Any]) -> None:
        roles = grammar.get("roles") or {}
        en, ja, et = (roles.get(lang) or {} for lang in ("en", "ja", "et"))
        base = grammar.get("en") or {}
        self._agent = re.compile(
            rf"\b(?:{alternation(en.get('agent_events', []))})['’\"”]?\s+(?:[\w-]+\s+)?"
            r"by\s+(?:the\s+)?$"
        )
        self._event_after = re.compile(
            rf"^(?:['’]s)?\s+(?:[\w-]+\s+){{0,1}}?(?:{alternation(en.get('event_nouns', []))})\b"
        )
        self._beneficiary = re.compile(
            rf"\b(?:{alternation(en.get('beneficiary_verbs', []))})\b[^.;:]{{0,60}}"
            r"\bfor\s+(?:the\s+)?$"
        )
        members = alternation(en.get("organ_members", []))
        self._members_before = re.compile(
            rf"\b(?:{members})\s+(?:of|from|in|with)\s+(?:the\s+|china['’]s\s+|russia['’]s\s+)?$"
        )
        self._members_after = re.compile(rf"^\s+(?:{members})\b")
        people = [
            str(w)
            for forms in states.values()
            for key in ("names", "adjectives")
            for w in forms.get(key) or []
            if not str(w).endswith("*")
        ]
        # "Chinese Ministry of State Security", "Russia's FSB": the organ's own state
        self._state_before = re.compile(rf"(?<![\w-])(?:{alternation(people)})(?:['’]s)?\s+$")
        self._unit_after = re.compile(r"^\s+(?:center|centre|unit|military unit)\s*\d+")
        # who speaks for a country: "US officials claim", "top US security agencies say", "a
        # US government report has accused" (two words may stand before the speaker noun)
        speaker = rf"(?:(?:[\w-]+\s+){{0,2}}?(?:{alternation(en.get('speaker_nouns', []))})\s+)?"
        self._accuser_after = re.compile(
            rf"^(?:['’]s\s+(?:government|officials|authorities|prosecutors|foreign ministry|"
            rf"police|embassy|ministry)\s+|\s+{speaker})"
            r"(?:(?:has|have|had|is|are|was|were|also|again|officially|publicly|formally|"
            r"now|reportedly|on \w+day|\w+ly)\s+){0,2}"
            rf"(?:{alternation(en.get('accuser_verbs', []))})\b(?!\s+of\b)"
        )
        self._et_accuser = re.compile(
            rf"^\s+(?:(?:on|oli|ka|taas)\s+)?(?:{alternation(et.get('accuser_verbs', []))})\b"
        )
        self._according = re.compile(r"\baccording to\s+(?:the\s+)?$")
        self._target_before = re.compile(
            rf"\b(?:{alternation(en.get('target_before', []))})\s+(?:the\s+)?"
            r"(?:[\w-]+\s+){0,2}?$"
        )
        self._instrument = re.compile(
            rf"^\s+(?:[\w-]+\s+)?(?:{alternation(en.get('instrument_nouns', []))})\b"
        )
        victim = (
            r"['’]s?\s+(?:[\w-]+\s+){0,3}?(?:was|were|had been|have been|has been|got|are|is)"
            rf"\s+(?:\w+\s+)?(?:{alternation(en.get('victim_passive', []))})\s+(?:by|to)\b"
        )
        self._victim = re.compile("^" + victim)
        # "a major Russian bank was hit by ransomware": the state's thing, in the passive (a
        # word stands between: in "firms tied to China were hit" the firms were)
        self._passive_hit = re.compile(
            r"^\s+(?:[\w-]+\s+){1,3}?(?:was|were|has been|have been|had been|is being|"
            r"are being|got)\s+(?:\w+\s+)?"
            rf"(?:{alternation(en.get('passive_hit', []))})\b(?!\s+with\b)"
        )
        # "took over the servers of a Pakistan-based actor": the actor's things, taken
        self._victim_before = re.compile(
            rf"\b(?:{alternation(en.get('victim_active', []))})\s+(?:the\s+|its\s+)?"
            rf"(?:[\w-]+\s+)?(?:{alternation(en.get('instrument_nouns', []))})\s+"
            r"(?:of|belonging to|used by|run by)\s+(?:a\s+|an\s+|the\s+|another\s+)?$"
        )
        # the same seen from the state: "Pakistan-based actor's servers were taken over by"
        self._victim_after = re.compile(r"^[\w\s-]{0,40}?" + victim)
        self._ja_subject = re.compile(rf"^(?:{alternation(ja.get('subject_particles', []))})")
        self._ja_hostile = re.compile(alternation(ja.get("hostile", [])))
        self._ja_passive = re.compile(alternation(ja.get("passive", [])))
        # "<国>の大学にサイバー攻撃", "<国>の銀行を狙った": the object of a hostile act, read
        # up to the first particle after the noun it owns
        self._ja_object = re.compile(
            r"^の?(?:[^\s、。をがはにへの]{1,12}の)?[^\s、。をがはにへの]{1,12}"
            r"(?:を|に|に対して|に対する|への)[^、。をがは]{0,10}?"
            rf"(?:{alternation(ja.get('object_acts', []))})"
        )
        self._ja_accuser = re.compile(alternation(ja.get("accuser", [])))
        self._criminal = re.compile(rf"\b(?:{alternation(base.get('criminal', []))})\b")

    # ------------------------------------------------------------ constructions making an actor
    def actor_rule(self, role: str, lead: str, after: str) -> str:
        """A clause construction that makes this state mention the actor, or "".

        `lead` is the sentence up to the hit, `after` the text after it (both folded)."""
        if role in ("services", "weak_services"):
            if (
                (lead.endswith(_OF) and self._members_before.search(lead[-60:]))
                or self._members_after.match(after)
                or self._unit_after.match(after)
                or self._state_before.search(lead[-40:])
            ):
                return "state-organ"
            return ""
        # the lead-anchored patterns end in "by" or "for": test the ending before searching
        if (
            lead.endswith(_BY)
            and self._agent.search(lead[-80:])
            and not self._criminal.match(after.strip())
        ):
            return "state-agent"
        if (
            role == "adjectives"
            and self._event_after.match(after)
            and not self._instrument.match(after)  # "Iranian hacking tools": what was used
        ):
            return "state-event"
        if lead.endswith(_FOR) and self._beneficiary.search(lead[-100:]):
            return "state-beneficiary"
        return ""

    def speaks(self, after: str) -> bool:
        """ "… FSB said it had uncovered …": the mention is the subject of a verb of speech,
        accusation or investigation (`accuser_verbs`)."""
        return bool(self._accuser_after.match(after)) and not _PASSIVE.match(after)

    @staticmethod
    def cosigner(f: Field, hit: Hit) -> bool:
        """A co-signer of a joint product ("agencies from thirteen countries, Japan among
        them", "co-sealed by the UK, Japan and Canada"), not a speaker on its own behalf."""
        lead = f.low[max(0, hit.start - 160) : hit.start]
        return bool(
            _COSIGNER_AFTER.match(f.low[hit.end : hit.end + _AFTER])
            or _COSIGNER_BEFORE.search(lead)
        )

    def et_accuser(self, after: str) -> bool:
        """ "Venemaa süüdistas Eestit …": the state in the nominative accuses or reports."""
        return bool(self._et_accuser.match(after))

    def victim_before(self, tail: str) -> bool:
        """ "… took over the servers of a Pakistan-based actor": that actor is the victim."""
        return bool(self._victim_before.search(tail))

    def victim(self, after_noun: str) -> bool:
        """ "a Pakistan-based actor's servers were taken over by …": that actor is the victim."""
        return bool(self._victim.match(after_noun))

    # ------------------------------------------------------------ roles of the other mentions
    def role_of(self, f: Field, hit: Hit) -> str:
        """`role` for one mention, read from its sentence in the field; remembered per span
        and script, since a state's name is asked about as a state and as a country. A Latin
        name in Japanese text (NISCのメールシステムに不正アクセス) is read by the Japanese rules."""
        cjk = hit.term.cjk or bool(CJK.match(f.low, hit.end))
        key = (f"role{'-cjk' if cjk else ''}:{hit.end}", hit.start)
        known = f.memo.get(key)
        if known is None:
            left, right = f.sentence(hit.start, hit.end)
            lead = f.low[left : hit.start][-160:]
            after = f.low[hit.end : hit.end + _AFTER]
            known = f.memo[key] = self.role(cjk, lead, after, f.low[hit.end : right])
        return known

    def role(self, cjk: bool, lead: str, after: str, sentence: str) -> str:
        """What a state mention that is not the actor is doing: accuser, target or setting."""
        if cjk:
            if self._ja_subject.match(after) and self._ja_accuser.search(sentence):
                return "accuser"
            if ja_agent(after):
                return "setting"  # 米国のサイバー攻撃を受けた: the attack was the state's
            if self._ja_passive.search(after[:20]) or self._ja_object.match(after):
                return "target"
            return "setting"
        if (
            self._accuser_after.match(after)
            or self._et_accuser.match(after)
            or _COSIGNER_AFTER.match(after)
            or _COSIGNER_BEFORE.search(lead[-160:])
            or (lead.endswith(("to ", "to the ")) and self._according.search(lead[-30:]))
        ):
            return "accuser"
        if self._victim_before.search(lead[-100:]):
            return "target"
        if self._instrument.match(after):
            return "setting"
        if self._victim_after.match(after) or self._passive_hit.match(after):
            return "target"
        if self._target_before.search(lead[-60:]):
            return "target"
        return "setting"

    def ja_subject(self, after: str, sentence_rest: str) -> bool:
        """ "北朝鮮や中国、ロシア、イランは…攻撃能力を高めていく": the listed states are the
        subject (は/が) of a hostile predicate that is not passive or a report. A report
        verb after the quotative と closes a quote the state acts in: 国家情報院、北朝鮮が
        韓国の防衛関連企業をハッキングしたと発表."""
        if not self._ja_subject.match(after):
            return False
        report = self._ja_accuser.search(sentence_rest)
        # only a state marked が acts inside the quote; one marked は is the speaker
        # (中国政府は、米NSAが…攻撃を仕掛けたと非難した)
        if (
            report is not None
            and after.startswith("が")
            and sentence_rest[: report.start()].endswith(("と", "とし"))
        ):
            sentence_rest = sentence_rest[: report.start()]  # the quote the state acts in
            report = None
        return bool(
            not report
            and self._ja_hostile.search(sentence_rest)
            and not self._ja_passive.search(sentence_rest)
        )

    @staticmethod
    def attribution_type(found: Sequence[str]) -> str:
        """The attribution type given the attributor kinds found around it, strongest first."""
        for kind in ATTRIBUTION_KINDS:
            if kind in found:
                return kind
        return "media"
