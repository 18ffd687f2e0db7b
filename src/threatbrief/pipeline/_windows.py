# SPDX-License-Identifier: Apache-2.0
"""Clustered periods kept between requests, for as long as the store has not changed.

Clustering a month of a busy store takes seconds; readers of the workspace page through the
same month many times. A period's items, events and stories are kept per (store, period,
clearance, feed settings), and thrown away as soon as anything commits to the store: a
connection of our own that never writes asks SQLite's `PRAGMA data_version`, which changes
whenever any other connection (another thread, `threatbrief run`, an analyst's CLI) commits.
One computation per key runs at a time, so twenty readers arriving together cluster once.
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

__all__ = ["Window", "cached_window", "find_cached_story"]

KEEP = 4  # windows kept per process; a month of a busy store is tens of megabytes


@dataclass
class Window:
    """One period at one clearance: its items, its events and their stories (no partner)."""

    items: list[BriefItem]
    events: list[Event]
    stories: list[Story]
    by_item: dict[str, int] = field(default_factory=dict)  # item id -> index in events

    def __post_init__(self) -> None:
        self.by_item = {i.id: n for n, event in enumerate(self.events) for i in event}


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
_windows: OrderedDict[tuple[object, ...], tuple[int, Window]] = OrderedDict()
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
        version = _version(path)
        with _lock:
            kept = _windows.get(full)
            if kept is not None and kept[0] == version:
                _windows.move_to_end(full)
                return kept[1]
        window = build()
        with _lock:
            _windows[full] = (version, window)
            _windows.move_to_end(full)
            while len(_windows) > KEEP:
                old, _ = _windows.popitem(last=False)
                _computing.pop(old, None)
        return window


def find_cached_story(
    db: sqlite_utils.Database, item_id: str, match: Callable[[tuple[object, ...]], bool]
) -> Story | None:
    """The story of `item_id` in a kept, current window whose key `match` accepts (the same
    clearance and feed settings), newest first; None when no such window holds it."""
    path = _path(db)
    if not path:
        return None
    version = _version(path)
    with _lock:
        kept = [(k, v) for k, v in reversed(_windows.items()) if k[0] == path]
    for key, (seen, window) in kept:
        if seen == version and match(key[1:]) and item_id in window.by_item:
            return window.stories[window.by_item[item_id]]
    return None
