# SPDX-License-Identifier: Apache-2.0
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from threatbrief.errors import ParseError
from threatbrief.ingest._text import canonical_url
from threatbrief.ingest.parse import decode_body, parse_feed
from threatbrief.models import Feed, Item

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)
SAMPLES = sorted([*(DATA / "feeds").glob("*.xml"), *(DATA / "feeds").glob("*.json")])


def _feed(path: Path) -> Feed:
    zone = (
        "Asia/Tokyo"
        if "jp" in path.stem or "jis" in path.stem or "utf8" in path.stem
        else "Europe/Tallinn"
    )
    return Feed(id=path.stem, url=f"https://feeds.example.org/{path.name}", timezone=zone)


def _as_json(item: Item) -> dict[str, object]:
    return {
        "id": item.id,
        "guid": item.guid,
        "url": item.url,
        "title": item.title,
        "summary": item.summary,
        "content": item.content,
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "updated_at": item.updated_at.isoformat() if item.updated_at else None,
        "authors": list(item.authors),
        "categories": list(item.categories),
    }


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_parse_matches_golden(path: Path, request: pytest.FixtureRequest) -> None:
    parsed = parse_feed(
        _feed(path),
        path.read_bytes(),
        content_type="application/xml",
        base_url=f"https://feeds.example.org/{path.name}",
        now=NOW,
    )
    got = {
        "title": parsed.title,
        "items": [_as_json(i) for i in parsed.items],
        "skipped": parsed.skipped,
    }
    golden = DATA / "expected" / f"{path.stem}.json"
    if request.config.getoption("--update-golden"):
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8"))


def _parse(name: str) -> list[Item]:
    path = DATA / "feeds" / name
    return parse_feed(_feed(path), path.read_bytes(), now=NOW).items


def test_parse_reads_jst_and_eest_as_their_offsets_not_utc() -> None:
    items = {i.title: i for i in _parse("rss-dates.xml")}
    assert items["JST abbreviation"].published_at == datetime(2025, 6, 2, 1, 0, tzinfo=UTC)
    assert items["EEST abbreviation"].published_at == datetime(2025, 6, 3, 7, 0, tzinfo=UTC)


def test_parse_reads_slashed_and_japanese_dates_in_the_feed_zone() -> None:
    items = {i.title: i for i in _parse("rss-dates.xml")}
    # The feed's zone is Europe/Tallinn (UTC+3 in June): 2025/06/02 is not 2025-11-01.
    assert items["Slashed date"].published_at == datetime(2025, 6, 1, 21, 0, tzinfo=UTC)
    assert items["Slashed date and time"].published_at == datetime(2025, 6, 2, 15, 30, tzinfo=UTC)
    assert items["Japanese date"].published_at == datetime(2025, 6, 1, 21, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "title",
    ["No date", "Garbage date", "Future date", "Absurdly old date"],
    ids=["missing", "garbage", "future", "before-1995"],
)
def test_parse_keeps_unknown_dates_unknown(title: str) -> None:
    items = {i.title: i for i in _parse("rss-dates.xml")}
    assert items[title].published_at is None


def test_parse_strips_markup_and_unsafe_links_from_hostile_feed() -> None:
    items = _parse("rss-hostile.xml")
    text = json.dumps([_as_json(i) for i in items])
    for bad in ("<script", "<iframe", "onerror", "onclick", "javascript:", "<img", "\u202e"):
        assert bad not in text.lower()
    # javascript:, entity-encoded, tab-split and file: links are dropped, and so is the
    # relative permalink guid feedparser falls back to: never resolved against the feed
    assert [i.url for i in items] == ["", "", "", ""]
    assert all(i.guid.startswith("https://feeds.example.org/h") for i in items)  # ids stable
    # those that carried active content are quarantined, with the reason; a file: link is
    # dropped, but it is not active content
    assert [i.quarantine for i in items] == [
        "script, event handler, script link",
        "script link",
        "script link, template syntax",
        "",
    ]
    assert items[1].title == "Header injection Bcc: victim@example.org"
    assert "\r" not in items[1].title and "\n" not in items[1].title
    assert items[2].title == "Tab-split scheme {{ 7*7 }}"


def test_parse_keeps_good_items_around_invalid_utf8() -> None:
    items = _parse("rss-invalid-utf8-item.xml")
    assert [i.title for i in items] == [
        "Good first item",
        "Bad \ufffd\ufffd bytes",
        "Good third item",
    ]


def test_parse_reads_shift_jis_as_cp932_with_vendor_extensions() -> None:
    items = _parse("rss-shift-jis.xml")
    assert items[0].title == "北朝鮮のハッカー集団による攻撃 ①②"
    assert "髙" in items[0].summary


