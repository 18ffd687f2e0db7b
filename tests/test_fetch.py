# SPDX-License-Identifier: Apache-2.0
"""Fetch tests against real HTTP servers on 127.0.0.1 (ephemeral ports); httpx is not mocked."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import logging
import time
from collections.abc import Iterator

import pytest
import sqlite_utils
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from helpers import local_config
from threatbrief._net import redact_url
from threatbrief.config import parse_config
from threatbrief.errors import AddressPolicyError, FetchError
from threatbrief.ingest.fetch import (
    DEFAULT_USER_AGENT,
    AddressPolicy,
    ClientSet,
    fetch_feed,
    make_client,
    refusal_reason,
)
from threatbrief.models import Allowance, Feed, FeedState, FetchLimits, FetchResult
from threatbrief.pipeline import run_fetch

LIMITS = FetchLimits(timeout=2.0, max_bytes=1_000_000, retries=0, backoff=0.01)
LOOPBACK = AddressPolicy(allowed_networks=("127.0.0.1/32",))
RSS = b'<rss version="2.0"><channel><title>t</title><item><title>a</title></item></channel></rss>'


def fetch(
    url: str,
    state: FeedState | None = None,
    limits: FetchLimits = LIMITS,
    policy: AddressPolicy = LOOPBACK,
    user_agent: str = "",
) -> FetchResult:
    async def go() -> FetchResult:
        async with make_client(limits, policy) as client:
            return await fetch_feed(
                client, Feed(id="t", url=url, user_agent=user_agent), state or FeedState(), limits
            )

    return asyncio.run(go())


@pytest.fixture
def other_server() -> Iterator[HTTPServer]:
    """A second server on 127.0.0.2, which the LOOPBACK policy does not allow."""
    server = HTTPServer(host="127.0.0.2", port=0)
    server.expect_request("/secret").respond_with_data("leaked")
    server.start()
    yield server
    server.clear()
    server.stop()


def test_fetch_sends_identifying_user_agent_and_returns_body(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/feed", headers={"User-Agent": DEFAULT_USER_AGENT}
    ).respond_with_data(RSS, content_type="application/rss+xml")
    result = fetch(httpserver.url_for("/feed"))
    assert result.status == 200 and result.body == RSS
    assert result.headers["content-type"] == "application/rss+xml"
    assert "threatbrief/" in DEFAULT_USER_AGENT


def test_fetch_uses_the_feed_user_agent_when_set(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed", headers={"User-Agent": "partner-bot/1.0"}).respond_with_data(
        RSS
    )
    assert fetch(httpserver.url_for("/feed"), user_agent="partner-bot/1.0").status == 200


def test_fetch_sends_conditional_headers_and_accepts_304(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/feed").respond_with_data(
        RSS, headers={"ETag": '"v1"', "Last-Modified": "Tue, 04 Mar 2025 10:00:00 GMT"}
    )
    httpserver.expect_ordered_request(
        "/feed",
        headers={"If-None-Match": '"v1"', "If-Modified-Since": "Tue, 04 Mar 2025 10:00:00 GMT"},
    ).respond_with_data("", status=304)
    first = fetch(httpserver.url_for("/feed"))
    state = FeedState(etag=first.headers["etag"], last_modified=first.headers["last-modified"])
    second = fetch(httpserver.url_for("/feed"), state)
    assert second.not_modified and second.body is None
    httpserver.check_assertions()


def test_fetch_follows_redirects_and_reports_final_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data(RSS)
    result = fetch(httpserver.url_for("/old"))
    assert result.final_url == httpserver.url_for("/new") and result.body == RSS


@pytest.mark.parametrize("status", [404, 410, 500, 503], ids=str)
def test_fetch_turns_http_errors_into_fetch_error_with_status(
    httpserver: HTTPServer, status: int
) -> None:
    httpserver.expect_request("/feed").respond_with_data("nope", status=status)
    with pytest.raises(FetchError) as info:
        fetch(httpserver.url_for("/feed"))
    assert info.value.status == status and str(status) in str(info.value)


def test_fetch_retries_5xx_with_backoff_then_succeeds(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/feed").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/feed").respond_with_data("busy", status=502)
    httpserver.expect_ordered_request("/feed").respond_with_data(RSS)
    limits = FetchLimits(timeout=2.0, retries=2, backoff=0.01)
    result = fetch(httpserver.url_for("/feed"), limits=limits)
    assert result.body == RSS and result.attempts == 3


def test_fetch_does_not_retry_4xx(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data("gone", status=404)
    with pytest.raises(FetchError):
        fetch(httpserver.url_for("/feed"), limits=FetchLimits(retries=3, backoff=0.01))
    assert len(httpserver.log) == 1


def _trickle(_request: Request) -> Response:
    def body() -> Iterator[bytes]:
        for _ in range(30):  # at most 3 s of trickling, whatever the client does
            yield b"x"
            time.sleep(0.1)

    return Response(body(), content_type="application/xml")


def _slow_headers(_request: Request) -> Response:
    time.sleep(1.5)
    return Response(RSS)


@pytest.mark.slow
@pytest.mark.parametrize("handler", [_trickle, _slow_headers], ids=["trickle-body", "slow-headers"])
def test_fetch_enforces_a_total_deadline(httpserver: HTTPServer, handler: object) -> None:
    httpserver.expect_request("/slow").respond_with_handler(handler)  # type: ignore[arg-type]
    limits = FetchLimits(timeout=0.8, retries=0)
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetch(httpserver.url_for("/slow"), limits=limits)
    assert time.monotonic() - started < 1.5


def test_fetch_refuses_declared_oversized_body(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 2_000_000)
    with pytest.raises(FetchError, match="exceeds"):
        fetch(httpserver.url_for("/big"))


def test_fetch_stops_streaming_an_undeclared_50mb_body(httpserver: HTTPServer) -> None:
    def endless(_request: Request) -> Response:
        def body() -> Iterator[bytes]:
            for _ in range(800):  # 50 MB in 64 KiB chunks, no Content-Length
                yield b"y" * 65_536

        return Response(body(), content_type="application/xml")

    httpserver.expect_request("/stream").respond_with_handler(endless)
    with pytest.raises(FetchError, match="exceeds the 1,000,000-byte limit"):
        fetch(httpserver.url_for("/stream"))


def test_fetch_stops_a_gzip_bomb_at_the_decoded_cap(httpserver: HTTPServer) -> None:
    bomb = gzip.compress(b"\0" * 60_000_000, compresslevel=9)
    assert len(bomb) < 100_000
    httpserver.expect_request("/bomb").respond_with_data(
        bomb, headers={"Content-Encoding": "gzip"}, content_type="application/xml"
    )
    with pytest.raises(FetchError, match="after decompression"):
        fetch(httpserver.url_for("/bomb"))


def test_fetch_decodes_gzip_within_the_cap(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(RSS), headers={"Content-Encoding": "gzip"}
    )
    assert fetch(httpserver.url_for("/gz")).body == RSS


def test_fetch_refuses_redirect_to_file_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": "file:///etc/passwd"}
    )
    with pytest.raises(FetchError, match="non-http"):
        fetch(httpserver.url_for("/feed"))


def test_fetch_stops_a_redirect_loop(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    with pytest.raises(FetchError, match="redirects"):
        fetch(httpserver.url_for("/a"))
    assert len(httpserver.log) == LIMITS.max_redirects + 1


def test_fetch_refuses_loopback_feed_unless_allowed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(RSS)
    with pytest.raises(AddressPolicyError, match="loopback"):
        fetch(httpserver.url_for("/feed"), policy=AddressPolicy())
    assert httpserver.log == []
    assert fetch(httpserver.url_for("/feed"), policy=AddressPolicy(allow_private=True)).body == RSS


@pytest.mark.parametrize(
    "spelling",
    [
        "127.0.0.2",
        "2130706434",
        "0177.0.0.2",
        "0x7f000002",
        "[::ffff:127.0.0.2]",
    ],
    ids=["dotted", "decimal", "octal", "hex", "ipv6-mapped"],
)
def test_fetch_refuses_redirect_to_other_loopback_spellings(
    httpserver: HTTPServer, other_server: HTTPServer, spelling: str
) -> None:
    target = f"http://{spelling}:{other_server.port}/secret"
    httpserver.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": target}
    )
    with pytest.raises(FetchError):
        fetch(httpserver.url_for("/feed"))
    assert other_server.log == [], f"{spelling} reached the refused server"


@pytest.mark.parametrize(
    "address,allow_private,reason",
    [
        ("10.1.2.3", False, "private"),
        ("172.16.0.1", False, "private"),
        ("192.168.1.1", False, "private"),
        ("127.0.0.1", False, "loopback"),
        ("::1", False, "loopback"),
        ("169.254.10.10", False, "link-local"),
        ("fe80::1", False, "link-local"),
        ("169.254.169.254", False, "metadata"),
        ("169.254.169.254", True, "metadata"),
        ("fd00:ec2::254", True, "metadata"),
        ("::ffff:10.0.0.1", False, "private"),
        ("::ffff:169.254.169.254", True, "metadata"),
        ("2002:a00:1::", False, "private"),
        ("100.64.0.1", False, "non-global"),
        ("0.0.0.0", False, "unspecified"),
        ("224.0.0.1", False, "multicast"),
        ("10.1.2.3", True, ""),
        ("93.184.216.34", False, ""),
        ("2606:4700::1111", False, ""),
    ],
    ids=lambda v: str(v),
)
def test_refusal_reason_classifies_addresses(
    address: str, allow_private: bool, reason: str
) -> None:
    got = refusal_reason(ipaddress.ip_address(address), allow_private=allow_private)
    assert (reason in got) if reason else got == ""


def test_refusal_reason_honours_explicit_allowed_networks() -> None:
    intranet = [ipaddress.ip_network("10.20.0.0/16")]
    assert refusal_reason(ipaddress.ip_address("10.20.1.1"), allowed=intranet) == ""
    assert refusal_reason(ipaddress.ip_address("10.21.1.1"), allowed=intranet) != ""


# ----------------------------------------------------------- metadata first, embedded IPv4
@pytest.mark.parametrize(
    "address,network",
    [
        ("169.254.169.254", "0.0.0.0/0"),
        ("169.254.169.254", "169.254.0.0/16"),
        ("100.100.100.200", "100.64.0.0/10"),
        ("fd00:ec2::254", "::/0"),
        ("169.254.170.2", "169.254.0.0/16"),
        ("64:ff9b::a9fe:a9fe", "::/0"),
        ("::ffff:169.254.169.254", "0.0.0.0/0"),
    ],
    ids=["aws-any", "aws-link-local", "alibaba-cgnat", "aws-v6-any", "ecs", "nat64", "mapped"],
)
def test_metadata_addresses_lose_to_no_allowance(address: str, network: str) -> None:
    """Case 16: the metadata list is checked before any allowance, however broad."""
    ip = ipaddress.ip_address(address)
    assert "metadata" in refusal_reason(ip, allowed=[ipaddress.ip_network(network)])
    assert "metadata" in refusal_reason(ip, allow_private=True)
    with pytest.raises(AddressPolicyError, match="metadata"):
        AddressPolicy(allowed_networks=(network,)).check("h", address, 80)


@pytest.mark.parametrize(
    "address,reason",
    [
        ("fec0::1", "site-local"),
        ("64:ff9b::7f00:1", "loopback"),
        ("64:ff9b::a00:1", "private"),
        ("64:ff9b:1::5db8:d822", "local-use NAT64"),
        ("::ffff:0:7f00:1", "loopback"),
        ("::7f00:2", "loopback"),
        ("2002:7f00:1::", "loopback"),
    ],
    ids=[
        "site-local",
        "nat64-loopback",
        "nat64-private",
        "nat64-local-use",
        "translated",
        "compatible",
        "6to4-loopback",
    ],  # fmt: skip
)
def test_refusal_reason_judges_the_ipv4_inside_ipv6_forms(address: str, reason: str) -> None:
    """Case 16: NAT64, IPv4-translated and site-local addresses are not public."""
    assert reason in refusal_reason(ipaddress.ip_address(address))


def test_nat64_of_a_public_address_stays_public() -> None:
    assert refusal_reason(ipaddress.ip_address("64:ff9b::5db8:d822")) == ""


# ---------------------------------------------------- allowances per feed and per origin
@pytest.fixture
def server_b() -> Iterator[HTTPServer]:
    """A second local service on 127.0.0.1, another port: what a redirect must not reach."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/feed").respond_with_data(RSS)
    server.start()
    yield server
    server.clear()
    server.stop()


