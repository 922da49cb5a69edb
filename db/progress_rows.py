"""Writing a checked progress report (进展报送) in the caller's transaction: the row, its files, the audit entry.

Kept apart from :mod:`db.progress` (which applies the rules and refuses) so that the events-file
import in :mod:`db.records` writes reports the same way without the two importing each other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.events import ProgressReport
from core.plan import Plan
from db import repo
from db.evidence import StoredFile
from db.models import ProgressReportRow, RecordFile, utcnow

__all__ = ["write_report"]


def write_report(session: Session, plan: Plan, actor: str, report: ProgressReport,
                 stored: Sequence[StoredFile]) -> dict[str, Any]:
    """Write a checked report with its archived files and audit entry, in the caller's transaction."""
    key = _idem_key(plan.id, report)
    found = session.scalars(select(ProgressReportRow).where(ProgressReportRow.idem_key == key)).first()
    if found is not None:
        return _row_dict(found, _file_names(session, found.id)) | {"existing": True}
    latest = session.scalar(select(func.max(ProgressReportRow.version)).where(
        ProgressReportRow.plan_id == plan.id, ProgressReportRow.step_id == report.step,
        ProgressReportRow.bureau == report.by, ProgressReportRow.period == report.period))
    row = ProgressReportRow(plan_id=plan.id, step_id=report.step, bureau=report.by, period=report.period,
                            version=(latest or 0) + 1, text=report.text, percent=report.percent,
                            problems=report.problems, next_steps=report.next_steps, happened_at=report.at,
                            recorded_at=utcnow(), recorded_by=actor, idem_key=key)
    session.add(row)
    session.flush()
    repo.add_evidence(session=session, stored=stored)
    for f in stored:
        session.add(RecordFile(kind="progress", record_id=row.id, sha256=f.sha256, original_name=f.original_name))
    after = _row_dict(row, [f.original_name for f in stored])
    repo.add_audit(session=session, actor=actor, action="progress_report", plan_id=plan.id, entity="progress",
                   entity_id=f"{report.step}/{report.by}/{report.period}", after=after)
    return after


def _idem_key(plan_id: str, report: ProgressReport) -> str:
    basis = [plan_id, report.step, report.by, report.period, report.at.astimezone(UTC).isoformat(), report.text]
    return hashlib.sha256("\x1f".join(basis).encode()).hexdigest()


def _row_dict(row: ProgressReportRow, files: list[str]) -> dict[str, Any]:
    return {"id": row.id, "step": row.step_id, "bureau": row.bureau, "period": row.period, "version": row.version,
            "text": row.text, "percent": row.percent, "problems": row.problems, "next_steps": row.next_steps,
            "at": row.happened_at.astimezone(UTC).isoformat(), "files": files}


def _file_names(session: Session, report_id: int) -> list[str]:
    rows = session.scalars(select(RecordFile).where(RecordFile.kind == "progress", RecordFile.record_id == report_id)
                           .order_by(RecordFile.id))
    return [f.original_name for f in rows]
