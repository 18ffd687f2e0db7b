# SPDX-License-Identifier: Apache-2.0
"""Small network helpers shared by the mail and TAXII clients."""

from __future__ import annotations

import ipaddress

__all__ = ["is_loopback_host"]


def is_loopback_host(host: str) -> bool:
    """Whether `host` names this machine: `localhost` or a loopback address (IPv4 or IPv6)."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
