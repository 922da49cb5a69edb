"""What the office reads: state names for the Prefect UI, and the board as table, summary and progress.

Pure builders of text and rows; tasks/ publishes them as Prefect artifacts.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from core.indicators import IndicatorValue, judge
from core.plan import Plan
from core.serialize import LIGHT_EMOJI, STATUS_ZH
from core.status import Board, StepStatus

__all__ = [
    "STATE_NAMES",
    "STEP_STATES",
    "board_rows",
    "indicator_rows",
    "library_line",
    "library_summary",
    "progress",
    "shown_steps",
    "state_name",
    "step_marks",
    "step_message",
    "summary_markdown",
    "upcoming",
]

# How each step's Prefect task run ends: the state type (its colour in the UI) and the state name.
# Only a done step is green (COMPLETED) and only an overdue one red (FAILED); the rest end CANCELLED,
# which the UI shows grey, so a reader never takes a waiting step for a done one. CRASHED is never
# used: crash alerts keep meaning crashes. The README's Prefect section documents this table.
STEP_STATES: dict[str, tuple[str, str]] = {
    "done": ("COMPLETED", "已完成"),
    "overdue": ("FAILED", "逾期"),
    "open": ("CANCELLED", "待报送"),
    "due_soon": ("CANCELLED", "待报送"),
    "returned": ("CANCELLED", "待报送"),
    "submitted": ("CANCELLED", "待审核"),
    "blocked": ("CANCELLED", "受阻"),
    "not_open": ("CANCELLED", "未开始"),
}
# The name each step's Prefect task run ends with (the second column of STEP_STATES).
STATE_NAMES = {status: name for status, (_, name) in STEP_STATES.items()}


def state_name(status: StepStatus) -> str:
    """The Chinese name of the step's state in the Prefect UI."""
    return STATE_NAMES[status.status]


def step_message(plan: Plan, st: StepStatus) -> str:
    """One line on why the step is where it is, shown as the state's message (with 已延期 and 已签收 where so)."""
    return _why(plan, st) + step_marks(plan, st)


def step_marks(plan: Plan, st: StepStatus) -> str:
    """``（原定截止 …，已延期）`` and ``（已签收：单位）`` where they apply, for messages and the board."""
    marks = ""
    if st.original_due is not None and st.status != "done":
        marks += f"（原定截止 {st.original_due}，已延期至 {st.due}）"
    if st.acked_by and st.status not in ("done", "not_open"):
        marks += "（已签收：" + "、".join(plan.bureau_name(b) for b in st.acked_by) + "）"
    return marks


def _why(plan: Plan, st: StepStatus) -> str:
    step = plan.steps[st.id]
    owners = "、".join(plan.bureau_name(b) for b in step.owners)
    if st.status == "done":
        late = f"，逾期 {st.overdue_workdays} 个工作日" if st.late else ""
        return f"{st.done_on} 完成{late}"
    if st.status == "not_open":
        return f"{step.window.start} 开始，{st.due} 截止"
    if st.status == "blocked":
        return "等待前置步骤：" + "、".join(f"{plan.steps[b].title}（{b}）" for b in st.blocked_by)
    if st.status == "submitted":
        return "已报送，等待领导小组办公室审核：" + "、".join(st.awaiting_review)
    if st.status == "overdue":
        return f"已逾期 {st.overdue_workdays} 个工作日（截止 {st.due}），责任单位：{owners}"
    if st.status == "returned":
        again = f"，请于 {st.resubmit_by} 前重新报送" if st.resubmit_by else ""
        return f"已退回：{st.returned_reason}{again}"
    if step.collect == "indicators":
        return f"{st.due} 截止，尚缺 {len(st.missing)} 项指标数值：" + "、".join(st.missing)
    if step.collect == "cases":
        return f"{st.due} 截止，本年度尚无该主题的典型案例（{owners}）"
    return f"{st.due} 截止，待报送：" + "、".join(d.title for d in step.deliverables if d.id in st.missing) + f"（{owners}）"


def shown_steps(plan: Plan, board: Board, group_id: str, day: date) -> tuple[str, ...]:
    """The steps of a phase or track to show as task runs on ``day``.

    A phase shows all its steps. A track (years of meetings, collections) shows the work that is
    live: opened, and not done before this year; the board and ``status`` still list all of it.
    """
    group = next(g for g in plan.groups if g.id == group_id)
    if group_id in {p.id for p in plan.phases}:
        return group.step_ids
    return tuple(sid for sid in group.step_ids
                 if (st := board.steps[sid]).status != "not_open" and not (st.done_on and st.done_on.year < day.year))


def board_rows(plan: Plan, board: Board) -> list[dict[str, Any]]:
    """One row per step for the board's table artifact, with Chinese column names.

    灯 and 状态 come first, the wide columns (owners, phase, window) last, so the table reads at a glance.
    """
    rows = []
    for group in plan.groups:
        for sid in group.step_ids:
            step, st = plan.steps[sid], board.steps[sid]
            rows.append({
                "灯": LIGHT_EMOJI[st.light],
                "状态": STATUS_ZH[st.status] + ("（已签收）" if st.acked_by and st.status not in ("done", "not_open") else ""),
                "步骤": f"{step.title}（{sid}）",
                "截止": str(st.due),
                "逾期工作日": st.overdue_workdays,
                "预计完成": st.forecast_due.isoformat() if st.forecast_due else "",
                "责任单位": "、".join(plan.bureau_name(b) for b in step.owners),
                "阶段": group.title,
                "时间窗口": f"{step.window.start} 至 {st.due}",
                "原定截止": str(st.original_due or ""),
            })
    return rows


