# SPDX-License-Identifier: Apache-2.0
"""Tagging as a use case: tag stored items, re-tag the whole store, explain an item's tags,
and record an analyst's correction.

Analyst corrections are rows of their own (origin `analyst`), so a re-tag, which replaces only
the lexicon's rows, never undoes them.
"""

from __future__ import annotations

import collections
import os
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from .._workers import orphan_proof_pool
from ..brief.stories import Story
from ..config import Config
from ..errors import UsageError
from ..models import TLP, Clock, Evidence, StoredTag, StoryLink, effective_labels, utc_now
from ..store import items as item_table
from ..store import tags as tag_table
from ..store.db import transaction
from ..tag import Tagger
from ..tag.lexicon import Lexicon, fold
from ..vocab import SECTORS
from .stories import get_story, story_decisions

__all__ = [
    "RETAG_BATCH",
    "Explanation",
    "correct_tag",
    "evidence_for",
    "explain_item",
    "run_retag",
    "tag_items",
]


Taggings = list[tuple[str, tuple[Evidence, ...]]]


# a feed's kind (feeds.yaml) as the attribution type of a text that names no attributor
FEED_ATTRIBUTION = {"cert": "official", "government": "official", "vendor": "vendor"}


def evidence_for(tagger: Tagger, rows: Iterable[tuple[str, str, str, str, str]]) -> Taggings:
    """The evidence for each (id, title, summary, content, feed kind) row."""
    return [
        (
            item_id,
            tagger.tag(
                [("title", title or ""), ("summary", summary or ""), ("content", content or "")],
                FEED_ATTRIBUTION.get(kind or "", "media" if kind else ""),
            ).evidence,
        )
        for item_id, title, summary, content, kind in rows
    ]


def tag_items(
    db: sqlite_utils.Database, tagger: Tagger, item_ids: Sequence[str], now: datetime
) -> int:
    """Tag the given items and store the evidence; returns the count.

    Analyst corrections are kept: only the lexicon's own rows are replaced.
    """
    taggings = evidence_for(tagger, item_table.item_texts(db, item_ids))
    tag_table.save_taggings(db, taggings, tagger.version, now)
    return len(taggings)


RETAG_BATCH = 2_000  # items per transaction: fetch jobs can write between batches
_worker_tagger: Tagger | None = None


def _init_tag_worker(sources: tuple[Path, ...]) -> None:
    global _worker_tagger
    _worker_tagger = Tagger.default(list(sources))


def _tag_batch(rows: list[tuple[str, str, str, str, str]]) -> Taggings:
    """In a worker process: the evidence for each row."""
    assert _worker_tagger is not None
    return evidence_for(_worker_tagger, rows)


def run_retag(
    db: sqlite_utils.Database,
    tagger: Tagger | None = None,
    clock: Clock = utc_now,
    workers: int | None = None,
) -> int:
    """Re-run the tagger over every stored item (after a lexicon change); returns the count.

    Items are re-tagged in batches of RETAG_BATCH, one transaction each, so the database stays
    writable for fetches meanwhile; a stopped retag is finished by running it again. With
    several cores, worker processes tag while this process writes. Analyst corrections survive.
    """
    tagger = tagger or Tagger.default()
    now = clock()
    ids = item_table.item_ids(db)
    batches = [ids[n : n + RETAG_BATCH] for n in range(0, len(ids), RETAG_BATCH)]
    workers = min(os.cpu_count() or 1, len(batches)) if workers is None else workers
    if workers < 2 or tagger.sources is None:
        for batch in batches:
            results = evidence_for(tagger, item_table.item_texts(db, batch))
            with transaction(db):  # tagged first: the write lock is held only to write
                tag_table.save_taggings(db, results, tagger.version, now)
        return len(ids)
    with orphan_proof_pool(workers, _init_tag_worker, (tagger.sources,)) as pool:
        pending: collections.deque[Future[Taggings]] = collections.deque()
        for n, batch in enumerate(batches):
            pending.append(pool.submit(_tag_batch, list(item_table.item_texts(db, batch))))
            last = n == len(batches) - 1
            while pending and (last or len(pending) > 2 * workers):  # two per worker in flight
                results = pending.popleft().result()
                with transaction(db):
                    tag_table.save_taggings(db, results, tagger.version, now)
    return len(ids)


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why an item has its labels: the stored item, each tag row, and the labels that result
    after analysts' corrections."""

    item: dict[str, Any]
    tags: list[StoredTag]
    labels: dict[str, list[str]]
    story: Story | None = None  # the event it is part of, with why its items were merged
    decisions: tuple[StoryLink, ...] = ()  # analysts' joins and splits that hold this item


def explain_item(
    db: sqlite_utils.Database, item_id: str, config: Config | None = None
) -> Explanation:
    """The item and every tag behind its labels; with `config`, also the story it is part of
    (as briefs cluster it) and analysts' decisions about that story.

    Raises:
        UsageError: no such item.
    """
    item = item_table.get_item(db, item_id)
    tags = tag_table.item_tags(db, item_id)
    story = get_story(config, db, TLP.RED, item_id) if config is not None else None
    return Explanation(
        item, tags, effective_labels(tags), story, tuple(story_decisions(db, item_id))
    )


def correct_tag(
    db: sqlite_utils.Database,
    item_id: str,
    kind: str,
    value: str,
    action: str,
    note: str = "",
    *,
    now: datetime,
    lexicon: Lexicon | None = None,
    by: str = "",
) -> None:
    """Record an analyst's correction (`add` or `remove` one label) and who made it (`by`);
    it wins over the lexicon and survives re-tagging. `kind` may be spelt `actor-set` or
    `actor_set`.

    The value must be one the vocabulary knows: a sector of `vocab.SECTORS`, an ISO 3166
    alpha-2 target, an actor set or a group of `lexicon` (the packaged one by default; an
    alias is stored as the group's canonical name). A label the item has can always be
    removed, so a bad value stored before this check can still be taken off.

    Raises:
        UsageError: unknown item, kind, action or value.
    """
    kind = kind.replace("-", "_")
    try:
        value = _known_value(kind, value, lexicon or Tagger.default().lexicon)
    except UsageError:
        labels = effective_labels(tag_table.item_tags(db, item_id)).get(kind, [])
        if action != "remove" or value not in labels:
            raise
    with transaction(db):
        tag_table.add_analyst_tag(db, item_id, kind, value, action, note, now, by)


def _known_value(kind: str, value: str, lexicon: Lexicon) -> str:
    """`value` as stored for `kind` (an actor's canonical name for an alias).

    Raises:
        UsageError: a value the vocabulary does not know, with what to use instead.
    """
    if kind == "sector" and value not in SECTORS:
        raise UsageError(f"unknown sector {value!r}; use one of {', '.join(SECTORS)}")
    if kind == "target" and not re.fullmatch(r"[A-Z]{2}", value):
        raise UsageError(
            f"target {value!r} is not an ISO 3166 alpha-2 code; use two capital letters, "
            "e.g. EE or JP"
        )
    if kind == "actor_set" and value not in lexicon.actor_sets():
        raise UsageError(
            f"unknown actor set {value!r}; use one of {', '.join(sorted(lexicon.actor_sets()))}"
        )
    if kind == "actor":
        name = lexicon.actor_names().get(fold(value.strip()))
        if name is None:
            raise UsageError(
                f"unknown group {value!r}; use a group name or alias of the lexicon "
                "(add new groups with `threatbrief lexicon import` or actors.local.yaml)"
            )
        return name
    return value
