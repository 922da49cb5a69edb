"""Check the evidence archive against the database: every file present and unaltered."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.evidence import archive_path, hash_file
from db.models import CheckInFile, EvidenceFile

__all__ = ["Finding", "verify_archive"]


@dataclass(frozen=True, slots=True)
class Finding:
    """An archived file that is missing, or whose content no longer matches its hash."""

    sha256: str
    kind: Literal["missing", "altered"]
    path: Path
    names: tuple[str, ...]


def verify_archive(sessions: sessionmaker[Session], home: Path) -> tuple[list[Finding], int]:
    """Re-hash every archived file; returns the findings and how many files were checked."""
    findings = []
    with sessions() as session:
        files = list(session.scalars(select(EvidenceFile).order_by(EvidenceFile.sha256)))
        names: dict[str, set[str]] = {}
        for sha, name in session.execute(select(CheckInFile.sha256, CheckInFile.original_name)):
            names.setdefault(sha, set()).add(name)
    for file in files:
        path = archive_path(home, file.sha256)
        label = tuple(sorted(names.get(file.sha256, set())))
        if not path.exists():
            findings.append(Finding(file.sha256, "missing", path, label))
            continue
        sha, size = hash_file(path)
        if sha != file.sha256 or size != file.size:
            findings.append(Finding(file.sha256, "altered", path, label))
    return findings, len(files)
