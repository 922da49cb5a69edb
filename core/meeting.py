"""The meeting pack (会议材料) for a dispatch meeting: what the office discusses, in one document.

Before each dispatch meeting (a step with ``pack: true``, e.g. ``meetings.2026q4``) the office
needs the board in brief, the overdue steps, the indicator values still owed (by bureau), the
cases per theme, the project totals and the indicators off target. Pure: the caller passes the
board, the indicator values and the library summary (see :func:`core.reports.library_summary`).

Which steps and values each section lists (overdue_steps, upcoming_steps, values_owed,
latest_verdicts) is public: core.pack lays the same selections out as tables for the Word pack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from core.followup import FOLLOW_UP_TITLE, follow_ups
from core.indicators import IndicatorValue, Verdict, judge
from core.plan import Plan
from core.serialize import LIGHT_EMOJI, STATUS_ZH
from core.status import Board, StepStatus

__all__ = ["LOOK_AHEAD_DAYS", "OwedValues", "current_meeting", "latest_verdicts", "meeting_ids", "meeting_pack", "overdue_steps",
           "owners_zh", "upcoming_steps", "values_owed"]

# How far the pack looks ahead, in calendar days: to the next quarter's meeting and a little beyond.
LOOK_AHEAD_DAYS = 45


@dataclass(frozen=True, slots=True)
class OwedValues:
    """An open indicator collection and the values each bureau still owes for it (indicator ids)."""

    step: str
    status: StepStatus
    by_bureau: Mapping[str, tuple[str, ...]]


def meeting_ids(plan: Plan) -> list[str]:
    """The plan's meetings (steps with a pack), earliest first."""
    return sorted((sid for sid, step in plan.steps.items() if step.pack), key=lambda s: plan.steps[s].window.start)


def current_meeting(plan: Plan, board: Board) -> str | None:
    """The meeting the office is preparing: this period's, else the next one, else the last one.

    Earlier meetings never held are not skipped silently: they are among the overdue steps.
    """
    meetings = meeting_ids(plan)
    day = board.as_of
    now = [sid for sid in meetings if plan.steps[sid].window.start <= day <= board.steps[sid].due]
    later = [sid for sid in meetings if plan.steps[sid].window.start > day]
    found = now or later or meetings[-1:]
    return found[0] if found else None


def meeting_pack(plan: Plan, board: Board, meeting: str, values: Mapping[str, Mapping[int, IndicatorValue]],
                 library: Mapping[str, Any] | None, progress: Mapping[str, str] | None = None) -> str:
    """The pack in Markdown (Chinese), as of the board's day; it opens with the previous meeting's tasks
    (core.followup), with ``progress`` (task step id -> latest progress) beside each."""
    step = plan.steps[meeting]
    st = board.steps[meeting]
    lines = [f"# {step.title}：会议材料",
             f"截至 **{board.as_of}**；会议时间窗口 {step.window.start} 至 {st.due}（{STATUS_ZH[st.status]}）。", ""]
    lines += _follow_ups(plan, board, meeting, progress)
    lines += _progress(plan, board)
    lines += _overdue(plan, board)
    lines += _upcoming(plan, board)
    lines += _values_owed(plan, board)
    lines += _verdicts(plan, values)
    lines += _library(plan, library)
    return "\n".join(lines).rstrip() + "\n"


def _follow_ups(plan: Plan, board: Board, meeting: str, progress: Mapping[str, str] | None) -> list[str]:
    rows = follow_ups(plan, board, meeting, progress)
    if not rows:
        return []
    lines = [f"## {FOLLOW_UP_TITLE}", "", "| 事项 | 责任单位 | 完成时限 | 状态 | 最新进展 |", "|---|---|---|---|---|"]
    lines += [f"| {r.title}（{r.step}） | {r.owners} | {r.due} | {r.state} | {r.progress or '—'} |" for r in rows]
    return [*lines, ""]


def _progress(plan: Plan, board: Board) -> list[str]:
    lines = ["## 一、总体进展", "", "| 阶段 | 灯 | 状态 | 完成 |", "|---|---|---|---|"]
    for group in plan.groups:
        ph = board.group(group.id)
        lines.append(f"| {group.title} | {LIGHT_EMOJI[ph.light]} | {STATUS_ZH[ph.status]} | {ph.done}/{ph.total} |")
    if board.end is not None:
        end = board.end
        tail = f"，推迟 {end.late_days} 天" if end.late_days else "，按期"
        lines += ["", f"最后一步“{plan.steps[end.step].title}”截止 {end.due}，预计 {end.forecast_due}{tail}。"]
    return [*lines, ""]


def owners_zh(plan: Plan, sid: str) -> str:
    """The step's owner bureaus by name, lead first: 市生态环境局鄠邑分局、区发改委."""
    return "、".join(plan.bureau_name(b) for b in plan.steps[sid].owners)


