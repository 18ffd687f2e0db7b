# SPDX-License-Identifier: Apache-2.0
"""Make hostile text safe to show: URLs as plain ASCII URIs, names on one line, terminal text
without escapes. Pure functions over `str`; no I/O and no imports of ours.

Used where text leaves the program: the parser (`canonical_url`), the renderers (the `url` and
`oneline` filters), the STIX export (external references), the subscriber validator and
`explain`. It does not decide whether a URL is safe to *fetch*; that is the address policy.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "BIDI_CONTROLS",
    "CONTROLS",
    "INVISIBLE",
    "ascii_host",
    "has_controls",
    "oneline",
    "percent_encode",
    "printable",
    "safe_url",
]

# Unicode general category Cf (format characters: soft hyphen, ALM, zero-width space,
# joiners, LRM/RLM, bidi embeddings and isolates, word joiner, BOM, tags, ...) plus the other
# default-ignorable code points (combining grapheme joiner, Hangul fillers, variation
# selectors). None of them is visible, so none may hide a word from the tagger.
INVISIBLE = (
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5"
    "\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
    "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
# The bidi controls that reorder what a reader sees (RLO makes `gpj.exe` read `exe.jpg`).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# C0 and C1 controls, DEL, and the line and paragraph separators.
CONTROLS = "\x00-\x1f\x7f-\x9f\u2028\u2029"

_UNSAFE_LINE = re.compile(f"[{CONTROLS}{BIDI_CONTROLS}]")
_ESCAPE = re.compile(f"[{CONTROLS}{INVISIBLE}]")
# What RFC 3986 allows in a path, query or fragment, as it is: unreserved, sub-delims, ":",
# "@", "/", "?" and a well-formed percent escape. Everything else is percent-encoded as UTF-8.
_URI_CHARS = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})+")
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9_.-]*[a-z0-9])?\.?")
_IPV6 = re.compile(r"[0-9a-f:.]+")


def percent_encode(part: str) -> str:
    """`part` with every character a URI may not carry percent-encoded as UTF-8 (a `%` that
    does not start an escape becomes `%25`); valid escapes are kept as they are."""
    out: list[str] = []
    pos = 0
    for match in _URI_CHARS.finditer(part):
        out.append(_encode(part[pos : match.start()]))
        out.append(match.group(0))
        pos = match.end()
    out.append(_encode(part[pos:]))
    return "".join(out)


def _encode(text: str) -> str:
    return "".join(f"%{b:02X}" for b in text.encode("utf-8", "surrogatepass"))


def ascii_host(host: str) -> str:
    """The host in ASCII (IDNA 2003 for a non-ASCII name), or "" if it cannot be a host name
    or an IPv6 literal (`<`, spaces, quotes, controls)."""
    host = host.lower()
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return ""
    if _HOST.fullmatch(host) or (":" in host and _IPV6.fullmatch(host)):
        return host
    return ""


def safe_url(url: str) -> str:
    """`url` as an ASCII http(s) URI that is safe to print in any format, or "" if it is not a
    web address at all.

    The host is put in IDNA form, and path, query and fragment are percent-encoded, so an IRI
    (a Japanese path) becomes a valid URI, and `<`, `>`, quotes, spaces, controls and bidi
    controls can neither end a Markdown autolink nor reorder what a reader sees. Meant for
    addresses already canonicalised by the parser; for older rows it is the safety net.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or parts.username or parts.password:
        return ""
    host = ascii_host(host)
    if not host:
        return ""
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return urlunsplit(
        (
            parts.scheme.lower(),
            netloc,
            percent_encode(parts.path),
            percent_encode(parts.query),
            percent_encode(parts.fragment),
        )
    )


def has_controls(text: str) -> bool:
    """Whether `text` carries a control character, a line separator or a bidi control."""
    return bool(_UNSAFE_LINE.search(text))


def oneline(text: str) -> str:
    """`text` on one line: each control, line separator or bidi control becomes a space, so a
    name cannot start a line of its own (a forged `Bcc:`) nor reverse the text around it."""
    return _UNSAFE_LINE.sub(" ", text)


def printable(text: str) -> str:
    """`text` for a terminal: each control (ESC, CR, LF, ...), line separator and invisible
    format character shown as a visible escape such as `\\x1b` or `\\u202e`."""
    return _ESCAPE.sub(_visible, text)


def _visible(match: re.Match[str]) -> str:
    cp = ord(match.group(0))
    return f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"
