"""Request bodies: a hard size limit at the ASGI level, and uploaded files spooled, checked and always removed.

The limit (``LIANGSHAN_UPLOAD_MAX_MB``) is enforced before any route runs: a declared
Content-Length over it gets 413 at once, without reading the body; a chunked (or lying) body is
counted as it is read and cut off with 413 the moment it passes the limit. Uploaded files are
checked (name, first bytes) and copied to a per-request folder under ``<home>/evidence/tmp``
that is deleted when the request ends, whether the check-in was recorded or refused; the archive
(db.evidence) makes its own copy by hash.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.uploads import HEAD_BYTES, UploadRefused, check_upload_head, check_upload_name
from db.evidence import Upload, os_reason
from web.portal import PortalError

__all__ = ["MAX_FILES", "BodyLimit", "BodyTooLarge", "Form", "megabytes", "read_form", "too_large"]

MAX_FILES = 20
MAX_FIELDS = 200
MAX_FIELD_BYTES = 64 * 1024  # a note or a case text; files are limited by the body limit


def megabytes(max_bytes: int) -> int:
    """The upload limit in whole MB, as LIANGSHAN_UPLOAD_MAX_MB set it."""
    return max(1, round(max_bytes / (1 << 20)))


def too_large(max_bytes: int) -> str:
    """What a clerk reads when an upload is over the limit: the limit itself, and what to do."""
    mb = megabytes(max_bytes)
    return f"上传内容超过 {mb} MB 的大小限制，未保存任何内容。请压缩文件或分几次上传，每次不超过 {mb} MB"


def _page_413(max_bytes: int) -> bytes:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>文件过大</title>'
        '<link rel="stylesheet" href="/static/portal.css"></head><body><main class="page"><section class="card error">'
        f"<h1>文件过大</h1><p>{too_large(max_bytes)}。</p>"
        f'<p class="en">The upload is over the {megabytes(max_bytes)} MB limit; nothing was saved.</p>'
        '<p><a href="/">返回</a></p></section></main></body></html>'
    ).encode()


class BodyTooLarge(Exception):
    """The request body passed the limit while it was being read."""


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, before or while they are read."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.page = _page_413(max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        # A length of more digits than any limit has is too large, and int() would refuse past 4300 digits.
        if declared is not None and (not declared.strip().isdigit() or len(declared.strip()) > 15
                                     or int(declared) > self.max_bytes):
            await self._refuse(send, self.page)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(send, self.page)

    @staticmethod
    async def _refuse(send: Send, page: bytes) -> None:
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(page)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": page})


@dataclass
class Form:
    """A parsed form: its text fields, and its files (checked and spooled only when asked for)."""

    fields: dict[str, list[str]]
    parts: list[UploadFile]
    spool_root: Path
    _spool: Path | None = field(default=None, repr=False)

    def get(self, name: str, default: str = "") -> str:
        """The first value of a text field, stripped of surrounding whitespace."""
        values = self.fields.get(name)
        return values[0].strip() if values else default

    def getlist(self, name: str) -> list[str]:
        """Every non-empty value of a repeatable field."""
        return [v.strip() for v in self.fields.get(name, []) if v.strip()]

    async def uploads(self) -> tuple[Upload, ...]:
        """The uploaded files, each checked by name and first bytes, copied to this request's spool folder.

        Raises:
            PortalError: 400 naming the refused file, 507 when the server's disk cannot take it (nothing is kept).
        """
        out = []
        for n, part in enumerate(self.parts):
            try:
                name = check_upload_name(part.filename or "")
                head = await part.read(HEAD_BYTES)
                await part.seek(0)
                check_upload_head(name, head)
            except UploadRefused as exc:
                zh, _, en = str(exc).partition(" / ")
                raise PortalError(400, f"{zh}；未保存任何内容", en) from None
            try:
                if self._spool is None:
                    self.spool_root.mkdir(parents=True, exist_ok=True)
                    self._spool = Path(tempfile.mkdtemp(prefix="portal-", dir=self.spool_root))
                target = self._spool / f"{n:03d}"
                await run_in_threadpool(_copy, part, target)
            except OSError as exc:  # the server's disk (full, read-only): the sender's file is not at fault
                self.cleanup()
                raise storage_error(name, exc) from None
            out.append(Upload(target, name))
        return tuple(out)

    def cleanup(self) -> None:
        """Remove this request's spooled copies."""
        if self._spool is not None:
            shutil.rmtree(self._spool, ignore_errors=True)
            self._spool = None


def storage_error(name: str | None, exc: OSError) -> PortalError:
    """507 for an upload the server could not store, naming the uploader's file (when known) and the OS's
    reason, never a server path."""
    why = os_reason(exc)
    what = f"文件 {name}：" if name else ""
    return PortalError(507, f"{what}服务器暂时无法保存附件（{why}），请稍后重试，并告知区两山办；未保存任何内容",
                       f"{'file ' + name + ': ' if name else ''}the server cannot store uploads now: {why}")


def _copy(part: UploadFile, target: Path) -> None:
    part.file.seek(0)
    with target.open("wb") as out:
        shutil.copyfileobj(part.file, out, 1 << 20)


@asynccontextmanager
async def read_form(request: Request, home: Path) -> AsyncIterator[Form]:
    """Parse the request's form (urlencoded or multipart); every spooled file is gone when the block ends.

    A file input left empty by the browser (no name, no bytes) is no file; any other part named
    ``file`` is an upload to check.

    Raises:
        PortalError: 400 for a text field holding a NUL character; 507 when the server cannot spool the form.
    """
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
    except OSError as exc:  # the parser's temporary files did not fit on the server's disk
        raise storage_error(None, exc) from None
    parsed = Form({}, [], home / "evidence" / "tmp")
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key == "file" and (value.filename or value.size):
                    parsed.parts.append(value)
            elif "\x00" in value:  # no text column takes one (PostgreSQL refuses it), and no person types one
                raise PortalError(400, "表单内容含有 NUL 字符；未保存任何内容", "a form field holds a NUL character")
            else:
                parsed.fields.setdefault(key, []).append(value)
        # A refusal's page offers the form again with what was typed (web.app.error_response).
        request.state.typed = parsed.fields
        request.state.had_files = bool(parsed.parts)
        yield parsed
    finally:
        parsed.cleanup()
        await form.close()
