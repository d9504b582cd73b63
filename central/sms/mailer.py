"""Notifications by e-mail, through the centre's SMTP server (smtplib).

::

    send(config.email, "lan@example.vn", "Hồ sơ … đã có kết quả", "Kính gửi …")
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from ..config import EmailConfig

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class MailError(Exception):
    """Sending failed; ``link`` when the server could not be reached at all."""

    def __init__(self, message: str, *, link: bool = False):
        super().__init__(message)
        self.link = link


def _password(config: EmailConfig) -> str:
    if not config.password_file:
        return ""
    return Path(config.password_file).read_text(encoding="utf-8").strip()


def send(config: EmailConfig, to: str, subject: str, body: str) -> None:
    """Send one plain-text UTF-8 message; raises :class:`MailError` on any failure."""
    msg = EmailMessage()
    msg["From"] = config.sender or f"motcua@{config.host}"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=(config.sender.rpartition("@")[2].strip("> ")
                                           or None))
    msg.set_content(body)
    try:
        if config.ssl:
            server = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with server:
            if config.starttls and not config.ssl:
                server.starttls(context=ssl.create_default_context())
            if config.username:
                server.login(config.username, _password(config))
            server.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        # smtplib's errors are OSErrors too: a recipient refused (a citizen's bad
        # address) counted as the server away, so it was reported as such and the
        # other messages waited their turn behind it.
        link = isinstance(exc, (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected)) \
            or (isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException))
        raise MailError(f"{type(exc).__name__}: {exc}", link=link) from exc
