"""Outgoing mail: multipart (text + HTML) through SMTP when MAIL_SERVER is set, else .eml files.

Templates come in pairs, ``templates/email/<name>.txt`` and ``.html``. Mail is sent from RQ jobs
(``jobs/mail.py``), never inside a web request.
"""

from __future__ import annotations

import hashlib
import smtplib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from email import headerregistry, policy
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app, render_template


class _HeaderClasses(headerregistry.HeaderRegistry):
    """The standard header registry, making each header's class once: the stock one makes a
    new class for every header it parses, which was the largest part of building a digest."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


# Long header values (the List-Unsubscribe URL) must stay plain text on the wire: with the
# default 78-column limit Python rewrites an unbreakable URL as an RFC 2047 encoded word,
# which mail clients do not read as a link. 998 is RFC 5322's hard line limit.
WIRE_POLICY = policy.default.clone(max_line_length=998, header_factory=_HeaderClasses())


_MESSAGE_KEY: ContextVar[str | None] = ContextVar("mail_message_key", default=None)


@contextmanager
def stable_message_ids(key: str) -> Iterator[None]:
    """Inside, each mail's Message-ID is derived from ``key`` and its recipient, so the same
    job sending again (after a crash) sends recognisably the same message."""
    token = _MESSAGE_KEY.set(key)
    try:
        yield
    finally:
        _MESSAGE_KEY.reset(token)


def stable_message_id(key: str, to: str) -> str:
    digest = hashlib.sha256(f"{key}|{to.strip().lower()}".encode()).hexdigest()[:32]
    return f"<{digest}@mission-teams>"


def _message_id(to: str) -> str:
    key = _MESSAGE_KEY.get()
    return stable_message_id(key, to) if key else make_msgid(domain="mission-teams")


def build_message(
    to: str,
    subject: str,
    template: str,
    *,
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> EmailMessage:
    """Render a template pair into a multipart/alternative message."""
    config = current_app.config
    context.setdefault("base_url", config["BASE_URL"])
    msg = EmailMessage(policy=WIRE_POLICY)
    msg["Subject"] = " ".join(subject.split())  # user text in a subject: never a line break
    msg["From"] = config["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Message-ID"] = message_id or _message_id(to)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(render_template(f"email/{template}.txt", **context))
    msg.add_alternative(render_template(f"email/{template}.html", **context), subtype="html")
    return msg


class _Tracking(smtplib.SMTP):
    """Knows whether the current message was handed over: once the DATA command has gone out,
    the server may have accepted it, whatever happens to the connection next."""

    handed_over = False

    def mail(self, sender: str, options: Sequence[str] = ()) -> tuple[int, bytes]:
        self.handed_over = False
        return super().mail(sender, options)

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.handed_over = True
        return super().data(msg)


class _SMTP(_Tracking):
    pass


class _SMTPSSL(_Tracking, smtplib.SMTP_SSL):
    pass


def _connect() -> _Tracking:
    config = current_app.config
    smtp_class = _SMTPSSL if config["MAIL_USE_SSL"] else _SMTP
    smtp = smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


class SMTPSession:
    """One SMTP connection shared by every message sent inside ``smtp_session()``: opened on the
    first message, dropped after any failure (the next message opens a new one), closed at the
    end. On a reused connection, a message is sent once more over a new one only when nothing
    was handed over: the server had closed the connection before the DATA command (an idle
    timeout), or answered 421 (closing) to MAIL FROM or RCPT TO. A connection lost after DATA
    went out is a failure: the server may have accepted the message."""

    def __init__(self) -> None:
        self.smtp: _Tracking | None = None
        self.connections = 0  # opened so far: what the tests and the benchmark read

    def send(self, msg: EmailMessage) -> None:
        reused = self.smtp is not None
        try:
            smtp = self._open()
            smtp.handed_over = False
            try:
                smtp.send_message(msg)
            except (
                smtplib.SMTPServerDisconnected,
                smtplib.SMTPResponseException,
                smtplib.SMTPRecipientsRefused,
            ) as exc:
                if not (reused and _not_handed_over(smtp, exc)):
                    raise
                self.close()
                self._open().send_message(msg)  # the old connection had gone: a new one
        except BaseException:
            self.close()  # whatever state the session is in, the next message starts afresh
            raise

    def _open(self) -> _Tracking:
        if self.smtp is None:
            self.smtp = _connect()
            self.connections += 1
        return self.smtp

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _not_handed_over(smtp: _Tracking, exc: Exception) -> bool:
    """Whether the failure came before the message went out, so that sending it again over a
    new connection cannot deliver it twice."""
    if smtp.handed_over:
        return False
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return exc.smtp_code == 421
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(code == 421 for code, _ in exc.recipients.values())
    return False


_SESSION: ContextVar[SMTPSession | None] = ContextVar("mail_smtp_session", default=None)


@contextmanager
def smtp_session() -> Iterator[SMTPSession]:
    """Inside, ``deliver`` sends over one SMTP connection instead of one per message: for a
    batch of digests. Each message still succeeds or fails on its own."""
    session = SMTPSession()
    token = _SESSION.set(session)
    try:
        yield session
    finally:
        _SESSION.reset(token)
        session.close()


def deliver(msg: EmailMessage) -> None:
    """Hand a message to SMTP, or write it under MAIL_FILE_DIR when no server is configured."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        _write_file(msg, Path(config["MAIL_FILE_DIR"]))
        return
    session = _SESSION.get()
    if session is not None:
        session.send(msg)
    else:
        with _connect() as smtp:
            smtp.send_message(msg)
    current_app.logger.info("mail sent to=%s subject=%r", msg["To"], msg["Subject"])


def _write_file(msg: EmailMessage, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    msg_id = str(msg["Message-ID"]).strip("<>").replace("/", "_").replace("@", "_at_")
    path = folder / f"{msg_id}.eml"
    path.write_bytes(bytes(msg))
    current_app.logger.info("mail written to %s (no MAIL_SERVER set)", path)
    return path


def send_mail(to: str, subject: str, template: str, **context: Any) -> str:
    """Build and deliver one message; returns its Message-ID."""
    msg = build_message(to, subject, template, **context)
    deliver(msg)
    return str(msg["Message-ID"])


def display_address(name: str, email: str) -> str:
    return formataddr((name, email))
