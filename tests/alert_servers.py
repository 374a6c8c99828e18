"""Real local servers for the alerts tests: an SMTP server (aiosmtpd) that accepts, refuses
or fails transiently, a TCP server that accepts and never answers (a timeout), and an HTTP
webhook receiver (http.server in a thread) that records every request and, like a receiver
honouring ``Idempotency-Key``, can tell a re-sent request from a new one."""
from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """aiosmtpd on 127.0.0.1. ``mode``: 'accept', 'refuse' (554 to DATA), 'refuse_rcpt' (550),
    or 'tempfail' (451 to DATA ``tempfail_times`` times, then accept)."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.mode = "accept"
        self.tempfail_times = 1
        self.envelopes = 0  # recipients accepted (RCPT): one more than the messages when a client left before DATA
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "refuse_rcpt":
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        self.envelopes += 1
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mode == "refuse":
            return "554 5.7.1 message refused by policy"
        if self.mode == "tempfail" and self.tempfail_times > 0:
            self.tempfail_times -= 1
            return "451 4.3.0 temporary failure, try again"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 2.0.0 accepted"

    def ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class SilentServer:
    """Accepts TCP connections and never says anything: an SMTP or HTTP client times out."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
                self.held.append(conn)
            except OSError:
                continue

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop = True
        self.thread.join()
        for conn in self.held:
            conn.close()
        self.sock.close()


class WebhookReceiver:
    """Records every POST whose body arrived whole. ``statuses``: the HTTP status to answer each
    request with, in turn (then 200). ``delay``: seconds to wait before answering."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        self.broken = 0  # requests whose body never arrived whole (client gone mid-send)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if len(body) < length:
                    receiver.broken += 1
                    return
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers),
                                              "body": json.loads(body)})
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"ok" if status == 200 else b"error")
                except BrokenPipeError:  # the client gave up waiting (the timeout test)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_for_broken(self, n: int, timeout: float = 5.0) -> int:
        """``broken`` once it is at least ``n``, or after ``timeout`` seconds: the server's thread
        reads a killed client's end of file a moment after the kill, not before the test looks."""
        end = time.monotonic() + timeout
        while self.broken < n and time.monotonic() < end:
            time.sleep(0.02)
        return self.broken

    def keys(self) -> list[str]:
        return [r["headers"]["Idempotency-Key"] for r in self.requests]

    def delivered(self) -> list[dict]:
        """What a receiver that honours Idempotency-Key acts on: each key once."""
        seen, out = set(), []
        for r in self.requests:
            key = r["headers"]["Idempotency-Key"]
            if key not in seen:
                seen.add(key)
                out.append(r)
        return out

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
