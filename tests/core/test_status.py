"""The board's rules, as the office would state them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.events import SHANGHAI, CheckIn, Event, Facts, Review
from core.plan import Plan
from core.sample import on_time_history
from core.status import Board, Engine
from core.workdays import WorkdayCalendar

CAL = WorkdayCalendar()


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), SHANGHAI)


def checkin(plan: Plan, step: str, day: str, *deliverables: str) -> CheckIn:
    """The lead bureau checks in the named deliverables (all of them when none are named)."""
    s = plan.steps[step]
    return CheckIn(step, s.lead, at(day), deliverables or tuple(d.id for d in s.deliverables))


def accept(plan: Plan, step: str, day: str) -> Review:
    return Review(step, "office", at(day, 16), "accept", tuple(d.id for d in plan.steps[step].deliverables))


def give_back(plan: Plan, step: str, day: str, reason: str = "材料不全", resubmit_by: str | None = None) -> Review:
    return Review(step, "office", at(day, 17), "return", tuple(d.id for d in plan.steps[step].deliverables), reason,
                  date.fromisoformat(resubmit_by) if resubmit_by else None)


def board(plan: Plan, as_of: str, *events: Event) -> Board:
    return Engine(plan, CAL).board(Facts(events), date.fromisoformat(as_of))


def mobilized(plan: Plan) -> list[Event]:
    """The mobilisation phase done on time."""
    return [checkin(plan, s, "2024-04-10") for s in ("mobilize.work-plan", "mobilize.leading-group", "mobilize.commission")]


@pytest.mark.parametrize(
    ("as_of", "step", "status", "light", "blocked_by"),
    [
        ("2024-04-10", "mobilize.work-plan", "open", "green", ()),
        ("2024-04-10", "draft.survey", "blocked", "yellow", ("mobilize.commission",)),
        ("2024-04-10", "apply.materials", "not_open", "grey", ("draft.compile",)),
        ("2024-04-15", "mobilize.work-plan", "due_soon", "yellow", ()),  # 5 working days before 04-22
        ("2024-04-12", "mobilize.work-plan", "open", "green", ()),  # 6 working days before
        ("2024-04-22", "mobilize.work-plan", "due_soon", "yellow", ()),  # 04-20 was a Saturday: due today
        ("2024-04-23", "mobilize.work-plan", "overdue", "red", ()),
        ("2024-05-13", "draft.survey", "blocked", "red", ("mobilize.commission",)),  # blocked past its due
    ],
)
def test_nothing_checked_in(huyi: Plan, as_of: str, step: str, status: str, light: str, blocked_by: tuple[str, ...]) -> None:
    """With no check-ins, steps open, come due, go overdue, or wait on their upstream."""
    got = board(huyi, as_of).steps[step]
    assert (got.status, got.light, got.blocked_by) == (status, light, blocked_by)


def test_due_date_on_a_weekend_rolls_to_monday(huyi: Plan) -> None:
    """mobilize.work-plan's window ends Saturday 2024-04-20; it is due Monday 04-22."""
    got = board(huyi, "2024-04-22").steps["mobilize.work-plan"]
    assert got.due == date(2024, 4, 22)
    assert got.overdue_workdays == 0


def test_rolling_can_be_turned_off(huyi: Plan) -> None:
    """With roll_due_to_workday off, the Saturday itself is the due date."""
    plan = replace(huyi, settings=replace(huyi.settings, roll_due_to_workday=False))
    got = board(plan, "2024-04-22").steps["mobilize.work-plan"]
    assert (got.due, got.status, got.overdue_workdays) == (date(2024, 4, 20), "overdue", 1)


def test_rolling_over_new_year(huyi: Plan) -> None:
    """The 2028 summary is due Sunday 2028-12-31; after New Year's Day it is due 2029-01-02."""
    got = board(huyi, "2024-04-10").steps["build.annual-summary.2028"]
    assert got.due == date(2029, 1, 2)


def test_overdue_counts_working_days(huyi: Plan) -> None:
    """Overdue from 04-22 to 04-26 (Friday) is four working days."""
    assert board(huyi, "2024-04-26").steps["mobilize.work-plan"].overdue_workdays == 4
    assert board(huyi, "2024-04-28").steps["mobilize.work-plan"].overdue_workdays == 5  # 04-28 was a make-up Sunday


