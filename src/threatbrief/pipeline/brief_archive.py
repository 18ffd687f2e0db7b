# SPDX-License-Identifier: Apache-2.0
"""Briefs on demand and their archive, as the workspace uses them: read a period from a
form, build a brief at the asker's clearance into the store's own folder, list what the
archive holds at a clearance, and hand back a brief's bytes only while they still match the
checksum the archive recorded.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from ..config import Config
from ..errors import UsageError
from ..models import TLP, Period, check_year
from ..render import CJK_FONT
from ..store import briefs as brief_table
from .briefs import BriefResult, run_brief

__all__ = [
    "BRIEF_FORMATS",
    "CJK_FONT",
    "ArchivedBrief",
    "archived_brief",
    "archived_briefs",
    "brief_bytes",
    "brief_folder",
    "read_period",
    "request_brief",
]

# format -> media type of the download
BRIEF_FORMATS = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "json": "application/json",
}


@dataclass(frozen=True)
class ArchivedBrief:
    """One brief of the archive: what it covers, at which TLP, who asked and its checksum."""

    id: int
    created_at: str
    period_start: str
    period_end: str
    partners: str
    tlp: str
    fmt: str
    path: str
    sha256: str
    items: int
    requested_by: str

    @property
    def level(self) -> TLP:
        return TLP.read(self.tlp)

    @property
    def filename(self) -> str:
        return Path(self.path).name

    @property
    def media_type(self) -> str:
        return BRIEF_FORMATS.get(self.fmt, "application/octet-stream")


def _instant(text: str) -> datetime:
    """A date (midnight UTC) or an ISO time (UTC if it has no offset)."""
    value = datetime.fromisoformat(text)
    if "T" not in text:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def read_period(
    since: str | None, until: str | None, shorthand: str | None, now: datetime, flag: str = ""
) -> Period:
    """A period from since/until dates or a shorthand: 2026-10, 2026-W44, last-7d. `flag`
    prefixes the field names in messages (the command line passes "--").

    Raises:
        UsageError: unreadable dates, a year outside 1990-2100, an empty or reversed range.
    """
    try:
        if shorthand:
            return Period.from_shorthand(shorthand, now)
        if not since or not until:
            raise UsageError(
                f"give {flag}since and {flag}until (YYYY-MM-DD), or {flag}period "
                "(e.g. 2026-10, 2026-W44, last-30d)"
            )
        start, end = _instant(since), _instant(until)
        check_year(start.year)
        check_year(end.year)
    except (ValueError, OverflowError) as exc:  # OverflowError: year 1 moved to UTC
        raise UsageError(f"cannot read the period: {exc}") from exc
    if end <= start:
        raise UsageError(f"{flag}since ({since}) must be before {flag}until ({until})")
    return Period(start, end)


def brief_folder(db_path: Path) -> Path:
    """Where the workspace writes the briefs it is asked for: a folder beside the store."""
    return db_path.parent / f"{db_path.stem}-briefs"


def request_brief(
    config: Config,
    db: sqlite_utils.Database,
    folder: Path,
    period: Period,
    partners: list[str],
    fmt: str,
    *,
    clearance: TLP,
    requested_by: str,
    user_clearance: TLP,
) -> ArchivedBrief:
    """Build one brief for `requested_by` into `folder` and archive it.

    Raises:
        UsageError: a clearance above the user's own, an unknown format or partner code.
    """
    if clearance > user_clearance:
        raise UsageError(
            f"TLP:{clearance.label.upper()} is above your clearance "
            f"(TLP:{user_clearance.label.upper()})"
        )
    if fmt not in BRIEF_FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(BRIEF_FORMATS)}")
    folder.mkdir(parents=True, exist_ok=True)
    name = (
        f"brief-{'-'.join(partners)}-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}"
        f"-{secrets.token_hex(4)}.{fmt}"
    )
    result: BriefResult = run_brief(
        config,
        db,
        period,
        partners,
        folder / name,
        fmt,
        clearance=clearance,
        requested_by=requested_by,
    )
    found = archived_brief(db, result.brief_id, user_clearance)
    assert found is not None  # just written, at or below the clearance it was asked for
    return found


def _archived(row: dict[str, object]) -> ArchivedBrief:
    return ArchivedBrief(
        id=int(str(row["id"])),
        created_at=str(row["created_at"] or ""),
        period_start=str(row["period_start"] or ""),
        period_end=str(row["period_end"] or ""),
        partners=str(row["partners"] or ""),
        tlp=str(row["tlp"] or ""),
        fmt=str(row["format"] or ""),
        path=str(row["path"] or ""),
        sha256=str(row["sha256"] or ""),
        items=int(str(row["items"] or 0)),
        requested_by=str(row.get("requested_by") or ""),
    )


def archived_briefs(
    db: sqlite_utils.Database, clearance: TLP, limit: int = 100
) -> list[ArchivedBrief]:
    """The newest briefs of the archive whose TLP is at or below `clearance`: a brief above
    it is not listed, not even by name."""
    levels = [level.label for level in TLP if level <= clearance]
    return [_archived(r) for r in brief_table.list_briefs(db, levels, limit)]


def archived_brief(
    db: sqlite_utils.Database, brief_id: int, clearance: TLP
) -> ArchivedBrief | None:
    """One brief of the archive, or None when there is none or it is above `clearance`."""
    row = brief_table.get_brief(db, brief_id)
    if row is None:
        return None
    brief = _archived(row)
    return brief if brief.level <= clearance else None


def brief_bytes(brief: ArchivedBrief) -> bytes:
    """The brief's file, checked against the archive's checksum.

    Raises:
        UsageError: the file is gone, or changed since it was written.
    """
    path = Path(brief.path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"brief {brief.id} is no longer at {path}: {exc.strerror}") from exc
    if hashlib.sha256(data).hexdigest() != brief.sha256:
        raise UsageError(f"brief {brief.id} changed since it was written; not served")
    return data
