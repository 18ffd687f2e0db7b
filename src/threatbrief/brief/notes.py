# SPDX-License-Identifier: Apache-2.0
"""The brief's numbered notes: each source cited in full once, then in a short form."""

from __future__ import annotations

from collections.abc import Sequence

from ..models import BriefItem, PartnerAssessment
from .context import Footnote
from .prose import the
from .stories import Story

BACKING = 3  # notes a sentence carries at most: those of its best-ranked stories

__all__ = ["Notes"]


def _opening(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


class Notes:
    """Numbered footnotes in order of first use; a repeated source gets a short form."""

    def __init__(self) -> None:
        self.notes: list[Footnote] = []
        self._by_item: dict[str, int] = {}

    def cite(self, item: BriefItem) -> int:
        first = item.id not in self._by_item
        number = len(self.notes) + 1
        self.notes.append(
            Footnote(
                number,
                item.publisher,
                # a feed entry with no title is cited by its opening words, never as ""
                item.title.strip() or _opening(item.summary) or "untitled report",
                item.published_at.strftime("%-d %B %Y") if item.published_at else "date unknown",
                item.url,
                item.lang,
                short=not first,
                via=item.via if item.via and item.via != item.publisher else "",
            )
        )
        self._by_item.setdefault(item.id, number)
        return number

    def of(self, stories: Sequence[Story], most: int = BACKING) -> list[int]:
        """The notes a sentence resting on `stories` carries: the first note of each of the
        first `most` (the best ranked), citing a story's lead item if it has none yet."""
        for story in stories[:most]:
            if not story.notes:
                story.notes = [self.cite(story.items[0])]
        return sorted({s.notes[0] for s in stories[:most]})

    def number(self, item: BriefItem) -> int:
        """The note on `item`: its first one, or a new one."""
        return self._by_item.get(item.id) or self.cite(item)

    def also(self, story: Story, lead: str = "", most: int = 2) -> None:
        """The other publishers of a key story, each with a note on its first report, for
        the sentence "Also reported by CISA."; `lead` (by default the lead item's publisher)
        is the one the lede names."""
        if story.also:
            return
        lead = lead or story.items[0].publisher
        for item in story.items:
            if item.publisher != lead and item.publisher not in story.also:
                story.also.append(item.publisher)
                story.also_names.append(the(item.publisher))
                story.also_notes.append(self.number(item))
                if len(story.also) == most:
                    break

    def cite_assessment(self, a: PartnerAssessment) -> int:
        number = len(self.notes) + 1
        date = a.published.strftime("%-d %B %Y") if a.published else "date unknown"
        self.notes.append(
            Footnote(number, a.partner, a.name, f"{date}, TLP:{a.tlp.label.upper()}", a.url, "en")
        )
        return number