def overdue_steps(board: Board) -> list[StepStatus]:
    """The red steps (overdue, or blocked past due), longest overdue first."""
    return sorted((st for st in board.steps.values() if st.light == "red"), key=lambda s: -s.overdue_workdays)


def upcoming_steps(board: Board, days: int = LOOK_AHEAD_DAYS) -> list[StepStatus]:
    """Steps not done nor overdue that fall due within ``days`` calendar days of the board's day, soonest first."""
    until = board.as_of + timedelta(days=days)
    return sorted((st for st in board.steps.values()
                   if st.status not in ("done", "overdue") and board.as_of <= st.due <= until), key=lambda s: s.due)


def values_owed(plan: Plan, board: Board) -> list[OwedValues]:
    """Each open indicator collection with the values still owed, grouped by the bureau that owes them."""
    found = []
    for sid in plan.topo_order:
        step, st = plan.steps[sid], board.steps[sid]
        if step.collect != "indicators" or st.status in ("done", "not_open"):
            continue
        owed: dict[str, list[str]] = {}
        for d in step.deliverables:
            if d.id in st.missing:
                for bureau in d.owed_by(step.owners):
                    owed.setdefault(bureau, []).append(d.id)
        found.append(OwedValues(sid, st, {b: tuple(ids) for b, ids in owed.items()}))
    return found


def latest_verdicts(plan: Plan, values: Mapping[str, Mapping[int, IndicatorValue]]) -> tuple[int | None, list[Verdict]]:
    """The latest year with any value, and every indicator's verdict for it (None and [] with no values)."""
    years = sorted({y for per in values.values() for y in per})
    if not years:
        return None, []
    return years[-1], [judge(ind, years[-1], values.get(ind.id, {})) for ind in plan.indicators]


def _overdue(plan: Plan, board: Board) -> list[str]:
    lines = ["## 二、逾期事项", ""]
    lines += [f"- 🔴 {plan.steps[st.id].title}（{st.id}）：逾期 {st.overdue_workdays} 个工作日，截止 {st.due}，"
              f"{'受阻于 ' + '、'.join(st.blocked_by) + '，' if st.blocked_by else ''}责任单位：{owners_zh(plan, st.id)}"
              for st in overdue_steps(board)] or ["- 无"]
    return [*lines, ""]


def _upcoming(plan: Plan, board: Board, days: int = LOOK_AHEAD_DAYS) -> list[str]:
    lines = [f"## 三、{days} 天内到期", ""]
    lines += [f"- {st.due}：{plan.steps[st.id].title}（{st.id}），{STATUS_ZH[st.status]}，责任单位：{owners_zh(plan, st.id)}"
              for st in upcoming_steps(board, days)] or ["- 无"]
    return [*lines, ""]


def _values_owed(plan: Plan, board: Board) -> list[str]:
    lines = ["## 四、尚未报送的指标数值", ""]
    for owed in values_owed(plan, board):
        st = owed.status
        lines.append(f"**{plan.steps[owed.step].title}**（{owed.step}，截止 {st.due}）：尚缺 {len(st.missing)} 项")
        lines += [f"- {plan.bureau_name(b)}：{'、'.join(ids)}" for b, ids in owed.by_bureau.items()]
        lines.append("")
    return lines if len(lines) > 2 else [*lines, "- 无", ""]


def _verdicts(plan: Plan, values: Mapping[str, Mapping[int, IndicatorValue]]) -> list[str]:
    year, verdicts = latest_verdicts(plan, values)
    if year is None:
        return ["## 五、指标达标情况", "", "- 尚无指标数值", ""]
    counts = {k: sum(v.verdict == k for v in verdicts) for k in ("met", "not_met", "no_data")}
    lines = [f"## 五、指标达标情况（{year}年）", "",
             f"达标 {counts['met']} 项，未达标 {counts['not_met']} 项，无数据 {counts['no_data']} 项。", ""]
    titles = {ind.id: ind.title for ind in plan.indicators}
    lines += [f"- 未达标：{v.indicator} {titles[v.indicator]}：{v.reason}" for v in verdicts if v.verdict == "not_met"]
    return [*lines, ""]


def _library(plan: Plan, library: Mapping[str, Any] | None) -> list[str]:
    if library is None:
        return ["## 六、典型案例与项目库", "", "- 数据库尚未初始化", ""]
    year = library["year"]
    lines = [f"## 六、典型案例（{year}年）", "", "| 主题 | 案例数 |", "|---|---|"]
    lines += [f"| {LIGHT_EMOJI[c['light']]} {c['theme']} {c['title']} | {c['count']} |" for c in library["cases"]]
    money = library["projects"]
    lines += ["", f"## 七、项目库（{year}年）", "",
              f"计划投资 {money['planned']:g} 万元，实际完成 {money['actual']:g} 万元"
              + (f"（完成 {100 * money['actual'] / money['planned']:.1f}%）" if money["planned"] else "") + "。", ""]
    return lines