def _fetch_with_set(feed: Feed, policy: AddressPolicy) -> FetchResult:
    async def go() -> FetchResult:
        async with ClientSet(LIMITS, policy) as clients:
            return await fetch_feed(clients.client_for(feed), feed, FeedState(), LIMITS)

    return asyncio.run(go())


def test_global_allowance_is_scoped_to_the_feeds_own_origin(
    httpserver: HTTPServer, server_b: HTTPServer
) -> None:
    """Case 15: `allow_networks: [127.0.0.1/32]` allows the feed's own host and port, not a
    redirect into another port of the same address."""
    httpserver.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": server_b.url_for("/feed")}
    )
    feed = Feed(id="a", url=httpserver.url_for("/feed"))
    with pytest.raises(AddressPolicyError, match=f"127.0.0.1:{server_b.port}"):
        _fetch_with_set(feed, AddressPolicy(allowed_networks=("127.0.0.1/32",)))
    assert server_b.log == []


def test_feed_allowance_with_a_port_lets_a_redirect_reach_that_port(
    httpserver: HTTPServer, server_b: HTTPServer
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": server_b.url_for("/feed")}
    )
    feed = Feed(
        id="a",
        url=httpserver.url_for("/feed"),
        allowances=(
            Allowance(network="127.0.0.1/32"),  # the feed's own port
            Allowance(network="127.0.0.1/32", port=server_b.port),
        ),
    )
    assert _fetch_with_set(feed, AddressPolicy()).body == RSS


