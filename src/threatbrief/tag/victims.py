# SPDX-License-Identifier: Apache-2.0
"""Whether a sector word or a country names a victim: not when it names the actor ("military
intelligence"), the speaker ("the government said", "RIA teatas"), a reporter ("Japan's
National Police Agency said"), part of a longer name (宇宙航空研究開発機構), another state's
institution ("Russia's foreign ministry") or data that was not touched (流出していない).
Rules from sectors.yaml `rules:`, compiled once."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .fields import Field, Hit, word_end
from .lexicon import Lexicon, fold
from .roles import RoleRules, alternation, ja_agent, spread

__all__ = ["VictimRules"]

WINDOW = 80
_REPORTER = re.compile(
    r"^(?:['’]s)?\s*(?:national police|police|npa|nisc|government said|"
    r"authorities|intelligence|foreign ministry|ministry of foreign|"
    r"ncsc|cisa|fbi|nsa|asd|agency|agencies said|partners|and international)"
    # Estonian: "Saksamaa valitsuse teatel" (according to Germany's government)
    r"|^\s+\w+\s+(?:teatel|sõnul|andmetel|hinnangul)\b"
)
# the actor's past focus, not this event's victim: "MirrorFace, until now focused on Japan"
_PAST_FOCUS = re.compile(
    r"\b(?:until now|until recently|previously|formerly|hitherto|historically|best known for|"
    r"long known for)\b(?:\s+[\w-]+){0,3}\s+$"
)
# a country the victims are tied to, support, study, impersonate or work with, not a victim
# itself: "firms with ties to Israel", "aid to Ukraine", "diplomats working on Ukraine",
# "posing as South Korean officials", "to share findings with US officials"
_BESIDE = re.compile(
    r"\b(?:(?:ties|links|connections|relations) (?:to|with)|(?:aid|support|assistance|weapons|"
    r"supplies|deliveries) (?:to|for)|working on|work on|supporting|experts on|who study|"
    r"studying|impersonat\w*|posing as|poses as|pose as|pretending to be|masquerading as|"
    r"imitating|spoofing|meetings? with|talks with|cooperat\w* with|together with|partnered with|"
    r"in partnership with|(?:shar|exchang)\w*(?:\s+[\w-]+){0,6}\s+with|"
    # the accused: "Beijing accuses the US of hacking a university"
    r"accus\w*|blam\w*|"
    # the actor's sponsor: "a group widely linked to Israel"
    r"linked to|tied to|backed by|sponsored by|on behalf of|working for|aligned with|"
    r"affiliated with)"
    r"\s+(?:the\s+|a\s+|an\s+)?(?:[\w-]+\s+){0,1}?$"
)
# the topic of a lure, not its victim: "lures about Expo 2025 in Osaka", "decoys on Japan"
_TOPIC = re.compile(
    r"\b(?:lures?|decoys?|baits?|documents?|e-?mails?|messages?|themes?|themed)\s+"
    r"(?:about|on|themed on|related to|mentioning|referring to|concerning)\s+"
    r"(?:[\w'’-]+\s+){0,5}?(?:in\s+|of\s+)?$"
)


class VictimRules:
    """The sector and target checks of one tagger."""

    def __init__(self, lexicon: Lexicon, roles: RoleRules) -> None:
        self.roles = roles
        rules = lexicon.sector_rules
        en = lexicon.grammar.get("en", {})
        self._blockers_before = tuple(fold(b) for b in en.get("blockers_before", []))
        self._blockers_after = tuple(fold(b) for b in en.get("blockers_after", []))
        self._sector_actor_after = re.compile(
            rf"^(?:\s+|(?=[\u3040-\u9fff]))(?:{alternation(rules.get('actor_after', []))})"
        )
        self._sector_speaker = re.compile(
            r"^(?:\s+[\w-]+)??\s+(?:(?:has|have|also)\s+)?"
            rf"(?:{alternation(rules.get('speaker_verbs', []))})\b"
        )
        self._impersonated = re.compile(
            rf"\b(?:{alternation(rules.get('impersonated_before', []))})\s+(?:the\s+|an?\s+)?"
            r"(?:[\w-]+\s+){0,5}?$"
        )
        self._recipient = re.compile(
            rf"\b(?:{alternation(rules.get('recipient_before', []))})\b(?:\s+[\w-]+){{0,3}}\s+to\s+"
            r"(?:the\s+|a\s+|an\s+)?(?:[\w-]+\s+){0,2}?$"
        )
        self._ja_org = re.compile(
            rf"^[\u3400-\u9fff\u30a0-\u30ff]{{0,6}}"
            rf"(?:{alternation(rules.get('ja_org_suffixes', []))})"
        )
        self._ja_untouched = re.compile(alternation(rules.get("ja_untouched", [])))
        self._ja_victim = re.compile(alternation(rules.get("ja_victim", [])))
        self._ja_impersonated = re.compile(
            rf"^[^、。をがは]{{0,12}}?(?:{alternation(rules.get('ja_impersonated_after', []))})"
        )
        self._institution_speaks = re.compile(
            rf"^(?:['’]s|など)?\s*(?:{alternation(rules.get('institution_speaks', []))})"
        )
        # after an Estonian stem only the words that are not English verbs: Estonian "said"
        # is "received" ("Kaitsetööstusettevõtted said õngitsuskirju")
        english = {fold(str(w)) for w in rules.get("speaker_verbs", [])}
        estonian = [w for w in rules.get("institution_speaks", []) if fold(str(w)) not in english]
        self._stem_speaks = re.compile(rf"^\s*(?:{alternation(estonian)})")

    def is_reporter(self, f: Field, hit: Hit) -> bool:
        """A country named as the one reporting ("Japan's National Police Agency said") or as
        a stance or language ("pro-Russian", "Russian-speaking"), not as a target."""
        before, after = f.low[max(0, hit.start - 5) : hit.start], f.low[hit.end : hit.end + 40]
        return bool(
            _REPORTER.match(after)
            or before.endswith(self._blockers_before)
            or after.startswith((*self._blockers_after, " new year"))
        )

    def bystanders(self, f: Field, hits: Sequence[Hit]) -> dict[tuple[int, int], str]:
        """The spans of the country mentions in a field that name no victim, each with why
        ("accuser" where it speaks, else "other"): a country that
        speaks or co-signs ("Japan, US and South Korea issue a joint statement", "agencies
        from thirteen countries, Japan among them"), a reporting agency that the clause does
        not say was attacked (JPCERT/CC, Välisluureamet), the actor's past focus ("until
        now focused on Japan"), a lure's topic ("lures about Expo 2025 in Osaka") and a country
        the victims are tied to or that is impersonated ("ties to Israel", "posing as South
        Korean officials"). A speaking role is shared along a coordinated list."""
        roles = [self.roles.role_of(f, hit) for hit in hits]
        spread(f.low, [(h.start, h.end) for h in hits], roles)
        out: dict[tuple[int, int], str] = {}  # span -> "accuser" (it speaks) or "other"
        for hit, role in zip(hits, roles, strict=True):
            lead = f.low[max(0, hit.start - 60) : hit.start]
            if (
                role == "accuser"
                or (hit.term.role == "reporter" and role != "target")
                or _PAST_FOCUS.search(lead)
                or _TOPIC.search(lead)
                or _BESIDE.search(lead)
                or (hit.term.cjk and self._ja_impersonated.match(f.low[hit.end : hit.end + 20]))
                or (hit.term.cjk and ja_agent(f.low[hit.end : hit.end + 10]))
            ):
                out[(hit.start, hit.end)] = "accuser" if role == "accuser" else "other"
        return out

    def sector_is_other(self, f: Field, hit: Hit) -> bool:
        """A sector word that names the actor, the speaker or part of a longer name, not a
        victim: "military intelligence", "the government said", 宇宙航空研究開発機構."""
        end = word_end(f, hit)  # past a stem's ending: "valitsuse teatel"
        after = f.low[end : end + WINDOW]
        before = f.low[max(0, hit.start - 80) : hit.start]
        if self._impersonated.search(before) or self._recipient.search(before):
            return True
        if self._sector_actor_after.match(after) or (
            self._stem_speaks.match(after)
            if hit.term.original.endswith("*")
            else self._sector_speaker.match(after) or self._institution_speaks.match(after)
        ):
            return True
        if hit.term.cjk:
            if self._ja_org.match(after) or self._ja_impersonated.match(after):
                return True
            _, right = f.sentence(hit.start, hit.end)
            rest = f.low[hit.end : right]
            if self._ja_untouched.search(rest):
                return True
            speaker = self.roles.role(True, "", after, rest) == "accuser"
            return speaker and not self._ja_victim.search(rest)
        return False

    def institution_is_foreign(self, f: Field, hit: Hit) -> bool:
        """ "Russia's foreign ministry", ロシア外務省: the institution is another state's, or
        it is reporting ("RIA teatas", 警察庁によると), so the partner is not the target."""
        after = f.low[hit.end : hit.end + 20]
        if self._institution_speaks.match(after):
            return True
        # "<state><institution>", "<state>'s <institution>", "<国>の<機関>": nothing else between
        return any(
            h.term.kind in ("state", "country")
            and hit.start - 3 <= h.end <= hit.start
            and f.low[h.end : hit.start].strip() in ("", "'s", "’s", "の")
            for h in f.hits
        )
