# SPDX-License-Identifier: Apache-2.0
"""TAXII 2.1 exchange with taxii2-client: publish a bundle to a collection, poll one.

Credentials come from THREATBRIEF_TAXII_USER and THREATBRIEF_TAXII_PASSWORD, never from
files. Every request, redirects included, goes through `_Guarded`: plain http only to a loopback
host, and every connection resolves its host, checks each address and connects to the checked
one. Only the server named by the API root may be on a private or loopback address; a redirect
elsewhere must land on a public one, and metadata addresses are refused always.

Polling reads the collection's manifest first, for the newest `date_added`, then the objects
added after the stored bookmark: an object added in between is read twice (imports are
idempotent), never missed.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from taxii2client.common import _HTTPConnection
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import Collection, as_pages
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError

from .. import __version__
from .._net import is_loopback_host, is_metadata, redact_url, refusal_reason
from ..errors import ShareError
from .partner import MAX_OBJECTS

__all__ = ["collection", "fetch_new", "publish"]

PAGE = 100
MAX_PAGES = 1_000
TIMEOUT = (10.0, 120.0)  # seconds to connect, and between bytes
MAX_REDIRECTS = 5

_Check = Callable[[str, int, str], None]  # (host, port, resolved address) -> None or raise


class _CheckedConnection(HTTPConnection):
    """A urllib3 connection that resolves its host, checks every address, then connects to the
    first checked one (so a second DNS answer cannot be swapped in); TLS still verifies the
    host name, which urllib3 takes from `host`, not from the address."""

    def _check(self, address: str) -> None:
        raise NotImplementedError

    def _new_conn(self) -> socket.socket:
        try:
            infos = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:  # all must pass: a mixed answer cannot be used for rebinding
            self._check(address)
        name, self._dns_host = self._dns_host, addresses[0]
        try:
            return super()._new_conn()
        finally:
            self._dns_host = name


def _pool_classes(check: _Check) -> dict[str, type[HTTPConnectionPool]]:
    """Connection pools whose connections run `check` on every address before connecting."""

    class Plain(_CheckedConnection):
        def _check(self, address: str) -> None:
            check(self.host, self.port, address)

    class Secure(_CheckedConnection, HTTPSConnection):
        def _check(self, address: str) -> None:
            check(self.host, self.port, address)

    class PlainPool(HTTPConnectionPool):
        ConnectionCls = Plain

    class SecurePool(HTTPSConnectionPool):
        ConnectionCls = Secure

    return {"http": PlainPool, "https": SecurePool}


def _address_check(root_host: str, root_port: int) -> _Check:
    """The TAXII address policy: public addresses pass, metadata addresses never do, and a
    private or loopback address only for the API root's own host and port."""
    root_host = root_host.strip("[]").lower()

    def check(host: str, port: int, address: str) -> None:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if is_metadata(ip):
            raise ShareError(
                f"TAXII request refused: {host}:{port} resolves to {ip}, a cloud metadata address"
            )
        reason = refusal_reason(ip)
        if not reason or (host.strip("[]").lower() == root_host and port == root_port):
            return
        raise ShareError(
            f"TAXII request refused: {host}:{port} resolves to {ip}, {reason}; only the server "
            f"of the API root ({root_host}:{root_port}) may be on a non-public address, so a "
            "redirect must lead to a public one"
        )

    return check


class _Guarded(HTTPAdapter):
    """Every TAXII request: a connect and read limit (requests waits forever by default), plain
    http only to a loopback host, and the address check on every connection."""

    def __init__(self, check: _Check) -> None:
        self._address_check = check
        super().__init__()

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self._address_check)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        if parts.scheme != "https" and not is_loopback_host(parts.hostname or ""):
            raise ShareError(
                f"TAXII request refused: {redact_url(request.url or '')[:200]} is plain http to "
                "a host that is not loopback (a redirect?); credentials and assessments would "
                "cross the network in clear"
            )
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
    conn.session.trust_env = False  # no proxy or .netrc from the environment
    conn.session.max_redirects = MAX_REDIRECTS
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for scheme in ("http://", "https://"):
        conn.session.mount(scheme, _Guarded(_address_check(parts.hostname, port)))
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
