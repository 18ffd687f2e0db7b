# SPDX-License-Identifier: Apache-2.0
"""Fetch tests against real HTTP servers on 127.0.0.1 (ephemeral ports); httpx is not mocked."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import time
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from threatbrief.errors import AddressPolicyError, FetchError
from threatbrief.ingest.fetch import (
    DEFAULT_USER_AGENT,
    AddressPolicy,
    fetch_feed,
    make_client,
    refusal_reason,
)
from threatbrief.models import Feed, FeedState, FetchLimits, FetchResult

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
