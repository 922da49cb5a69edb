"""Typical cases (附件2) and the project library (项目库): record, update, count, total."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.collect import case_problems
from core.indicators import IndicatorValue
from core.plan import Plan
from core.projects import PROJECT_STATUS_ZH
from db import repo
from db.evidence import StoredFile, Upload
from db.indicators import plan_years
from db.models import CaseRow, ProjectRow, RecordFile, utcnow
from db.refusals import FORBIDDEN, INVALID, Refusal, archive_or_refuse

__all__ = ["PROJECT_STATUS", "CaseRequest", "ProjectRequest", "add_case", "add_cases", "case_counts", "library_facts", "list_cases",
           "list_projects", "project_totals", "save_project", "write_case"]

PROJECT_STATUS = PROJECT_STATUS_ZH  # one list of the words, in core


@dataclass(frozen=True, slots=True)
class CaseRequest:
    """A bureau contributes a typical case under a theme."""

    theme: str
    by: str
    title: str
    year: int
    summary: str = ""
    files: tuple[Path | Upload, ...] = ()
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ProjectRequest:
    """A project added to the library, or the fields of one to change (None: unchanged)."""

    code: str
    name: str | None = None
    by: str | None = None
    year: int | None = None
    planned: float | None = None
    actual: float | None = None
    funding_source: str | None = None
    status: str | None = None
    files: tuple[Path, ...] = ()


def _check_bureau(plan: Plan, bureau: str) -> None:
    if bureau not in plan.bureaus:
        raise Refusal(INVALID, f"未知的单位“{bureau}”", f"unknown bureau {bureau!r}")


def _check_year(plan: Plan, year: int) -> None:
    years = plan_years(plan)
    if year not in years:
        raise Refusal(INVALID, f"年份 {year} 不在计划年度 {years.start}-{years.stop - 1} 内", f"year {year} is outside the plan")


def _attach(session: Session, kind: str, record_id: int, files: list[Any]) -> None:
    repo.add_evidence(session=session, stored=files)
    for f in files:
        session.add(RecordFile(kind=kind, record_id=record_id, sha256=f.sha256, original_name=f.original_name))


def add_case(sessions: sessionmaker[Session], plan: Plan, home: Path, actor: str, request: CaseRequest) -> dict[str, Any]:
    """Record a typical case with its pictures and documents, in one transaction."""
    return add_cases(sessions, plan, home, actor, [request])[0]


def add_cases(sessions: sessionmaker[Session], plan: Plan, home: Path, actor: str,
              requests: list[CaseRequest]) -> list[dict[str, Any]]:
    """Record cases all or nothing: every one is checked (and its files archived) before any is written."""
    checked = []
    for n, request in enumerate(requests, start=1):
        try:
            checked.append((_check_case(plan, request), request, archive_or_refuse(home, request.files)))
        except Refusal as exc:
            if len(requests) == 1:
                raise
            raise Refusal(exc.code, f"第 {n} 个案例：{exc.zh}", f"case #{n}: {exc.en}") from exc
    with sessions.begin() as session:
        return [_same_case(session, plan, theme, request) or write_case(session, plan, actor, theme, request, files)
                for theme, request, files in checked]


def _same_case(session: Session, plan: Plan, theme: str, request: CaseRequest) -> dict[str, Any] | None:
    """The case already recorded with this theme, year, bureau, title and day (an import run twice), marked
    ``existing``; None when there is none. A case without a day of its own is always new."""
    if request.at is None:
        return None
    rows = session.scalars(select(CaseRow).where(
        CaseRow.plan_id == plan.id, CaseRow.theme_id == theme, CaseRow.year == request.year,
        CaseRow.bureau == request.by, CaseRow.title == request.title.strip()))
    found = next((r for r in rows if r.happened_at == request.at), None)
    if found is None:
        return None
    return {"id": found.id, "theme": theme, "bureau": found.bureau, "title": found.title, "year": found.year,
            "at": found.happened_at.isoformat(), "files": [], "existing": True}


def write_case(session: Session, plan: Plan, actor: str, theme: str, request: CaseRequest,
               files: list[StoredFile]) -> dict[str, Any]:
    """Write one checked case with its archived files and its audit entry, in the caller's transaction."""
    row = CaseRow(plan_id=plan.id, theme_id=theme, bureau=request.by, title=request.title.strip(),
                  summary=request.summary, year=request.year, happened_at=request.at or utcnow(),
                  recorded_by=actor)
    session.add(row)
    session.flush()
    _attach(session, "case", row.id, files)
    after = {"id": row.id, "theme": theme, "bureau": request.by, "title": row.title, "year": row.year,
             "at": row.happened_at.isoformat(), "files": [f.original_name for f in files]}
    repo.add_audit(session=session, actor=actor, action="case_add", plan_id=plan.id, entity="case",
                   entity_id=f"theme-{theme}/{row.id}", after=after)
    return after


