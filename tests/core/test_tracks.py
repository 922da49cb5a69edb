"""Tracks beside the phases: indicator collection, case collection per theme, dispatch meetings."""

from __future__ import annotations

from datetime import date, datetime, time

from core.collect import Collected, collected_events
from core.events import SHANGHAI, CheckIn, Facts, check_event
from core.indicators import IndicatorValue
from core.ladder import notices_for_day
from core.meeting import current_meeting, meeting_pack
from core.messages import compose
from core.plan import Plan
from core.reports import library_summary
from core.serialize import board_document, plan_document
from core.status import Board, Engine
from core.workdays import WorkdayCalendar

CAL = WorkdayCalendar()


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), SHANGHAI)


def value(plan: Plan, indicator: str, year: int, day: str) -> Collected:
    lead = next(i for i in plan.indicators if i.id == indicator).owners[0]
    return Collected("indicators", indicator, year, lead, at(day))


def board(plan: Plan, as_of: str, *records: Collected) -> Board:
    return Engine(plan, CAL).board(Facts(collected_events(plan, records)), date.fromisoformat(as_of))


def test_tracks_are_not_phases(huyi: Plan) -> None:
    """Five phases as the seed has them; indicators, cases and meetings recur beside them."""
    doc = plan_document(huyi)
    assert [p["id"] for p in doc["phases"]] == ["mobilize", "draft", "apply", "build", "evaluate"]
    assert {t["id"]: len(t["steps"]) for t in doc["tracks"]} == {"indicators": 5, "cases": 40, "meetings": 23}
    assert [s.id for s in (huyi.steps[f"indicators.{y}"] for y in range(2024, 2029))] == [
        "indicators.2024", "indicators.2025", "indicators.2026", "indicators.2027", "indicators.2028"]
    assert str(huyi.steps["indicators.2028"].window) == "2029-01-01..2029-03-31"
    assert huyi.steps["meetings.2024q2"].title == "2024年第二季度调度会议"
    assert str(huyi.steps["meetings.2029q4"].window) == "2029-10-01..2029-12-31"
    assert huyi.steps["cases.3.2026"].owners == ("qinling",)


def test_a_year_with_every_value_closes_its_collection(huyi: Plan) -> None:
    """indicators.2026 is done on the day the last of the twenty values arrives; with 19 it names the 20th."""
    values = [value(huyi, ind.id, 2026, "2027-02-01") for ind in huyi.indicators]
    nineteen = board(huyi, "2027-02-10", *values[:-1]).steps["indicators.2026"]
    assert (nineteen.status, nineteen.missing) == ("open", ("10",))
    last = value(huyi, "10", 2026, "2027-02-08")
    done = board(huyi, "2027-02-10", *values[:-1], last).steps["indicators.2026"]
    assert (done.status, done.done_on) == ("done", date(2027, 2, 8))
    assert board(huyi, "2027-02-10", *values[:-1], last).steps["indicators.2025"].status == "overdue"


def test_baselines_and_other_years_close_nothing(huyi: Plan) -> None:
    """A 2023 baseline has no collection step; a 2026 value does not count for 2025."""
    events = collected_events(huyi, [value(huyi, "2b", 2023, "2025-01-05"), value(huyi, "2b", 2026, "2026-05-05")])
    assert [(e.step, e.deliverables) for e in events] == [("indicators.2026", ("2b",))]


def test_theme_without_a_case_is_yellow_all_year(huyi: Plan) -> None:
    """An open case collection is yellow while the theme has no case that year, green once it has one."""
    empty = board(huyi, "2026-05-06").steps["cases.3.2026"]
    assert (empty.status, empty.light) == ("open", "yellow")
    case = Collected("cases", "3", 2026, "qinling", at("2026-05-06"))
    filled = board(huyi, "2026-05-06", case).steps["cases.3.2026"]
    assert (filled.status, filled.light) == ("done", "green")
    assert board(huyi, "2026-05-06", case).steps["cases.4.2026"].light == "yellow"


def test_collected_steps_refuse_check_ins(huyi: Plan) -> None:
    """A check-in on indicators.2026 is refused and says which command closes it."""
    problems = check_event(huyi, CheckIn("indicators.2026", "eco", at("2027-01-05"), ("2b",)))
    assert [(p.field, p.kind) for p in problems] == [("step", "forbidden")]
    assert "liangshan indicator record" in problems[0].zh


