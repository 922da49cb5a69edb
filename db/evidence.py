"""The evidence archive: files copied in by content (SHA-256), checked again by ``verify``.

The archive is the service user's alone, whatever the umask: every folder of it (``evidence/``, its
fan-out folders and the spool ``evidence/tmp``) is 0700 and every archived file 0400 (read-only, for the
owner only), set with an explicit ``chmod``. A file is made read-only before it is renamed into place, so
it is never in the archive writable; an archive written before this (0755 folders, 0444 files) is
tightened as files are archived into it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import mimetypes
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from core.uploads import UploadRefused, check_file_name

__all__ = ["DIR_MODE", "FILE_MODE", "EvidenceError", "StoredFile", "Upload", "archive_file", "archive_path",
           "hash_file", "os_reason"]

_CHUNK = 1 << 20
FILE_MODE = 0o400  # an archived file: read-only, for the service user only
DIR_MODE = 0o700  # a folder of the archive: the service user only


class EvidenceError(Exception):
    """A file named for a check-in is missing or unreadable, or the archive cannot be written; nothing was recorded.

    ``shown`` is how the file may be named to whoever sent it: the path they gave on the command line, or the
    name an uploader gave (never the portal's spool path on the server). ``storage`` is True when the fault is
    the server's (disk full, read-only, no permission on the archive), not the sender's file.
    """

    def __init__(self, path: Path, reason: str, shown: str | None = None, storage: bool = False) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.shown = str(path) if shown is None else shown
        self.storage = storage


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file as archived: its hash, size, media type and the name it was checked in under."""

    sha256: str
    size: int
    media_type: str
    original_name: str


@dataclass(frozen=True, slots=True)
class Upload:
    """A file received by the portal: where it was spooled, and the name the uploader gave (already checked)."""

    path: Path
    name: str


def archive_path(home: Path, sha256: str) -> Path:
    """Where the archive keeps the file with this hash (two-level fan-out, like git)."""
    return home / "evidence" / sha256[:2] / sha256[2:]


def hash_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def archive_file(home: Path, source: Path | Upload) -> StoredFile:
    """Copy ``source`` into the archive under its hash; a file already there is not copied again.

    An :class:`Upload` is archived under the name its uploader gave, a path under its own name.

    The copy goes to a temporary file that is renamed into place, so the archive never holds a
    half-written file, and a database row is only written after this returns.

    Raises:
        EvidenceError: the file's name is refused (:func:`core.uploads.check_file_name`: a control or format
            character, a bare extension, a Windows device name); the file does not exist, is not a regular file
            or cannot be read; or the archive cannot
            be written (disk full, read-only): then no temporary copy is left in ``evidence/tmp``.
    """
    name = source.name
    shown = name if isinstance(source, Upload) else str(source)
    if isinstance(source, Upload):
        source = source.path
    else:  # the portal checked an upload's name already; a command-line file meets the same rule
        try:
            check_file_name(name)
        except UploadRefused as exc:
            raise EvidenceError(source, str(exc), repr(shown)) from exc
    if not source.exists():
        raise EvidenceError(source, "文件不存在 / file not found", shown)
    if not source.is_file():
        raise EvidenceError(source, "不是普通文件 / not a regular file", shown)
    try:
        src = source.open("rb")
    except OSError as exc:
        raise EvidenceError(source, f"无法读取 / cannot read: {os_reason(exc)}", shown) from exc
    digest = hashlib.sha256()
    size = 0
    tmp_name: str | None = None
    try:
        with src:
            _private_dir(home / "evidence")
            spool = home / "evidence" / "tmp"
            _private_dir(spool)
            with tempfile.NamedTemporaryFile(dir=spool, delete=False) as tmp:
                tmp_name = tmp.name
                while chunk := _read(src):
                    digest.update(chunk)
                    size += len(chunk)
                    tmp.write(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
        sha = digest.hexdigest()
        target = archive_path(home, sha)
        _private_dir(target.parent)
        if target.exists():
            os.unlink(tmp_name)
            _set_mode(target, FILE_MODE)  # archived before the archive was private: tighten it
        else:
            os.chmod(tmp_name, FILE_MODE)  # read-only before it is in place, never after
            os.replace(tmp_name, target)
    except _ReadError as exc:
        _discard(tmp_name)
        raise EvidenceError(source, f"无法读取 / cannot read: {os_reason(exc.error)}", shown) from exc.error
    except OSError as exc:  # the archive refused the copy (disk full, read-only, quota): no half file stays behind
        _discard(tmp_name)
        why = os_reason(exc)
        raise EvidenceError(source, f"成果档案无法写入：{_WRITE_ZH.get(exc.errno or 0, '系统错误')}（{why}），该文件未保存 / "
                                    f"the evidence archive cannot be written: {why}", shown, storage=True) from exc
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return StoredFile(sha, size, media_type, name)


_WRITE_ZH = {errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "超出磁盘配额", errno.EROFS: "文件系统只读",
             errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限", errno.EIO: "磁盘读写错误"}


def os_reason(exc: OSError) -> str:
    """The OS's words for the error, without the file names an OSError's str() carries (server paths)."""
    if exc.strerror:
        return exc.strerror
    return errno.errorcode.get(exc.errno or 0, type(exc).__name__)


class _ReadError(Exception):
    """Reading the source failed (not writing the archive)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def _read(handle: BinaryIO) -> bytes:
    try:
        return handle.read(_CHUNK)
    except OSError as exc:
        raise _ReadError(exc) from exc


def _discard(name: str | None) -> None:
    """Remove a temporary copy that did not make it into the archive."""
    if name is not None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _private_dir(path: Path) -> None:
    """``path`` (and any missing parent) created, and ``path`` itself made 0700 whatever the umask."""
    path.mkdir(parents=True, exist_ok=True)
    _set_mode(path, DIR_MODE)


def _set_mode(path: Path, mode: int) -> None:
    """chmod ``path`` to ``mode`` when it differs; a path the service user does not own is left as it is."""
    with contextlib.suppress(PermissionError):
        if stat.S_IMODE(path.stat().st_mode) != mode:
            os.chmod(path, mode)
