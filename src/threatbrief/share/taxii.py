# SPDX-License-Identifier: Apache-2.0
"""TAXII 2.1 exchange with taxii2-client: publish a bundle to a collection, poll one.

Credentials come from THREATBRIEF_TAXII_USER and THREATBRIEF_TAXII_PASSWORD, never from
files. Polling reads the collection's manifest first, for the newest `date_added`, then the
objects added after the stored bookmark: an object added in between is read twice (imports are
idempotent), never missed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from taxii2client.common import _HTTPConnection
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import Collection, as_pages

from .. import __version__
from .._net import is_loopback_host
from ..errors import ShareError
from .partner import MAX_OBJECTS

__all__ = ["collection", "fetch_new", "publish"]

PAGE = 100
MAX_PAGES = 1_000
TIMEOUT = (10.0, 120.0)  # seconds to connect, and between bytes


class _Deadline(HTTPAdapter):
    """requests waits forever by default; every TAXII request gets a connect and read limit."""

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        return super().send(request, stream, timeout or TIMEOUT, verify, cert, proxies)


def collection(api_root: str, collection_id: str, environ: Mapping[str, str]) -> Collection:
    """A taxii2-client collection at `api_root`, with credentials from the environment and
    time limits on every request."""
    parts = urlsplit(api_root)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ShareError(f"the TAXII address must be an http(s) URL, not {api_root!r}")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ShareError(
            f"TAXII over plain http is allowed only to a loopback host, not {parts.hostname}: "
            "credentials and assessments would cross the network in clear"
        )
    conn = _HTTPConnection(
        user=environ.get("THREATBRIEF_TAXII_USER") or None,
        password=environ.get("THREATBRIEF_TAXII_PASSWORD") or None,
        user_agent=f"threatbrief/{__version__}",
        version="2.1",
    )
    for scheme in ("http://", "https://"):
        conn.session.mount(scheme, _Deadline())
    return Collection(f"{api_root.rstrip('/')}/collections/{collection_id}/", conn=conn)


def _within_limits(pages: int, objects: int) -> None:
    """A server that never stops saying `more` must not keep a poll going forever."""
    if pages >= MAX_PAGES or objects > MAX_OBJECTS:
        raise ShareError(
            f"TAXII poll stopped: more than {MAX_PAGES:,} pages or {MAX_OBJECTS:,} objects "
            "since the bookmark; nothing was imported"
        )


def _failure(action: str, exc: Exception) -> ShareError:
    return ShareError(f"TAXII {action} failed: {' '.join(str(exc).split())[:300]}")


def publish(target: Collection, bundle: Mapping[str, Any], timeout: float = 60) -> str:
    """Add a bundle's objects to the collection; returns the server's status.

    Raises:
        ShareError: the server refused or failed, or did not finish within `timeout`.
    """
    envelope = {"objects": list(bundle["objects"])}
    try:
        status = target.add_objects(
            json.dumps(envelope), wait_for_completion=True, poll_interval=0.2, timeout=timeout
        )
    except (TAXIIServiceException, requests.RequestException) as exc:
        raise _failure("publish", exc) from exc
    if status.failure_count:
        raise ShareError(
            f"TAXII publish: the server refused {status.failure_count} object(s)",
            [f"{f.get('id')}: {f.get('message', '')}" for f in status.failures or []],
        )
    return f"{status.status}: {status.success_count} added"


def fetch_new(target: Collection, added_after: str | None) -> tuple[dict[str, Any], str | None]:
    """The objects added after the bookmark, as one bundle, and the next bookmark.

    Raises:
        ShareError: the server refused or failed.
    """
    params = {"added_after": added_after} if added_after else {}
    newest = added_after
    objects: list[Any] = []
    try:
        for pages, page in enumerate(as_pages(target.get_manifest, per_request=PAGE, **params)):
            _within_limits(pages, 0)
            for record in page.get("objects", []):
                if newest is None or record["date_added"] > newest:
                    newest = record["date_added"]
        for pages, page in enumerate(as_pages(target.get_objects, per_request=PAGE, **params)):
            objects += page.get("objects", [])
            _within_limits(pages, len(objects))
    except (TAXIIServiceException, requests.RequestException, KeyError, TypeError) as exc:
        raise _failure("poll", exc) from exc
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}, newest
