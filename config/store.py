"""The store is private to the service account: LIANGSHAN_HOME and its reports folder 0700, the SQLite
database 0600 (backups and the evidence archive keep their own, as strict, modes).

Contact lists, evidence and reports are personal or unpublished data: no other account on the server
may read them. New folders and files are created private; an existing home that is more open is
reported (by ``liangshan init``), never silently changed, since the office may have a reason.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["DIR_MODE", "FILE_MODE", "keep_private", "make_private_dir", "too_open"]

DIR_MODE = 0o700
FILE_MODE = 0o600


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by the service account only; an existing one is left as it is."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass  # another process made it meanwhile
        else:
            os.chmod(path, DIR_MODE)  # whatever the umask says
    return path


def keep_private(path: Path) -> None:
    """Make an existing file of the service account 0600 when it is more open (a file someone else owns is left)."""
    try:
        info = path.stat()
        if stat.S_IMODE(info.st_mode) & 0o077 and info.st_uid == os.getuid():
            os.chmod(path, FILE_MODE)
    except OSError:
        pass  # gone meanwhile, or not ours: SQLite itself reports what matters


def too_open(path: Path) -> str | None:
    """``path``'s mode as ``0755`` when group or other may read or enter it, else None (also when missing)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    return f"{mode:04o}" if mode & 0o077 else None
