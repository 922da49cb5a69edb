"""Indicator values (附件1): record a year's value with its evidence, read them back for verdicts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.collect import plan_years, value_problems
from core.indicators import IndicatorValue
from core.plan import Indicator, Plan
from db import repo
from db.evidence import StoredFile, Upload
from db.models import IndicatorValueFile, IndicatorValueRow, utcnow
from db.refusals import FORBIDDEN, INVALID, Refusal, archive_or_refuse

__all__ = ["ValueRequest", "check_value", "plan_years", "record_value", "record_values", "values_by_indicator", "write_value"]


@dataclass(frozen=True, slots=True)
class ValueRequest:
    """A bureau reports one indicator's value for one year."""

    indicator: str
    year: int
    value: float
    by: str
    unit: str | None = None
    source: str = ""
    files: tuple[Path | Upload, ...] = ()
    assigned_target: float | None = None
    at: datetime | None = None


def check_value(plan: Plan, request: ValueRequest) -> Indicator:
    """Every rule a value must meet; raises :class:`Refusal` naming the field at fault (exit 2; exit 3 for a
    bureau that does not own the indicator). The rules are :func:`core.collect.value_problems`."""
    problems = value_problems(plan, request.indicator, request.year, request.value, request.by, request.unit)
    if problems:
        first = problems[0]
        if first.kind == "forbidden":
            raise Refusal(FORBIDDEN, first.zh, first.en, kind="not_owner")
        raise Refusal(INVALID, first.zh, first.en)
    return next(i for i in plan.indicators if i.id == request.indicator)


def record_value(sessions: sessionmaker[Session], plan: Plan, home: Path, actor: str, request: ValueRequest) -> dict[str, Any]:
    """Record one value (a new row; the newest of a year counts) with its evidence, in one transaction."""
    return record_values(sessions, plan, home, actor, [request])[0]


def record_values(sessions: sessionmaker[Session], plan: Plan, home: Path, actor: str,
                  requests: list[ValueRequest]) -> list[dict[str, Any]]:
    """Record several values in one transaction: all of them, or (on any refusal) none."""
    checked = [(check_value(plan, r), r) for r in requests]
    for _, request in checked:
        for f in request.files:
            if not isinstance(f, Upload) and not Path(f).is_file():
                raise Refusal(INVALID, f"文件 {f}：文件不存在", f"file {f}: not found")
    stored = {id(r): archive_or_refuse(home, r.files) for _, r in checked}
    with sessions.begin() as session:
        return [write_value(session, plan, actor, indicator, request, stored[id(request)]) for indicator, request in checked]


def write_value(session: Session, plan: Plan, actor: str, indicator: Indicator, request: ValueRequest,
                files: list[StoredFile]) -> dict[str, Any]:
    """Write one checked value row with its archived evidence and its audit entry, in the caller's transaction."""
    repo.add_evidence(session=session, stored=files)
    row = IndicatorValueRow(plan_id=plan.id, indicator_id=indicator.id, year=request.year, value=request.value,
                            unit=indicator.unit, assigned_target=request.assigned_target, source=request.source,
                            bureau=request.by, happened_at=request.at or utcnow(), recorded_at=utcnow(),
                            recorded_by=actor)
    row.files = [IndicatorValueFile(sha256=f.sha256, original_name=f.original_name) for f in files]
    session.add(row)
    session.flush()
    after = {"indicator": indicator.id, "year": request.year, "value": request.value, "unit": indicator.unit,
             "assigned_target": request.assigned_target, "source": request.source, "bureau": request.by,
             "files": [f.original_name for f in files]}
    repo.add_audit(session=session, actor=actor, action="indicator_value", plan_id=plan.id, entity="indicator",
                   entity_id=f"{indicator.id}/{request.year}", after=after)
    return after


def values_by_indicator(*, session: Session, plan_id: str) -> dict[str, dict[int, IndicatorValue]]:
    """indicator id -> year -> the newest value recorded for that year."""
    out: dict[str, dict[int, IndicatorValue]] = {}
    rows = session.scalars(select(IndicatorValueRow).where(IndicatorValueRow.plan_id == plan_id)
                           .order_by(IndicatorValueRow.id))
    for row in rows:
        out.setdefault(row.indicator_id, {})[row.year] = IndicatorValue(row.year, row.value, len(row.files),
                                                                        row.assigned_target)
    return out