def test_late_check_in_is_done_and_late(huyi: Plan) -> None:
    """Checked in on 2024-04-25: done, late by three working days."""
    got = board(huyi, "2024-04-26", checkin(huyi, "mobilize.work-plan", "2024-04-25")).steps["mobilize.work-plan"]
    assert (got.status, got.light, got.late, got.done_on, got.overdue_workdays) == ("done", "green", True,
                                                                                    date(2024, 4, 25), 3)


def test_partial_check_in_keeps_the_step_open(huyi: Plan) -> None:
    """One of two deliverables in: the step stays open and names what is missing."""
    got = board(huyi, "2024-04-10", checkin(huyi, "mobilize.work-plan", "2024-04-08", "work-plan")).steps[
        "mobilize.work-plan"]
    assert (got.status, got.missing) == ("open", ("task-breakdown",))


def test_reviewed_step_waits_for_acceptance(huyi: Plan) -> None:
    """draft.compile needs the office's review: checked in it is submitted, accepted it is done."""
    history = [*mobilized(huyi), checkin(huyi, "draft.survey", "2024-04-20"), checkin(huyi, "draft.compile", "2024-04-25")]
    got = board(huyi, "2024-04-26", *history).steps["draft.compile"]
    assert (got.status, got.light, got.awaiting_review) == ("submitted", "yellow", ("implementation-plan-draft",))
    assert board(huyi, "2024-04-26", *history).steps["draft.publish"].status == "blocked"
    done = board(huyi, "2024-04-29", *history, accept(huyi, "draft.compile", "2024-04-29"))
    assert done.steps["draft.compile"].status == "done"
    assert done.steps["draft.publish"].status == "open"


def test_return_reopens_the_step_and_reblocks_downstream(huyi: Plan) -> None:
    """Returning the accepted draft reopens it; publishing, already checked in, is blocked again."""
    history = [
        *mobilized(huyi), checkin(huyi, "draft.survey", "2024-04-20"), checkin(huyi, "draft.compile", "2024-04-25"),
        accept(huyi, "draft.compile", "2024-04-26"), checkin(huyi, "draft.publish", "2024-04-29"),
    ]
    before = board(huyi, "2024-04-30", *history)
    assert before.steps["draft.publish"].status == "done"
    returned = board(huyi, "2024-05-06", *history, give_back(huyi, "draft.compile", "2024-05-06", "指标体系不完整", "2024-05-09"))
    compile_, publish = returned.steps["draft.compile"], returned.steps["draft.publish"]
    assert (compile_.status, compile_.light, compile_.returned_reason, compile_.resubmit_by) == (
        "returned", "yellow", "指标体系不完整", date(2024, 5, 9))
    assert (publish.status, publish.blocked_by) == ("blocked", ("draft.compile",))
    assert returned.steps["apply.materials"].status == "blocked"
    late = board(huyi, "2024-05-10", *history, give_back(huyi, "draft.compile", "2024-05-06", "指标体系不完整", "2024-05-09"))
    assert (late.steps["draft.compile"].status, late.steps["draft.compile"].light) == ("overdue", "red")


def test_resubmitted_and_accepted_closes_again(huyi: Plan) -> None:
    """After a return, a new check-in and acceptance close the step, downstream from that day."""
    history = [
        *mobilized(huyi), checkin(huyi, "draft.survey", "2024-04-20"), checkin(huyi, "draft.compile", "2024-04-25"),
        accept(huyi, "draft.compile", "2024-04-26"), checkin(huyi, "draft.publish", "2024-04-29"),
        give_back(huyi, "draft.compile", "2024-05-06"), checkin(huyi, "draft.compile", "2024-05-08"),
        accept(huyi, "draft.compile", "2024-05-09"),
    ]
    got = board(huyi, "2024-05-09", *history)
    assert got.steps["draft.compile"].done_on == date(2024, 5, 9)
    assert got.steps["draft.publish"].done_on == date(2024, 5, 9)


def test_check_in_before_upstream_counts_from_upstream_day(huyi: Plan) -> None:
    """A survey checked in on 04-05, while the commission is still open, is done when the commission is."""
    early = checkin(huyi, "draft.survey", "2024-04-05")
    assert board(huyi, "2024-04-08", early).steps["draft.survey"].status == "blocked"
    history = [checkin(huyi, "mobilize.work-plan", "2024-04-08"), checkin(huyi, "mobilize.commission", "2024-04-12"), early]
    assert board(huyi, "2024-04-12", *history).steps["draft.survey"].done_on == date(2024, 4, 12)


