# SPDX-License-Identifier: Apache-2.0
"""The `users` table: workspace accounts with their role, clearance, password hash and failed
logins. Call the writers inside `store.db.transaction`."""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from ..models import User
from ._sql import decode_tlp, rows, table, ts

__all__ = [
    "delete_user",
    "get_user",
    "note_login",
    "password_hash",
    "save_user",
    "set_password_hash",
    "users",
]


def _user(r: dict[str, object]) -> User:
    return User(
        email=str(r["email"]),
        role=str(r["role"]),
        tlp=decode_tlp(str(r["tlp"])),
        created_at=str(r["created_at"] or ""),
        failed_logins=int(str(r["failed_logins"] or 0)),
        last_failed_at=str(r["last_failed_at"]) if r["last_failed_at"] else None,
    )


_COLUMNS = "email, role, tlp, created_at, failed_logins, last_failed_at"


def users(db: sqlite_utils.Database) -> list[User]:
    """Every user, by address."""
    return [_user(r) for r in rows(db.execute(f"select {_COLUMNS} from users order by email"))]


def get_user(db: sqlite_utils.Database, email: str) -> User | None:
    """One user, or None."""
    found = rows(db.execute(f"select {_COLUMNS} from users where email = ?", [email]))
    return _user(found[0]) if found else None


def password_hash(db: sqlite_utils.Database, email: str) -> str | None:
    """The stored argon2 hash of a user's password, or None for an unknown address."""
    row = db.execute("select password_hash from users where email = ?", [email]).fetchone()
    return str(row[0]) if row else None


def save_user(db: sqlite_utils.Database, user: User, hashed: str, now: datetime) -> None:
    """Insert a new user."""
    table(db, "users").insert(
        {
            "email": user.email,
            "role": user.role,
            "tlp": user.tlp.label,
            "password_hash": hashed,
            "created_at": ts(now),
            "updated_at": ts(now),
            "failed_logins": 0,
        }
    )


def set_password_hash(db: sqlite_utils.Database, email: str, hashed: str, now: datetime) -> bool:
    """Replace a user's password hash; False for an unknown address."""
    return (
        db.execute(
            "update users set password_hash = ?, updated_at = ?, failed_logins = 0 where email = ?",
            [hashed, ts(now), email],
        ).rowcount
        > 0
    )


def note_login(db: sqlite_utils.Database, email: str, ok: bool, now: datetime) -> None:
    """Count a failed login (or clear the count after a good one)."""
    if ok:
        db.execute("update users set failed_logins = 0 where email = ?", [email])
    else:
        db.execute(
            "update users set failed_logins = failed_logins + 1, last_failed_at = ? "
            "where email = ?",
            [ts(now), email],
        )


def delete_user(db: sqlite_utils.Database, email: str) -> bool:
    """Remove a user; False if there was none."""
    return db.execute("delete from users where email = ?", [email]).rowcount > 0
