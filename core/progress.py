"""进展报送: which progress reports are owed on the plan's long steps, and where each one stands.

The plan's rule (``progress:`` in the plan file, :class:`core.plan.ProgressRule`) says how often
(month, quarter or half-year), how long a step's window must be, and when a period's report is due.

Rules, in one place (the tests state them as tables):

* **Long step**: a check-in step (not an indicator or case collection) whose window, first to last
  day both included, is longer than ``min_window_days``. Its plan window counts, not an extension.
* **Who reports**: each owner of the step, except the office (which reads the reports).
* **A period's due day**: the ``due_workdays_before_end``-th working day before the period's last
  day (Huyi: 10 working days before the quarter ends; 2026q4 -> 2026-12-17).
* **Owed**: a period is owed for a long step when its due day lies within the step's window, the
  period has begun (its first day is on or before ``as_of``), and the step was not done on or
  before that due day. A step done earlier owes nothing more; a report already owed stays in the
  record after the step closes.
* **Status** of an owed report as of a day, counting only reports made on or before it:

  =========  ====================================================================
  status     when
  =========  ====================================================================
  received   a report for the period arrived on or before its due day
  late       the first report arrived after the due day
  overdue    past the due day, nothing received
  owed       not yet due, nothing received
  =========  ====================================================================

  ``received_at`` is the first report's time (the one that answers "on time?"); the latest
  version is the one read (``latest``).
* A missing report never turns the step red: the step's light is core.status's alone. It turns the
  *bureau's reporting* red (:func:`on_time_rate`, the board's bureau view, the circular).
* **Refusals** (:func:`check_report`): an unknown step or period (invalid), a bureau that does not
  own the step or a step that reports no progress, is done or has not begun (forbidden), text
  shorter than 20 or longer than 5,000 characters, a percent outside 0-100 (invalid).

This module is pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Literal

from core.events import EventProblem, ProgressReport, check_fact
from core.periods import PeriodError, ReportPeriod, parse_period_id, period_of, periods_between
from core.plan import Plan, ProgressRule, Step
from core.workdays import WorkdayCalendar

__all__ = [
    "MAX_TEXT",
    "MIN_TEXT",
    "STATUS_ZH",
    "Owed",
    "ProgressStatus",
    "check_report",
    "long_steps",
    "on_time_rate",
    "owed_reports",
    "report_due",
    "reporters",
]

MIN_TEXT = 20
MAX_TEXT = 5000

ProgressStatus = Literal["owed", "received", "late", "overdue"]
STATUS_ZH: Mapping[str, str] = {"owed": "待报送", "received": "已报送", "late": "逾期报送", "overdue": "逾期未报"}


@dataclass(frozen=True, slots=True)
class Owed:
    """One report owed by one bureau on one step for one period, and where it stands."""

    step: str
    bureau: str
    period: ReportPeriod
    due: date
    status: ProgressStatus
    received_at: datetime | None = None
    latest: ProgressReport | None = None
    versions: int = 0

    def as_dict(self) -> dict[str, object]:
        """The JSON row of ``progress list --json``."""
        return {"step": self.step, "bureau": self.bureau, "period": self.period.id, "due": self.due.isoformat(),
                "status": self.status, "received_at": self.received_at.isoformat() if self.received_at else None}


def long_steps(plan: Plan) -> list[Step]:
    """The check-in steps whose window is longer than the rule's minimum, in plan order; none without a rule."""
    rule = plan.progress
    if rule is None:
        return []
    return [s for s in plan.steps.values()
            if s.collect == "checkin" and (s.window.due - s.window.start).days + 1 > rule.min_window_days]


def reporters(step: Step) -> tuple[str, ...]:
    """Who reports on the step: its owners, except the office."""
    return tuple(o for o in step.owners if o != "office")


def report_due(rule: ProgressRule, period: ReportPeriod, calendar: WorkdayCalendar) -> date:
    """The period's due day: ``due_workdays_before_end`` working days before its last day."""
    return calendar.add_workdays(period.window.due, -rule.due_workdays_before_end)


@lru_cache(maxsize=4096)
def _step_periods(rule: ProgressRule, step: Step,
                  calendar: WorkdayCalendar) -> tuple[tuple[ReportPeriod, date, date, str], ...]:
    """(period, due day, first day, id) of every period whose due day lies within the step's window.

    Asked for every step on every day of a replay; the answer depends on nothing else, so it is kept.
    """
    out = []
    for period in periods_between(step.window.start, step.window.due, rule.every):
        due = report_due(rule, period, calendar)
        if step.window.start <= due <= step.window.due:
            out.append((period, due, period.window.start, period.id))
    return tuple(out)


