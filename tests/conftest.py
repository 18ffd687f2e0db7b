# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures: clean environment, loopback-only network guard, fixed clock, real SQLite."""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from aiosmtpd.controller import Controller

from helpers import Sink, free_port
from threatbrief.store.db import open_db

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)

_guard = {"on": False}


def _loopback_only(event: str, args: tuple[Any, ...]) -> None:
    """Audit hook: any connect to a non-loopback address fails the test run loudly."""
    if not _guard["on"] or event != "socket.connect":
        return
    address = args[1]
    if not isinstance(address, tuple):
        return  # unix sockets
    host = str(address[0])
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        raise RuntimeError(f"test tried to connect to a hostname {host!r}") from None
    inner = getattr(ip, "ipv4_mapped", None) or ip
    if not inner.is_loopback:
        raise RuntimeError(f"test tried to connect to non-loopback address {host}")


sys.addaudithook(_loopback_only)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/data/expected/*.json from the current parser output",
    )


@pytest.fixture(autouse=True)
def network_guard() -> Iterator[None]:
    _guard["on"] = True
    yield
    _guard["on"] = False


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("THREATBRIEF_") or key.lower() in (
            "http_proxy",
            "https_proxy",
            "all_proxy",
            "no_proxy",
        ):
            monkeypatch.delenv(key, raising=False)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    database = open_db(tmp_path / "test.db")
    yield database
    database.close()


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and an ephemeral port, and what it received."""
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()
