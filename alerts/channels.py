"""Sending one message: e-mail over SMTP, or an incoming webhook of Microsoft Teams or Slack.

Settings come from the environment or ``.streamlit/secrets.toml`` only (store.config.secret),
never from alerts.yaml; a webhook's URL is a secret too (it carries its own token), named in
alerts.yaml by ``url_secret``. Failures are sorted for :mod:`alerts.retry`: transient
(connection refused or dropped, timeout, SMTP 4xx, HTTP 5xx/429) or refused (SMTP 5xx, HTTP
4xx).

Recognising a re-send (docs/alerts.md "Exactly once"): every message of an event carries an
id made from (subscription, event key): the e-mail's ``Message-ID`` and ``X-RadSoMe-Event``
headers, and the webhook's ``Idempotency-Key`` header and the id in its payload. A message
sent again after a crash is byte-for-byte the same message with the same id.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import urlsplit

from alerts.retry import Refused, Transient
from store import config
from store.runs import fault_point

HOST_ENV, PORT_ENV, STARTTLS_ENV = "RADSOME_SMTP_HOST", "RADSOME_SMTP_PORT", "RADSOME_SMTP_STARTTLS"
USER_ENV, PASSWORD_ENV, FROM_ENV = "RADSOME_SMTP_USER", "RADSOME_SMTP_PASSWORD", "RADSOME_SMTP_FROM"
TIMEOUT_ENV = "RADSOME_ALERTS_TIMEOUT"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class Message:
    """One alert or digest, ready for any channel. ``facts`` are (label, value) pairs of plain
    text; the HTML part (e-mail) escapes every value; ``attachments`` are (file name, bytes,
    MIME type)."""

    event_key: str
    subject: str
    text: str
    facts: tuple = ()
    link: str = ""
    html: str | None = None
    attachments: tuple = ()
    quote: str | None = None  # patient or staff text, redacted (only when the role may read text)
    headers: dict = field(default_factory=dict)


def event_id(subscription: str, event_key: str) -> str:
    """The id every copy of this event's message carries (64 hex digits)."""
    return hashlib.sha256(f"{subscription}\x00{event_key}".encode()).hexdigest()


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    starttls: bool
    user: str | None
    password: str | None
    sender: str
    timeout: float

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2] or "radsome.local"


def timeout_s() -> float:
    """Seconds to wait for a server (SMTP or webhook) before giving up on an attempt."""
    value = config.secret(TIMEOUT_ENV) or "30"
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0
    if not 0 < seconds <= 600:
        raise config.SettingError(f"{TIMEOUT_ENV}: {value!r} is not a number of seconds (above 0, at most 600)")
    return seconds


def smtp_settings() -> SmtpSettings:
    """The SMTP server from the settings named above (environment or secrets.toml); a clear error when one
    is missing or wrong. Credentials are sent only over STARTTLS, or to a server on this host."""
    host, sender = config.secret(HOST_ENV), config.secret(FROM_ENV)
    for name, value in ((HOST_ENV, host), (FROM_ENV, sender)):
        if not value:
            raise config.SettingError(f"{name} is not set: e-mail alerts need the SMTP server and the sender address")
    starttls_text = (config.secret(STARTTLS_ENV) or "true").strip().lower()
    if starttls_text not in ("true", "false", "1", "0", "yes", "no"):
        raise config.SettingError(f"{STARTTLS_ENV}: {starttls_text!r} is not true or false")
    starttls = starttls_text in ("true", "1", "yes")
    port_text = config.secret(PORT_ENV) or ("587" if starttls else "25")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise config.SettingError(f"{PORT_ENV}: {port_text!r} is not a port number")
    user, password = config.secret(USER_ENV), config.secret(PASSWORD_ENV)
    if bool(user) != bool(password):
        raise config.SettingError(f"set both {USER_ENV} and {PASSWORD_ENV}, or neither")
    if user and not starttls and host not in LOCAL_HOSTS:
        raise config.SettingError(f"{STARTTLS_ENV} is false: SMTP credentials would cross the network in clear"
                                  f" text to {host}; use STARTTLS")
    return SmtpSettings(host, int(port_text), starttls, user, password, sender, timeout_s())


def email(message: Message, to: str, settings: SmtpSettings, subscription: str) -> EmailMessage:
    """The e-mail of ``message``: plain text (and HTML) parts, attachments, and the headers
    that make a re-send recognisable."""
    ident = event_id(subscription, message.event_key)
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = settings.sender
    mail["To"] = to
    mail["Message-ID"] = f"<{ident[:40]}@{settings.domain}>"
    mail["X-RadSoMe-Event"] = ident[:40]  # 160 bits: short enough not to be folded
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to an alert
    mail.set_content(message.text)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    for name, data, mime in message.attachments:
        maintype, _, subtype = mime.partition("/")
        params = {"charset": "utf-8"} if maintype == "text" else {}
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name, params=params)
    for i, part in enumerate(p for p in mail.walk() if p.is_multipart()):  # not random: a re-send is identical
        part.set_boundary(f"radsome-{ident[:24]}-{i}")
    return mail


