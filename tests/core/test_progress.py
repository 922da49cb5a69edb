"""进展报送 as the office states it: which reports are owed on the long steps, and where each stands."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from core.events import SHANGHAI, ProgressReport
from core.periods import ReportPeriod, parse_period_id
from core.plan import Plan
from core.progress import check_report, long_steps, on_time_rate, owed_reports, report_due, reporters
from core.workdays import WorkdayCalendar

CAL = WorkdayCalendar()
TEXT = "本季度完成了转化路径的调研，形成了初步的工作思路和项目清单。"
OPEN: dict[str, date | None] = {}


def _at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), SHANGHAI)


def _report(day: str, by: str = "ndrc", period: str = "2026q4", step: str = "build.pathways", **kw: object) -> ProgressReport:
    return ProgressReport(step, by, _at(day), period, kw.pop("text", TEXT), **kw)  # type: ignore[arg-type]


def test_the_long_steps_of_the_huyi_plan(huyi: Plan) -> None:
    """Only check-in steps longer than 180 days report; the office does not report to itself."""
    ids = [s.id for s in long_steps(huyi)]
    assert ids == ["build.leadership", "build.pathways", "evaluate.self-assessment", "evaluate.national"]
    assert reporters(huyi.steps["build.leadership"]) == ()
    assert len(reporters(huyi.steps["build.pathways"])) == 13


@pytest.mark.parametrize(
    ("period", "due"),
    [
        ("2026q4", date(2026, 12, 17)),  # Thu 12-31 back 10 working days
        ("2024q4", date(2024, 12, 17)),
        ("2026q3", date(2026, 9, 16)),  # Wed 09-30 back 10 working days (no holiday before it)
        ("2025q1", date(2025, 3, 17)),
    ],
)
def test_due_day_is_ten_working_days_before_the_quarter_ends(huyi: Plan, period: str, due: date) -> None:
    """The plan's rule: 10 China working days before the period's last day."""
    assert huyi.progress is not None
    assert report_due(huyi.progress, parse_period_id(period), CAL) == due


@pytest.mark.parametrize(
    ("as_of", "reports", "status", "received"),
    [
        ("2026-10-09", [], "owed", None),  # the quarter has begun, not due yet
        ("2026-12-17", [], "owed", None),  # due day itself: still owed
        ("2026-12-18", [], "overdue", None),  # first day past due, nothing received
        ("2026-12-18", ["2026-12-17"], "received", "2026-12-17"),  # on the due day: on time
        ("2026-12-18", ["2026-12-18"], "late", "2026-12-18"),  # after the due day
        ("2026-12-20", ["2026-11-02", "2026-12-19"], "received", "2026-11-02"),  # a later version keeps the first time
        ("2026-12-16", ["2026-12-18"], "owed", None),  # a report after as_of is not yet seen
    ],
)
def test_status_of_one_owed_report(huyi: Plan, as_of: str, reports: list[str], status: str,
                                   received: str | None) -> None:
    """owed / received / late / overdue, as the rule table says."""
    facts = [_report(d) for d in reports]
    rows = owed_reports(huyi, CAL, facts, date.fromisoformat(as_of), OPEN,
                        period=ReportPeriod(2026, "quarter", 4), bureau="ndrc")
    (row,) = [r for r in rows if r.step == "build.pathways"]
    assert (row.status, row.due) == (status, date(2026, 12, 17))
    assert (row.received_at.date().isoformat() if row.received_at else None) == received


def test_every_owner_of_a_long_step_owes_each_quarter(huyi: Plan) -> None:
    """As of 2025-01-02: 2024q4 is past due for the 13 bureaus of build.pathways; 2025q1 has begun."""
    rows = owed_reports(huyi, CAL, [], date(2025, 1, 2), OPEN)
    assert {r.period.id for r in rows} == {"2024q4", "2025q1"}
    q4 = [r for r in rows if r.period.id == "2024q4"]
    assert len(q4) == 13 and {r.status for r in q4} == {"overdue"}
    assert {r.step for r in rows} == {"build.pathways"}  # the leadership step is the office's own


def test_a_step_done_before_the_due_day_owes_nothing(huyi: Plan) -> None:
    """Done on 2026-12-10: 2026q4 (due 12-17) is not owed, but 2026q3 (already overdue) stays in the record."""
    rows = owed_reports(huyi, CAL, [], date(2026, 12, 20), {"build.pathways": date(2026, 12, 10)}, bureau="eco")
    periods = {r.period.id: r.status for r in rows}
    assert "2026q4" not in periods
    assert periods["2026q3"] == "overdue"


def test_on_time_rate_counts_only_what_is_due(huyi: Plan) -> None:
    """ndrc on time for 2024q4, late for 2025q1; 2025q2 not due yet counts neither way."""
    facts = [_report("2024-12-10", period="2024q4"), _report("2025-03-20", period="2025q1")]
    rows = owed_reports(huyi, CAL, facts, date(2025, 4, 10), OPEN)
    rates = on_time_rate(rows)
    assert rates["ndrc"] == (1, 2)
    assert rates["eco"] == (0, 2)


@pytest.mark.parametrize(
    ("report", "field", "kind"),
    [
        (_report("2026-11-02", step="build.pathway"), "step", "invalid"),
        (_report("2026-11-02", by="nobody"), "by", "invalid"),
        (_report("2026-11-02", by="water", step="evaluate.national"), "by", "forbidden"),  # not an owner
        (_report("2026-11-02", step="mobilize.work-plan", by="eco"), "step", "forbidden"),  # a short step
        (_report("2026-11-02", period="2026q5"), "period", "invalid"),
        (_report("2026-11-02", period="2026m11"), "period", "invalid"),  # the plan reports by quarter
        (_report("2026-11-02", period="2027q1"), "period", "invalid"),  # not begun
        (_report("2026-11-02", period="2029q1"), "period", "forbidden"),  # outside the step's window
        (_report("2026-11-02", text="太短"), "text", "invalid"),
        (_report("2026-11-02", text="长" * 5001), "text", "invalid"),
        (_report("2026-11-02", percent=101), "percent", "invalid"),
    ],
)
def test_refusals(huyi: Plan, report: ProgressReport, field: str, kind: str) -> None:
    """Each refusal names its field and says whether the input is wrong or the rules refuse."""
    problems = check_report(huyi, CAL, report, OPEN)
    assert [(p.field, p.kind) for p in problems] == [(field, kind)], problems
    assert all(p.zh and p.en for p in problems)


def test_a_closed_step_takes_no_report(huyi: Plan) -> None:
    """After the step is done (销号) its owners report no more progress on it."""
    problems = check_report(huyi, CAL, _report("2026-11-02"), {"build.pathways": date(2026, 10, 30)})
    assert [(p.field, p.kind) for p in problems] == [("step", "forbidden")]
    assert "已于 2026-10-30 完成" in problems[0].zh


def test_a_good_report_and_a_late_one_for_last_quarter_pass(huyi: Plan) -> None:
    """Text of 20 characters or more, percent 0-100; a quarter already past may still be reported (late)."""
    assert check_report(huyi, CAL, _report("2026-11-02", percent=40, problems="资金不足"), OPEN) == []
    assert check_report(huyi, CAL, _report("2027-01-05", period="2026q4"), OPEN) == []


def _progress_said(plan: Plan, day: str, *facts: ProgressReport) -> set[tuple[str, str, str | None, str]]:
    from core.events import Facts
    from core.ladder import notices_for_day
    from core.status import Engine

    notices = notices_for_day(plan, Engine(plan, CAL), Facts(facts), date.fromisoformat(day))
    return {(n.recipient, n.rung, n.step, n.fields["period"]) for n in notices if n.rung.startswith("progress_")
            and n.recipient in ("ndrc", "office")}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-12-09", set()),  # 6 working days before 12-17: too early
        ("2026-12-10", {("ndrc", "progress_due", "build.pathways", "2026q4")}),  # 5 working days before
        ("2026-12-17", {("ndrc", "progress_due", "build.pathways", "2026q4")}),  # the due day itself
        ("2026-12-18", {("ndrc", "progress_overdue", "build.pathways", "2026q4")}),
        ("2026-12-24", {("ndrc", "progress_overdue", "build.pathways", "2026q4"),
                        ("office", "progress_escalation", "build.pathways", "2026q4")}),  # 5 working days late
    ],
)
def test_progress_ladder(huyi: Plan, day: str, expected: set[tuple[str, str, str | None, str]]) -> None:
    """A reminder before the due day, overdue after it, 督办 to the office five working days on (2026q4 only)."""
    got = {n for n in _progress_said(huyi, day) if n[3] == "2026q4"}
    assert got == expected


def test_a_received_report_silences_the_ladder(huyi: Plan) -> None:
    """ndrc reported on 12-01: no reminder, no overdue, no 督办 about ndrc's 2026q4 report."""
    report = _report("2026-12-01")
    for day in ("2026-12-10", "2026-12-18", "2026-12-24"):
        said = _progress_said(huyi, day, report)
        assert not {n for n in said if n[3] == "2026q4" and n[0] == "ndrc"}
        office = [n for n in said if n[0] == "office" and n[3] == "2026q4"]
        assert len(office) == (1 if day == "2026-12-24" else 0)  # the others' 督办 is one notice per bureau


def test_progress_keys_are_the_same_every_day(huyi: Plan) -> None:
    """The overdue and 督办 notices keep their keys from day to day, so the outbox sends each once."""
    from core.events import Facts
    from core.ladder import notices_for_day
    from core.status import Engine

    engine = Engine(huyi, CAL)
    keys = [{n.dedupe_key for n in notices_for_day(huyi, engine, Facts(), date(2026, 12, d))
             if n.rung in ("progress_overdue", "progress_escalation") and "2026q4" in n.dedupe_key} for d in (24, 25, 28)]
    assert keys[0] == keys[1] == keys[2] and len(keys[0]) == 26  # 13 bureaus overdue, 13 escalations
