"""Recording 进展报送: a bureau's progress report on a long step, with its files, in one transaction.

The rules are core.progress's (:func:`core.progress.check_report`); this module applies them, archives
the files exactly as a check-in's evidence (:func:`archive_or_refuse`), and writes the row, its files
(``record_files`` of kind ``progress``) and an audit entry. A second report of the same bureau on the
same step for the same period is a new version; the very same report again (same moment and text)
is recorded once. A refusal writes nothing: no row, no file.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.events import SHANGHAI, Facts, ProgressReport
from core.periods import PeriodError, ReportPeriod, parse_period_id, period_of
from core.plan import Plan
from core.progress import Owed, check_report, owed_reports
from core.status import Engine
from core.workdays import WorkdayCalendar
from db import repo
from db.engine import read_session
from db.evidence import Upload
from db.models import RecordFile, utcnow
from db.progress_rows import write_report
from db.refusals import FORBIDDEN, INVALID, Refusal, archive_or_refuse, moment_or_refuse

__all__ = ["ProgressRequest", "done_days", "list_owed", "report_files", "report_progress"]



@dataclass(frozen=True, slots=True)
class ProgressRequest:
    """A bureau reports progress on a step; ``period`` defaults to the plan's period of ``at``'s day."""

    step: str
    by: str
    text: str
    percent: int | None = None
    problems: str = ""
    next_steps: str = ""
    files: tuple[Path | Upload, ...] = ()
    at: datetime | None = None
    period: str | None = None


def done_days(plan: Plan, calendar: WorkdayCalendar, facts: Facts, day: date) -> dict[str, date | None]:
    """Each step's done day as of ``day`` (None while open)."""
    board = Engine(plan, calendar).board(facts, day)
    return {sid: st.done_on for sid, st in board.steps.items()}


def report_progress(sessions: sessionmaker[Session], plan: Plan, calendar: WorkdayCalendar, home: Path, actor: str,
                    request: ProgressRequest, now: Callable[[], datetime] = utcnow) -> dict[str, Any]:
    """Record one progress report, or raise :class:`Refusal` having written nothing."""
    report = _report(plan, request, now())
    with read_session(sessions) as session:  # the rules first, before any file is copied into the archive
        _refuse(plan, calendar, report, repo.load_all_events(session=session, plan=plan))
    stored = archive_or_refuse(home, request.files)
    with sessions.begin() as session:
        version = repo.latest_plan_version(session=session, plan_id=plan.id)
        if version is None or version.content_hash != plan.content_hash:
            raise Refusal(INVALID, "数据库中没有载入当前计划文件，请先运行 liangshan init",
                          "the database does not hold this plan file: run `liangshan init` first")
        facts = repo.load_all_events(session=session, plan=plan)
        _refuse(plan, calendar, report, facts)
        return write_report(session, plan, actor, report, stored)


def list_owed(sessions: sessionmaker[Session], plan: Plan, calendar: WorkdayCalendar, as_of: date, *,
              period: str | None = None, bureau: str | None = None) -> list[Owed]:
    """Every report owed as of ``as_of`` (of one period or bureau, if given), with its status."""
    chosen = None
    if period is not None:
        try:
            chosen = parse_period_id(period)
        except PeriodError as exc:
            raise Refusal(INVALID, f"--period：{exc}", f"--period: unreadable period {period!r}") from exc
    with read_session(sessions) as session:
        facts = Facts(repo.load_all_events(session=session, plan=plan))
    return owed_reports(plan, calendar, facts.progress, as_of, done_days(plan, calendar, facts, as_of),
                        period=chosen, bureau=bureau)


def report_files(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
    """The original names of each report's files, by report id."""
    if not ids:
        return {}
    out: dict[int, list[str]] = {}
    rows = session.scalars(select(RecordFile).where(RecordFile.kind == "progress", RecordFile.record_id.in_(ids))
                           .order_by(RecordFile.id))
    for f in rows:
        out.setdefault(f.record_id, []).append(f.original_name)
    return out


def _report(plan: Plan, request: ProgressRequest, now: datetime) -> ProgressReport:
    """The request as a fact, refusing what is unknown (exit 2, naming the closest ids)."""
    if request.step not in plan.steps:
        raise Refusal(INVALID, f"计划中没有步骤“{request.step}”{_near(request.step, plan.steps)}",
                      f"no step {request.step!r} in the plan")
    if request.by not in plan.bureaus:
        raise Refusal(INVALID, f"--by：未知的单位“{request.by}”{_near(request.by, plan.bureaus)}",
                      f"--by: unknown bureau {request.by!r}")
    at = moment_or_refuse(request.at, now)
    if plan.progress is None:
        raise Refusal(FORBIDDEN, "本计划未设置进展报送（progress）", "the plan asks for no progress reports")
    current = period_of(at.astimezone(SHANGHAI).date(), plan.progress.every)
    period = request.period
    if period is None:
        period = current.id
    else:
        try:
            period = parse_period_id(period).id
        except PeriodError as exc:
            near = f"{current.id}（{current.words}）、{_previous(current).id}"
            raise Refusal(INVALID, f"--period：“{period}”不是有效的周期（{exc}）；是否想写 / did you mean: {near}",
                          f"--period: unreadable period {period!r}; e.g. {current.id}") from exc
    return ProgressReport(request.step, request.by, at, period, request.text.strip(), request.percent,
                          request.problems.strip(), request.next_steps.strip())


def _refuse(plan: Plan, calendar: WorkdayCalendar, report: ProgressReport, facts: list[Any]) -> None:
    problems = check_report(plan, calendar, report, done_days(plan, calendar, Facts(facts), report.day))
    if problems:
        forbidden = any(p.kind == "forbidden" for p in problems)
        not_owner = any(p.kind == "forbidden" and p.field == "by" for p in problems)
        raise Refusal(FORBIDDEN if forbidden else INVALID, "；".join(p.zh for p in problems),
                      "; ".join(p.en for p in problems), kind="not_owner" if not_owner else "")


def _previous(period: ReportPeriod) -> ReportPeriod:
    if period.n > 1:
        return ReportPeriod(period.year, period.kind, period.n - 1)
    last = {"month": 12, "quarter": 4, "half": 2}[period.kind]
    return ReportPeriod(period.year - 1, period.kind, last)


def _near(word: str, choices: Mapping[str, object]) -> str:
    near = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.5)
    return f"；是否想写 / did you mean: {', '.join(near)}" if near else ""
