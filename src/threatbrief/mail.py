# SPDX-License-Identifier: Apache-2.0
"""SMTP delivery with certificate checks, retries on 4xx and per-recipient failure on 5xx.

Settings come from feeds.yaml's `mail:` or the THREATBRIEF_SMTP_* environment variables;
plain SMTP (`security: none`) is allowed only to a loopback host. Each message goes in its own
SMTP transaction, so one refused recipient never stops the others.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from .errors import ThreatbriefError

__all__ = ["DeliveryError", "SmtpSettings", "send_message", "smtp_settings"]


class DeliveryError(ThreatbriefError):
    """A message could not be delivered; `permanent` is True for 5xx and bad settings."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        self.permanent = permanent
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"
    user: str = ""
    password: str = ""
    sender: str = "threatbrief@localhost"
    timeout: float = 30.0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def smtp_settings(mail: Any, environ: Mapping[str, str]) -> SmtpSettings | None:
    """SMTP settings from the environment (first) or the config's `mail:`; None if no host.

    Raises:
        DeliveryError: plain SMTP to a non-loopback host, or an unknown security mode.
    """
    host = str(environ.get("THREATBRIEF_SMTP_HOST") or getattr(mail, "host", ""))
    if not host:
        return None
    security = str(
        environ.get("THREATBRIEF_SMTP_SECURITY") or getattr(mail, "security", "starttls")
    )
    default_port = {"ssl": 465, "starttls": 587}.get(security, 25)
    port = int(environ.get("THREATBRIEF_SMTP_PORT") or getattr(mail, "port", None) or default_port)
    if security not in ("starttls", "ssl", "none"):
        raise DeliveryError(f"unknown SMTP security {security!r}", permanent=True)
    if security == "none" and not _is_loopback(host):
        raise DeliveryError(
            f"plain SMTP is allowed only to a loopback host, not {host}", permanent=True
        )
    user_env = str(getattr(mail, "user_env", "") or "THREATBRIEF_SMTP_USER")
    password_env = str(getattr(mail, "password_env", "") or "THREATBRIEF_SMTP_PASSWORD")
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        user=environ.get(user_env, "") or environ.get("THREATBRIEF_SMTP_USER", ""),
        password=environ.get(password_env, "") or environ.get("THREATBRIEF_SMTP_PASSWORD", ""),
        sender=str(
            environ.get("THREATBRIEF_MAIL_FROM")
            or getattr(mail, "sender", "")
            or "threatbrief@localhost"
        ),
    )


def _connect(s: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if s.security == "ssl":
        return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
    client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
    if s.security == "starttls":
        client.starttls(context=context)
    return client


def send_message(
    settings: SmtpSettings,
    msg: EmailMessage,
    *,
    retries: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Send one message; 4xx replies and dropped connections are retried with backoff.

    Raises:
        DeliveryError: permanent (5xx, authentication) or after the last retry.
    """
    for attempt in range(retries + 1):
        try:
            with _connect(settings) as client:
                if settings.user:
                    client.login(settings.user, settings.password)
                client.send_message(msg)
                return
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"SMTP authentication failed: {exc.smtp_code} {_text(exc.smtp_error)}",
                permanent=True,
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            error = DeliveryError(f"recipient refused: {code} {_text(text)}", permanent=code >= 500)
        except smtplib.SMTPResponseException as exc:
            error = DeliveryError(
                f"SMTP error {exc.smtp_code}: {_text(exc.smtp_error)}",
                permanent=exc.smtp_code >= 500,
            )
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            error = DeliveryError(f"SMTP connection failed: {exc}", permanent=False)
        if error.permanent or attempt == retries:
            raise error
        sleep(backoff * 2**attempt)
