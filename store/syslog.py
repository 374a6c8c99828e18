"""Forwarding each audit event to syslog (issue #18 item 11), off by default.

A copy of the audit log on another machine holds what the hash chain alone cannot: the newest
rows (a chain cut short still checks out) and a chain rewritten whole by someone who can write
``access.sqlite``. Set ``RADSOME_SYSLOG`` (environment or ``.streamlit/secrets.toml``) to

* ``HOST:PORT`` or ``udp://HOST:PORT`` — syslog over UDP (e.g. ``logs.trust.nhs.uk:514``),
* ``tcp://HOST:PORT`` — syslog over TCP,
* a path such as ``/dev/log`` — the local syslog daemon's socket (which may forward it).

Each event is one message from ``radsome-audit`` (facility ``auth``, severity ``info``): JSON
with the row's id, time, user, role, action, detail and ``row_hash``, so the far copy can
vouch for the chain. The standard library's :class:`logging.handlers.SysLogHandler` sends it.
A failure to send is logged on stderr and never undoes or blocks the audit row itself.
"""
from __future__ import annotations

import json
import logging
import logging.handlers
import socket
import threading

from store import config

SYSLOG_ENV = "RADSOME_SYSLOG"
IDENT = "radsome-audit: "

_lock = threading.Lock()
_handlers: dict[str, logging.handlers.SysLogHandler] = {}
_warn = logging.getLogger("radsome.syslog")


def parse_address(value: str) -> tuple[object, int]:
    """``(address, socket type)`` for :class:`SysLogHandler` from a ``RADSOME_SYSLOG`` value;
    raises :class:`store.config.SettingError` naming the setting when it cannot be used."""
    text = value.strip()
    if text.startswith("/"):
        return text, socket.SOCK_DGRAM
    kind = socket.SOCK_DGRAM
    for prefix, socktype in (("udp://", socket.SOCK_DGRAM), ("tcp://", socket.SOCK_STREAM)):
        if text.lower().startswith(prefix):
            text, kind = text[len(prefix):], socktype
            break
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise config.SettingError(f"{SYSLOG_ENV}: {value!r} is not HOST:PORT, udp://HOST:PORT, "
                                  "tcp://HOST:PORT or a socket path such as /dev/log")
    return (host, int(port)), kind


def _handler(setting: str) -> logging.handlers.SysLogHandler:
    with _lock:
        handler = _handlers.get(setting)
        if handler is None:
            address, kind = parse_address(setting)
            handler = logging.handlers.SysLogHandler(
                address=address, facility=logging.handlers.SysLogHandler.LOG_AUTH, socktype=kind)
            handler.ident = IDENT
            handler.setFormatter(logging.Formatter("%(message)s"))
            _handlers[setting] = handler
        return handler


def forward(event: dict) -> bool:
    """Send one audit event when ``RADSOME_SYSLOG`` is set; True when it was handed to the
    socket. Never raises: the audit row is already committed, and is what counts."""
    setting = config.secret(SYSLOG_ENV)
    if not setting:
        return False
    try:
        handler = _handler(setting)
        record = logging.LogRecord("radsome.audit", logging.INFO, __file__, 0,
                                   json.dumps(event, ensure_ascii=False, sort_keys=True), None, None)
        handler.emit(record)
        return True
    except (OSError, config.SettingError) as exc:
        _warn.error("audit event %s not forwarded to syslog (%s): %s", event.get("id"), SYSLOG_ENV, exc)
        return False
