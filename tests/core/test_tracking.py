"""Tracking start (中途接入): nothing dated before it is announced; the board still tells the truth."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest

from config.errors import InvalidFile
from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.events import SHANGHAI, CheckIn, Extension, Fact, Facts, Review
from core.ladder import notices_for_day
from core.plan import Plan
from core.status import Engine
from core.workdays import WorkdayCalendar

CAL = WorkdayCalendar()


def _at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), SHANGHAI)


def tracked(plan: Plan, since: str | None) -> Plan:
    """The plan with ``tracking: {since: ...}`` (None: no tracking start)."""
    start = date.fromisoformat(since) if since else None
    return replace(plan, settings=replace(plan.settings, tracking_since=start))


def said(plan: Plan, day: str, events: tuple[Fact, ...] = ()) -> set[tuple[str, str | None]]:
    notices = notices_for_day(plan, Engine(plan, CAL), Facts(events), date.fromisoformat(day))
    return {(n.rung, n.step) for n in notices}


CHECKED_IN = (CheckIn("mobilize.work-plan", "eco", _at("2024-04-08"), ("work-plan", "task-breakdown")),)
RETURNED = (*CHECKED_IN, Review("mobilize.work-plan", "office", _at("2024-04-08", 16), "return", ("work-plan",),
                                "缺分工表", date(2024, 4, 12)))
EXTENDED = (Extension("mobilize.work-plan", "office", _at("2024-04-22"), date(2024, 5, 10), "等待批复"),)
SURVEY_DONE = (
    CheckIn("mobilize.work-plan", "eco", _at("2024-04-08"), ("work-plan", "task-breakdown")),
    CheckIn("mobilize.commission", "eco", _at("2024-04-09"), ("contract",)),
    CheckIn("draft.survey", "tech", _at("2024-04-12"), ("survey-report",)),
)

# since, day, events, rung, step, sent?
TABLE: list[tuple[str | None, str, tuple[Fact, ...], str, str, bool]] = [
    # overdue rungs of a step due (04-20, rolled to Monday 04-22) before the start are never sent
    (None, "2024-04-23", (), "overdue", "mobilize.work-plan", True),
    ("2024-04-23", "2024-04-23", (), "overdue", "mobilize.work-plan", False),
    ("2024-04-23", "2024-04-26", (), "overdue_repeat", "mobilize.work-plan", False),
    (None, "2024-04-28", (), "escalation", "mobilize.work-plan", True),
    ("2024-04-23", "2024-04-28", (), "escalation", "mobilize.work-plan", False),
    # due on the tracking start itself: tracked
    ("2024-04-22", "2024-04-28", (), "escalation", "mobilize.work-plan", True),
    # opened before the start: no "you may start"; the due reminders of a later due day still go
    (None, "2024-04-02", (), "opened", "mobilize.work-plan", True),
    ("2024-04-02", "2024-04-02", (), "opened", "mobilize.work-plan", False),
    ("2024-04-02", "2024-04-15", (), "due", "mobilize.work-plan", True),
    # workable from the day the upstream step closed (04-12): after the start it is news, before it is not
    ("2024-04-10", "2024-04-12", SURVEY_DONE, "opened", "draft.compile", True),
    ("2024-04-15", "2024-04-15", SURVEY_DONE, "opened", "draft.compile", False),
    # received / returned of an event before the start: history, not news
    (None, "2024-04-09", CHECKED_IN, "received", "mobilize.work-plan", True),
    ("2024-04-09", "2024-04-09", CHECKED_IN, "received", "mobilize.work-plan", False),
    (None, "2024-04-09", RETURNED, "returned", "mobilize.work-plan", True),
    ("2024-04-09", "2024-04-09", RETURNED, "returned", "mobilize.work-plan", False),
    # an extension approved before the start is not announced, but its new due day (after the start) is tracked
    (None, "2024-04-23", EXTENDED, "extended", "mobilize.work-plan", True),
    ("2024-04-23", "2024-04-23", EXTENDED, "extended", "mobilize.work-plan", False),
    ("2024-04-23", "2024-05-13", EXTENDED, "overdue", "mobilize.work-plan", True),
]


@pytest.mark.parametrize(("since", "day", "events", "rung", "step", "sent"), TABLE)
def test_rungs_dated_before_the_tracking_start_are_not_sent(
        huyi: Plan, since: str | None, day: str, events: tuple[Fact, ...], rung: str, step: str, sent: bool) -> None:
    """Each row: with this tracking start, on this day, is this rung of this step sent?"""
    assert ((rung, step) in said(tracked(huyi, since), day, events)) is sent


@pytest.mark.parametrize("day", ["2024-04-08", "2024-04-22", "2026-11-30"])
def test_nothing_at_all_before_tracking_starts(huyi: Plan, day: str) -> None:
    """Before the tracking start every rung (the digest too) is dated before it."""
    assert said(huyi, day, CHECKED_IN) != set()  # without a start, these days have news
    assert said(tracked(huyi, "2026-12-01"), day, CHECKED_IN) == set()


def test_plan_file_tracking_since(huyi_text: str, tmp_path: Path) -> None:
    """`tracking: {since: DATE}` compiles into the plan's settings; a day outside the plan is refused with its line."""
    good = tmp_path / "adopted.yaml"
    good.write_text(huyi_text + "\ntracking:\n  since: 2026-12-01\n", encoding="utf-8")
    assert load_plan(good).settings.tracking_since == date(2026, 12, 1)
    assert load_plan(DEFAULT_PLAN).settings.tracking_since is None
    bad = tmp_path / "too-late.yaml"
    bad.write_text(huyi_text + "\ntracking:\n  since: 2031-01-05\n", encoding="utf-8")
    with pytest.raises(InvalidFile) as caught:
        load_plan(bad)
    (problem,) = caught.value.problems
    assert problem.path == "tracking.since" and "不在计划期内" in problem.zh
    assert problem.line == huyi_text.count("\n") + 3


def test_adopted_on_2026_12_01_says_nothing_of_the_past(huyi: Plan) -> None:
    """First working day of tracking, nothing recorded: no escalation, no overdue, nothing due before the day."""
    plan = tracked(huyi, "2026-12-01")
    engine = Engine(plan, CAL)
    day = date(2026, 12, 1)
    notices = notices_for_day(plan, engine, Facts(), day)
    assert {n.rung for n in notices} <= {"opened", "due", "digest"}
    board = engine.board(Facts(), day)
    assert all(board.steps[n.step].due >= day for n in notices if n.step)
    untracked = notices_for_day(huyi, Engine(huyi, CAL), Facts(), day)
    assert any(n.rung == "escalation" for n in untracked)  # what the start keeps quiet


def test_the_board_still_tells_the_truth(huyi: Plan) -> None:
    """The tracking start changes no status: a step due before it with nothing recorded is overdue."""
    day = date(2026, 12, 1)
    plan = tracked(huyi, "2026-12-01")
    board = Engine(plan, CAL).board(Facts(), day)
    assert board.steps["mobilize.work-plan"].status == "overdue"
    plain = Engine(huyi, CAL).board(Facts(), day)
    assert {s: v.status for s, v in board.steps.items()} == {s: v.status for s, v in plain.steps.items()}