def test_parse_caps_a_huge_title() -> None:
    body = (
        f'<rss version="2.0"><channel><title>x</title><item><title>{"A" * 100_000}</title>'
        "<guid>big</guid></item></channel></rss>"
    ).encode()
    (item,) = parse_feed(Feed(id="big", url="https://x.example/"), body).items
    assert len(item.title) == 500 and item.title.endswith("…")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<rss version="2.0"><channel><title>&d;</title><item><title>&d;</title></item></channel></rss>"""

SINGLE_BIG_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY big "'
    + b"x" * 30_000
    + b'">]>\n<rss version="2.0"><channel><title>t</title>'
    + b"<item><title>&big;</title></item>" * 200
    + b"</channel></rss>"
)

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title>
<item><title>&xxe;</title><guid>1</guid></item></channel></rss>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<rss version="2.0"><channel><title>x</title></channel></rss>"""


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS,
        SINGLE_BIG_ENTITY,
        EXTERNAL_ENTITY,
        PARAMETER_ENTITY,
        BILLION_LAUGHS.decode().encode("utf-16"),
    ],
    ids=[
        "billion-laughs",
        "single-big-entity",
        "external-entity",
        "parameter-entity",
        "billion-laughs-utf16",
    ],
)
def test_parse_refuses_entity_declarations(body: bytes) -> None:
    with pytest.raises(ParseError, match="declares XML entities"):
        parse_feed(Feed(id="bomb", url="https://x.example/"), body)


def test_parse_ignores_xinclude_and_never_reads_the_file() -> None:
    body = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:xi="http://www.w3.org/2001/XInclude"><channel><title>x</title>
