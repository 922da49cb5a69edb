"""The evidence archive: files copied in by content (SHA-256), checked again by ``verify``."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EvidenceError", "StoredFile", "Upload", "archive_file", "archive_path", "hash_file"]

_CHUNK = 1 << 20


class EvidenceError(Exception):
    """A file named for a check-in is missing or unreadable; nothing was recorded."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


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
        EvidenceError: the file does not exist, is not a regular file, or cannot be read.
    """
    name = source.name
    if isinstance(source, Upload):
        source = source.path
    if not source.exists():
        raise EvidenceError(source, "文件不存在 / file not found")
    if not source.is_file():
        raise EvidenceError(source, "不是普通文件 / not a regular file")
    spool = home / "evidence" / "tmp"
    spool.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    try:
        with source.open("rb") as src, tempfile.NamedTemporaryFile(dir=spool, delete=False) as tmp:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                tmp.write(chunk)
            tmp.flush()
            os.fsync(tmp.fileno())
    except OSError as exc:
        raise EvidenceError(source, f"无法读取 / cannot read: {exc.strerror or exc}") from exc
    sha = digest.hexdigest()
    target = archive_path(home, sha)
    if target.exists():
        os.unlink(tmp.name)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp.name, target)
        os.chmod(target, 0o444)  # evidence is read-only once archived
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return StoredFile(sha, size, media_type, name)
