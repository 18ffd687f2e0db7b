# SPDX-License-Identifier: Apache-2.0
"""SMTP delivery with certificate checks, retries on 4xx and per-recipient failure on 5xx.

Settings come from feeds.yaml's `mail:` or the THREATBRIEF_SMTP_* environment variables;
plain SMTP (`security: none`) is allowed only to a loopback host. One connection carries many
messages, each in its own SMTP transaction, so one refused recipient never stops the others.
"""

from __future__ import annotations

import functools
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import getaddresses
from typing import Protocol

from .._net import is_loopback_host
from ..errors import DeliveryError
from .message import POLICY

__all__ = ["MailSettings", "SmtpSession", "SmtpSettings", "send_message", "smtp_settings"]


class MailSettings(Protocol):
    """What `smtp_settings` reads of the configuration (`config.MailConfig` has it)."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def security(self) -> str: ...
    @property
    def user_env(self) -> str: ...
    @property
    def password_env(self) -> str: ...
    @property
    def sender(self) -> str: ...


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"
    user: str = ""
    password: str = ""
    sender: str = "threatbrief@localhost"
    timeout: float = 30.0
    ca_file: str = ""  # a private CA's certificates, instead of the system's trust store


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


@dataclass(frozen=True, slots=True)
class _NoMail:
    host: str = ""
    port: int = 0
    security: str = "starttls"
    user_env: str = ""
    password_env: str = ""
    sender: str = ""


def smtp_settings(mail: MailSettings | None, environ: Mapping[str, str]) -> SmtpSettings | None:
    """SMTP settings from the environment (first) or the config's `mail:` (None: the
    environment alone); None if no host.

    Raises:
        DeliveryError: plain SMTP to a non-loopback host, or an unknown security mode.
    """
    mail = mail or _NoMail()
    host = environ.get("THREATBRIEF_SMTP_HOST") or mail.host
    if not host:
        return None
    security = environ.get("THREATBRIEF_SMTP_SECURITY") or mail.security or "starttls"
    default_port = {"ssl": 465, "starttls": 587}.get(security, 25)
    port = int(environ.get("THREATBRIEF_SMTP_PORT") or mail.port or default_port)
    if security not in ("starttls", "ssl", "none"):
        raise DeliveryError(f"unknown SMTP security {security!r}", permanent=True)
    if security == "none" and not is_loopback_host(host):
        raise DeliveryError(
            f"plain SMTP is allowed only to a loopback host, not {host}", permanent=True
        )
    user_env = mail.user_env or "THREATBRIEF_SMTP_USER"
    password_env = mail.password_env or "THREATBRIEF_SMTP_PASSWORD"
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        user=environ.get(user_env, "") or environ.get("THREATBRIEF_SMTP_USER", ""),
        password=environ.get(password_env, "") or environ.get("THREATBRIEF_SMTP_PASSWORD", ""),
        sender=environ.get("THREATBRIEF_MAIL_FROM") or mail.sender or "threatbrief@localhost",
        ca_file=environ.get("THREATBRIEF_SMTP_CA_FILE", ""),
    )


def envelope(msg: Message) -> tuple[str, list[str]]:
    """The SMTP envelope of a message: its From address and its To and Cc addresses."""
    sender = getaddresses(msg.get_all("From", []))
    recipients = getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []))
    return (sender[0][1] if sender else ""), [a for _, a in recipients if a]


@functools.lru_cache(maxsize=4)
def _tls_context(ca_file: str = "") -> ssl.SSLContext:
    """Certificate and hostname checks against the system's trust store, or only against
    `ca_file`; built once per file, as loading a trust store costs about 20 ms."""
    return ssl.create_default_context(cafile=ca_file or None)


class SmtpSession:
    """One SMTP connection reused for many messages, as a context manager.

    Each message is its own SMTP transaction, so a refused recipient never stops the others.
    4xx replies and dropped connections are retried with backoff on a fresh connection; the
    connection is also renewed every `per_connection` messages, as servers limit them.
    """

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        per_connection: int = 100,
    ) -> None:
        self.settings = settings
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.per_connection = per_connection
        self._client: smtplib.SMTP | None = None
        self._count = 0

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """QUIT politely if the connection is alive; never raises."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()

    def _ready(self) -> smtplib.SMTP:
        if self._client is not None and self._count < self.per_connection:
            return self._client
        self.close()
        s = self.settings
        if s.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=_tls_context(s.ca_file)
            )
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.security == "starttls":
                client.starttls(context=_tls_context(s.ca_file))
            if s.user:
                client.login(s.user, s.password)
        except BaseException:
            client.close()
            raise
        self._client, self._count = client, 0
        return client

    def send(self, msg: EmailMessage) -> None:
        """Send one message to its To and Cc addresses, from its From address.

        Raises:
            DeliveryError: permanent (5xx, authentication, certificate) or after the last retry.
        """
        sender, recipients = envelope(msg)
        self.send_bytes(sender, recipients, msg.as_bytes(policy=POLICY))

    def send_bytes(
        self, sender: str, recipients: list[str], data: bytes, *, smtputf8: bool = False
    ) -> None:
        """Send a message already serialised with `policy.SMTP` (as the outbox stores it), to
        envelope addresses given as the server must see them (IDNA domains). `smtputf8` asks
        for SMTPUTF8, which an address with a non-ASCII local part needs.

        Raises:
            DeliveryError: permanent (5xx for this message, an untrusted certificate, a server
                without SMTPUTF8 for an address that needs it), or transient after the last
                retry. A refused login is transient: the message is fine and the settings can
                be mended, so it waits in the queue, but it is not retried in this session.
        """
        options = ["SMTPUTF8"] if smtputf8 else []
        for attempt in range(self.retries + 1):
            try:
                self._ready().sendmail(sender, recipients, data, mail_options=options)
                self._count += 1
                return
            except smtplib.SMTPAuthenticationError as exc:
                self.close()
                raise DeliveryError(
                    f"SMTP authentication failed: {exc.smtp_code} {_text(exc.smtp_error)} "
                    "(check THREATBRIEF_SMTP_USER and THREATBRIEF_SMTP_PASSWORD; the digests "
                    "wait in the outbox)",
                    permanent=False,
                ) from exc
            except smtplib.SMTPNotSupportedError as exc:
                raise DeliveryError(
                    f"the SMTP server does not offer SMTPUTF8, which this address needs: {exc}",
                    permanent=True,
                ) from exc
            except ssl.SSLCertVerificationError as exc:
                self.close()
                raise DeliveryError(
                    f"the SMTP server's certificate is not trusted: {exc.verify_message}",
                    permanent=True,
                ) from exc
            except smtplib.SMTPRecipientsRefused as exc:  # smtplib has reset the transaction
                code, text = next(iter(exc.recipients.values()))
                error = DeliveryError(
                    f"recipient refused: {code} {_text(text)}", permanent=code >= 500
                )
            except smtplib.SMTPResponseException as exc:
                self.close()
                error = DeliveryError(
                    f"SMTP error {exc.smtp_code}: {_text(exc.smtp_error)}",
                    permanent=exc.smtp_code >= 500,
                )
            except (TimeoutError, smtplib.SMTPException, OSError) as exc:
                self.close()
                error = DeliveryError(f"SMTP connection failed: {exc}", permanent=False)
            if error.permanent or attempt == self.retries:
                raise error
            self.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def send_message(
    settings: SmtpSettings,
    msg: EmailMessage,
    *,
    retries: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Send one message on its own connection (see `SmtpSession` for many).

    Raises:
        DeliveryError: permanent (5xx, authentication, certificate) or after the last retry.
    """
    with SmtpSession(settings, retries=retries, backoff=backoff, sleep=sleep) as session:
        session.send(msg)