def indicator_rows(plan: Plan, values: dict[str, dict[int, IndicatorValue]]) -> tuple[int | None, list[dict[str, Any]]]:
    """The latest year with any value, and each indicator's verdict for it, with Chinese column names."""
    years = sorted({y for per in values.values() for y in per})
    if not years:
        return None, []
    year = years[-1]
    rows = []
    for ind in plan.indicators:
        verdict = judge(ind, year, values.get(ind.id, {}))
        rows.append({"编号": ind.id, "指标": ind.title, "目标值": ind.target_text,
                     "数值": "" if verdict.value is None else f"{verdict.value:g}",
                     "评价": {"met": "达标", "not_met": "未达标", "no_data": "无数据"}[verdict.verdict],
                     "原因": verdict.reason})
    return year, rows


def library_summary(plan: Plan, year: int, cases: dict[str, int], projects: dict[str, float] | None,
                    verdicts: tuple[int | None, dict[str, int]]) -> dict[str, Any]:
    """Cases per theme (a theme with none this year is yellow), project investment and indicator verdicts."""
    indicator_year, counts = verdicts
    return {
        "year": year,
        "cases": [{"theme": t.id, "title": t.title, "count": cases.get(t.id, 0),
                   "light": "green" if cases.get(t.id, 0) else "yellow"} for t in plan.case_themes],
        "projects": projects or {"planned": 0.0, "actual": 0.0},
        "indicators": {"year": indicator_year, **{k: counts.get(k, 0) for k in ("met", "not_met", "no_data")}},
    }


def library_line(summary: dict[str, Any]) -> str:
    """The summary in two lines of Chinese, under the board."""
    missing = [c["theme"] for c in summary["cases"] if c["count"] == 0]
    total = sum(c["count"] for c in summary["cases"])
    cases = f"典型案例（{summary['year']}年）：共 {total} 个" + (f"，🟡 主题 {'、'.join(missing)} 尚无案例" if missing else "")
    money = summary["projects"]
    ind = summary["indicators"]
    indicators = (f"指标（{ind['year']}年）：达标 {ind['met']}、未达标 {ind['not_met']}、无数据 {ind['no_data']}"
                  if ind["year"] else "指标：尚无数值")
    money_line = f"项目库（{summary['year']}年）：计划投资 {money['planned']:g} 万元，实际 {money['actual']:g} 万元"
    return f"{cases}\n{money_line}；{indicators}"


def progress(board: Board) -> float:
    """Share of the phases' step instances done, in percent (tracks recur and are counted apart)."""
    done = sum(p.done for p in board.phases.values())
    total = sum(p.total for p in board.phases.values())
    return round(100.0 * done / total, 1) if total else 0.0


def summary_markdown(plan: Plan, board: Board, horizon_days: int = 14, workday: bool = True) -> str:
    """The board in a few paragraphs: lights, what is late, what is due soon, the critical path."""
    lights = Counter(st.light for st in board.steps.values())
    lines = [
        f"# {plan.title}",
        f"截至 **{board.as_of}**（{'工作日' if workday else '非工作日：只更新看板，不发送通知'}）",
        "",
        f"🟢 {lights['green']}　🟡 {lights['yellow']}　🔴 {lights['red']}　⚪ {lights['grey']}　"
        f"完成 {progress(board)}%",
        "",
        "## 逾期",
    ]
    late = [st for st in board.steps.values() if st.light == "red"]
    lines += [f"- 🔴 **{plan.steps[st.id].title}**（{st.id}）逾期 {st.overdue_workdays} 个工作日，责任单位："
              + "、".join(plan.bureau_name(b) for b in plan.steps[st.id].owners) for st in late] or ["- 无"]
    lines += ["", f"## 未来 {horizon_days} 天内截止"]
    soon = upcoming(board, board.as_of, horizon_days)
    lines += [f"- {st.due}：{plan.steps[st.id].title}（{st.id}），{STATUS_ZH[st.status]}" for st in soon] or ["- 无"]
    lines += ["", "## 关键路径"]
    critical = [st for st in board.steps.values() if st.critical]
    lines += [f"- {plan.steps[st.id].title}（{st.id}），预计 {st.forecast_due}" for st in critical] or ["- 无"]
    if board.end is not None and board.end.pushed_by:
        lines += ["", f"⚠️ 最后一步预计推迟 {board.end.late_days} 天，原因：" + "、".join(board.end.pushed_by)]
    return "\n".join(lines)


def upcoming(board: Board, as_of: date, days: int) -> list[StepStatus]:
    """Open steps due within ``days`` calendar days of ``as_of``, soonest first."""
    until = as_of + timedelta(days=days)
    return sorted((st for st in board.steps.values() if st.status not in ("done", "not_open") and as_of <= st.due <= until),
                  key=lambda s: s.due)