def test_a_pooled_connection_is_never_lent_to_a_feed_without_the_allowance(
    httpserver: HTTPServer,
) -> None:
    """Case 15: one feed may reach a local origin; a second feed of the same run, on the same
    origin but without an allowance, is refused even though a connection is already open."""
    httpserver.expect_request("/feed").respond_with_data(RSS)
    allowed = Feed(id="a", url=httpserver.url_for("/feed"), allowances=(Allowance("127.0.0.1"),))
    other = Feed(id="b", url=httpserver.url_for("/feed"))
    limits = FetchLimits(timeout=2.0, retries=0, concurrency=1)

    async def go() -> tuple[FetchResult, BaseException | None]:
        async with ClientSet(limits, AddressPolicy()) as clients:
            first = await fetch_feed(clients.client_for(allowed), allowed, FeedState(), limits)
            try:
                await fetch_feed(clients.client_for(other), other, FeedState(), limits)
            except AddressPolicyError as exc:
                return first, exc
            return first, None

    first, refused = asyncio.run(go())
    assert first.body == RSS and isinstance(refused, AddressPolicyError)
    assert len(httpserver.log) == 1


# --------------------------------------------------------- credentials: headers and URLs
def test_credentials_go_only_to_the_feeds_own_origin(
    httpserver: HTTPServer, server_b: HTTPServer
) -> None:
    """Case 18: a headers_env credential is sent to the feed's origin, never after a redirect
    to another one; the result's URLs carry no secret."""
    httpserver.expect_request(
        "/feed", headers={"Authorization": "Bearer s3cret"}
    ).respond_with_data("", status=302, headers={"Location": server_b.url_for("/feed?token=t0ken")})
    feed = Feed(
        id="a",
        url=httpserver.url_for("/feed"),
        allowances=(Allowance("127.0.0.1"), Allowance("127.0.0.1", port=server_b.port)),
    )

    async def go() -> FetchResult:
        async with ClientSet(LIMITS, AddressPolicy()) as clients:
            return await fetch_feed(
                clients.client_for(feed),
                feed,
                FeedState(),
                LIMITS,
                {"Authorization": "Bearer s3cret"},
            )

    result = asyncio.run(go())
    assert result.body == RSS
    ((request, _),) = server_b.log
    assert "Authorization" not in request.headers
    assert "t0ken" not in result.final_url and result.final_url.endswith("token=***")


