# SPDX-License-Identifier: Apache-2.0
"""Load the tagger's lexicon (YAML files) and compile it into one Aho-Corasick automaton.

Files in: the packaged `lexicon/` folder, then optional override folders whose `actors.yaml`
adds groups or aliases. Out: a frozen `Lexicon` that `tag.py` matches against. No network I/O.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick_rs
import yaml

from ..errors import ConfigError, Problem
from ..models import Actor

PACKAGED = Path(__file__).parent.parent / "lexicon"
LOCAL_FILE = "actors.local.yaml"
_LATIN = re.compile(r"[A-Za-z0-9\u00c0-\u024f]")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_ISO = re.compile(r"[A-Z]{2}")
_FULLWIDTH_RE = re.compile("[\uff01-\uff5e]")
# libyaml's safe loader builds the same objects as PyYAML's (checked on every packaged file)
# in a tenth of the time: 180 ms of every `classify` start. Override files, which people
# write, keep PyYAML's loader and its error messages.
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Term:
    """What a matched pattern means. `kind` is alias, state, sector, country or word.

    `cjk` (the pattern has kana or kanji) and `folded` (its folded form, without a stem's `*`)
    are derived once here: the rules ask both of every hit."""

    kind: str
    value: str
    role: str = ""
    original: str = ""
    ambiguous: bool = False
    cjk: bool = field(init=False, compare=False, repr=False)
    folded: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cjk", bool(CJK.search(self.original)))
        object.__setattr__(self, "folded", fold(self.original).rstrip("*"))


@dataclass(slots=True)
class Lexicon:
    """The compiled lexicon. Build it with `load_lexicon`."""

    version: str
    actors: dict[str, Actor]
    states: dict[str, dict[str, list[str]]]
    grammar: dict[str, Any]
    targeting: dict[str, list[str]]
    # sectors.yaml `rules`: when a sector word names no victim (see tagger._sector_is_other)
    sector_rules: dict[str, list[str]] = field(default_factory=dict)
    patterns: list[str] = field(default_factory=list)
    terms: list[list[Term]] = field(default_factory=list)
    automaton: Any = None
    latin: list[tuple[bool, bool]] = field(default_factory=list)
    stems: set[str] = field(default_factory=set)
    # second automaton: sentence-level cue words (targeting, hedge, negation)
    cue_patterns: list[str] = field(default_factory=list)
    cue_kinds: list[list[str]] = field(default_factory=list)
    cue_automaton: Any = None
    cue_latin: list[tuple[bool, bool]] = field(default_factory=list)

    def _edges(self, patterns: list[str]) -> list[tuple[bool, bool]]:
        return [
            (bool(_LATIN.match(p[0])), bool(_LATIN.match(p[-1])) and p not in self.stems)
            for p in patterns
        ]

    def actor_states(self) -> dict[str, str]:
        """Canonical group name → actor set ("" for a criminal or hacktivist group), with the
        local overrides this lexicon was loaded with."""
        return {actor.name: actor.state for actor in self.actors.values()}

    def actor_sets(self) -> set[str]:
        """Every actor set: the states of states.yaml and those the groups are assigned to."""
        return (set(self.states) | {actor.state for actor in self.actors.values()}) - {""}

    def actor_names(self) -> dict[str, str]:
        """Folded canonical name, alias or spelling variant ("apt 28") → canonical name."""
        names: dict[str, str] = {}
        for actor in self.actors.values():
            for alias in (actor.name, *actor.aliases):
                for variant in _variants(alias):
                    names.setdefault(fold(variant), actor.name)
        return names

    def compile(self) -> None:
        kind = ahocorasick_rs.MatchKind.LeftmostLongest
        self.automaton = ahocorasick_rs.AhoCorasick(self.patterns, matchkind=kind)
        self.latin = self._edges(self.patterns)
        self.cue_automaton = ahocorasick_rs.AhoCorasick(self.cue_patterns, matchkind=kind)
        self.cue_latin = self._edges(self.cue_patterns)


def fold(text: str) -> str:
    """Lowercase with full-width ASCII folded, keeping every offset (one char for one char)."""
    if text.isascii():  # a flag CPython keeps: no full-width form, and lower() keeps length
        return text.lower()
    if _FULLWIDTH_RE.search(text):
        text = text.translate(_FULLWIDTH)
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _variants(alias: str) -> set[str]:
    """Spelling variants: APT28 / APT 28 / APT-28, Unit 26165 / Unit26165."""
    out = {alias}
    match = re.fullmatch(r"([A-Za-z]+)[ -]?(\d+)", alias)
    if match:
        head, num = match.groups()
        out |= {f"{head}{num}", f"{head} {num}", f"{head}-{num}"}
    return out


def _read(path: Path, problems: list[Problem], packaged: bool = True) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_FAST_LOADER) if packaged else yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        problems.append(Problem(str(path), f"cannot be read: {exc}"))
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(str(path), "must be a mapping"))
        return {}
    return data


def parse_actors(entries: Iterable[Any], where: str, problems: list[Problem]) -> list[Actor]:
    """Validate actor entries (from actors.yaml or a local override file)."""
    actors: list[Actor] = []
    for i, raw in enumerate(entries):
        path = f"{where}: actors[{i}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            problems.append(Problem(path, "needs a 'name'"))
            continue
        kind = str(raw.get("kind") or ("state" if raw.get("set") else "criminal"))
        if kind not in ("state", "criminal", "hacktivist"):
            problems.append(Problem(path, f"kind '{kind}' is not state, criminal or hacktivist"))
        aliases = raw.get("aliases") or []
        if not isinstance(aliases, list):
            problems.append(Problem(f"{path}.aliases", "must be a list"))
            aliases = []
        actors.append(
            Actor(
                name=raw["name"],
                state=str(raw.get("set") or ""),
                kind=kind,
                sponsor=str(raw.get("sponsor") or ""),
                aliases=tuple(str(a) for a in aliases),
            )
        )
        ambiguous = raw.get("ambiguous") or []
        unknown = [a for a in ambiguous if a not in (raw["name"], *aliases)]
        if unknown:
            problems.append(Problem(f"{path}.ambiguous", f"{unknown} are not its aliases"))
    return actors


def _ambiguous(entries: Iterable[Any]) -> set[tuple[str, str]]:
    return {
        (e["name"], str(a))
        for e in entries
        if isinstance(e, dict)
        for a in e.get("ambiguous") or []
    }


def load_lexicon(overrides: Sequence[Path] = ()) -> Lexicon:
    """Load the packaged lexicon plus `actors.local.yaml` from each override folder.

    Raises:
        ConfigError: a lexicon file is unreadable or invalid.
    """
    problems: list[Problem] = []
    actors_doc = _read(PACKAGED / "actors.yaml", problems)
    states_doc = _read(PACKAGED / "states.yaml", problems)
    grammar = _read(PACKAGED / "grammar.yaml", problems)
    sectors_doc = _read(PACKAGED / "sectors.yaml", problems)
    countries_doc = _read(PACKAGED / "countries.yaml", problems)
    entries = list(actors_doc.get("actors") or [])
    version = str(actors_doc.get("version", "0"))
    for folder in overrides:
        local = folder / LOCAL_FILE
        if local.exists():
            entries += list(_read(local, problems, packaged=False).get("actors") or [])
            version += "+local"
    actors = parse_actors(entries, "lexicon", problems)
    for table in (countries_doc.get("countries") or {}, countries_doc.get("institutions") or {}):
        for key in table:  # YAML reads a bare NO (Norway) as false: every code is quoted text
            if not (isinstance(key, str) and _ISO.fullmatch(key)):
                problems.append(Problem("countries.yaml", f"{key!r} is no ISO 3166 code"))
    if problems:
        raise ConfigError("lexicon", problems)
    merged: dict[str, Actor] = {}
    for actor in actors:  # a local entry with a known name adds aliases to it
        old = merged.get(actor.name)
        if old:
            actor = Actor(
                old.name,
                actor.state or old.state,
                actor.kind if actor.state else old.kind,
                actor.sponsor or old.sponsor,
                tuple(dict.fromkeys(old.aliases + actor.aliases)),
            )
        merged[actor.name] = actor
    lex = Lexicon(
        version=version,
        actors=merged,
        states=states_doc.get("states") or {},
        grammar=grammar,
        targeting=sectors_doc.get("targeting") or {},
        sector_rules=sectors_doc.get("rules") or {},
    )
    index: dict[str, list[Term]] = {}

    stems: set[str] = set()

    def add(pattern: str, term: Term) -> None:
        if "'" in pattern:  # feeds write the typographic apostrophe as often as the ASCII one
            add(pattern.replace("'", "\u2019"), term)
        key = fold(pattern.strip())
        if key.endswith("*"):  # an Estonian stem: matches its inflected forms
            key = key.rstrip("*")
            stems.add(key)
        if key:
            bucket = index.setdefault(key, [])
            if term not in bucket:
                bucket.append(term)

    ambiguous = _ambiguous(entries)
    for actor in merged.values():
        for alias in (actor.name, *actor.aliases):
            for variant in _variants(alias):
                add(
                    variant,
                    Term(
                        "alias",
                        actor.name,
                        original=variant,
                        ambiguous=(actor.name, alias) in ambiguous,
                    ),
                )
    for state, forms in lex.states.items():
        for role in ("names", "adjectives", "services", "weak_services"):
            for text in forms.get(role) or []:
                add(str(text), Term("state", state, role=role, original=str(text)))
                if str(text).endswith((" government", " regime")):  # "… Russian governments"
                    add(f"{text}s", Term("state", state, role=role, original=f"{text}s"))
    for sector, words in (sectors_doc.get("sectors") or {}).items():
        for word in words:
            add(str(word), Term("sector", sector, original=str(word)))
    for code, words in (countries_doc.get("countries") or {}).items():
        for word in words:
            # a short capitalised name ("US") is a pronoun in lower case: written exactly only
            short = str(word).isupper() and len(str(word)) <= 3
            add(str(word), Term("country", code, original=str(word), ambiguous=short))
    # every way of naming a state can name it as the victim ("ロシアの大手銀行が攻撃を受けた"):
    # where no country form shares the pattern, the state's own forms stand for its country,
    # and the clause's role decides (only a mention in the target role is a target)
    for forms in lex.states.values():
        iso = str(forms.get("iso") or "")
        for role in ("names", "adjectives") if iso else ():
            for text in forms.get(role) or []:
                key = fold(str(text).strip()).rstrip("*")
                if key and not any(t.kind == "country" for t in index.get(key, ())):
                    add(str(text), Term("country", iso, original=str(text)))
    # matched names that no rule reads, hiding the place or sector word inside them
    for word in (countries_doc.get("not_places") or []) + (sectors_doc.get("not_sectors") or []):
        add(str(word), Term("word", "", original=str(word)))
    # a partner's institutions, regions and cities name the country without naming it
    for code, by_sector in (countries_doc.get("institutions") or {}).items():
        for sector, words in (by_sector or {}).items():
            for word in words or []:
                role = "reporter" if sector == "reporters" else "institution"
                add(str(word), Term("country", code, role=role, original=str(word)))
                if sector not in ("-", "reporters"):  # a ministry is also its sector
                    add(str(word), Term("sector", str(sector), original=str(word)))
    lex.patterns = list(index)
    lex.terms = [index[p] for p in lex.patterns]
    cues: dict[str, list[str]] = {}
    for kind, words in (
        ("targeting", [w for ws in lex.targeting.values() for w in ws]),
        ("hedge", [w for ws in (grammar.get("hedges") or {}).values() for w in ws]),
        ("negation", [w for ws in (grammar.get("negations") or {}).values() for w in ws]),
        *((kind, list(words or [])) for kind, words in (grammar.get("attributors") or {}).items()),
    ):
        for word in words:
            key = fold(str(word).strip())
            if key.endswith("*"):
                key = key.rstrip("*")
                stems.add(key)
            if key and kind not in cues.setdefault(key, []):
                cues[key].append(kind)
    lex.cue_patterns = list(cues)
    lex.cue_kinds = [cues[p] for p in lex.cue_patterns]
    lex.stems = stems
    lex.compile()
    return lex


@functools.lru_cache(maxsize=1)
def actor_states() -> dict[str, str]:
    """Canonical group name → actor set, from the packaged actors.yaml (no automaton built)."""
    doc = yaml.load((PACKAGED / "actors.yaml").read_text(encoding="utf-8"), _FAST_LOADER) or {}
    return {
        str(a["name"]): str(a.get("set") or "")
        for a in doc.get("actors") or []
        if isinstance(a, dict) and "name" in a
    }
