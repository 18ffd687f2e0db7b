# SPDX-License-Identifier: Apache-2.0
"""Fetch one feed: a conditional GET with a deadline, a size cap and an address policy.

URL and state in, `FetchResult` (bytes and headers) out. Every TCP connection, on every redirect
hop, goes through `GuardedBackend`, which resolves the host itself and refuses metadata addresses
always and private, loopback and link-local ones outside the feed's own allowance (per feed, per
host and port: `AddressPolicy.for_feed`) before connecting, so a DNS answer cannot be swapped
between check and use. Credentials from headers_env go only to the feed's own origin. The body
is decompressed here, in bounded steps, so a gzip bomb never expands past the cap. This module
does not parse or store anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import ipaddress
import logging
import random
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import httpcore
import httpx

from .. import __version__
from .._net import (
    RESERVED_HEADERS,
    IPAddress,
    IPNetwork,
    embedded_ipv4,
    is_metadata,
    redact_url,
    refusal_reason,
)
from ..errors import AddressPolicyError, FetchError
from ..models import Allowance, Feed, FeedState, FetchLimits, FetchResult

__all__ = [
    "AddressPolicy",
    "ClientSet",
    "FetchGate",
    "fetch_feed",
    "make_client",
    "refusal_reason",
]

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = (
    f"threatbrief/{__version__} (+https://github.com/threatbrief/threatbrief; feed reader)"
)
ACCEPT = (
    "application/rss+xml, application/rdf+xml, application/atom+xml, application/feed+json,"
    " application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"
)
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_CHUNK = 64 * 1024


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    port = url.port or (443 if url.scheme == "https" else 80)
    return url.scheme, url.host.lower(), port


def _allowance_text(a: Allowance) -> str:
    where = a.network or a.host
    if a.host and a.network:
        where = f"{a.host} in {a.network}"
    return f"{where}:{a.port}"


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which resolved addresses a fetch may connect to.

    Public addresses always pass and metadata addresses never do. `allow_private` and
    `allowed_networks` are unscoped (any host, any port); `ClientSet` never uses them as given
    but turns them into `allowances` bound to each feed's own origin (`for_feed`). An allowance
    with a port applies only to that port, and one with a host only to requests for that host.
    """

    allow_private: bool = False
    allowed_networks: tuple[str, ...] = ()
    allowances: tuple[Allowance, ...] = ()

    def for_feed(self, feed: Feed) -> AddressPolicy:
        """This policy scoped to one feed: the global allowances apply only to the host and
        port of the feed's own URL, the feed's `allow_private` entries to their own port (the
        feed's port if they name none). Redirects can therefore never widen them."""
        url = httpx.URL(feed.url)
        _scheme, host, port = _origin(url)
        scoped: list[Allowance] = []
        if self.allow_private:
            scoped.append(Allowance(network="", host=host, port=port))
        literal = _literal_ip(host)
        for text in self.allowed_networks:
            net = ipaddress.ip_network(text, strict=False)
            if literal is not None and not _within(literal, net):
                continue  # the feed's own address is outside this network: it cannot apply
            scoped.append(Allowance(network=str(net), host=host, port=port))
        for a in feed.allowances:
            scoped.append(Allowance(network=a.network, host=a.host, port=a.port or port))
        return AddressPolicy(allowances=tuple(dict.fromkeys(scoped)))

    def check(self, host: str, ip_text: str, port: int | None = None) -> None:
        """Raise AddressPolicyError if `ip_text` (resolved from `host`, for `port`) is refused."""
        ip = ipaddress.ip_address(ip_text.split("%", 1)[0])
        where = f"{host}:{port}" if port else host
        if is_metadata(ip):
            raise AddressPolicyError(
                f"refused to connect to {where} ({ip}): a cloud metadata address, never fetched"
            )
        nets = [ipaddress.ip_network(n, strict=False) for n in self.allowed_networks]
        reason = refusal_reason(ip, allow_private=self.allow_private, allowed=nets)
        if not reason:
            return
        name = host.strip("[]").lower()
        for a in self.allowances:
            if a.port not in (None, port) or (a.host and a.host != name):
                continue
            if not a.network or _within(ip, ipaddress.ip_network(a.network)):
                return
        scope = ", ".join(map(_allowance_text, self.allowances))
        raise AddressPolicyError(
            f"refused to connect to {where} ({ip}): {reason}"
            + (f", outside this feed's allowance ({scope})" if scope else "")
            + f"; if the feed really needs it, add '{where}' to its allow_private in feeds.yaml"
        )


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _within(ip: IPAddress, net: IPNetwork) -> bool:
    """`ip`, or the IPv4 address inside it, is in `net`."""
    inner = embedded_ipv4(ip)
    return any(c in net for c in (ip, inner) if c is not None and c.version == net.version)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that resolves, checks, then connects to the checked address."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}")
        # Every answer must pass, so a mixed public/private answer cannot be used for rebinding.
        for address in addresses:
            self._policy.check(host, address, port)
        return await self._inner.connect_tcp(
            addresses[0],
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise AddressPolicyError("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """Certificate and host name checks against certifi's roots, shared by every client:
    loading the roots costs about 20 ms, and each shard used to load them twice."""
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool rebuilt on `GuardedBackend`."""

    def __init__(self, policy: AddressPolicy, limits: httpx.Limits) -> None:
        super().__init__(verify=_tls_context(), trust_env=False, limits=limits)
        # httpx has no public hook for the network backend; rebuild the pool it made.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_tls_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy),
        )


class _RedactURLs(logging.Filter):
    """httpx logs every request's full URL at INFO (`-v`): hide the credentials in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_url(str(a)) if isinstance(a, httpx.URL) else a for a in record.args
            )
        return True


_REDACT = _RedactURLs()


def make_client(
    limits: FetchLimits, policy: AddressPolicy, max_connections: int | None = None
) -> httpx.AsyncClient:
    """A client with the guarded transport, redirects by hand, no proxies from the environment."""
    httpx_log = logging.getLogger("httpx")
    if _REDACT not in httpx_log.filters:
        httpx_log.addFilter(_REDACT)
    size = max_connections or limits.concurrency
    pool = httpx.Limits(max_connections=size, max_keepalive_connections=size, keepalive_expiry=30)
    return httpx.AsyncClient(
        transport=GuardedTransport(policy, pool),
        follow_redirects=False,  # redirects are followed by hand in _get_once
        timeout=httpx.Timeout(limits.timeout),
        trust_env=False,
        headers={
            "User-Agent": DEFAULT_USER_AGENT,
            "Accept": ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        },
    )


class ClientSet:
    """Several small clients instead of one large pool, one set per address policy.

    httpcore's pool re-scans every connection for every queued request, so its CPU cost grows
    with requests x connections (encode/httpx#3215): 300 fetches at concurrency 100 cost 10 s of
    CPU through one pool. Shards of about `SHARD` connections keep that quadratic term small.

    Feeds without an allowance share the public-only clients. A feed with one (its own or the
    global `allow_networks`, scoped to its origin by `AddressPolicy.for_feed`) gets clients of
    its scoped policy, shared only by feeds with the same policy: a pooled connection to an
    allowed private address is never handed to a feed that is not allowed there.
    """

    SHARD = 10

    def __init__(self, limits: FetchLimits, policy: AddressPolicy) -> None:
        self._limits = limits
        self._base = policy
        self._count = max(1, -(-limits.concurrency // self.SHARD))
        self._size = -(-limits.concurrency // self._count)
        self._clients: dict[tuple[AddressPolicy, int], httpx.AsyncClient] = {}

    def client_for(self, feed: Feed) -> httpx.AsyncClient:
        """The client that fetches `feed` (stable per feed, so its connections are reused)."""
        digest = int.from_bytes(hashlib.blake2b(feed.id.encode(), digest_size=4).digest(), "big")
        key = (self._base.for_feed(feed), digest % self._count)
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = make_client(self._limits, key[0], self._size)
        return client

    async def __aenter__(self) -> ClientSet:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in self._clients.values():
            await client.aclose()


class FetchGate:
    """Bounds concurrent fetches overall and per host."""

    def __init__(self, concurrency: int, per_host: int) -> None:
        self._all = asyncio.Semaphore(concurrency)
        self._per_host = per_host
        self._hosts: dict[str, asyncio.Semaphore] = {}

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        host = httpx.URL(url).host
        sem = self._hosts.setdefault(host, asyncio.Semaphore(self._per_host))
        async with sem, self._all:
            yield


class _Decoder:
    """Content-Encoding decoder that never expands one step past `limit` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.size = 0
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._z: Any = None
        elif encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj(wbits=zlib.MAX_WBITS)
        else:
            raise FetchError(f"unsupported Content-Encoding {encoding!r}")

    def _grow(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.limit:
            raise FetchError(f"body exceeds the {self.limit:,}-byte limit after decompression")
        return data

    def feed(self, raw: bytes) -> bytes:
        if self._z is None:
            return self._grow(raw)
        out = bytearray()
        data = raw
        while data:
            try:
                out += self._grow(self._z.decompress(data, _CHUNK))
            except zlib.error as exc:
                raise FetchError(f"corrupt compressed body: {exc}") from exc
            data = self._z.unconsumed_tail
        return bytes(out)


def _conditional_headers(state: FeedState) -> dict[str, str]:
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


async def _get_once(
    client: httpx.AsyncClient,
    feed: Feed,
    headers: dict[str, str],
    limits: FetchLimits,
    credentials: Mapping[str, str],
) -> tuple[httpx.Response, bytes | None]:
    """One attempt: follow redirects by hand (so each hop is checked and no redirect body is
    read), then stream the body through the bounded decoder, all within one deadline.
    `credentials` (the feed's headers_env) go only to the origin of the feed's own URL."""
    url = httpx.URL(feed.url)
    home = _origin(url)
    async with asyncio.timeout(limits.timeout):
        for _hop in range(limits.max_redirects + 1):
            sent = {**credentials, **headers} if _origin(url) == home else headers
            async with client.stream("GET", url, headers=sent) as response:
                location = response.headers.get("location")
                if response.is_redirect and location:
                    url = _next_hop(response.url, location)
                    continue
                if response.status_code == 304 or response.status_code >= 300:
                    return response, None
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limits.max_bytes:
                    raise FetchError(
                        f"body of {int(declared):,} bytes exceeds the "
                        f"{limits.max_bytes:,}-byte limit"
                    )
                decoder = _Decoder(response.headers.get("content-encoding", ""), limits.max_bytes)
                body = bytearray()
                async for raw in response.aiter_raw(_CHUNK):
                    body += decoder.feed(raw)
                return response, bytes(body)
    raise FetchError(f"more than {limits.max_redirects} redirects (a redirect loop?)")


def _next_hop(current: httpx.URL, location: str) -> httpx.URL:
    try:
        target = current.join(location.strip())
    except httpx.InvalidURL as exc:
        raise FetchError(f"invalid redirect target {_shown_url(location)}") from exc
    if target.scheme not in ("http", "https"):
        raise FetchError(f"refused a redirect to a non-http(s) URL: {_shown_url(location)}")
    return target


def _shown_url(url: str) -> str:
    """A URL from a server, fit for a message: credentials hidden, at most 200 characters."""
    text = redact_url(url)
    return repr(text if len(text) <= 200 else text[:200] + "…")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"refused a non-http(s) URL: {exc}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def fetch_feed(
    client: httpx.AsyncClient,
    feed: Feed,
    state: FeedState,
    limits: FetchLimits,
    credentials: Mapping[str, str] | None = None,
) -> FetchResult:
    """Fetch one feed with conditional GET, retries with backoff, a deadline and a size cap.

    `credentials` are extra headers (the values of the feed's headers_env) sent only to the
    origin of the feed's own URL, never after a redirect elsewhere. The result's URLs have
    their credentials redacted (`_net.redact_url`).

    Raises:
        FetchError: the feed could not be fetched; `status` is set for HTTP errors.
        AddressPolicyError: a hop resolved to a refused address (never retried).
    """
    headers = _conditional_headers(state)
    if feed.user_agent:
        headers["User-Agent"] = feed.user_agent
    shown = redact_url(feed.url)
    extra = {k: v for k, v in (credentials or {}).items() if k.lower() not in RESERVED_HEADERS}
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            response, body = await _get_once(client, feed, headers, limits, extra)
        except FetchError as exc:
            exc.feed_id, exc.url = feed.id, shown
            raise
        except (TimeoutError, httpx.TransportError) as exc:
            # redirects are followed by hand (_get_once), so httpx never raises TooManyRedirects
            retry = not isinstance(exc, httpx.UnsupportedProtocol)
            if retry and attempt <= limits.retries:
                await _backoff(limits, attempt, feed, _describe(exc))
                continue
            raise FetchError(_describe(exc), feed_id=feed.id, url=shown) from exc
        except httpx.HTTPError as exc:
            raise FetchError(_describe(exc), feed_id=feed.id, url=shown) from exc
        status = response.status_code
        if status in RETRY_STATUS and attempt <= limits.retries:
            await _backoff(limits, attempt, feed, f"HTTP {status}")
            continue
        if status != 304 and (status >= 300 or body is None):
            raise FetchError(
                f"HTTP {status} {response.reason_phrase}".rstrip(),
                feed_id=feed.id,
                url=shown,
                status=status,
            )
        return FetchResult(
            feed_id=feed.id,
            url=shown,
            final_url=redact_url(str(response.url)),
            status=status,
            body=body,
            headers={k.lower(): v for k, v in response.headers.items()},
            duration=time.monotonic() - started,
            attempts=attempt,
        )


async def _backoff(limits: FetchLimits, attempt: int, feed: Feed, why: str) -> None:
    delay = limits.backoff * 2 ** (attempt - 1) * (0.5 + random.random() / 2)
    log.info("feed %s: %s; retry %d in %.1fs", feed.id, why, attempt, delay)
    await asyncio.sleep(delay)
