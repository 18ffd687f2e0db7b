# SPDX-License-Identifier: Apache-2.0
"""Clustered periods kept between requests, for as long as the store has not changed.

Clustering a month of a busy store takes seconds; readers of the workspace page through the
same month many times. A period's items, events and stories are kept per (store, period,
clearance, feed settings) until what stories are built from changes. A connection of our
own that never writes asks SQLite's `PRAGMA data_version`, which moves whenever any other
connection (another thread, `threatbrief run`, an analyst's CLI) commits; only then is the
store's story generation read (`store.stories.generation`, moved by triggers on items, tags
and story decisions), so a login, a feed's health or a brief's archive row keeps the
clustering, and a new item, a correction or a split throws it away. One computation per key
runs at a time, so twenty readers arriving together cluster once.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlite_utils

from ..brief.stories import Event, Story
from ..models import BriefItem
from ..store.stories import generation

__all__ = ["Window", "cached_window", "find_cached_story"]

KEEP = 4  # windows kept per process; a month of a busy store is tens of megabytes


@dataclass
class Window:
    """One period at one clearance: its items, its events and their stories (no partner)."""

    items: list[BriefItem]
    events: list[Event]
    stories: list[Story]
    by_item: dict[str, int] = field(default_factory=dict)  # item id -> index in events
    ranked: list[int] = field(default_factory=list)  # indexes, best story first

    def __post_init__(self) -> None:
        self.by_item = {i.id: n for n, event in enumerate(self.events) for i in event}
        self.ranked = sorted(
            range(len(self.stories)),
            key=lambda n: (-self.stories[n].score, self.stories[n].title),
        )


class _Watch:
    """A read-only connection that tells whether anything committed since it last looked."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=5
        )
        self._lock = threading.Lock()

    def version(self) -> int:
        with self._lock:
            return int(self._conn.execute("pragma data_version").fetchone()[0])


_lock = threading.Lock()
_watches: dict[str, _Watch] = {}
# key -> (data_version when last seen current, story generation, window)
_windows: OrderedDict[tuple[object, ...], tuple[int, int, Window]] = OrderedDict()
_computing: dict[tuple[object, ...], threading.Lock] = {}


def _path(db: sqlite_utils.Database) -> str:
    for _seq, name, file in db.execute("pragma database_list").fetchall():
        if name == "main":
            return str(file or "")
    return ""


def _version(path: str) -> int:
    with _lock:
        watch = _watches.get(path)
        if watch is None:
            watch = _watches[path] = _Watch(path)
    return watch.version()


def cached_window(
    db: sqlite_utils.Database, key: tuple[object, ...], build: Callable[[], Window]
) -> Window:
    """The window for `key` in this store, built by `build` unless it is kept and the store
    has not changed since. A store with no file (in memory) is never kept."""
    path = _path(db)
    if not path:
        return build()
    full = (path, *key)
    with _lock:
        computing = _computing.setdefault(full, threading.Lock())
    with computing:
        kept = _current(db, path, full)
        if kept is not None:
            return kept
        version = _version(path)  # read before the generation: a commit between is seen next
        made = generation(db)
        window = build()
        with _lock:
            _windows[full] = (version, made, window)
            _windows.move_to_end(full)
            while len(_windows) > KEEP:
                old, _ = _windows.popitem(last=False)
                _computing.pop(old, None)
        return window


def _current(db: sqlite_utils.Database, path: str, full: tuple[object, ...]) -> Window | None:
    """The kept window for `full` if nothing it was built from has changed since."""
    with _lock:
        kept = _windows.get(full)
    if kept is None:
        return None
    seen, made, window = kept
    version = _version(path)
    if version != seen:
        if generation(db) != made:
            return None
        with _lock:  # something else committed (a login, a feed's health): still current
            _windows[full] = (version, made, window)
    with _lock:
        if full in _windows:
            _windows.move_to_end(full)
    return window


def find_cached_story(
    db: sqlite_utils.Database, item_id: str, match: Callable[[tuple[object, ...]], bool]
) -> Story | None:
    """The story of `item_id` in a kept, current window whose key `match` accepts (the same
    clearance and feed settings), newest first; None when no such window holds it."""
    path = _path(db)
    if not path:
        return None
    with _lock:
        keys = [k for k in reversed(_windows) if k[0] == path and match(k[1:])]
    for key in keys:
        window = _current(db, path, key)
        if window is not None and item_id in window.by_item:
            return window.stories[window.by_item[item_id]]
    return None