def test_done_early_does_not_open_a_future_window(huyi: Plan) -> None:
    """With the draft accepted in April, the application materials (from 05-01) are not open yet."""
    history = [*mobilized(huyi), checkin(huyi, "draft.survey", "2024-04-15"), checkin(huyi, "draft.compile", "2024-04-18"),
               accept(huyi, "draft.compile", "2024-04-19")]
    got = board(huyi, "2024-04-26", *history).steps["apply.materials"]
    assert (got.status, got.light, got.blocked_by) == ("not_open", "grey", ())
    # Once the window opens it can be worked on (its ten days are all within the due-soon span).
    assert board(huyi, "2024-05-06", *history).steps["apply.materials"].status == "due_soon"


def test_phases_roll_up(huyi: Plan) -> None:
    """A phase is done when all its steps are; otherwise it shows its worst light."""
    got = board(huyi, "2024-04-23", *mobilized(huyi))
    assert (got.phases["mobilize"].status, got.phases["mobilize"].light) == ("done", "green")
    assert got.phases["draft"].status == "in_progress"
    assert (got.phases["evaluate"].status, got.phases["evaluate"].light) == ("not_open", "grey")
    nothing = board(huyi, "2024-04-23")
    assert nothing.phases["mobilize"].light == "red"


def test_on_time_plan_forecasts_the_end_on_time(huyi: Plan) -> None:
    """With every step done before due, the plan ends on its own due date and nothing pushes it."""
    history = on_time_history(huyi, CAL, until=date(2026, 6, 30))
    got = board(huyi, "2026-07-01", *history)
    assert got.end is not None
    assert (got.end.step, got.end.forecast_due, got.end.pushed_by) == ("evaluate.national", date(2029, 12, 31), ())
    assert got.steps["evaluate.national"].critical


def test_a_late_step_pushes_the_end(huyi: Plan) -> None:
    """The 2028 summary still missing in June 2029 pushes the national evaluation into 2030.

    (Until the 2028 indicator values are due on 2029-03-31 it has slack: the self-assessment waits for them.)
    """
    history = [e for e in on_time_history(huyi, CAL) if e.step != "build.annual-summary.2028"
               and not e.step.startswith("evaluate.")]
    assert board(huyi, "2029-03-01", *history).end.pushed_by == ()  # type: ignore[union-attr]
    got = board(huyi, "2029-06-01", *history)
    assert got.end is not None
    assert got.end.forecast_due > date(2029, 12, 31)
    assert "build.annual-summary.2028" in got.end.pushed_by
    assert got.steps["build.annual-summary.2028"].critical
    assert got.steps["evaluate.self-assessment"].forecast_due > date(2029, 12, 31)


EVENT_STEPS = ["mobilize.work-plan", "mobilize.commission", "draft.survey", "draft.compile", "draft.publish",
               "apply.materials", "apply.provincial-review", "build.annual-plan.2025", "build.annual-summary.2024"]


@st.composite
def histories(draw: st.DrawFn, plan: Plan) -> list[Event]:
    events: list[Event] = []
    for _ in range(draw(st.integers(0, 25))):
        step = draw(st.sampled_from(EVENT_STEPS))
        day = date(2024, 4, 1).toordinal() + draw(st.integers(0, 700))
        stamp = datetime.combine(date.fromordinal(day), time(draw(st.integers(8, 18))), SHANGHAI)
        deliverables = tuple(d.id for d in plan.steps[step].deliverables)
        kind = draw(st.sampled_from(["checkin", "checkin", "accept", "return"]))
        if kind == "checkin":
            events.append(CheckIn(step, plan.steps[step].lead, stamp, deliverables))
        else:
            events.append(Review(step, "office", stamp, kind, deliverables, "退回" if kind == "return" else ""))  # type: ignore[arg-type]
    return events


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_step_is_done_before_its_upstream(huyi: Plan, data: st.DataObject) -> None:
    """Whatever happened in whatever order, a done step's upstream steps are all done, and earlier."""
    events = data.draw(histories(huyi))
    as_of = date.fromordinal(date(2024, 4, 1).toordinal() + data.draw(st.integers(0, 800)))
    got = board(huyi, as_of.isoformat(), *events)
    for sid, status in got.steps.items():
        if status.status == "done":
            for dep in huyi.steps[sid].depends_on:
                upstream = got.steps[dep]
                assert upstream.status == "done", (sid, dep)
                assert upstream.done_on is not None and status.done_on is not None
                assert upstream.done_on <= status.done_on
