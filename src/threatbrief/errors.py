# SPDX-License-Identifier: Apache-2.0
"""The one exception tree of threatbrief; the CLI turns these into messages and exit codes.

```
ThreatbriefError               base; never raised directly
├── ConfigError                feeds.yaml or environment invalid; holds every Problem at once
├── FetchError                 network, timeout, TLS, HTTP status, size cap, address policy
│   └── AddressPolicyError     a hop resolved to a refused (private, loopback, metadata) address
├── ParseError                 body unusable as a feed
├── StoreError                 database unreadable or migration failed
├── UsageError                 a command was asked for something impossible (unknown item, ...)
├── DeliveryError              SMTP connect, authentication or send failed; `permanent` or not
└── ShareError                 a partner's bundle refused, or a TAXII exchange failed
    └── BundleError            a bundle unusable as a whole (size, JSON, shape)
```
"""

from __future__ import annotations

from dataclasses import dataclass


class ThreatbriefError(Exception):
    """Base of every error threatbrief raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One configuration problem: where it is, what is wrong, and how to fix it."""

    path: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class ConfigError(ThreatbriefError):
    """The configuration is invalid; `problems` lists every problem found."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(self._render())

    def _render(self) -> str:
        count = len(self.problems)
        head = f"{self.source}: {count} problem{'s' if count != 1 else ''}"
        return "\n".join([head, *(f"  {self.source}: {p}" for p in self.problems)])


class FetchError(ThreatbriefError):
    """A feed could not be fetched."""

    def __init__(
        self, message: str, *, feed_id: str = "", url: str = "", status: int | None = None
    ) -> None:
        self.feed_id = feed_id
        self.url = url
        self.status = status
        super().__init__(message)


class AddressPolicyError(FetchError):
    """A request would have reached an address that the policy refuses."""


class ParseError(ThreatbriefError):
    """A body could not be read as a feed."""

    def __init__(self, reason: str, *, feed_id: str = "") -> None:
        self.feed_id = feed_id
        self.reason = reason
        super().__init__(reason)


class StoreError(ThreatbriefError):
    """The database could not be opened, migrated or written."""

    def __init__(self, message: str, *, db_path: str = "") -> None:
        self.db_path = db_path
        super().__init__(message)


class UsageError(ThreatbriefError):
    """A command was asked for something that cannot be done (unknown id, bad range)."""


class ShareError(ThreatbriefError):
    """A partner's bundle was refused, or an exchange with a TAXII server failed; `problems`
    lists each object's error (index, type, id, what is wrong)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        shown = self.problems[:50]
        more = len(self.problems) - len(shown)
        lines = [message, *(f"  {p}" for p in shown)]
        if more:
            lines.append(f"  … and {more} more")
        super().__init__("\n".join(lines))


class BundleError(ShareError):
    """A bundle that cannot be read at all: too large, not JSON, not a STIX bundle."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class DeliveryError(ThreatbriefError):
    """A message could not be delivered; `permanent` is True for 5xx and bad settings."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        self.permanent = permanent
        super().__init__(message)
