# SPDX-License-Identifier: Apache-2.0
"""Small network helpers shared by the fetcher and the mail and TAXII clients: which addresses
are public, which are cloud metadata endpoints, and URLs with their credentials hidden."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "METADATA_NETWORKS",
    "RESERVED_HEADERS",
    "IPAddress",
    "IPNetwork",
    "embedded_ipv4",
    "is_loopback_host",
    "is_metadata",
    "is_public_url",
    "redact_url",
    "refusal_reason",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud instance-metadata and host-agent endpoints: refused before any allowance is consulted.
METADATA_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.169.254/32",  # AWS, Azure, GCP, OpenStack, DigitalOcean, Oracle
        "169.254.169.253/32",  # AWS VPC DNS
        "169.254.169.123/32",  # AWS time sync
        "169.254.170.2/32",  # AWS ECS task metadata
        "169.254.170.23/32",  # AWS EKS pod identity
        "169.254.0.23/32",  # Tencent Cloud
        "169.254.42.42/32",  # Scaleway
        "100.100.100.200/32",  # Alibaba Cloud
        "192.0.0.192/32",  # Oracle Cloud (classic)
        "168.63.129.16/32",  # Azure host agent (WireServer); a global-looking address
        "fd00:ec2::254/128",  # AWS, IPv6
        "fd00:ec2::23/128",  # AWS EKS pod identity, IPv6
        "fd00:ec2::123/128",  # AWS time sync, IPv6
        "fd20:ce::254/128",  # GCP, IPv6
    )
)
_MAPPED = ipaddress.ip_network("::ffff:0:0/96")  # IPv4-mapped
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # IPv4-translated (RFC 2765)
_COMPATIBLE = ipaddress.ip_network("::/96")  # IPv4-compatible (deprecated)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# Not public, whatever ipaddress says in this Python version.
_NOT_PUBLIC: tuple[tuple[IPNetwork, str], ...] = (
    (ipaddress.ip_network("fec0::/10"), "a site-local address"),
    (ipaddress.ip_network("64:ff9b:1::/48"), "a local-use NAT64 address"),
)


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for or tunnels to: IPv4-mapped (`::ffff:a.b.c.d`),
    IPv4-translated (`::ffff:0:a.b.c.d`), IPv4-compatible, NAT64 (`64:ff9b::/96`,
    `64:ff9b:1::/48`), 6to4 (`2002::/16`) and Teredo; None for any other address."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _TRANSLATED or any(ip in net for net in _NAT64):
        return low
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _COMPATIBLE and int(ip) > 1:  # not :: or ::1
        return low
    return None


def _candidates(ip: IPAddress) -> tuple[IPAddress, ...]:
    inner = embedded_ipv4(ip)
    if inner is None:
        return (ip,)
    if isinstance(ip, ipaddress.IPv6Address) and (
        ip in _MAPPED or ip in _TRANSLATED or ip in _COMPATIBLE or ip in _NAT64[0]
    ):
        # these forms are the IPv4 address itself (NAT64 /96 translates to exactly it)
        return (inner,)
    return (inner, ip)  # a gateway form: both the target and the gateway's address must pass


def is_metadata(ip: IPAddress) -> bool:
    """Whether `ip`, or the IPv4 address inside it, is a cloud metadata endpoint."""
    return any(
        c in net for c in _candidates(ip) for net in METADATA_NETWORKS if c.version == net.version
    )


def _non_public(ip: IPAddress) -> str:
    for net, reason in _NOT_PUBLIC:
        if ip.version == net.version and ip in net:
            return reason
    for attr, reason in (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_unspecified", "an unspecified address"),
        ("is_site_local", "a site-local address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    ):
        if getattr(ip, attr, False):
            return reason
    if not ip.is_global:
        return "a non-global address"
    return ""


def refusal_reason(
    ip: IPAddress, *, allow_private: bool = False, allowed: Iterable[IPNetwork] = ()
) -> str:
    """Why a connection to `ip` is refused, or "" if it is allowed.

    Metadata endpoints are refused first, always, even inside `allowed` (so `0.0.0.0/0` does not
    reach 169.254.169.254). Then an address inside `allowed` passes, then any address if
    `allow_private`. Otherwise every non-public address is refused: private, loopback,
    link-local, site-local, CGNAT, reserved, multicast. The IPv4 address inside a mapped,
    translated, NAT64, 6to4 or Teredo address is judged too.
    """
    candidates = _candidates(ip)
    if is_metadata(ip):
        return "a cloud metadata address"
    if any(c in net for net in allowed for c in (ip, *candidates) if c.version == net.version):
        return ""
    if allow_private:
        return ""
    for candidate in candidates:
        reason = _non_public(candidate)
        if reason:
            return reason
    return ""


def is_loopback_host(host: str) -> bool:
    """Whether `host` names this machine: `localhost` or a loopback address (IPv4 or IPv6)."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Names that never leave this machine or its network (RFC 6761, 6762, 8375 and common use).
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan", ".intranet")


def is_public_url(url: str) -> bool:
    """Whether `url` may be shown to a reader as a source's address: its host is a name that
    is not a local one (`localhost`, `*.local`, ...) or a public IP address. A loopback,
    private, link-local or metadata address, or one tunnelled inside IPv6, is not; a brief
    must never cite the address of the feed server or of a machine on the reader's network."""
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if not host or host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        # a name; a bare number such as 2130706433 is an address to a browser, not a name
        return not host.replace(".", "").isdigit() and "." in host
    return not is_metadata(ip) and not refusal_reason(ip)


# Headers that the fetcher sets itself; a feed's headers_env may not replace them.
RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "accept-encoding",
        "if-none-match",
        "if-modified-since",
        "user-agent",
    }
)

# Query parameters whose value is a credential; also any name ending in one of the suffixes.
SECRET_PARAMS = frozenset(
    {
        "token",
        "key",
        "apikey",
        "api_key",
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "sig",
        "signature",
        "access_token",
        "auth",
        "auth_token",
        "client_secret",
        "private_token",
        "session",
        "sessionid",
        "x_amz_credential",
        "x_amz_security_token",
        "x_goog_credential",
    }
)
_SECRET_SUFFIXES = ("_token", "_key", "_secret", "_password", "_signature", "_sig")
REDACTED = "***"
_USERINFO = re.compile(r"//[^/?#@]*@")


def _secret_param(name: str) -> bool:
    norm = name.strip().lower().replace("-", "_")
    return norm in SECRET_PARAMS or norm.endswith(_SECRET_SUFFIXES)


def redact_url(url: str) -> str:
    """`url` with its user name and password, and the values of credential-like query
    parameters (token, key, api_key, password, secret, sig, signature, …), replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:  # unreadable: hide any userinfo and the whole query
        head, sep, _query = _USERINFO.sub(f"//{REDACTED}@", url).partition("?")
        return head + (f"?{REDACTED}" if sep else "")
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    query = "&".join(
        f"{pair.partition('=')[0]}={REDACTED}" if _secret_param(pair.partition("=")[0]) else pair
        for pair in parts.query.split("&")
    )
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
