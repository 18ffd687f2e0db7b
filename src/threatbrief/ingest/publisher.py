# SPDX-License-Identifier: Apache-2.0
"""Who published an item: the organisation behind the page it links to, not the feed.

A joint advisory reaches us through many feeds, and a feed may carry other organisations'
releases (an FBI release through a JPCERT/CC feed). The publisher is, in order: the host map of
`lexicon/publishers.yaml` for the item's link, then for the entry's `<source>` address; the
entry's `<source>` name; its author; the registrable domain of its link, unless that is the
feed's own site. "" when none is known (the store then falls back to the feed's publisher).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import yaml

__all__ = ["PUBLISHERS", "host_publishers", "publisher_for", "registrable_domain"]

PUBLISHERS = Path(__file__).parent.parent / "lexicon" / "publishers.yaml"

# Second-level labels under which a registrable domain has three labels (`npa.go.jp`,
# `ncsc.gov.uk`); a short list for the countries our feeds come from, not the Public Suffix List.
_SECOND_LEVEL = {
    "jp": {"co", "or", "ne", "ac", "go", "gr", "ed", "lg", "ad"},
    "uk": {"co", "org", "gov", "ac", "ltd", "plc", "me", "net", "nhs", "police", "mod"},
    "au": {"com", "gov", "org", "net", "edu", "asn"},
    "nz": {"co", "govt", "org", "net", "ac"},
    "kr": {"co", "or", "go", "ac", "re", "ne"},
    "ca": {"gc"},
    "sg": {"com", "gov", "org", "edu"},
    "fr": {"gouv"},
    "ua": {"gov", "com", "org"},
    "cn": {"com", "gov", "org", "net", "edu"},
    "tw": {"com", "gov", "org"},
    "in": {"co", "gov", "org", "net"},
}


@functools.cache
def host_publishers(path: Path = PUBLISHERS) -> Mapping[str, str]:
    """The host map: host → publisher name."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k).lower(): str(v) for k, v in (doc.get("publishers") or {}).items()}


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def registrable_domain(host: str) -> str:
    """`www.npa.go.jp` → `npa.go.jp`, `news.example.com` → `example.com`."""
    labels = host.rstrip(".").lower().split(".")
    if len(labels) < 2:
        return host
    keep = 3 if labels[-2] in _SECOND_LEVEL.get(labels[-1], ()) else 2
    return ".".join(labels[-keep:])


def _mapped(host: str, table: Mapping[str, str]) -> str:
    labels = host.split(".")
    for i in range(len(labels) - 1):  # the longest suffix first
        name = table.get(".".join(labels[i:]))
        if name:
            return name
    return ""


def publisher_for(
    url: str,
    source_name: str = "",
    source_url: str = "",
    authors: Sequence[str] = (),
    table: Mapping[str, str] | None = None,
    home: Sequence[str] = (),
) -> str:
    """The publisher of an item that links to `url` (see the module's docstring). A link to
    one of the `home` addresses' sites (the feed's own) gives "", the feed's publisher."""
    table = host_publishers() if table is None else table
    host = _host(url)
    found = _mapped(host, table) if host else ""
    found = found or (_mapped(_host(source_url), table) if source_url else "")
    found = found or source_name.strip() or next((a.strip() for a in authors if a.strip()), "")
    if found or not host or host.replace(".", "").isdigit() or ":" in host:
        return found  # an address names no publisher
    domain = registrable_domain(host)
    return "" if domain in {registrable_domain(_host(h)) for h in home} else domain