<item><title>Included</title><guid>1</guid><description>
<xi:include href="file:///etc/passwd" parse="text"/>after</description></item>
</channel></rss>"""
    (item,) = parse_feed(Feed(id="xi", url="https://x.example/"), body).items
    assert "root:" not in item.summary + item.content


@pytest.mark.parametrize(
    "body",
    [b"/dev/zero", b"/etc/passwd", b"file:///etc/passwd", b"https://example.org/feed.xml"],
    ids=["dev-zero", "etc-passwd", "file-url", "http-url"],
)
def test_parse_never_treats_a_body_as_a_path_or_url(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_feed(Feed(id="path", url="https://x.example/"), body)


@pytest.mark.parametrize(
    "body,message",
    [
        (b"", "empty body"),
        (b"   \n\t ", "empty body"),
        (
            b"<!DOCTYPE html><html><head><title>Moved</title></head><body>hi</body></html>",
            "HTML page",
        ),
        (b"<html><body>not a feed</body></html>", "HTML page"),
        (b'<?xml version="1.0"?><note><to>x</to></note>', "not a feed"),
        (b"{not json", "not valid JSON"),
        (b'{"hello": "world"}', "neither a JSON Feed"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ],
    ids=[
        "empty",
        "whitespace",
        "html-doctype",
        "html",
        "other-xml",
        "bad-json",
        "other-json",
        "deep-json",
    ],
)
def test_parse_rejects_what_is_not_a_feed(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_feed(Feed(id="bad", url="https://x.example/"), body)


@pytest.mark.parametrize(
    "body,declared,expected",
    [
        ("日本語".encode("cp932"), "text/xml; charset=Shift_JIS", "cp932"),
        ("日本語".encode("euc_jp"), "text/xml; charset=EUC-JP", "euc_jis_2004"),
        ("日本語".encode(), "text/xml; charset=Shift_JIS", "utf-8"),
        ("日本語".encode("cp932"), "", "cp932"),
        ("\ufeffabc".encode(), "", "utf-8"),
    ],
    ids=["sjis", "euc-jp", "mislabelled-utf8", "undeclared-sjis", "bom"],
)
def test_decode_body_picks_the_right_codec(body: bytes, declared: str, expected: str) -> None:
    text, codec, _ = decode_body(body, declared)
    assert codec == expected
    assert text.lstrip("\ufeff") in ("日本語", "abc")


# (raw link, what canonical_url keeps): every kept link is an ASCII URI that no format can
# misread, and a host no host name could be is refused outright
LINKS = [
    (
        "https://evil.example/a>![x](http://track.example/p.png)<script>alert(1)</script>",
        "https://evil.example/a%3E!%5Bx%5D(http://track.example/p.png)%3Cscript%3Ealert(1)"
        "%3C/script%3E",
    ),
    ("https://evil.example/a b\"c'd", "https://evil.example/a%20b%22c'd"),
    (
        "https://news.example/記事/北朝鮮?q=ラザルス",
        "https://news.example/%E8%A8%98%E4%BA%8B/%E5%8C%97%E6%9C%9D%E9%AE%AE"
        "?q=%E3%83%A9%E3%82%B6%E3%83%AB%E3%82%B9",
    ),
    ("https://例え.jp/a", "https://xn--r8jz45g.jp/a"),
    ("https://x.example/invoice\u202egpj.exe", "https://x.example/invoice%E2%80%AEgpj.exe"),
    ("https://x.example/a%41%zz", "https://x.example/a%41%25zz"),
    ("https://evil<script>.example/", ""),
    ("https://a.example`b/", ""),
    ("crowdstrike.com/blog/new-espionage", "https://crowdstrike.com/blog/new-espionage"),
    ("//www.ncsc.gov.uk/news/joint-advisory", "https://www.ncsc.gov.uk/news/joint-advisory"),
    ("/advisories/aa25-239a", ""),
    ("report.html", ""),
    ("javascript:alert(1)", ""),
]


@pytest.mark.parametrize(
    "raw,expected",
    LINKS,
    ids=[
        "markdown-breakout",
        "quotes-and-space",
        "japanese-path-and-query",
        "idn-host",
        "rlo-in-path",
        "stray-percent",
        "markup-in-host",
        "backtick-in-host",
        "scheme-less-host",
        "protocol-relative",
        "path-only",
        "bare-file",
        "javascript",
    ],
)
def test_canonical_url_gives_an_ascii_uri_or_nothing(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected
    assert canonical_url(raw).isascii()
    if expected:
        assert canonical_url(expected) == expected  # canonical means stable


def test_parse_percent_encodes_a_hostile_link_in_a_feed() -> None:
    link = "https://evil.example/a>![x](http://track.example/p.png)<script>alert(1)</script>"
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        "<item><guid>1</guid><title>Lazarus strikes</title>"
        f"<link>{link.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</link>"
        "</item></channel></rss>"
    ).encode()
    (item,) = parse_feed(Feed(id="h", url="https://feeds.example.org/h.xml"), body).items
    assert item.url.startswith("https://evil.example/a%3E!%5Bx%5D(")
    assert not set("<> ") & set(item.url)


def test_a_scheme_less_link_is_its_host_and_never_the_feed_server() -> None:
    body = (DATA / "feeds" / "rss-scheme-less.xml").read_bytes()
    served = Feed(id="agg", url="http://127.0.0.1:8080/feed.xml")
    items = parse_feed(served, body, base_url="http://127.0.0.1:8080/feed.xml", now=NOW).items
    assert [i.url for i in items] == ["https://crowdstrike.com/blog/a-new-espionage-campaign/", ""]
    assert not any("127.0.0.1" in i.url for i in items)


@pytest.mark.parametrize(
    "url,source,authors,expected",
    [
        ("https://www.cisa.gov/news-events/cybersecurity-advisories/aa25-239a", "", (), "CISA"),
        (
            "https://www.npa.go.jp/bureau/cyber/koho/caution/",
            "",
            (),
            "National Police Agency (警察庁)",
        ),
        ("https://news.err.ee/1609000000/", "", (), "ERR News"),
        ("https://www.fbi.gov/news/press-releases/x", "JPCERT/CC", (), "FBI"),
        ("https://example-wire.com/story/1", "Kyodo News", ("Staff writer",), "Kyodo News"),
        (
            "https://blog.example-vendor.com/post",
            "",
            ("Example Vendor Research",),
            "Example Vendor Research",
        ),
        ("https://www.example-gas.co.jp/news/1", "", (), "example-gas.co.jp"),
        ("https://cert-a.example/advisories/1", "", (), ""),
        ("", "", (), ""),
    ],
    ids=[
        "host-map",
        "host-map-japanese",
        "longest-suffix",
        "link-beats-source",
        "source-name",
        "author",
        "registrable-domain",
        "feed-own-site",
        "no-link",
    ],
)
def test_publisher_is_the_item_s_not_the_feed_s(
    url: str, source: str, authors: tuple[str, ...], expected: str
) -> None:
    from threatbrief.ingest.publisher import publisher_for

    home = ("http://127.0.0.1:8080/cert-a.xml", "https://cert-a.example/")
    assert publisher_for(url, source_name=source, authors=authors, home=home) == expected


def test_a_release_carried_by_another_agency_s_feed_is_credited_to_its_publisher() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>JPCERT/CC</title>
<link>https://www.jpcert.or.jp/</link>
<item><title>FBI warns of DPRK IT workers</title><guid>a</guid>
<link>https://www.fbi.gov/news/press-releases/dprk-it-workers</link></item>
<item><title>JPCERT/CC alert</title><guid>b</guid><link>https://www.jpcert.or.jp/at/2026/0001.html</link></item>
<item><title>Syndicated</title><guid>c</guid><link>https://wire.example.net/s/1</link>
<source url="https://www.reuters.com/rss">Reuters</source></item>
</channel></rss>"""
    feed = Feed(id="jpcert-en", url="https://www.jpcert.or.jp/english/rss/jpcert-en.rdf")
    items = parse_feed(feed, body, now=NOW).items
    assert [i.publisher for i in items] == ["FBI", "JPCERT/CC", "Reuters"]
