"""What the office's pictures show: the Gantt chart's rows and the indicator chart's panels.

Pure: reports.pictures draws these with matplotlib; every choice a reader would notice (which rows,
their labels, colours, which years, what a point's verdict is) is made here so tests can state it.

The Gantt chart keeps to one A4 landscape page: each phase and each track is a header row, then one
row per step — except that a recurring step (one instance per year or quarter: 年度工作计划, 调度会议,
one theme's 典型案例征集) is one row holding every instance as its own bar.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from core.indicators import IndicatorValue, VerdictKind, judge
from core.plan import Indicator, Plan
from core.status import Board, Light, StepStatus

__all__ = [
    "LIGHT_COLOURS",
    "LIGHT_ZH",
    "VERDICT_COLOURS",
    "VERDICT_ZH",
    "GanttBar",
    "GanttRow",
    "IndicatorPanel",
    "PanelPoint",
    "bar_colour",
    "day_zh",
    "gantt_rows",
    "gantt_span",
    "indicator_panels",
    "indicator_years",
    "series_label",
    "shorten",
]

LIGHT_COLOURS: Mapping[str, str] = {"green": "#2E9E5B", "yellow": "#E0A800", "red": "#D64541", "grey": "#B0B0B0"}
# What a bar's colour says in the Gantt chart (bar_colour): one word each, the board's vocabulary.
LIGHT_ZH: Mapping[str, str] = {
    "green": "已完成",
    "yellow": "临近截止",
    "red": "逾期（红条延至今天）",
    "grey": "未到期",
}
VERDICT_COLOURS: Mapping[str, str] = {"met": LIGHT_COLOURS["green"], "not_met": LIGHT_COLOURS["red"],
                                      "no_data": LIGHT_COLOURS["grey"]}
VERDICT_ZH: Mapping[str, str] = {"met": "达标", "not_met": "未达标", "no_data": "无数据或无法判断"}

_QUARTER = re.compile(r"第[一二三四]季度")


def day_zh(day: date) -> str:
    """A date as an official document writes it: 2025年6月30日."""
    return f"{day.year}年{day.month}月{day.day}日"


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis when it had to be cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def series_label(title: str) -> str:
    """The row label of a recurring step, from one instance's title: the year and quarter taken out.

    制定2025年度工作计划 -> 制定年度工作计划; 2024年第二季度调度会议 -> 每季度调度会议;
    征集2024年典型案例：生态旅游与康养 -> 生态旅游与康养 (the track's header already says 典型案例征集).
    """
    label = re.sub(r"\d{4}年度", "年度", title)
    label = re.sub(r"\d{4}年", "", label)
    label = _QUARTER.sub("每季度", label)
    return label.split("：", 1)[1] if "：" in label else label


@dataclass(frozen=True, slots=True)
class GanttBar:
    """One step instance: its window up to the effective due date, and what marks it carries.

    ``light`` is the colour key (bar_colour); ``late_until`` ends the red part that runs on from the due date
    (today for a step still overdue, the day it was done for a late one).
    """

    step: str
    start: date
    due: date
    light: Light
    done_on: date | None = None
    critical: bool = False
    original_due: date | None = None
    late_until: date | None = None


def bar_colour(st: StepStatus) -> Light:
    """A bar's colour: green done, red overdue, yellow only when its due is near (临近截止), grey for the rest —
    a step not yet due, whether open, handed in or returned, is not a warning on a leader's chart."""
    if st.status == "done":
        return "green"
    if st.light == "red":
        return "red"
    return "yellow" if st.status == "due_soon" else "grey"


@dataclass(frozen=True, slots=True)
class GanttRow:
    """A row of the chart: a phase or track header (one bar for its window), or a step or series of steps."""

    label: str
    group: str
    header: bool
    bars: tuple[GanttBar, ...]
    lead: str = ""  # the lead bureau, written beside the row's bars


def gantt_rows(plan: Plan, board: Board, *, label_chars: int = 16) -> tuple[GanttRow, ...]:
    """Every row of the Gantt chart, top to bottom: phases, then tracks, each a header then its steps.

    A header's label counts its done steps (动员部署阶段（3/3）) and its single bar spans the group's
    window in the group's rolled-up light. Steps of one series share a row, in plan order.
    """
    rows: list[GanttRow] = []
    for group in plan.groups:
        roll = board.group(group.id)
        colours = {bar_colour(board.steps[sid]) for sid in group.step_ids}
        header_light: Light = next((c for c in ("red", "yellow") if c in colours),
                                   "green" if colours == {"green"} else "grey")
        header_bar = GanttBar(group.id, group.window.start, group.window.due, header_light)
        rows.append(GanttRow(f"{group.title}（{roll.done}/{roll.total}）", group.id, True, (header_bar,)))
        series: dict[str, list[str]] = {}
        for sid in group.step_ids:
            series.setdefault(plan.steps[sid].series or sid, []).append(sid)
        for key, members in series.items():
            first = plan.steps[members[0]]
            title = series_label(first.title) if first.series == key else first.title
            bars = tuple(_bar(plan, board, sid) for sid in members)
            rows.append(GanttRow(shorten(title, label_chars), group.id, False, bars, short_bureau(plan, first.lead)))
    return tuple(rows)


def short_bureau(plan: Plan, bureau: str) -> str:
    """A bureau's name short enough to stand beside a bar: 市生态环境局鄠邑分局 -> 生态环境局, 区发改委 -> 发改委,
    “两山”基地建设工作领导小组办公室 -> 领导小组办公室."""
    name = plan.bureau_name(bureau)
    if name.endswith("领导小组办公室"):
        return "领导小组办公室"
    name = re.sub(r"^(鄠邑区|市|区)", "", name)
    name = re.sub(r"鄠邑分局$", "", name)
    return shorten(name, 8)


def _bar(plan: Plan, board: Board, step_id: str) -> GanttBar:
    status = board.steps[step_id]
    late_until = None
    if status.done_on is None and status.light == "red" and status.due < board.as_of:
        late_until = board.as_of
    elif status.done_on is not None and status.done_on > status.due:
        late_until = status.done_on
    return GanttBar(step_id, plan.steps[step_id].window.start, status.due, bar_colour(status), status.done_on,
                    status.critical, status.original_due, late_until)


def gantt_span(rows: tuple[GanttRow, ...], as_of: date, forecast: date | None = None) -> tuple[date, date]:
    """The x range: from 1 January of the first year shown to 31 December of the last (today and the forecast end
    included)."""
    days = [as_of, *(d for row in rows for bar in row.bars for d in (bar.start, bar.due))]
    if forecast is not None:
        days.append(forecast)
    return date(min(days).year, 1, 1), date(max(days).year, 12, 31)


@dataclass(frozen=True, slots=True)
class PanelPoint:
    """One year of one indicator: its value (None when not recorded) and verdict."""

    year: int
    value: float | None
    verdict: VerdictKind
    reason: str
    assigned_target: float | None = None
    overdue: bool = False  # no value, and the year's collection is past its due: drawn red


@dataclass(frozen=True, slots=True)
class IndicatorPanel:
    """One small chart of the indicator picture."""

    indicator: Indicator
    points: tuple[PanelPoint, ...]

    @property
    def flag(self) -> bool:
        """True for a yes/no indicator (获得, 建立实施): shown as 是/否, not on a scale."""
        return self.indicator.rule.kind in ("achieved", "established")

    @property
    def threshold(self) -> float | None:
        """The target line's value, for a threshold rule."""
        rule = self.indicator.rule
        return rule.value if rule.kind == "threshold" else None

    def limits(self) -> tuple[float, float]:
        """The y range: every value, assigned target and the threshold, with a margin so points are not on the frame."""
        numbers = [p.value for p in self.points if p.value is not None]
        numbers += [p.assigned_target for p in self.points if p.assigned_target is not None]
        if self.threshold is not None:
            numbers.append(self.threshold)
        if not numbers:
            return 0.0, 1.0
        low, high = min(numbers), max(numbers)
        pad = max((high - low) * 0.25, abs(high) * 0.02, 0.5)
        return low - pad, high + pad


def indicator_years(plan: Plan, values: Mapping[str, Mapping[int, IndicatorValue]], as_of: date) -> tuple[int, ...]:
    """The years the indicator picture shows: the baseline (the year before the first collection) to the latest.

    The latest is the last year with a recorded value, or the last year whose collection has opened by
    ``as_of`` (so a missing value shows as 无数据 instead of being left out).
    """
    collected = {s.year: s.window.start for s in plan.steps.values() if s.collect == "indicators" and s.year}
    recorded = {y for by_year in values.values() for y in by_year}
    first = min([*(y - 1 for y in collected), *recorded], default=as_of.year - 1)
    opened = [y for y, start in collected.items() if start <= as_of]
    last = max([first, *recorded, *opened])
    return tuple(range(first, last + 1))


def indicator_panels(plan: Plan, values: Mapping[str, Mapping[int, IndicatorValue]],
                     as_of: date, board: Board | None = None) -> tuple[IndicatorPanel, ...]:
    """One panel per indicator of 附件1, in the plan's order, each year judged by core.indicators.judge; with the
    ``board``, a missing value whose collection step is overdue is marked so."""
    years = indicator_years(plan, values, as_of)
    overdue_years = set()
    if board is not None:
        for step in plan.steps.values():
            st = board.steps[step.id]
            if step.collect == "indicators" and step.year is not None and st.done_on is None and st.due < as_of:
                overdue_years.add(step.year)
    panels = []
    for indicator in plan.indicators:
        own = values.get(indicator.id, {})
        points = []
        for year in years:
            verdict = judge(indicator, year, own)
            recorded = own.get(year)
            points.append(PanelPoint(year, verdict.value, verdict.verdict, verdict.reason,
                                     recorded.assigned_target if recorded else None,
                                     verdict.value is None and year in overdue_years))
        panels.append(IndicatorPanel(indicator, tuple(points)))
    return tuple(panels)