def _check_case(plan: Plan, request: CaseRequest) -> str:
    """The case's theme id, or a Refusal naming what is wrong (the rules: :func:`core.collect.case_problems`)."""
    problems = case_problems(plan, request.theme, request.by, request.title, request.year)
    if problems:
        first = problems[0]
        if first.kind == "forbidden":
            raise Refusal(FORBIDDEN, first.zh, first.en, kind="not_owner")
        raise Refusal(INVALID, first.zh, first.en)
    return request.theme


def list_cases(*, session: Session, plan_id: str, theme: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """Cases, oldest first, with the names of their files."""
    query = select(CaseRow).where(CaseRow.plan_id == plan_id).order_by(CaseRow.id)
    if theme is not None:
        query = query.where(CaseRow.theme_id == theme)
    if year is not None:
        query = query.where(CaseRow.year == year)
    rows = list(session.scalars(query))
    files = _files(session, "case", [r.id for r in rows])
    return [{"id": r.id, "theme": r.theme_id, "bureau": r.bureau, "title": r.title, "summary": r.summary,
             "year": r.year, "at": r.happened_at.isoformat(), "files": files.get(r.id, [])} for r in rows]


def case_counts(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts per theme and per bureau, by year."""
    by_theme: Counter[tuple[int, str]] = Counter((c["year"], c["theme"]) for c in cases)
    by_bureau: Counter[tuple[int, str]] = Counter((c["year"], c["bureau"]) for c in cases)
    return {
        "by_theme": [{"year": y, "theme": t, "count": n} for (y, t), n in sorted(by_theme.items())],
        "by_bureau": [{"year": y, "bureau": b, "count": n} for (y, b), n in sorted(by_bureau.items())],
    }


def save_project(sessions: sessionmaker[Session], plan: Plan, home: Path, actor: str, request: ProjectRequest,
                 create: bool) -> dict[str, Any]:
    """Add a project (``create``) or update one; the audit trail keeps before and after."""
    if request.by is not None:
        _check_bureau(plan, request.by)
    if request.year is not None:
        _check_year(plan, request.year)
    for amount, label in ((request.planned, "计划投资"), (request.actual, "实际投资")):
        if amount is not None and amount < 0:
            raise Refusal(INVALID, f"{label}不能为负数（万元）", f"{label} cannot be negative")
    if request.status is not None and request.status not in PROJECT_STATUS:
        raise Refusal(INVALID, f"状态只能是 {', '.join(PROJECT_STATUS)}", "unknown status")
    for text, width, label in ((request.code, 50, "项目编号"), (request.name, 500, "项目名称"),
                               (request.funding_source, 200, "资金来源")):
        if text is not None and len(text) > width:  # the column's width: PostgreSQL refuses a longer value
            raise Refusal(INVALID, f"{label}超过 {width} 字", f"{label} is longer than {width} characters")
    files = archive_or_refuse(home, request.files)
    with sessions.begin() as session:
        row = session.scalars(select(ProjectRow).where(ProjectRow.plan_id == plan.id, ProjectRow.code == request.code)).first()
        if create and row is not None:
            raise Refusal(INVALID, f"项目编号“{request.code}”已存在，请用 project update", f"project {request.code} exists")
        if not create and row is None:
            raise Refusal(INVALID, f"没有编号为“{request.code}”的项目", f"no project {request.code}")
        before = _project_dict(row) if row is not None else None
        if row is None:
            missing = [n for n, v in (("--name", request.name), ("--by", request.by), ("--year", request.year),
                                      ("--planned", request.planned)) if v is None]
            if missing:
                raise Refusal(INVALID, f"新项目还需要：{' '.join(missing)}", f"a new project needs {' '.join(missing)}")
            row = ProjectRow(plan_id=plan.id, code=request.code)
            session.add(row)
        for name in ("name", "year", "planned", "actual", "funding_source", "status"):
            value = getattr(request, name)
            if value is not None:
                setattr(row, name, value)
        if request.by is not None:
            row.bureau = request.by
        row.updated_at = utcnow()
        session.flush()
        _attach(session, "project", row.id, files)
        after = _project_dict(row)
        repo.add_audit(session=session, actor=actor, action="project_add" if create else "project_update",
                       plan_id=plan.id, entity="project", entity_id=request.code, before=before, after=after)
        return after


def list_projects(*, session: Session, plan_id: str, year: int | None = None) -> list[dict[str, Any]]:
    """Projects of the library, by year then code."""
    query = select(ProjectRow).where(ProjectRow.plan_id == plan_id).order_by(ProjectRow.year, ProjectRow.code)
    if year is not None:
        query = query.where(ProjectRow.year == year)
    rows = list(session.scalars(query))
    files = _files(session, "project", [r.id for r in rows])
    return [{**_project_dict(r), "files": files.get(r.id, [])} for r in rows]


def project_totals(projects: list[dict[str, Any]]) -> dict[str, Any]:
    """Planned and actual investment (万元) by year and by bureau, cancelled projects left out."""
    by_year: dict[int, list[float]] = {}
    by_bureau: dict[tuple[int, str], list[float]] = {}
    for p in projects:
        if p["status"] == "cancelled":
            continue
        for bucket in (by_year.setdefault(p["year"], [0.0, 0.0]), by_bureau.setdefault((p["year"], p["bureau"]), [0.0, 0.0])):
            bucket[0] += p["planned"]
            bucket[1] += p["actual"]
    return {
        "by_year": [{"year": y, "planned": round(v[0], 2), "actual": round(v[1], 2)} for y, v in sorted(by_year.items())],
        "by_bureau": [{"year": y, "bureau": b, "planned": round(v[0], 2), "actual": round(v[1], 2)}
                      for (y, b), v in sorted(by_bureau.items())],
    }


def library_facts(*, session: Session, plan: Plan, year: int,
                  values: Mapping[str, Mapping[int, IndicatorValue]] | None = None,
                  ) -> tuple[dict[str, int], dict[str, float] | None, tuple[int | None, dict[str, int]]]:
    """For the board: cases per theme in ``year``, that year's project totals, the latest indicator verdicts.

    ``values`` are the indicator values when the caller has read them already (else they are read here).
    """
    from core.indicators import judge
    from db.indicators import values_by_indicator

    cases = Counter(c["theme"] for c in list_cases(session=session, plan_id=plan.id, year=year))
    totals = next((t for t in project_totals(list_projects(session=session, plan_id=plan.id))["by_year"]
                   if t["year"] == year), None)
    if values is None:
        values = values_by_indicator(session=session, plan_id=plan.id)
    years = sorted({y for per in values.values() for y in per})
    if not years:
        return dict(cases), totals, (None, {})
    verdicts: Counter[str] = Counter(judge(ind, years[-1], values.get(ind.id, {})).verdict for ind in plan.indicators)
    return dict(cases), totals, (years[-1], dict(verdicts))


def _project_dict(row: ProjectRow) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "bureau": row.bureau, "year": row.year, "planned": row.planned,
            "actual": row.actual, "funding_source": row.funding_source, "status": row.status}


def _files(session: Session, kind: str, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if ids:
        for f in session.scalars(select(RecordFile).where(RecordFile.kind == kind, RecordFile.record_id.in_(ids))):
            found.setdefault(f.record_id, []).append(f.original_name)
    return found
