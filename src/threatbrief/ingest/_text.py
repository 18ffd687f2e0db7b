# SPDX-License-Identifier: Apache-2.0
"""Text, URL and date normalisation shared by the parser: pure functions, no I/O."""

from __future__ import annotations

import email.utils
import html
import re
import unicodedata
import zoneinfo
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import nh3

from ..textsafe import ascii_host, percent_encode

__all__ = ["active_content", "canonical_url", "clean_text", "parse_date", "strip_html"]

TITLE_LIMIT = 500
SUMMARY_LIMIT = 4_000
CONTENT_LIMIT = 100_000

# C0/C1 controls (except \t \n), bidi embedding/override/isolate marks, and zero-width
# joiners' spoofing relatives; titles and summaries are shown to people and in mail headers.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb"
    "\ud800-\udfff]"  # lone surrogates: valid in JSON (\\ud800), but no text can hold them
)
_SURROGATES = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_BLANKS = re.compile(r"\n\s*\n\s*(\n\s*)+")
_BLOCK_TAGS = re.compile(r"(?i)<\s*(br|/p|/div|/li|/h[1-6]|/tr|/blockquote)\b[^>]*>")


def strip_html(markup: str) -> str:
    """Plain text of an HTML fragment: every tag removed, script and style content dropped."""
    with_breaks = _BLOCK_TAGS.sub("\n", markup)
    return html.unescape(
        nh3.clean(
            with_breaks,
            tags=set(),
            attributes={},
            clean_content_tags={
                "script",
                "style",
                "iframe",
                "object",
                "embed",
                "noscript",
                "template",
            },
        )
    )


def clean_text(value: str, *, is_html: bool, limit: int, multiline: bool = False) -> str:
    """Sanitised plain text: HTML stripped, controls removed, whitespace folded, length capped."""
    if not value:
        return ""
    value = _SURROGATES.sub("", value)  # before nh3, which cannot take them
    text = strip_html(value) if is_html else value
    text = unicodedata.normalize("NFC", _UNSAFE.sub("", text.replace("\r\n", "\n")))
    if multiline:
        text = _BLANKS.sub(
            "\n\n", "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
        )
    else:
        text = _SPACES.sub(" ", text.replace("\n", " ").replace("\r", " "))
    text = text.strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


# Active content: what nh3 and canonical_url remove, and template syntax that some renderer
# downstream might evaluate. An item whose raw text carried any of it is quarantined.
_ACTIVE = (
    ("script", re.compile(r"<\s*(?:script|iframe|object|embed|applet|meta|base|form)\b", re.I)),
    ("event handler", re.compile(r"<[^>]*?[\s/\"']on[a-z]{3,}\s*=", re.I)),
    ("script link", re.compile(r"(?:java|vb)script\s*:|data\s*:\s*text/html", re.I)),
    # not `${`: advisories quote Log4Shell's `${jndi:…}` as the subject of the warning
    ("template syntax", re.compile(r"\{\{|\{%")),
)


def active_content(*texts: str) -> str:
    """What active content the raw texts carry (`script`, `event handler`, `script link`,
    `template syntax`, comma-separated), or "" for none. Tabs and newlines are removed first,
    as browsers do, so `java\\tscript:` counts."""
    found = []
    for name, pattern in _ACTIVE:
        if any(t and pattern.search(re.sub(r"[\t\n\r]", "", t)) for t in texts):
            found.append(name)
    return ", ".join(found)


TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "igshid",
        "mkt_tok",
        "ref_src",
        "spm",
        "cmpid",
        "wt.mc_id",
        "at_medium",
        "at_campaign",
        "_ga",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "rb_clickid",
        "s_cid",
    }
)


# The first segment of a scheme-less link names a host when it ends in a top-level domain, not
# in a file extension (`crowdstrike.com/blog/x` is a host and a path; `report.html` is a file).
_HOST_FIRST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}(?::\d{1,5})?", re.I)
_FILE_ENDINGS = frozenset(
    "htm html shtml xhtml php asp aspx jsp cgi pdf xml rss rdf atom json txt csv doc docx".split()
)