def send_email(mail: EmailMessage, settings: SmtpSettings) -> None:
    """Deliver one e-mail. The envelope goes first (MAIL, RCPT), then DATA: a process killed
    between them leaves the server with no message."""
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            smtp.ehlo()
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.user:
                smtp.login(settings.user, settings.password)
            _ok(smtp.mail(settings.sender), "MAIL FROM")
            _ok(smtp.rcpt(mail["To"]), "RCPT TO")
            fault_point("alerts_mid_send")
            # CRLF line ends (RFC 5321): smtplib leaves bytes as they are, and a server may
            # refuse bare LF (aiosmtpd does: "Line too long"), or read it differently from us.
            _ok(smtp.data(mail.as_bytes(policy=mail.policy.clone(linesep="\r\n"))), "DATA")
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, socket.timeout,
            TimeoutError) as exc:
        raise Transient(f"SMTP {settings.host}:{settings.port}: {type(exc).__name__}: {exc}") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise Refused(f"SMTP {settings.host}: login refused ({exc.smtp_code})") from exc
    except smtplib.SMTPResponseException as exc:
        kind = Transient if 400 <= exc.smtp_code < 500 else Refused
        raise kind(f"SMTP {settings.host}: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
    except (smtplib.SMTPException, ssl.SSLError) as exc:
        raise Refused(f"SMTP {settings.host}: {type(exc).__name__}: {exc}") from exc
    except OSError as exc:  # no route, name not known
        raise Transient(f"SMTP {settings.host}:{settings.port}: {exc}") from exc


def _ok(reply: tuple[int, bytes], step: str) -> None:
    code, text = reply
    if code >= 400:
        raise smtplib.SMTPResponseException(code, text)


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


# --- webhooks --------------------------------------------------------------------------------------

def webhook_url(secret_name: str) -> str:
    url = config.secret(secret_name)
    if not url:
        raise config.SettingError(f"{secret_name} is not set: it holds the webhook URL of an alerts subscription")
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS):
        raise config.SettingError(f"{secret_name}: a webhook URL must be https:// (http:// only to this host)")
    return url


def teams_payload(message: Message, ident: str) -> dict:
    """A Teams message with one Adaptive Card (what Teams' Workflows "post to a channel when a
    webhook request is received" takes). Values are TextBlocks and facts, with Markdown's
    characters escaped: Adaptive Cards render a subset of Markdown."""
    body = [{"type": "TextBlock", "text": _md(message.subject), "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "TextBlock", "text": _md(message.text.split("\n\n")[0]), "wrap": True}]
    if message.facts:
        body.append({"type": "FactSet", "facts": [{"title": _md(k), "value": _md(v)} for k, v in message.facts]})
    if message.quote:
        body.append({"type": "TextBlock", "text": _md(message.quote), "wrap": True, "isSubtle": True})
    body.append({"type": "TextBlock", "text": f"RadSoMe event {ident[:16]}", "size": "Small", "isSubtle": True})
    card = {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.4", "body": body}
    if message.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in RadSoMe", "url": message.link}]
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


def slack_payload(message: Message, ident: str) -> dict:
    """A Slack incoming-webhook message: plain-text blocks (no mrkdwn, so no value is read as
    formatting or a link), a button to the dashboard, the event id in a context block."""
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": message.subject[:150]}},
              {"type": "section", "text": {"type": "plain_text", "text": message.text.split("\n\n")[0][:3000]}}]
    if message.facts:
        blocks.append({"type": "section", "fields": [
            {"type": "plain_text", "text": f"{k}: {v}"[:2000]} for k, v in message.facts[:10]]})
    if message.quote:
        blocks.append({"type": "section", "text": {"type": "plain_text", "text": message.quote[:3000]}})
    if message.link:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Open in RadSoMe"}, "url": message.link}]})
    blocks.append({"type": "context", "elements": [{"type": "plain_text", "text": f"RadSoMe event {ident[:16]}"}]})
    return {"text": _slack_escape(message.subject), "blocks": blocks}


def _md(value: str) -> str:
    """Text shown as itself in an Adaptive Card (its Markdown subset: emphasis, lists, links)."""
    out = str(value)
    for char in "\\*_[]()`#>~":
        out = out.replace(char, "\\" + char)
    return out.replace("\n-", "\n\\-")


def _slack_escape(value: str) -> str:
    """Slack's three control characters in message text (its fallback notification)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def send_webhook(kind: str, url: str, message: Message, subscription: str, timeout: float) -> None:
    """POST the channel's payload with an ``Idempotency-Key`` header (the event's id). The
    headers go first and the body after: a process killed between them leaves the receiver
    with a request it cannot read whole."""
    ident = event_id(subscription, message.event_key)
    payload = teams_payload(message, ident) if kind == "teams" else slack_payload(message, ident)
    body = json.dumps(payload).encode("utf-8")
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    kwargs = {"context": ssl.create_default_context()} if parts.scheme == "https" else {}
    connection = connection_class(parts.hostname, parts.port, timeout=timeout, **kwargs)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    host = parts.hostname or ""
    try:
        connection.putrequest("POST", path)
        for name, value in (("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                            ("Idempotency-Key", ident), ("User-Agent", "RadSoMe-alerts")):
            connection.putheader(name, value)
        connection.endheaders()
        fault_point("alerts_mid_send")
        connection.send(body)
        response = connection.getresponse()
        status, reply = response.status, response.read(500).decode("utf-8", "replace")
    except (ConnectionError, socket.timeout, TimeoutError, http.client.HTTPException) as exc:
        raise Transient(f"{kind} webhook {host}: {type(exc).__name__}: {exc}") from exc
    except ssl.SSLError as exc:
        raise Refused(f"{kind} webhook {host}: {exc}") from exc
    except OSError as exc:
        raise Transient(f"{kind} webhook {host}: {exc}") from exc
    finally:
        connection.close()
    if status == 429 or status >= 500:
        raise Transient(f"{kind} webhook {host}: HTTP {status} {reply[:200]}")
    if status >= 300:
        raise Refused(f"{kind} webhook {host}: HTTP {status} {reply[:200]}")