@pytest.mark.parametrize(
    "url,expected",
    [
        ("https://u:p4ss@x.example/f", "https://***@x.example/f"),
        ("https://x.example/f?token=abc&page=2", "https://x.example/f?token=***&page=2"),
        ("https://x.example/f?API-Key=abc", "https://x.example/f?API-Key=***"),
        ("https://x.example/f?sig=a&signature=b&X-Amz-Signature=c",
         "https://x.example/f?sig=***&signature=***&X-Amz-Signature=***"),
        ("https://x.example/f?client_secret=a&access_token=b&password=c",
         "https://x.example/f?client_secret=***&access_token=***&password=***"),
        ("https://x.example/feed.xml?lang=en", "https://x.example/feed.xml?lang=en"),
    ],
    ids=["userinfo", "token", "api-key", "signatures", "oauth", "harmless"],
)  # fmt: skip
def test_redact_url_hides_userinfo_and_secret_parameters(url: str, expected: str) -> None:
    assert redact_url(url) == expected


# ------------------------------------------------------------ through the pipeline and store
def test_redirect_into_another_local_service_stores_nothing(
    db: sqlite_utils.Database, httpserver: HTTPServer, server_b: HTTPServer
) -> None:
    """Case 15, end to end: with the global `allow_networks: [127.0.0.1/32]`, a feed on A that
    redirects to B (another port) fails with AddressPolicyError; B is never asked and nothing
    of B's reply is stored."""
    httpserver.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": server_b.url_for("/feed")}
    )
    config = local_config({"a": httpserver.url_for("/feed")})
    (outcome,) = run_fetch(config, db)
    assert outcome.failed and "refused to connect" in outcome.error
    assert server_b.log == []
    assert db.execute("select count(*) from items").fetchone()[0] == 0
    assert db.execute("select count(*) from feed_bodies").fetchone()[0] == 0
    error_class = db.execute("select error_class from fetch_log").fetchone()[0]
    assert error_class == "AddressPolicyError"


