"""Real peers on 127.0.0.1 for the notification tests: a WeCom bot API, a JSON webhook, an SMTP server."""

from __future__ import annotations

import itertools
import json
import re
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
    """Speaks WeCom's bot API on /cgi-bin/webhook/send?key=KEY and /cgi-bin/webhook/upload_media?key=KEY&type=file,
    and takes any other JSON POST as a webhook.

    ``modes[key]`` chooses WeCom's answer for a bot: ``ok``, ``errcode`` (HTTP 200 with errcode 93000) or
    ``http500`` on every call; ``upload_errcode`` or ``upload_http500`` on uploads only (sends answer ok).
    ``uploads`` records each file taken (key, filename, size, data, the media_id answered), in order;
    ``calls`` records, in order, each call of either endpoint answered ok: (key, ``send`` or ``upload``).
    """

    port: int = 0
    wecom: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    hooks: list[dict[str, Any]] = field(default_factory=list)
    modes: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def http_sink() -> Iterator[HttpSink]:
    sink = HttpSink()
    media_ids = itertools.count(1)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            url = urlparse(self.path)
            if url.path == "/cgi-bin/webhook/upload_media":
                self._upload(parse_qs(url.query), body)
                return
            if url.path == "/cgi-bin/webhook/send":
                key = parse_qs(url.query).get("key", [""])[0]
                mode = sink.modes.get(key, "ok")
                if mode == "http500":
                    self._answer(500, {"errcode": -1, "errmsg": "server error"})
                    return
                if mode == "errcode":
                    self._answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
                    return
                with lock:
                    sink.wecom.append({"key": key, "payload": json.loads(body), "bytes": len(body)})
                    sink.calls.append((key, "send"))
                self._answer(200, {"errcode": 0, "errmsg": "ok"})
                return
            sink.hooks.append({"path": url.path, "payload": json.loads(body or b"{}")})
            self._answer(200, {"ok": True})

        def _upload(self, query: dict[str, list[str]], body: bytes) -> None:
            key = query.get("key", [""])[0]
            mode = sink.modes.get(key, "ok")
            if mode in ("http500", "upload_http500"):
                self._answer(500, {"errcode": -1, "errmsg": "server error"})
                return
            if mode in ("errcode", "upload_errcode"):
                self._answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
                return
            parts = _multipart(self.headers.get("Content-Type", ""), body)
            media = parts.get("media")
            if query.get("type", [""])[0] != "file" or media is None:
                self._answer(200, {"errcode": 40004, "errmsg": "invalid media type"})
                return
            filename, data = media
            with lock:
                media_id = f"MEDIA{next(media_ids):04d}"
                sink.uploads.append({"key": key, "filename": filename, "size": len(data), "data": data,
                                     "media_id": media_id})
                sink.calls.append((key, "upload"))
            self._answer(200, {"errcode": 0, "errmsg": "ok", "type": "file", "media_id": media_id,
                               "created_at": "1700000000"})

        def _answer(self, status: int, data: dict[str, Any]) -> None:
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler) as port:
        sink.port = port
        yield sink


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """An HTTP server for ``handler`` on a free 127.0.0.1 port, in a thread, for as long as the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[str, bytes]]:
    """The parts of a multipart/form-data body: field name -> (filename, bytes). Headers are read as UTF-8,
    as WeCom reads them (a Chinese filename is sent raw)."""
    found = re.search(r'boundary="?([^";]+)"?', content_type)
    if not found:
        return {}
    out: dict[str, tuple[str, bytes]] = {}
    for chunk in body.split(b"--" + found.group(1).encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.partition(b"\r\n\r\n")
        headers = head.decode("utf-8", "replace")
        name = re.search(r'\bname="([^"]*)"', headers)
        filename = re.search(r'filename="([^"]*)"', headers)
        if name:
            out[name.group(1)] = (filename.group(1) if filename else "", data.removesuffix(b"\r\n"))
    return out


@dataclass
class Attachment:
    """A file attached to a received e-mail."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Mail:
    """A received e-mail, decoded."""

    sender: str
    recipients: list[str]
    subject: str
    body: str
    attachments: list[Attachment] = field(default_factory=list)


@contextmanager
def smtp_sink(prefer: tuple[str, ...] = ("plain", "html")) -> Iterator[tuple[int, list[Mail]]]:
    """An aiosmtpd server on 127.0.0.1: (port, received mails), each body the first part of ``prefer``."""
    from aiosmtpd.controller import Controller

    received: list[Mail] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            msg = message_from_bytes(envelope.content, policy=policy.default)
            part = msg.get_body(preferencelist=prefer)
            files = [Attachment(a.get_filename() or "", a.get_content_type(), a.get_payload(decode=True) or b"")
                     for a in msg.iter_attachments()] if msg.is_multipart() else []
            received.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), str(msg["subject"]),
                                 part.get_content() if part else "", files))
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
