# SPDX-License-Identifier: Apache-2.0
"""Workspace users as a use case: add, list, remove, change a password, and check a login.

Passwords are hashed with argon2id (argon2-cffi's defaults, which follow RFC 9106) and never
stored or logged in clear. A failed login is counted, and each one after the third makes the
next attempt wait longer (`login_delay`), so guessing is slow while a typo costs nothing.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import UsageError
from ..models import TLP, User
from ..store import users as user_table
from ..store.db import transaction
from ..vocab import ROLES
from .subscribers import normalized_address

__all__ = [
    "MIN_PASSWORD",
    "LoginResult",
    "add_user",
    "change_password",
    "check_login",
    "get_user",
    "list_users",
    "login_delay",
    "new_password",
    "remove_user",
]

MIN_PASSWORD = 12
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to check when the address is unknown, so that a wrong address and a wrong
    password take the same time. Made on the first login, not at import: every command
    imports this module and an argon2 hash costs a tenth of a second."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def _address(email: str) -> str:
    """A user's address as a login: validated and wholly lower-case (people type their
    address as they like; a mailbox's local part may be case-sensitive, a login is not).

    Raises:
        UsageError: not an email address.
    """
    return normalized_address(email).lower()


def new_password() -> str:
    """A random password to hand over once (about 120 bits)."""
    return secrets.token_urlsafe(15)


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"a password needs at least {MIN_PASSWORD} characters")
    if password != password.strip() or any(ord(c) < 32 for c in password):
        raise UsageError("a password cannot start or end with a space or hold control characters")
    return password


def add_user(
    db: sqlite_utils.Database,
    email: str,
    role: str,
    clearance: str,
    password: str,
    *,
    now: datetime,
) -> User:
    """Create a user with a role and a TLP clearance.

    Raises:
        UsageError: an invalid address, role, level or password, or an existing user.
    """
    address = _address(email)
    if role not in ROLES:
        raise UsageError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    try:
        level = TLP.parse(clearance)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    hashed = _HASHER.hash(_checked_password(password))
    user = User(address, role, level)
    with transaction(db):
        if user_table.get_user(db, address) is not None:
            raise UsageError(f"{address} is already a user; use `users passwd` to reset")
        user_table.save_user(db, user, hashed, now)
    return user


def get_user(db: sqlite_utils.Database, email: str) -> User | None:
    """The user with this address, or None."""
    try:
        return user_table.get_user(db, _address(email))
    except UsageError:
        return None


def list_users(db: sqlite_utils.Database) -> list[User]:
    """Every user, by address (never their password hash)."""
    return user_table.users(db)


def remove_user(db: sqlite_utils.Database, email: str) -> str:
    """Remove a user; their address.

    Raises:
        UsageError: no such user.
    """
    address = _address(email)
    with transaction(db):
        if not user_table.delete_user(db, address):
            raise UsageError(f"no user {address}")
    return address


def change_password(db: sqlite_utils.Database, email: str, password: str, *, now: datetime) -> None:
    """Set a new password (and clear the failed logins).

    Raises:
        UsageError: no such user, or a password too weak.
    """
    address = _address(email)
    hashed = _HASHER.hash(_checked_password(password))
    with transaction(db):
        if not user_table.set_password_hash(db, address, hashed, now):
            raise UsageError(f"no user {address}")


def login_delay(failures: int) -> float:
    """Seconds to wait before checking a login after `failures` failed ones in a row: none for
    the first three, then doubling up to a minute."""
    return 0.0 if failures < 3 else float(min(2 ** (failures - 3), 60))


@dataclass(frozen=True, slots=True)
class LoginResult:
    """A checked login: the user when it succeeded, and how long the caller should have
    waited before checking it (the face does the waiting; the use case never sleeps)."""

    user: User | None
    delay: float


def check_login(
    db: sqlite_utils.Database, email: str, password: str, *, now: datetime
) -> LoginResult:
    """Check an address and password. A wrong address and a wrong password look the same."""
    try:
        address = _address(email)
    except UsageError:
        address = ""
    user = user_table.get_user(db, address) if address else None
    delay = login_delay(user.failed_logins) if user else 0.0
    stored = user_table.password_hash(db, address) if user else None
    try:
        _HASHER.verify(stored or _dummy_hash(), password)
        ok = stored is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if user is not None:
        with transaction(db):
            user_table.note_login(db, address, ok, now)
            if ok and stored and _HASHER.check_needs_rehash(stored):
                user_table.set_password_hash(db, address, _HASHER.hash(password), now)
    return LoginResult(user if ok else None, delay)
