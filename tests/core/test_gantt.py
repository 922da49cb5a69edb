"""What the pictures show: the Gantt chart's rows and bars, the indicator chart's years and verdicts."""

from __future__ import annotations

from datetime import date, datetime, time

from core.events import SHANGHAI, CheckIn, Extension, Facts
from core.gantt import (
    LIGHT_COLOURS,
    day_zh,
    gantt_rows,
    gantt_span,
    indicator_panels,
    indicator_years,
    series_label,
    shorten,
)
from core.indicators import IndicatorValue
from core.plan import Plan
from core.status import Board, Engine
from core.workdays import WorkdayCalendar

CAL = WorkdayCalendar()


def at(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(10), SHANGHAI)


def board(plan: Plan, as_of: str, *facts: CheckIn | Extension) -> Board:
    return Engine(plan, CAL).board(Facts(facts), date.fromisoformat(as_of))


def test_the_lights_have_the_office_colours() -> None:
    assert LIGHT_COLOURS == {"green": "#2E9E5B", "yellow": "#E0A800", "red": "#D64541", "grey": "#B0B0B0"}


def test_a_recurring_step_is_one_row_named_without_its_year() -> None:
    assert series_label("制定2025年度工作计划") == "制定年度工作计划"
    assert series_label("收集2024年度指标数值") == "收集年度指标数值"
    assert series_label("2024年第二季度调度会议") == "每季度调度会议"
    assert series_label("征集2024年典型案例：生态旅游与康养") == "生态旅游与康养"


def test_long_labels_are_cut_with_an_ellipsis() -> None:
    assert shorten("成立“两山”基地建设工作领导小组", 16) == "成立“两山”基地建设工作领导小组"
    assert shorten("成立“两山”基地建设工作领导小组", 10) == "成立“两山”基地建…"
    assert day_zh(date(2025, 6, 3)) == "2025年6月3日"


def test_phases_then_tracks_each_a_header_then_a_row_per_step_or_series(huyi: Plan) -> None:
    """33 rows fit an A4 page: 8 headers, 15 phase rows, one row per track series (8 case themes)."""
    rows = gantt_rows(huyi, board(huyi, "2024-04-10"))
    headers = [r.label for r in rows if r.header]
    assert headers == ["动员部署阶段（0/3）", "实施方案编制阶段（0/3）", "组织申报阶段（0/3）", "建设实施阶段（0/11）",
                       "评估总结阶段（0/2）", "指标数值收集（0/5）", "典型案例征集（0/40）", "调度会议（0/23）"]
    assert len(rows) == 33
    build = [(r.label, len(r.bars)) for r in rows if r.group == "build" and not r.header]
    assert build == [("加强组织领导", 1), ("制定年度工作计划", 4), ("提交年度工作总结", 5), ("加强转化路径探索", 1)]
    cases = [r for r in rows if r.group == "cases" and not r.header]
    assert [r.label for r in cases][:2] == ["“双碳”与生态产品价值实现", "生态保护修复与环境治理"]
    assert {len(r.bars) for r in cases} == {5}
    meetings = [r for r in rows if r.group == "meetings" and not r.header]
    assert [(r.label, len(r.bars)) for r in meetings] == [("每季度调度会议", 23)]
    assert gantt_span(rows, date(2024, 4, 10)) == (date(2024, 1, 1), date(2029, 12, 31))


def test_a_bar_carries_its_light_done_day_and_extension(huyi: Plan) -> None:
    step = huyi.steps["mobilize.work-plan"]
    done = CheckIn(step.id, step.lead, at("2024-04-17"), tuple(d.id for d in step.deliverables))
    extended = Extension("mobilize.commission", "office", at("2024-04-15"), date(2024, 5, 31), "技术单位未确定")
    rows = gantt_rows(huyi, board(huyi, "2024-04-25", done, extended))
    bars = {bar.step: bar for row in rows if not row.header for bar in row.bars}
    assert (bars["mobilize.work-plan"].light, bars["mobilize.work-plan"].done_on) == ("green", date(2024, 4, 17))
    assert (bars["mobilize.leading-group"].light, bars["mobilize.leading-group"].done_on) == ("red", None)
    commission = bars["mobilize.commission"]
    assert (commission.start, commission.due, commission.original_due) == (
        date(2024, 4, 1), date(2024, 5, 31), date(2024, 4, 22))  # 4月20日 is a Saturday: rolled to Monday
    assert bars["evaluate.national"].critical
    assert not bars["meetings.2024q2"].critical  # a track never pushes the plan's end
    header = next(r for r in rows if r.group == "mobilize" and r.header)
    assert (header.label, header.bars[0].light) == ("动员部署阶段（1/3）", "red")


def test_the_indicator_years_run_from_the_baseline_to_the_latest_opened(huyi: Plan) -> None:
    """2025's values are asked for from 1 January 2026: from then on the year shows, recorded or not."""
    values = {"2a": {2023: IndicatorValue(2023, 100.0), 2024: IndicatorValue(2024, 100.0)}}
    assert indicator_years(huyi, values, date(2025, 12, 31)) == (2023, 2024)
    assert indicator_years(huyi, values, date(2026, 1, 1)) == (2023, 2024, 2025)
    assert indicator_years(huyi, {}, date(2024, 6, 1)) == (2023,)


def test_each_panel_judges_every_year(huyi: Plan) -> None:
    values = {
        "2b": {2023: IndicatorValue(2023, 92.0), 2024: IndicatorValue(2024, 89.0)},
        "4b": {2023: IndicatorValue(2023, 100.0), 2024: IndicatorValue(2024, 101.0)},
        "9a": {2024: IndicatorValue(2024, 1.0, evidence=1)},
    }
    panels = {p.indicator.id: p for p in indicator_panels(huyi, values, date(2025, 6, 30))}
    assert len(panels) == 20
    water = panels["2b"]
    assert [(p.year, p.value, p.verdict) for p in water.points] == [(2023, 92.0, "met"), (2024, 89.0, "not_met")]
    assert water.threshold == 90.0 and not water.flag
    low, high = water.limits()
    assert low < 89.0 and high > 92.0
    assert [p.verdict for p in panels["4b"].points] == ["no_data", "met"]  # a baseline has nothing to beat
    system = panels["9a"]
    assert system.flag and system.threshold is None
    assert [(p.value, p.verdict) for p in system.points] == [(None, "no_data"), (1.0, "met")]
    assert panels["10"].limits() == (2.5, 3.5)  # no value yet: the target alone, with a margin
