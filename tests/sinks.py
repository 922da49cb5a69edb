"""Real peers on 127.0.0.1 for the notification tests: a WeCom bot API, a JSON webhook, an SMTP server."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class HttpSink:
    """Speaks WeCom's bot API on /cgi-bin/webhook/send?key=KEY and takes any other JSON POST as a webhook.

    ``modes[key]`` chooses WeCom's answer for a bot: ``ok``, ``errcode`` (HTTP 200 with errcode 93000)
    or ``http500``.
    """

    port: int = 0
    wecom: list[dict[str, Any]] = field(default_factory=list)
    hooks: list[dict[str, Any]] = field(default_factory=list)
    modes: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def http_sink() -> Iterator[HttpSink]:
    sink = HttpSink()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            url = urlparse(self.path)
            if url.path == "/cgi-bin/webhook/send":
                key = parse_qs(url.query).get("key", [""])[0]
                mode = sink.modes.get(key, "ok")
                if mode == "http500":
                    self._answer(500, {"errcode": -1, "errmsg": "server error"})
                    return
                if mode == "errcode":
                    self._answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
                    return
                sink.wecom.append({"key": key, "payload": json.loads(body), "bytes": len(body)})
                self._answer(200, {"errcode": 0, "errmsg": "ok"})
                return
            sink.hooks.append({"path": url.path, "payload": json.loads(body or b"{}")})
            self._answer(200, {"ok": True})

        def _answer(self, status: int, data: dict[str, Any]) -> None:
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sink.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mail:
    """A received e-mail, decoded."""

    sender: str
    recipients: list[str]
    subject: str
    body: str


@contextmanager
def smtp_sink(prefer: tuple[str, ...] = ("plain", "html")) -> Iterator[tuple[int, list[Mail]]]:
    """An aiosmtpd server on 127.0.0.1: (port, received mails), each body the first part of ``prefer``."""
    from aiosmtpd.controller import Controller

    received: list[Mail] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            msg = message_from_bytes(envelope.content, policy=policy.default)
            part = msg.get_body(preferencelist=prefer)
            received.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), str(msg["subject"]),
                                 part.get_content() if part else ""))
            return "250 OK"

    with socket.socket() as probe:  # aiosmtpd needs a concrete port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()
