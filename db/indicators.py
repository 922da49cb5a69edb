"""Indicator values (附件1): record a year's value with its evidence, read them back for verdicts."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.indicators import IndicatorValue
from core.plan import Indicator, Plan
from db import repo
from db.evidence import Upload
from db.models import IndicatorValueFile, IndicatorValueRow, utcnow
from db.records import FORBIDDEN, INVALID, Refusal, archive_or_refuse

__all__ = ["ValueRequest", "check_value", "plan_years", "record_value", "record_values", "values_by_indicator"]


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


def plan_years(plan: Plan) -> range:
    """Years a value may be recorded for: the baseline year before the plan starts, to its last year."""
    first = min(p.window.start.year for p in plan.phases)
    last = max(p.window.due.year for p in plan.phases)
    return range(first - 1, last + 1)


def _indicator(plan: Plan, indicator_id: str) -> Indicator:
    found = next((i for i in plan.indicators if i.id == indicator_id), None)
    if found is None:
        ids = [i.id for i in plan.indicators]
        near = difflib.get_close_matches(indicator_id, ids, n=3, cutoff=0.3)
        hint = f"；是否想写 / did you mean: {', '.join(near)}" if near else f"；可选：{', '.join(ids)}"
        raise Refusal(INVALID, f"附件1中没有指标“{indicator_id}”{hint}", f"no indicator {indicator_id!r}")
    return found


def check_value(plan: Plan, request: ValueRequest) -> Indicator:
    """Every rule a value must meet; raises :class:`Refusal` naming the field at fault (exit 2; exit 3 for a
    bureau that does not own the indicator)."""
    indicator = _indicator(plan, request.indicator)
    years = plan_years(plan)
    if request.year not in years:
        raise Refusal(INVALID, f"年份 {request.year} 不在计划年度 {years.start}-{years.stop - 1} 内（含基准年）",
                      f"year {request.year} is outside the plan ({years.start}-{years.stop - 1})")
    if request.by not in indicator.owners and request.by != "office":
        names = "、".join(plan.bureau_name(b) for b in indicator.owners)
        who = plan.bureau_name(request.by)
        raise Refusal(FORBIDDEN, f"“{who}”不是指标 {indicator.id}（{indicator.title}）的责任单位（{names}）",
                      f"{request.by!r} does not own indicator {indicator.id}", kind="not_owner")
    unit = indicator.unit if request.unit is None else request.unit
    if unit != indicator.unit:
        raise Refusal(INVALID, f"指标 {indicator.id} 的单位是“{indicator.unit or '是/否'}”，不是“{unit}”",
                      f"indicator {indicator.id} is recorded in {indicator.unit!r}, not {unit!r}")
    if indicator.unit == "%" and not 0 <= request.value <= 100:
        raise Refusal(INVALID, f"百分比 {request.value:g} 不在 0-100 之间", f"percentage {request.value:g} is outside 0-100")
    if indicator.rule.kind in ("achieved", "established") and request.value not in (0.0, 1.0):
        raise Refusal(INVALID, "该指标只能填 是/否（yes/no，1/0）", "this indicator takes yes or no")
    return indicator


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
    written = []
    with sessions.begin() as session:
        for indicator, request in checked:
            files = stored[id(request)]
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
            written.append(after)
    return written


def values_by_indicator(*, session: Session, plan_id: str) -> dict[str, dict[int, IndicatorValue]]:
    """indicator id -> year -> the newest value recorded for that year."""
    out: dict[str, dict[int, IndicatorValue]] = {}
    rows = session.scalars(select(IndicatorValueRow).where(IndicatorValueRow.plan_id == plan_id)
                           .order_by(IndicatorValueRow.id))
    for row in rows:
        out.setdefault(row.indicator_id, {})[row.year] = IndicatorValue(row.year, row.value, len(row.files),
                                                                        row.assigned_target)
    return out