def _with_scheme(text: str) -> str:
    """`text` with a scheme: `//host/path` and `host.tld/path` become https, and anything else
    without a scheme (a path, a bare word) becomes "". A link is never resolved against the
    feed's own address, which may be a loopback test server or an intranet host."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)", text):
        return text
    if text.startswith("//"):
        return "https:" + text
    first = re.split(r"[/?#]", text, maxsplit=1)[0]
    if _HOST_FIRST.fullmatch(first) and first.rsplit(".", 1)[-1].split(":")[0].lower() not in (
        _FILE_ENDINGS
    ):
        return "https://" + text
    return ""


def canonical_url(url: str) -> str:
    """The canonical http(s) form of `url`, or "" if it is not a safe web address.

    Tabs and newlines are removed first (browsers do, so `java\\tscript:` is `javascript:`);
    a scheme-less link that starts with a host name gets https and one that does not is
    dropped (never resolved against the feed's address); the scheme must then be http or
    https. Scheme and host are lowercased (a non-ASCII host put in IDNA form; a host with
    characters no host name has is refused), default ports, fragments and tracking
    parameters (utm_*, fbclid, ...) dropped, and the path percent-encoded, so the result is an
    ASCII URI: `<`, `>`, spaces, quotes and bidi controls cannot break out of a Markdown link,
    and an IRI passes STIX validation.
    """
    url = _SURROGATES.sub("", url)
    text = re.sub(r"[\t\n\r]", "", url or "").strip()
    if not text:
        return ""
    text = _with_scheme(text)
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host or parts.username or parts.password:
        return ""
    host = ascii_host(host)
    if not host:
        return ""
    netloc = host if ":" not in host else f"[{host}]"
    if port and not (scheme == "http" and port == 80 or scheme == "https" and port == 443):
        netloc += f":{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
        ]
    )
    return urlunsplit((scheme, netloc, percent_encode(parts.path) or "/", query, ""))


# Zone abbreviations that Japanese, Estonian and European feeds use and that the standard
# library does not know; email.utils would read them as UTC.
ZONE_ABBREVIATIONS = {
    "JST": "+0900",
    "KST": "+0900",
    "HKT": "+0800",
    "SGT": "+0800",
    "AEST": "+1000",
    "AEDT": "+1100",
    "EET": "+0200",
    "EEST": "+0300",
    "CET": "+0100",
    "CEST": "+0200",
    "MET": "+0100",
    "MEST": "+0200",
    "WET": "+0000",
    "WEST": "+0100",
    "BST": "+0100",
    "MSK": "+0300",
    "IST": "+0530",
    "UTC": "+0000",
    "UT": "+0000",
    "GMT": "+0000",
    "Z": "+0000",
}
_ZONE_WORD = re.compile(r"\s([A-Z]{1,5})$")
_SLASHED = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_JAPANESE = re.compile(r"^(\d{4})年\s*(\d{1,2})月\s*(\d{1,2})日(?:\s*(\d{1,2})[:時](\d{2})分?)?")
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)


def _aware(value: datetime, zone: str) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    return value.astimezone(UTC)


def _read_date(text: str, zone: str) -> datetime | None:
    iso = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    try:
        return _aware(datetime.fromisoformat(iso), zone)
    except ValueError:
        pass
    for pattern in (_SLASHED, _JAPANESE):
        match = pattern.match(text)
        if match:
            y, mo, d, h, mi, *rest = match.groups() + (None,)
            sec = rest[0] if rest and rest[0] else 0
            return _aware(
                datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0)), zone
            )
    rfc = text
    zone_word = _ZONE_WORD.search(text)
    if zone_word and zone_word.group(1) in ZONE_ABBREVIATIONS:
        rfc = text[: zone_word.start()] + " " + ZONE_ABBREVIATIONS[zone_word.group(1)]
    parsed = email.utils.parsedate_tz(rfc)
    if parsed is None:
        return None
    offset = parsed[9]
    naive = datetime(*parsed[:6])
    if offset is None:
        return _aware(naive, zone)
    return (naive - timedelta(seconds=offset)).replace(tzinfo=UTC)


def parse_date(
    text: str | None, *, zone: str = "UTC", now: datetime | None = None
) -> datetime | None:
    """An aware UTC datetime from a feed's date string, or None when missing or absurd.

    Reads ISO 8601, RFC 822 with the zone abbreviations above, `2025/06/02 10:00` and
    `2025年6月2日`; a date without an offset is taken in `zone`, the publisher's zone.
    Dates before 1995 or more than two days after `now` are absurd and give None.
    """
    if not text or not text.strip():
        return None
    try:
        value = _read_date(text.strip(), zone)
    except (ValueError, OverflowError):
        return None
    if value is None or value < EARLIEST:
        return None
    if now is not None and value > now + timedelta(days=2):
        return None
    return value