def owed_reports(plan: Plan, calendar: WorkdayCalendar, reports: Iterable[ProgressReport], as_of: date,
                 done_on: Mapping[str, date | None], *, period: ReportPeriod | None = None,
                 bureau: str | None = None) -> list[Owed]:
    """Every report owed as of ``as_of`` (optionally of one period or bureau), by period, then plan order.

    ``done_on`` is each step's done day as of ``as_of`` (``Board.steps[id].done_on``).
    """
    rule = plan.progress
    if rule is None:
        return []
    got: dict[tuple[str, str, str], list[ProgressReport]] = {}
    for report in sorted(reports, key=lambda r: r.at):
        if report.day <= as_of:
            got.setdefault((report.step, report.by, report.period), []).append(report)
    out: list[Owed] = []
    for step in long_steps(plan):
        closed = done_on.get(step.id)
        for p, due, first, pid in _step_periods(rule, step, calendar):
            if first > as_of or (period is not None and p != period):
                continue
            if closed is not None and closed <= due:
                continue
            for who in reporters(step):
                if bureau is not None and who != bureau:
                    continue
                versions = got.get((step.id, who, pid), [])
                out.append(_owed(step.id, who, p, due, versions, as_of))
    out.sort(key=lambda o: o.due)  # a period's due day orders periods of one kind
    return out


def _owed(step: str, bureau: str, period: ReportPeriod, due: date, versions: list[ProgressReport], as_of: date) -> Owed:
    if versions:
        first = versions[0]
        status: ProgressStatus = "received" if first.day <= due else "late"
        return Owed(step, bureau, period, due, status, first.at, versions[-1], len(versions))
    return Owed(step, bureau, period, due, "overdue" if as_of > due else "owed")


def on_time_rate(owed: Iterable[Owed]) -> dict[str, tuple[int, int]]:
    """Per bureau: (reports received on time, reports due by now), counting only periods already due.

    A report not yet due counts neither way; a late one counts as due and not on time.
    """
    rates: dict[str, tuple[int, int]] = {}
    for o in owed:
        if o.status == "owed":
            continue
        on_time, due = rates.get(o.bureau, (0, 0))
        rates[o.bureau] = (on_time + (o.status == "received"), due + 1)
    return rates


def check_report(plan: Plan, calendar: WorkdayCalendar, report: ProgressReport,
                 done_on: Mapping[str, date | None]) -> list[EventProblem]:
    """Every reason the plan refuses this progress report; empty when it may be recorded.

    ``done_on`` is each step's done day as of the report's day.
    """
    if plan.progress is None:
        return [EventProblem("plan", "本计划未设置进展报送（progress）", "the plan asks for no progress reports",
                             "forbidden")]
    problems = check_fact(plan, report)
    if problems:
        return problems
    try:
        period = parse_period_id(report.period)
    except PeriodError as exc:
        return [EventProblem("period", str(exc), f"unreadable period {report.period!r}")]
    step = plan.steps[report.step]
    rule = plan.progress
    if step.id not in {s.id for s in long_steps(plan)}:
        problems.append(EventProblem(
            "step", f"步骤“{step.id}”不需报送进展（只有时间窗口超过 {rule.min_window_days} 天的报送类步骤需要）",
            f"step {step.id} takes no progress reports", "forbidden"))
    elif period.kind != rule.every:
        problems.append(EventProblem(
            "period", f"本计划按{_KIND_WORDS[rule.every]}报送进展，“{report.period}”不是{_KIND_WORDS[rule.every]}",
            f"the plan's progress period is a {rule.every}, not {report.period!r}"))
    elif period not in {p[0] for p in _step_periods(rule, step, calendar)}:
        problems.append(EventProblem(
            "period", f"步骤“{step.id}”在{period.words}不需报送进展（时间窗口 {step.window}）",
            f"step {step.id} owes no report for {period.id}", "forbidden"))
    elif period.window.start > report.day:
        problems.append(EventProblem("period", f"{period.words}尚未开始，不能提前报送",
                                     f"{period.id} has not begun on {report.day}"))
    closed = done_on.get(step.id)
    if closed is not None and closed <= report.day:
        problems.append(EventProblem("step", f"步骤“{step.id}”已于 {closed} 完成（销号），不再报送进展",
                                     f"step {step.id} was done on {closed}", "forbidden"))
    text = report.text.strip()
    if len(text) < MIN_TEXT:
        problems.append(EventProblem("text", f"进展内容至少 {MIN_TEXT} 个字（现有 {len(text)} 个）",
                                     f"the text needs at least {MIN_TEXT} characters"))
    if len(report.text) > MAX_TEXT:
        problems.append(EventProblem("text", f"进展内容最多 {MAX_TEXT} 个字（现有 {len(report.text)} 个）",
                                     f"the text is longer than {MAX_TEXT} characters"))
    for name, value in (("problems", report.problems), ("next_steps", report.next_steps)):
        if len(value) > MAX_TEXT:
            problems.append(EventProblem(name, f"{_FIELD_ZH[name]}最多 {MAX_TEXT} 个字", f"{name} is too long"))
    if report.percent is not None and not 0 <= report.percent <= 100:
        problems.append(EventProblem("percent", f"完成进度应在 0-100 之间（现为 {report.percent}）",
                                     "percent must be 0-100"))
    return problems


def current_period(plan: Plan, day: date) -> ReportPeriod | None:
    """The plan's reporting period that ``day`` falls in (None without a rule)."""
    return None if plan.progress is None else period_of(day, plan.progress.every)


_KIND_WORDS = {"month": "月", "quarter": "季度", "half": "半年"}
_FIELD_ZH = {"problems": "存在问题", "next_steps": "下步打算"}
