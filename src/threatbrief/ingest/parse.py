# SPDX-License-Identifier: Apache-2.0
"""Turn a fetched body into normalised `Item`s: RSS 0.9x/1.0/2.0, Atom and JSON feeds.

Bytes in, `ParsedFeed` out; no I/O. feedparser only ever sees a `BytesIO` (never a string it
could take for a path or URL) that this module has already screened for entity declarations and
transcoded to UTF-8. Dates are read from their raw strings (feedparser misreads JST and EEST),
HTML is stripped with nh3, and links are canonicalised; `FeedParserDict` never leaves here.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import io
import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from ..errors import ParseError
from ..models import Feed, Item, ParsedFeed
from ._text import (
    CONTENT_LIMIT,
    SUMMARY_LIMIT,
    TITLE_LIMIT,
    active_content,
    canonical_url,
    clean_text,
    parse_date,
)
from .publisher import publisher_for

__all__ = ["decode_body", "item_id", "parse_feed"]

MAX_ITEMS = 5_000
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_CHARREF = re.compile(rb"&#(x[0-9a-fA-F]{1,8}|[0-9]{1,10});")
_XML_DECL_ENCODING = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._-]+)([\"'])")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", re.IGNORECASE)
# Shift_JIS as published in Japan nearly always means Microsoft's cp932 (NEC/IBM extensions).
_ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "csshiftjis": "cp932",
    "euc-jp": "euc_jis_2004",
    "eucjp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}


def item_id(feed_id: str, key: str) -> str:
    """The stable id of an item: a hash of its feed and its guid (or canonical URL)."""
    return hashlib.sha256(f"{feed_id}\n{key}".encode()).hexdigest()[:20]


def _codec(name: str) -> str | None:
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_body(body: bytes, content_type: str = "") -> tuple[str, str, list[str]]:
    """Decode a feed body to text: (text, encoding used, warnings).

    A BOM wins; then a body that is valid UTF-8 is UTF-8 whatever it claims (mislabelled UTF-8
    is common); then the declared charset (HTTP header, then XML declaration), with Shift_JIS read
    as cp932; then cp932 and EUC-JP are tried for undeclared Japanese; bytes that still do not
    decode become U+FFFD, so one bad item does not lose the others.
    """
    warnings: list[str] = []
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return body[len(bom) :].decode(enc, "replace"), enc, warnings
    declared: list[str] = []
    header = _CHARSET.search(content_type or "")
    if header:
        declared.append(header.group(1))
    xml_decl = _XML_DECL_ENCODING.match(body[:200])
    if xml_decl:
        declared.append(xml_decl.group(2).decode("ascii"))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if declared and _codec(declared[0]) not in ("utf-8", None) and not body.isascii():
            warnings.append(f"declared {declared[0]} but the body is UTF-8; read as UTF-8")
        return text, "utf-8", warnings
    candidates = [c for c in (_codec(d) for d in declared) if c and c != "utf-8"]
    for codec in [*candidates, "cp932", "euc_jis_2004"]:
        try:
            return body.decode(codec), codec, warnings
        except UnicodeDecodeError:
            continue
    codec = candidates[0] if candidates else "utf-8"
    warnings.append(f"body is not valid {codec}; undecodable bytes replaced")
    return body.decode(codec, "replace"), codec, warnings


def _fix_charrefs(body: bytes) -> bytes:
    """Replace references to code points XML forbids (`&#xD800;`, `&#0;`), which make
    feedparser raise, with U+FFFD."""

    def repl(match: re.Match[bytes]) -> bytes:
        ref = match.group(1)
        try:
            cp = int(ref[1:], 16) if ref[:1] in (b"x", b"X") else int(ref)
        except ValueError:
            return b"&#xFFFD;"
        ok = (
            cp in (0x9, 0xA, 0xD)
            or 0x20 <= cp <= 0xD7FF
            or 0xE000 <= cp <= 0xFFFD
            or 0x10000 <= cp <= 0x10FFFF
        )
        return match.group(0) if ok else b"&#xFFFD;"

    return _CHARREF.sub(repl, body)


def _screen_xml(text: str) -> bytes:
    utf8 = text.encode("utf-8")
    prolog_end = utf8.find(b"<", utf8.find(b"?>") + 1 if utf8.lstrip().startswith(b"<?xml") else 0)
    head = utf8[: max(prolog_end, 0) + 65_536]
    if _ENTITY_DECL.search(head) or (b"<!DOCTYPE" in head and _ENTITY_DECL.search(utf8)):
        raise ParseError(
            "the feed declares XML entities (entity expansion and external entities are refused)"
        )
    utf8 = _XML_DECL_ENCODING.sub(rb"\g<1>utf-8\g<3>", utf8, count=1)
    return _fix_charrefs(utf8)


def _looks_like_html(text: str) -> bool:
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html"))


def _first(entry: Any, *keys: str) -> str:
    for key in keys:
        # dict.get skips FeedParserDict's key aliases (its "updated" falls back to "published").
        value = dict.get(entry, key)
        if isinstance(value, str) and value.strip():
            return value
    return ""


_TAG_LIKE = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")


def _is_html(detail: Any) -> bool:
    kind = detail.get("type", "text/html") if isinstance(detail, dict) else "text/html"
    if "html" in str(kind):
        return True
    # feedparser calls text with unknown tags (script, img onerror) plain text; treat anything
    # tag-like as markup, so no tag ever reaches a title or summary, even as inert text.
    value = detail.get("value", "") if isinstance(detail, dict) else ""
    return bool(_TAG_LIKE.search(str(value)))


def _entry_content(entry: Any) -> str:
    parts = entry.get("content") or []
    texts = [
        clean_text(
            str(p.get("value", "")), is_html=_is_html(p), limit=CONTENT_LIMIT, multiline=True
        )
        for p in parts
        if isinstance(p, dict)
    ]
    return clean_text(
        "\n\n".join(t for t in texts if t), is_html=False, limit=CONTENT_LIMIT, multiline=True
    )


# The document location feedparser is given. A relative link comes back under it: `x` and
# `crowdstrike.com/x` under the anchor's folder, `/x` under its root.
_ANCHOR_ROOT = "https://relative.threatbrief.invalid/"
_ANCHOR = _ANCHOR_ROOT + "rel/"


def _relative(value: str) -> str | None:
    """What the feed wrote, if feedparser resolved it against the anchor; else None."""
    if value.startswith(_ANCHOR):
        return value[len(_ANCHOR) :]
    if value.startswith(_ANCHOR_ROOT):
        return "/" + value[len(_ANCHOR_ROOT) :]
    return None


def _link(value: str) -> str:
    """A link as the parser keeps it. A relative one is never resolved against the feed's
    address (which may be a loopback test server or an intranet host): a scheme-less link that
    names a host gets https, any other is dropped (`canonical_url`)."""
    relative = _relative(value)
    return canonical_url(value if relative is None else relative)


def _guid(value: str, base: str) -> str:
    """The guid as earlier versions stored it (a relative one resolved against the feed), so
    that item ids stay stable; a guid is an identity, never shown as a link."""
    relative = _relative(value)
    return value if relative is None else urljoin(base, relative)


def _entry_link(entry: Any) -> str:
    link = _link(_first(entry, "link"))
    if link:
        return link
    for candidate in entry.get("links") or []:
        if isinstance(candidate, dict) and candidate.get("rel", "alternate") == "alternate":
            link = _link(str(candidate.get("href", "")))
            if link:
                return link
    guid = _first(entry, "id")
    return _link(guid) if guid.startswith(("http://", "https://")) else ""


def _to_item(
    feed: Feed, entry: Any, base: str, now: datetime | None, home: str = ""
) -> Item | None:
    url = _entry_link(entry)
    title = clean_text(
        _first(entry, "title"), is_html=_is_html(entry.get("title_detail")), limit=TITLE_LIMIT
    )
    summary = clean_text(
        _first(entry, "summary"), is_html=_is_html(entry.get("summary_detail")), limit=SUMMARY_LIMIT
    )
    content = _entry_content(entry)
    if content == summary:
        content = ""
    published = parse_date(_first(entry, "published", "created"), zone=feed.timezone, now=now)
    updated = parse_date(_first(entry, "updated"), zone=feed.timezone, now=now)
    raw_guid = clean_text(_guid(_first(entry, "id", "guid"), base), is_html=False, limit=1_000)
    guid = raw_guid or url or (title and f"{title}\n{published.isoformat() if published else ''}")
    if not guid or not (title or summary or content):
        return None
    authors = tuple(
        clean_text(str(a.get("name", "")), is_html=False, limit=200)
        for a in entry.get("authors") or []
        if isinstance(a, dict) and a.get("name")
    )
    source = entry.get("source") if isinstance(entry.get("source"), dict) else {}
    publisher = dict.get(entry, "publisher") or publisher_for(
        url,
        source_name=clean_text(str(source.get("title", "")), is_html=False, limit=200),
        source_url=str(source.get("href", "")),
        authors=authors,
        home=(feed.url, base, home),
    )
    return Item(
        id=item_id(feed.id, guid),
        feed_id=feed.id,
        guid=guid,
        url=url,
        title=title,
        summary=summary,
        content=content,
        published_at=published or updated,
        updated_at=updated,
        lang=feed.lang,
        quarantine=active_content(
            _first(entry, "title"),
            _first(entry, "summary"),
            _first(entry, "link"),
            *(str(p.get("value", "")) for p in entry.get("content") or [] if isinstance(p, dict)),
            *(str(x.get("href", "")) for x in entry.get("links") or [] if isinstance(x, dict)),
        ),
        tlp=feed.tlp,
        authors=authors,
        publisher=publisher,
        categories=tuple(
            clean_text(str(t.get("term", "")), is_html=False, limit=200)
            for t in entry.get("tags") or []
            if isinstance(t, dict) and t.get("term")
        ),
    )


def _parse_xml(feed: Feed, text: str, base: str, now: datetime | None) -> ParsedFeed:
    screened = _screen_xml(text)
    try:
        parsed = feedparser.parse(
            io.BytesIO(screened),
            sanitize_html=False,
            resolve_relative_uris=False,
            # feedparser resolves relative links and guids against this anchor, not against
            # the feed's own address, so that what was relative can be told apart (`_link`)
            response_headers={
                "content-type": "application/xml; charset=utf-8",
                "content-location": _ANCHOR,
            },
        )
    except Exception as exc:  # feedparser raises bare errors on pathological input
        raise ParseError(f"feedparser failed: {type(exc).__name__}: {exc}") from exc
    warnings: list[str] = []
    entries = parsed.get("entries") or []
    if parsed.get("bozo"):
        detail = str(parsed.get("bozo_exception") or "malformed feed")[:300]
        if not entries:
            raise ParseError(f"not a readable feed: {detail}")
        warnings.append(f"malformed feed, {len(entries)} entries kept: {detail}")
    if not entries and not parsed.get("version"):
        raise ParseError("not a feed: no RSS, RDF or Atom root element")
    channel = parsed.get("feed", {})
    title = clean_text(
        _first(channel, "title"), is_html=_is_html(channel.get("title_detail")), limit=TITLE_LIMIT
    )
    convert = functools.partial(_to_item, home=_link(_first(channel, "link")))
    return _collect(feed, [(convert, e) for e in entries], base, now, title, warnings)


def _collect(
    feed: Feed,
    entries: list[tuple[Any, Any]],
    base: str,
    now: datetime | None,
    title: str,
    warnings: list[str],
) -> ParsedFeed:
    items: list[Item] = []
    seen: set[str] = set()
    skipped = 0
    if len(entries) > MAX_ITEMS:
        warnings.append(f"{len(entries)} entries; only the first {MAX_ITEMS} kept")
        skipped += len(entries) - MAX_ITEMS
    for convert, entry in entries[:MAX_ITEMS]:
        item = convert(feed, entry, base, now)
        if item is None or item.id in seen:
            skipped += 1
            continue
        seen.add(item.id)
        items.append(item)
    if skipped:
        warnings.append(f"{skipped} entries skipped (empty or duplicate guid)")
    return ParsedFeed(items=items, title=title, warnings=warnings, skipped=skipped)


def _json_feed_item(feed: Feed, entry: Any, base: str, now: datetime | None) -> Item | None:
    if not isinstance(entry, dict):
        return None
    return _to_item(
        feed,
        {
            "id": str(entry.get("id", "")),
            "link": str(entry.get("url", "")),
            "title": str(entry.get("title", "")),
            "title_detail": {"type": "text/plain"},
            "summary": str(entry.get("summary") or entry.get("content_text") or ""),
            "summary_detail": {
                "type": "text/plain"
                if entry.get("summary") or entry.get("content_text")
                else "text/html"
            },
            "content": [{"value": str(entry["content_html"]), "type": "text/html"}]
            if entry.get("content_html")
            else [],
            "published": str(entry.get("date_published", "")),
            "updated": str(entry.get("date_modified", "")),
            "tags": [{"term": str(t)} for t in entry.get("tags") or []],
        },
        base,
        now,
    )


def _kev_item(feed: Feed, entry: Any, base: str, now: datetime | None) -> Item | None:
    """One CISA Known Exploited Vulnerabilities record as an item."""
    if not isinstance(entry, dict) or not entry.get("cveID"):
        return None
    cve = str(entry["cveID"])
    parts = [str(entry.get(k, "")) for k in ("shortDescription", "requiredAction")]
    if str(entry.get("knownRansomwareCampaignUse", "")).lower() == "known":
        parts.append("Known to be used in ransomware campaigns.")
    return _to_item(
        feed,
        {
            "id": cve,
            "publisher": "CISA",  # the catalogue's entry, though it links to NVD
            "link": f"https://nvd.nist.gov/vuln/detail/{cve}",
            "title": f"{cve}: {entry.get('vulnerabilityName', '')} (added to CISA KEV)",
            "title_detail": {"type": "text/plain"},
            "summary": " ".join(p for p in parts if p),
            "summary_detail": {"type": "text/plain"},
            "published": str(entry.get("dateAdded", "")),
            "tags": [
                {"term": str(entry.get(k))} for k in ("vendorProject", "product") if entry.get(k)
            ],
        },
        base,
        now,
    )


def _parse_json(feed: Feed, text: str, base: str, now: datetime | None) -> ParsedFeed:
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"not valid JSON: {str(exc)[:200]}") from exc
    if isinstance(doc, dict) and isinstance(doc.get("vulnerabilities"), list):
        entries = [(_kev_item, e) for e in doc["vulnerabilities"]]
        title = str(doc.get("title", "CISA Known Exploited Vulnerabilities"))
    elif isinstance(doc, dict) and str(doc.get("version", "")).startswith("https://jsonfeed.org"):
        entries = [(_json_feed_item, e) for e in doc.get("items") or []]
        title = str(doc.get("title", ""))
    else:
        raise ParseError("JSON that is neither a JSON Feed nor a CISA KEV catalogue")
    return _collect(
        feed, entries, base, now, clean_text(title, is_html=False, limit=TITLE_LIMIT), []
    )


def parse_feed(
    feed: Feed,
    body: bytes,
    *,
    content_type: str = "",
    base_url: str = "",
    now: datetime | None = None,
) -> ParsedFeed:
    """Parse one fetched body into items.

    `base_url` is the final URL after redirects: relative guids resolve against it (they are
    identities), relative links never do (see `_link`); `now` bounds future dates.

    Raises:
        ParseError: empty body, HTML page, entity declarations, or nothing readable as a feed.
    """
    if not body or not body.strip():
        raise ParseError("empty body")
    text, encoding, warnings = decode_body(body, content_type)
    stripped = text.lstrip("\ufeff \t\r\n")
    base = base_url or feed.url
    if stripped.startswith(("{", "[")):
        result = _parse_json(feed, stripped, base, now)
    elif _looks_like_html(stripped):
        raise ParseError("an HTML page, not a feed (has the feed moved?)")
    else:
        result = _parse_xml(feed, stripped, base, now)
    result.warnings[:0] = warnings
    return result
