"""交办事项 as steps: merged into the plan at evaluation time, judged by the same lights and ladder."""

from __future__ import annotations

from datetime import date, datetime

from core.events import SHANGHAI, CheckIn, Facts, ProgressReport, Review
from core.followup import follow_ups, latest_notes
from core.ladder import notices_for_day
from core.plan import Plan
from core.status import Engine
from core.tasks import Task, merge_tasks, parse_due, task_problems
from core.workdays import WorkdayCalendar

CAL = WorkdayCalendar()
DECIDED = datetime(2026, 12, 2, 15, 0, tzinfo=SHANGHAI)


def task(number: int = 1, due: date = date(2027, 1, 29), owners: tuple[str, ...] = ("water", "eco"),
         source: str = "meetings.2026q4", review: bool = True) -> Task:
    return Task(f"task.{number}", "完善涝峪河道生态修复方案", owners, due, DECIDED, source, review=review)


def test_a_task_turns_red_the_day_after_its_due_and_closes_when_accepted(huyi: Plan) -> None:
    """Open from the day decided, red after its due, waiting for review once handed in, done once accepted."""
    plan = merge_tasks(huyi, [task()])
    engine = Engine(plan, CAL)
    assert engine.board(Facts(), date(2026, 12, 1)).steps["task.1"].status == "not_open"
    assert engine.board(Facts(), date(2026, 12, 3)).steps["task.1"].light == "green"
    late = engine.board(Facts(), date(2027, 2, 1)).steps["task.1"]
    assert (late.status, late.light) == ("overdue", "red")
    handed = CheckIn("task.1", "water", datetime(2027, 2, 2, 10, tzinfo=SHANGHAI), ("result",))
    accepted = Review("task.1", "office", datetime(2027, 2, 3, 10, tzinfo=SHANGHAI), "accept", ("result",))
    assert engine.board(Facts([handed]), date(2027, 2, 2)).steps["task.1"].status == "submitted"
    done = engine.board(Facts([handed, accepted]), date(2027, 2, 3))
    assert done.steps["task.1"].status == "done" and done.steps["task.1"].late
    assert done.tracks["tasks"].status == "done"


def test_the_plan_file_is_unchanged_and_a_withdrawn_task_leaves(huyi: Plan) -> None:
    """Merging keeps the plan's hash and steps; the end of the plan stays a phase's; a withdrawn task is not merged."""
    plan = merge_tasks(huyi, [task(1), task(2)], closed=["task.1"])
    assert plan.content_hash == huyi.content_hash
    assert set(plan.steps) - set(huyi.steps) == {"task.2"}
    assert plan.groups[-1].title == "交办事项" and plan.groups[-1].step_ids == ("task.2",)
    board = Engine(plan, CAL).board(Facts(), date(2027, 3, 1))
    assert board.end is not None and board.end.step == Engine(huyi, CAL).board(Facts(), date(2027, 3, 1)).end.step  # type: ignore[union-attr]
    assert merge_tasks(huyi, []) is huyi


def test_the_ladder_reminds_the_owners_of_a_task(huyi: Plan) -> None:
    """Due in five working days, then overdue to its owners and the office, like any step."""
    plan = merge_tasks(huyi, [task()])
    engine = Engine(plan, CAL)

    def said(day: date) -> set[tuple[str, str]]:
        return {(n.recipient, n.rung) for n in notices_for_day(plan, engine, Facts(), day) if n.step == "task.1"}

    assert ("water", "due") in said(date(2027, 1, 22))
    assert {("water", "overdue"), ("office", "overdue")} <= said(date(2027, 2, 1))


def test_due_words_and_refusals(huyi: Plan) -> None:
    """2027年1月底 is 31 January; no owner, an unknown owner, a due before the decision, an unknown meeting are refused."""
    assert parse_due("2027年1月底") == date(2027, 1, 31)
    assert parse_due("2027-01-29") == date(2027, 1, 29)
    assert task_problems(huyi, task()) == []
    fields = {p.field for p in task_problems(huyi, task(owners=()))}
    assert fields == {"owners"}
    assert [p.field for p in task_problems(huyi, task(owners=("nobody",)))] == ["owners"]
    assert [p.field for p in task_problems(huyi, task(due=date(2026, 12, 1)))] == ["due"]
    assert [p.field for p in task_problems(huyi, task(source="meetings.2031q1"))] == ["meeting"]
    assert [p.field for p in task_problems(huyi, task(source="build.pathways"))] == ["meeting"]  # a step, not a meeting


def test_the_next_pack_reports_the_latest_progress_report_over_a_note(huyi: Plan) -> None:
    """The 落实情况 row shows the latest 进展报送 on the task, else its latest check-in's note; 逾期 past its due."""
    plan = merge_tasks(huyi, [task(source="meetings.2026q4")])
    note = CheckIn("task.1", "water", datetime(2026, 12, 20, 10, tzinfo=SHANGHAI), ("result",), "方案初稿已完成")
    report = ProgressReport("task.1", "eco", datetime(2026, 12, 28, 10, tzinfo=SHANGHAI), "2026q4",
                            "配合完成生态流量测算，正在征求意见", 60)
    day = date(2027, 2, 10)
    board = Engine(plan, CAL).board(Facts([note]), day)
    (row,) = follow_ups(plan, board, "meetings.2027q1", latest_notes(plan, Facts([note]), day))
    assert (row.state, row.progress) == ("逾期", "2026-12-20 区水务局：方案初稿已完成")  # submitted, review pending, late
    (row,) = follow_ups(plan, board, "meetings.2027q1", latest_notes(plan, Facts([note, report]), day))
    assert row.progress == "2026-12-28 市生态环境局鄠邑分局（60%）：配合完成生态流量测算，正在征求意见"
    assert follow_ups(plan, board, "meetings.2027q2") == []  # only the meeting right after the one that decided it