def test_feed_url_credentials_never_reach_the_store_or_the_log(
    db: sqlite_utils.Database,
    httpserver: HTTPServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Case 18: userinfo and a token parameter are redacted in feeds.url,
    feed_bodies.final_url and the request log (`-v`)."""
    httpserver.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": "/final?api_key=k3y&page=1"}
    )
    httpserver.expect_request("/final").respond_with_data(RSS)
    url = httpserver.url_for("/feed?token=t0ken").replace("http://", "http://reader:pa55@")
    caplog.set_level(logging.INFO)
    (outcome,) = run_fetch(local_config({"a": url}), db)
    assert not outcome.failed, outcome.error
    stored = [
        *db.execute("select url from feeds").fetchone(),
        *db.execute("select final_url from feed_bodies").fetchone(),
    ]
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug")]
    text = " ".join(stored + ours)
    assert "HTTP Request" in text  # httpx did log the requests
    for secret in ("pa55", "t0ken", "k3y", "reader"):
        assert secret not in text
    assert stored[1].endswith("/final?api_key=***&page=1")


def test_headers_env_sends_the_variable_and_reports_an_unset_one(
    db: sqlite_utils.Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Case 18: `headers_env: {Authorization: FEED_X_AUTH}` sends the variable's value."""
    httpserver.expect_request("/feed", headers={"Authorization": "Bearer abc"}).respond_with_data(
        RSS
    )
    config = parse_config(
        {
            "defaults": {"retries": 0, "timeout": "3s"},
            "feeds": [
                {
                    "id": "x",
                    "url": httpserver.url_for("/feed"),
                    "allow_private": [f"127.0.0.1:{httpserver.port}"],
                    "headers_env": {"Authorization": "FEED_X_AUTH"},
                }
            ],
        }
    )
    (missing,) = run_fetch(config, db)
    assert missing.failed and "FEED_X_AUTH" in missing.error and httpserver.log == []
    monkeypatch.setenv("FEED_X_AUTH", "Bearer abc")
    (ok,) = run_fetch(config, db)
    assert not ok.failed, ok.error