def test_tracks_never_end_the_plan(huyi: Plan) -> None:
    """The end forecast stays on 完成国家评估, and overdue meetings do not push it or sit on the critical path."""
    b = board(huyi, "2026-11-28")
    assert b.end is not None and b.end.step == "evaluate.national"
    late_meeting = b.steps["meetings.2025q1"]
    assert late_meeting.status == "overdue" and not late_meeting.critical and late_meeting.slack_days is None
    assert not any(s.startswith(("meetings.", "cases.", "indicators.")) for s in b.end.pushed_by)
    doc = board_document(huyi, b)
    assert len(doc["phases"]) == 5 and [t["id"] for t in doc["tracks"]] == ["indicators", "cases", "meetings"]
    row = next(s for s in doc["steps"] if s["id"] == "meetings.2026q4")
    assert (row["phase"], row["track"], row["status"]) == (None, "meetings", "open")


def test_reminders_name_the_indicators_each_bureau_owes(huyi: Plan) -> None:
    """Five working days before 2026's values are due, only bureaus still owing values hear of it, with their ids."""
    owed = {"7", "10"}
    recorded = [value(huyi, i.id, 2026, "2027-02-01") for i in huyi.indicators if i.id not in owed]
    facts = Facts(collected_events(huyi, recorded))
    day = date(2027, 3, 24)  # 5 working days before 2027-03-31
    notices = [n for n in notices_for_day(huyi, Engine(huyi, CAL), facts, day)
               if n.step == "indicators.2026" and n.rung == "due"]
    owners = {b for i in huyi.indicators if i.id in owed for b in i.owners}
    assert {n.recipient for n in notices} == owners == {"eco", "finance", "industry"}
    by_bureau = {n.recipient: [t.split()[0] for t in n.fields["owed"]] for n in notices}
    assert by_bureau == {"eco": ["7"], "finance": ["7", "10"], "industry": ["10"]}
    # values are acknowledged by the command that records them, not by message
    assert not [n for n in notices_for_day(huyi, Engine(huyi, CAL), facts, date(2027, 2, 1)) if n.rung == "received"]


def test_reminder_message_tells_how_to_record(huyi: Plan) -> None:
    """The weather bureau's message names its one indicator (8a) and the command that records it."""
    from config.templates import render

    facts = Facts()
    day = date(2027, 3, 24)
    engine = Engine(huyi, CAL)
    notices = [n for n in notices_for_day(huyi, engine, facts, day) if n.recipient == "weather"]
    drafts = compose(huyi, engine.board(facts, day), notices, day, render)
    body = drafts[0].body
    assert "【即将到期】收集2026年度指标数值" in body and "待报送：8a 国际国内生态文化品牌。" in body
    assert "liangshan indicator record 编号 --year 2026" in body and "2a" not in body


def test_meeting_pack(huyi: Plan) -> None:
    """The pack for the quarter's meeting: progress, overdue steps, values owed by bureau, verdicts, cases, projects."""
    b = board(huyi, "2026-11-28", value(huyi, "2b", 2025, "2026-03-01"))
    meeting = current_meeting(huyi, b)
    assert meeting == "meetings.2026q4"
    values = {"2b": {2024: IndicatorValue(2024, 93.0), 2025: IndicatorValue(2025, 88.0)}}
    library = library_summary(huyi, 2026, {"3": 2}, {"planned": 1200.0, "actual": 900.0}, (2025, {"not_met": 1}))
    text = meeting_pack(huyi, b, meeting, values, library)
    assert text.startswith("# 2026年第四季度调度会议：会议材料")
    assert "研究制定工作方案（mobilize.work-plan）：逾期" in text
    assert "**收集2025年度指标数值**（indicators.2025，截止 2026-03-31）：尚缺 19 项" in text
    assert "- 区气象局：8a" in text
    assert "未达标：2b" in text and "88%，未达到目标 >90%" in text
    assert "| 🟢 3 秦岭保护、林长制" in text and "| 🟡 4 " in text
    assert "计划投资 1200 万元，实际完成 900 万元（完成 75.0%）" in text
