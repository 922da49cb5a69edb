"""Check the evidence archive against the database: every file present and unaltered.

A finding names the file (its hash and where it should be) and every record that cites it: for a check-in
the step, the bureau it was checked in for and the deliverable; for an indicator value, a case or a
project, the bureau and what the record is; each with the name the file had when it was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.evidence import archive_path, hash_file
from db.models import (
    CaseRow,
    CheckInFile,
    CheckInRow,
    EvidenceFile,
    IndicatorValueFile,
    IndicatorValueRow,
    ProjectRow,
    RecordFile,
)

__all__ = ["FileUse", "Finding", "verify_archive"]


@dataclass(frozen=True, slots=True)
class FileUse:
    """A record that cites an archived file.

    ``kind`` is ``checkin`` (``step_id`` and ``deliverable_id`` set), ``indicator``, ``case`` or ``project``;
    ``bureau`` is the bureau the record is for (a check-in's ``--on-behalf-of`` bureau when the office checked
    it in for one, else the bureau that checked it in) and ``by`` the bureau that recorded it; ``label`` says
    which record (the deliverable and version, the indicator and year, the case's or project's title).
    """

    kind: Literal["checkin", "indicator", "case", "project"]
    plan_id: str
    bureau: str
    by: str
    original_name: str
    label: str
    step_id: str | None = None
    deliverable_id: str | None = None
    record_id: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """An archived file that is missing, or whose content no longer matches its hash, and who cites it."""

    sha256: str
    kind: Literal["missing", "altered"]
    path: Path
    names: tuple[str, ...]
    uses: tuple[FileUse, ...] = ()

    @property
    def steps(self) -> tuple[str, ...]:
        """The steps whose check-ins cite the file, each once, in order."""
        return tuple(dict.fromkeys(u.step_id for u in self.uses if u.step_id is not None))

    @property
    def bureaus(self) -> tuple[str, ...]:
        """The bureaus of the records citing the file, each once, in order."""
        return tuple(dict.fromkeys(u.bureau for u in self.uses))


def verify_archive(sessions: sessionmaker[Session], home: Path) -> tuple[list[Finding], int]:
    """Re-hash every archived file; returns the findings (by step, then bureau, then hash) and how many files
    were checked."""
    findings = []
    with sessions() as session:
        files = list(session.scalars(select(EvidenceFile).order_by(EvidenceFile.sha256)))
        uses = _uses(session)
    for file in files:
        path = archive_path(home, file.sha256)
        cited = tuple(uses.get(file.sha256, ()))
        label = tuple(sorted({u.original_name for u in cited}))
        if not path.exists():
            findings.append(Finding(file.sha256, "missing", path, label, cited))
            continue
        sha, size = hash_file(path)
        if sha != file.sha256 or size != file.size:
            findings.append(Finding(file.sha256, "altered", path, label, cited))
    findings.sort(key=lambda f: (f.steps[:1] or ("\uffff",), f.bureaus[:1], f.sha256))
    return findings, len(files)


def _uses(session: Session) -> dict[str, list[FileUse]]:
    """Every record citing an archived file, by the file's hash: check-ins (by step, bureau, deliverable,
    version), then indicator values, cases and projects."""
    found: dict[str, list[FileUse]] = {}
    checkins = session.execute(
        select(CheckInFile.sha256, CheckInFile.original_name, CheckInRow)
        .join(CheckInRow, CheckInRow.id == CheckInFile.checkin_id)
        .order_by(CheckInRow.plan_id, CheckInRow.step_id, CheckInRow.bureau, CheckInRow.deliverable_id,
                  CheckInRow.version, CheckInFile.id))
    for sha, name, row in checkins:
        found.setdefault(sha, []).append(FileUse(
            "checkin", row.plan_id, row.on_behalf_of or row.bureau, row.bureau, name,
            f"{row.deliverable_id} 第 {row.version} 版", row.step_id, row.deliverable_id, row.id))
    values = session.execute(
        select(IndicatorValueFile.sha256, IndicatorValueFile.original_name, IndicatorValueRow)
        .join(IndicatorValueRow, IndicatorValueRow.id == IndicatorValueFile.value_id)
        .order_by(IndicatorValueRow.plan_id, IndicatorValueRow.indicator_id, IndicatorValueRow.year,
                  IndicatorValueFile.id))
    for sha, name, value in values:
        found.setdefault(sha, []).append(FileUse(
            "indicator", value.plan_id, value.bureau, value.bureau, name,
            f"{value.indicator_id} {value.year} 年", record_id=value.id))
    cases = session.execute(
        select(RecordFile.sha256, RecordFile.original_name, CaseRow)
        .join(CaseRow, CaseRow.id == RecordFile.record_id).where(RecordFile.kind == "case")
        .order_by(CaseRow.plan_id, CaseRow.id, RecordFile.id))
    for sha, name, case in cases:
        found.setdefault(sha, []).append(FileUse(
            "case", case.plan_id, case.bureau, case.bureau, name, case.title, record_id=case.id))
    projects = session.execute(
        select(RecordFile.sha256, RecordFile.original_name, ProjectRow)
        .join(ProjectRow, ProjectRow.id == RecordFile.record_id).where(RecordFile.kind == "project")
        .order_by(ProjectRow.plan_id, ProjectRow.id, RecordFile.id))
    for sha, name, project in projects:
        found.setdefault(sha, []).append(FileUse(
            "project", project.plan_id, project.bureau, project.bureau, name, f"{project.code} {project.name}",
            record_id=project.id))
    return found
