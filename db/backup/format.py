"""The archive's names and the outcome types: format id and version, refusals, what a backup or restore reports.

See :mod:`db.backup` for the archive's layout.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Table,
)

from db.models import Base

FORMAT = "liangshan-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_BATCH = 1000


class BackupError(Exception):
    """A backup or restore refused or failed; nothing was written. ``code`` is the exit code (2 or 3)."""

    def __init__(self, zh: str, en: str, code: int = 2, member: str | None = None) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en
        self.code = code
        self.member = member


@dataclass(frozen=True, slots=True)
class BackupReport:
    """What a backup wrote: the archive, its hash, the rows per table and the evidence files."""

    path: Path
    sha256: str
    size: int
    schema_revision: str
    created_at: str
    rows: dict[str, int]
    evidence_files: int
    evidence_bytes: int
    problems: list[dict[str, str]]  # evidence rows whose file was missing or altered, left out
    seconds: float
    signed: bool = False  # the manifest carries an HMAC made with the installation's secret key


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """What a restore loaded."""

    schema_revision: str
    created_at: str
    rows: dict[str, int]
    evidence_files: int
    evidence_bytes: int
    migrated: bool  # the database was blank and was migrated in the same transaction
    missing_evidence: list[str]  # files the backup itself reported missing or altered (verify will too)
    seconds: float
    signed: bool = False  # its signature was checked with the secret key


def tables() -> list[Table]:
    """Our tables, parents before children (the order of the archive and of a restore)."""
    return list(Base.metadata.sorted_tables)



def _bad(zh: str, en: str, member: str | None = None) -> BackupError:
    return BackupError(f"备份文件无效：{zh}", f"the backup is invalid: {en}", 2, member)



def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
