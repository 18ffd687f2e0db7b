# SPDX-License-Identifier: Apache-2.0
"""Helpers that every table module of the store shares: rows as dicts, timestamps, chunks of
parameters, and the TLP level as SQL. Package-private: only `store/` imports it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlite_utils
from sqlite_utils.db import Table

from ..models import TLP

__all__ = [
    "BATCH",
    "TLP_LEVEL_SQL",
    "chunks",
    "decode_tlp",
    "marks",
    "rows",
    "table",
    "ts",
    "ts_precise",
]

T = TypeVar("T")
# SQLite's default limit is 999 host parameters per statement on old builds; stay well below.
BATCH = 400

# A stored TLP label as its level, for `where <level> <= :clearance`; an unreadable label is
# the most restrictive.
TLP_LEVEL_SQL = (
    "case tlp when 'clear' then 0 when 'green' then 1 when 'amber' then 2 "
    "when 'amber+strict' then 3 else 4 end"
)


def ts(value: datetime | None) -> str | None:
    """A timestamp as stored: ISO 8601 to the second, or None."""
    return value.isoformat(timespec="seconds") if value else None


def ts_precise(value: datetime) -> str:
    """Microsecond timestamps for what digests compare against their window, so an item
    stored in the same second as a digest run is never lost between two windows."""
    return value.isoformat(timespec="microseconds")


def rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    """A query's rows as dicts keyed by column name."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def table(db: sqlite_utils.Database, name: str) -> Table:
    """A table (never a view) of the database, typed for mypy."""
    found = db[name]
    assert isinstance(found, Table)
    return found


def chunks(values: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    """`values` in slices of at most `size`, for `in (?, ?, …)` lists."""
    for i in range(0, len(values), size):
        yield values[i : i + size]


def marks(values: Sequence[object]) -> str:
    """`?,?,?` for a parameter list of `values`."""
    return ",".join("?" * len(values))


def decode_tlp(value: str | None) -> TLP:
    """The stored TLP label as a level; an unreadable label is the most restrictive."""
    return TLP.read(value)
