# SPDX-License-Identifier: Apache-2.0
"""The sentence templates of the brief at 0, 1, 2 and many (issue #13, grammar)."""

from __future__ import annotations

import pytest

from threatbrief.brief.write import _groups_sentence, _linked, _targets_sentence, _trend


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ([], ""),
        (["Russia"], "Russia-linked"),
        (["China", "North Korea"], "China- and North Korea-linked"),
        (["Russia", "China", "North Korea"], "Russia-, China- and North Korea-linked"),
    ],
    ids=["none", "one", "two", "many"],
)
def test_a_suspended_compound_carries_its_hyphens(names: list[str], expected: str) -> None:
    assert _linked(names) == expected


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ([], ""),
        (["Sea Turtle"], "The group named was Sea Turtle."),
        (["APT28", "APT29"], "The groups named were APT28 and APT29."),
        (["APT28", "APT29", "Turla"], "The groups named were APT28, APT29 and Turla."),
    ],
    ids=["none", "one", "two", "many"],
)
def test_groups_agree_in_number(groups: list[str], expected: str) -> None:
    assert _groups_sentence(groups) == expected


@pytest.mark.parametrize(
    ("sectors", "countries", "expected"),
    [
        ([], [], ""),
        (["government"], [], "They were reported to target the government sector."),
        (
            ["government", "telecommunications"],
            ["Estonia"],
            "They were reported to target the government and telecommunications sectors "
            "in Estonia.",
        ),
        (
            [],
            ["Estonia", "Japan"],
            "They were reported to target organisations in Estonia and Japan.",
        ),
        (
            ["education and research", "government"],
            [],
            "They were reported to target the education and research, and government sectors.",
        ),
        (
            ["finance", "energy", "health"],
            ["Estonia", "Japan", "Latvia"],
            "They were reported to target the finance, energy and health sectors in Estonia, "
            "Japan and Latvia.",
        ),
    ],
    ids=["none", "one-sector", "two-sectors-one-country", "countries-only", "own-and", "many"],
)
def test_targets_read_as_one_sentence(
    sectors: list[str], countries: list[str], expected: str
) -> None:
    assert _targets_sentence(sectors, countries) == expected


def test_a_trend_never_says_new_this_period_twice() -> None:
    assert _trend(3, 0) == "with none in the previous period"
    assert _trend(0, 0) == "none in either period"
    assert _trend(2, 8).startswith("down 75% from 8")
