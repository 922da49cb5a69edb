"""Writing a document so that a reader never sees half of it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_write"]


@contextmanager
def atomic_write(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``, on failure removed.

    The writer creates the temporary file itself (it does not exist yet), so the file gets the
    usual permissions. It keeps ``path``'s suffix, for libraries that choose a format by it
    (matplotlib). The folder is created when missing. The portal, or an e-mail attachment, reading
    ``path`` meanwhile gets the old document or the new one, never a partial write.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")
    try:
        yield temp
        # Flush to disk before the rename, so a crash cannot leave an empty file under the real name.
        with temp.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
