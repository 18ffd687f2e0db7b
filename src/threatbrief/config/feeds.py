# SPDX-License-Identifier: Apache-2.0
"""The `defaults:` and `feeds:` sections of feeds.yaml: each feed checked into a `Feed`, with
its limits, its address allowances and the headers it takes from the environment."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from .._net import RESERVED_HEADERS, is_metadata, redact_url
from ..models import TLP, Allowance, Feed, FetchLimits
from .values import (
    ENV_NAME,
    FEED_ID,
    HEADER_NAME,
    HOST_NAME,
    MAX_INTERVAL,
    MIN_INTERVAL,
    Checker,
    describe,
    parse_duration,
    parse_network,
    parse_size,
    parse_zone,
    shown,
    tlp_level,
)

# Publisher country → the zone its feeds mean when a date carries no offset.
COUNTRY_ZONES = {
    "JP": "Asia/Tokyo",
    "EE": "Europe/Tallinn",
    "GB": "Europe/London",
    "FR": "Europe/Paris",
    "UA": "Europe/Kyiv",
    "DE": "Europe/Berlin",
    "EU": "Europe/Brussels",
    "US": "America/New_York",
    "KR": "Asia/Seoul",
    "AU": "Australia/Sydney",
    "CA": "America/Toronto",
    "NL": "Europe/Amsterdam",
}


DEFAULT_KEYS = (
    "allow_private_networks",
    "allow_networks",
    "interval",
    "user_agent",
    "timeout",
    "max_bytes",
    "retries",
    "backoff",
    "concurrency",
    "per_host",
    "tlp",
)
FEED_KEYS = (
    "id",
    "url",
    "lang",
    "country",
    "publisher",
    "name",
    "tlp",
    "interval",
    "user_agent",
    "timezone",
    "enabled",
    "kind",
    "allow_private",
    "headers_env",
)
FEED_KINDS = ("cert", "government", "vendor", "news", "aggregator", "unknown")
MAIL_KEYS = ("host", "port", "security", "user_env", "password_env", "from", "outbox")


@dataclass
class Defaults:
    interval: timedelta = timedelta(hours=1)
    user_agent: str = ""
    tlp: TLP = TLP.CLEAR
    limits: FetchLimits = field(default_factory=FetchLimits)


def check_defaults(c: Checker, raw: Any) -> tuple[Defaults, bool, tuple[str, ...]]:
    path = "defaults"
    d = c.mapping(raw, path, DEFAULT_KEYS)
    base = FetchLimits()
    dur_hint = "use e.g. 30m, 2h, 1d"
    timeout = c.convert(
        d, "timeout", path, lambda v: parse_duration(v).total_seconds(), base.timeout, dur_hint
    )
    max_bytes = c.convert(d, "max_bytes", path, parse_size, base.max_bytes, "use e.g. 10MB")
    backoff = c.get(d, "backoff", path, (int, float), base.backoff)
    limits = FetchLimits(
        timeout=float(c.ranged(timeout, "timeout", path, base.timeout, d.get("timeout"), True)),
        max_bytes=c.ranged(max_bytes, "max_bytes", path, base.max_bytes, d.get("max_bytes")),
        retries=c.ranged(c.get(d, "retries", path, int, base.retries), "retries", path, 0),
        backoff=float(c.ranged(backoff, "backoff", path, base.backoff)),
        concurrency=c.ranged(
            c.get(d, "concurrency", path, int, base.concurrency), "concurrency", path, 1
        ),
        per_host=c.ranged(c.get(d, "per_host", path, int, base.per_host), "per_host", path, 1),
    )
    interval = check_interval(c, d, path, timedelta(hours=1))
    networks = c.get(d, "allow_networks", path, list, [])
    checked: list[str] = []
    for i, net in enumerate(networks):
        try:
            checked.append(parse_network(net))
        except (ValueError, TypeError):
            c.add(
                f"{path}.allow_networks[{i}]",
                f"{shown(net)} is not an IP network",
                "use CIDR notation, e.g. 10.20.0.0/16",
            )
            continue
        warn_wide(c, f"{path}.allow_networks[{i}]", ipaddress.ip_network(checked[-1]))
    defaults = Defaults(
        interval=interval,
        user_agent=c.get(d, "user_agent", path, str, ""),
        tlp=c.convert(
            d, "tlp", path, tlp_level, TLP.CLEAR, "use clear, green, amber, amber+strict, red"
        ),
        limits=limits,
    )
    allow_private = c.get(d, "allow_private_networks", path, bool, False)
    if allow_private:
        c.warn(
            f"{path}.allow_private_networks",
            "lets each feed's own server (its URL's host and port) be on any private address",
            "prefer listing the address under that feed's allow_private",
        )
    return defaults, allow_private, tuple(checked)


def check_interval(c: Checker, raw: dict[str, Any], path: str, default: timedelta) -> timedelta:
    interval: timedelta = c.convert(
        raw, "interval", path, parse_duration, default, "use e.g. 30m, 2h, 1d"
    )
    if interval < MIN_INTERVAL:
        c.add(
            f"{path}.interval",
            f"{shown(raw.get('interval'))} is shorter than the minimum of 5m",
            "publishers throttle clients that poll too often",
        )
    elif interval > MAX_INTERVAL:
        c.add(
            f"{path}.interval",
            f"{shown(raw.get('interval'))} is longer than the maximum of 366d",
            "use 5m to 366d",
        )
    return interval


def warn_wide(c: Checker, path: str, net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> None:
    """A warning for an allowance wider than /8 (IPv4) or /32 (IPv6)."""
    if net.prefixlen == 0:
        c.warn(
            path,
            f"{net} allows every IPv{net.version} address, public or private "
            "(only cloud metadata addresses stay refused)",
            "list the one server the feed needs, e.g. 10.20.1.5:8443",
        )
    elif net.prefixlen < (8 if net.version == 4 else 32):
        c.warn(
            path,
            f"{net} is wider than /{8 if net.version == 4 else 32}",
            "list the one server the feed needs, e.g. 10.20.1.5:8443",
        )


def parse_allowance(value: object) -> Allowance:
    """One allow_private entry: `10.20.1.5`, `10.20.1.5:8443`, `10.20.0.0/16`,
    `[fd00::/8]:8443`, `fd00::5`, `intranet.example` or `intranet.example:8080`.

    Raises:
        ValueError: none of these, a bad port, or a cloud metadata address.
    """
    if not isinstance(value, str) or not value or len(value) > 300:
        raise ValueError("not a host, address or network")
    text, port_text = value.strip(), ""
    if text.startswith("["):
        inside, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError("not a host, address or network")
        text, port_text = inside, rest[1:] if rest else ""
    elif text.count(":") == 1:
        text, _, port_text = text.partition(":")
    port: int | None = None
    if port_text or (value.rstrip().endswith(":")):
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ValueError("not a TCP port after ':'")
        port = int(port_text)
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        host = text.lower().rstrip(".")
        if not HOST_NAME.fullmatch(host):
            raise ValueError("not a host, address or network") from None
        return Allowance(network="", host=host, port=port)
    if net.num_addresses == 1 and is_metadata(net.network_address):
        raise ValueError("not allowed: a cloud metadata address is never fetched")
    return Allowance(network=str(net), port=port)


def check_feed(c: Checker, raw: Any, index: int, defaults: Defaults) -> Feed | None:
    ident = raw.get("id") if isinstance(raw, dict) else None
    path = f"feeds[{index}]" + (f" (id '{ident}')" if isinstance(ident, str) else "")
    f = c.mapping(raw, path, FEED_KEYS)
    if not f:
        if raw is None or isinstance(raw, dict):
            c.add(path, "is empty", "a feed needs at least 'id' and 'url'")
        return None
    feed_id = c.get(f, "id", path, str, "")
    if not feed_id:
        c.add(f"{path}.id", "is required")
    elif not FEED_ID.match(feed_id):
        c.add(
            f"{path}.id",
            f"'{feed_id}' is not a slug",
            "use lowercase letters, digits and '-', e.g. ncsc-uk-advisories",
        )
    url = c.get(f, "url", path, str, "")
    if not url:
        c.add(f"{path}.url", "is required")
    else:
        try:
            parts = urlsplit(url)
            good = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
        except ValueError:  # a bad port or IPv6 literal
            good = False
        if not good:
            c.add(f"{path}.url", f"{shown(redact_url(url))} is not an http(s) URL")
        elif redact_url(url) != url:
            c.warn(
                f"{path}.url",
                "carries a credential (user:password or a token parameter); threatbrief hides "
                "it in output, logs and the database",
                "if the publisher accepts a header, use headers_env instead",
            )
    interval = check_interval(c, f, path, defaults.interval)
    country = c.get(f, "country", path, str, "").upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        c.add(f"{path}.country", f"'{country}' is not an ISO 3166 alpha-2 code")
    lang = c.get(f, "lang", path, str, "en")
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)*", lang):
        c.add(f"{path}.lang", f"'{lang}' is not a language tag", "use e.g. en, ja, et")
    zone = c.convert(
        f,
        "timezone",
        path,
        parse_zone,
        COUNTRY_ZONES.get(country, "UTC"),
        "use an IANA zone such as Asia/Tokyo",
    )
    return Feed(
        id=feed_id,
        url=url,
        lang=lang,
        country=country,
        publisher=c.get(f, "publisher", path, str, ""),
        name=c.get(f, "name", path, str, ""),
        tlp=c.convert(
            f, "tlp", path, tlp_level, defaults.tlp, "use clear, green, amber, amber+strict, red"
        ),
        interval=interval,
        user_agent=c.get(f, "user_agent", path, str, defaults.user_agent),
        timezone=zone,
        enabled=c.get(f, "enabled", path, bool, True),
        kind=feed_kind(c, f, path),
        allowances=feed_allowances(c, f, path),
        headers_env=headers_env(c, f, path),
    )


def feed_allowances(c: Checker, f: dict[str, Any], path: str) -> tuple[Allowance, ...]:
    found: list[Allowance] = []
    for i, entry in enumerate(c.get(f, "allow_private", path, list, [])):
        where = f"{path}.allow_private[{i}]"
        try:
            allowance = parse_allowance(entry)
        except ValueError as exc:
            c.add(
                where,
                f"{shown(entry)} is {describe(exc)}",
                "use host[:port], an address[:port] or a CIDR network, e.g. 10.20.1.5:8443",
            )
            continue
        if allowance.network:
            warn_wide(c, where, ipaddress.ip_network(allowance.network))
        found.append(allowance)
    return tuple(found)


def headers_env(c: Checker, f: dict[str, Any], path: str) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    raw = c.get(f, "headers_env", path, dict, {})
    for name, env in raw.items():
        where = f"{path}.headers_env.{shown(name) if not isinstance(name, str) else name[:60]}"
        if not isinstance(name, str) or not HEADER_NAME.fullmatch(name):
            c.add(where, "is not an HTTP header name", "e.g. Authorization or X-Api-Key")
        elif name.lower() in RESERVED_HEADERS:
            c.add(where, f"'{name}' is set by threatbrief itself and cannot be replaced")
        elif not isinstance(env, str) or not ENV_NAME.fullmatch(env):
            # never echo the value: it may be the secret itself, pasted in by mistake
            c.add(
                where,
                "must name an environment variable, not hold the header's value",
                "e.g. headers_env: {Authorization: FEED_X_AUTH}; export FEED_X_AUTH='Bearer …'",
            )
        else:
            found.append((name, env))
    return tuple(found)


def feed_kind(c: Checker, f: dict[str, Any], path: str) -> str:
    """The feed's source kind; a feed that does not say is `unknown`, the lowest authority,
    with a warning (a hostile or mistyped feed must not pass for a CERT)."""
    if "kind" not in f:
        c.warn(
            f"{path}.kind",
            "is not set, so the feed counts as 'unknown', the lowest source authority",
            f"set kind: one of {', '.join(FEED_KINDS)}",
        )
    kind = c.get(f, "kind", path, str, "unknown")
    if kind not in FEED_KINDS:
        c.add(f"{path}.kind", f"'{kind}' is not one of {', '.join(FEED_KINDS)}")
    return str(kind)
