# SPDX-License-Identifier: Apache-2.0
"""Closed lists and their display names: sectors, tag kinds, actor sets, countries, languages.

The one place a label's spelling is decided. Validators (config, subscribers, analyst
corrections) check against the closed lists here, and templates, STIX names and digests show
the display names. `lexicon/sectors.yaml` and `share.stix.STIX_SECTORS` are keyed on
`SECTORS`, which a test checks. No I/O and no imports of ours.
"""

from __future__ import annotations

import enum

__all__ = [
    "counted",
    "COUNTRY_NAMES",
    "LANGUAGE_NAMES",
    "MAIN_SETS",
    "PARTNER_LANGUAGES",
    "ROLES",
    "SECTORS",
    "SECTOR_NAMES",
    "SET_NAMES",
    "TAG_KINDS",
    "TagKind",
    "country_name",
    "sector_name",
    "set_name",
]


class TagKind(enum.StrEnum):
    """What a label says about an item (the `kind` column of `tags`)."""

    ACTOR_SET = "actor_set"
    ACTOR = "actor"
    SECTOR = "sector"
    TARGET = "target"


TAG_KINDS: tuple[str, ...] = tuple(k.value for k in TagKind)

# Workspace roles, each with everything the one before it may do: readers read and build
# briefs; analysts also correct labels and stories; admins also manage feeds, subscribers,
# partners and users.
ROLES: tuple[str, ...] = ("reader", "analyst", "admin")

# The fixed sector list of DESIGN.md §4, with the words a sentence uses for each.
SECTOR_NAMES: dict[str, str] = {
    "government": "government",
    "defence": "defence",
    "energy": "energy",
    "finance": "finance",
    "health": "health",
    "telecom": "telecommunications",
    "transport": "transport",
    "manufacturing": "manufacturing",
    "education-research": "education and research",
    "media": "media",
    "elections": "elections",
    "it-services": "IT services",
    "critical-infrastructure-other": "other critical infrastructure",
    "crypto-currency": "cryptocurrency",
}
SECTORS: tuple[str, ...] = tuple(SECTOR_NAMES)

# Display names of the actor sets the lexicon knows; the set itself is open (any state of
# lexicon/states.yaml), so an unlisted key is shown as it is.
SET_NAMES: dict[str, str] = {
    "china": "China",
    "north-korea": "North Korea",
    "russia": "Russia",
    "iran": "Iran",
    "belarus": "Belarus",
    "vietnam": "Vietnam",
    "pakistan": "Pakistan",
    "india": "India",
    "turkey": "Türkiye",
    "lebanon": "Lebanon",
    "united-states": "United States",
    "united-arab-emirates": "United Arab Emirates",
}
# The actor sets a brief treats first, in the order of the report's first chapter.
MAIN_SETS: tuple[str, ...] = ("china", "north-korea", "russia")

# ISO 3166 alpha-2 codes as a sentence names them ("targets in the Netherlands").
COUNTRY_NAMES: dict[str, str] = {
    "EE": "Estonia",
    "JP": "Japan",
    "US": "the United States",
    "GB": "the United Kingdom",
    "UA": "Ukraine",
    "KR": "South Korea",
    "TW": "Taiwan",
    "DE": "Germany",
    "FR": "France",
    "NL": "the Netherlands",
    "PL": "Poland",
    "LV": "Latvia",
    "LT": "Lithuania",
    "FI": "Finland",
    "AU": "Australia",
    "CA": "Canada",
    "IN": "India",
    "RU": "Russia",
    "CN": "China",
    "EU": "the EU institutions",
    "AL": "Albania",
    "AF": "Afghanistan",
    "AE": "the United Arab Emirates",
    "MD": "Moldova",
    "IL": "Israel",
    "IR": "Iran",
    "KP": "North Korea",
    "BY": "Belarus",
    "SE": "Sweden",
    "NO": "Norway",
    "DK": "Denmark",
    "CZ": "Czechia",
    "IT": "Italy",
    "ES": "Spain",
    "BE": "Belgium",
    "AT": "Austria",
    "GE": "Georgia",
    "NZ": "New Zealand",
    "PK": "Pakistan",
    "PH": "the Philippines",
    "VN": "Vietnam",
    "SG": "Singapore",
    "SA": "Saudi Arabia",
    "CH": "Switzerland",
    "IE": "Ireland",
    "PT": "Portugal",
    "GR": "Greece",
    "RO": "Romania",
    "BG": "Bulgaria",
    "HU": "Hungary",
    "SK": "Slovakia",
    "SI": "Slovenia",
    "HR": "Croatia",
    "RS": "Serbia",
    "ME": "Montenegro",
    "TR": "Türkiye",
    "MX": "Mexico",
    "BR": "Brazil",
    "CL": "Chile",
    "AR": "Argentina",
    "CO": "Colombia",
    "CR": "Costa Rica",
    "EG": "Egypt",
    "SD": "Sudan",
    "TZ": "Tanzania",
    "KE": "Kenya",
    "NG": "Nigeria",
    "ZA": "South Africa",
    "MA": "Morocco",
    "MM": "Myanmar",
    "KH": "Cambodia",
    "TH": "Thailand",
    "MY": "Malaysia",
    "ID": "Indonesia",
    "LK": "Sri Lanka",
    "BD": "Bangladesh",
    "NP": "Nepal",
    "MN": "Mongolia",
    "KZ": "Kazakhstan",
    "AZ": "Azerbaijan",
    "AM": "Armenia",
    "IQ": "Iraq",
    "SY": "Syria",
    "JO": "Jordan",
    "QA": "Qatar",
    "KW": "Kuwait",
    "LB": "Lebanon",
}
# A partner's own language: a source in it counts towards the partner's relevance.
PARTNER_LANGUAGES: dict[str, str] = {"EE": "et", "JP": "ja"}
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "ja": "Japanese",
    "et": "Estonian",
    "fr": "French",
    "uk": "Ukrainian",
    "de": "German",
    "it": "Italian",
    "es": "Spanish",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "cs": "Czech",
    "fi": "Finnish",
    "sv": "Swedish",
    "lv": "Latvian",
    "lt": "Lithuanian",
    "ru": "Russian",
    "ko": "Korean",
    "zh": "Chinese",
}


def set_name(key: str) -> str:
    """ "North Korea" for `north-korea`; an unknown key as it is."""
    return SET_NAMES.get(key, key)


def sector_name(key: str) -> str:
    """ "education and research" for `education-research`; an unknown key as it is."""
    return SECTOR_NAMES.get(key, key)


def country_name(code: str) -> str:
    """ "the Netherlands" for `NL`; an unknown code as it is."""
    return COUNTRY_NAMES.get(code, code)


_WORDS = "zero one two three four five six seven eight nine".split()


def counted(n: int, noun: str, *, opening: bool = False) -> str:
    """`1 item`, `3 items`, `2 stories`, `3 days`: a count with its noun in the right
    number. A count `opening` a sentence is a word up to nine ("One more report …")."""
    number = _WORDS[n].capitalize() if opening and 0 <= n < len(_WORDS) else str(n)
    if n == 1:
        return f"{number} {noun}"
    consonant_y = noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u")
    return f"{number} {noun[:-1] + 'ies' if consonant_y else noun + 's'}"
