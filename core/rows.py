"""Tables more than one document prints: a step record, the overdue list, indicator verdicts, cases per theme.

Pure: each takes the plan and what core computed (board, verdicts) and returns a core.outline.Table
with Chinese headers, so the pack, the circular, the annual summary and the self-assessment say the
same thing the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from core.indicators import IndicatorValue, Verdict, judge
from core.meeting import owners_zh
from core.outline import VERDICT_ZH, Table, day_zh
from core.plan import Indicator, Plan
from core.serialize import STATUS_ZH
from core.status import Board, StepStatus

__all__ = [
    "case_table",
    "due_zh",
    "indicator_label",
    "outcome",
    "overdue_table",
    "step_table",
    "value_text",
    "verdict_line",
    "verdict_table",
]


def outcome(st: StepStatus) -> str:
    """How a step stands, in a word or two: 按期完成, 逾期完成（3个工作日）, 逾期5个工作日, 受阻（逾期2个工作日）, 待报送 …"""
    if st.status == "done":
        return f"逾期完成（{st.overdue_workdays}个工作日）" if st.late else "按期完成"
    if st.status == "overdue":
        return f"逾期{st.overdue_workdays}个工作日"
    if st.light == "red":
        return f"{STATUS_ZH[st.status]}（逾期{st.overdue_workdays}个工作日）"
    return STATUS_ZH[st.status]


def step_table(plan: Plan, board: Board, step_ids: Iterable[str], group: bool = False) -> Table:
    """One row per step: 序号, (阶段,) 事项, 责任单位, 截止日期, 完成日期, 完成情况."""
    titles = {sid: g.title for g in plan.groups for sid in g.step_ids}
    rows = []
    for n, sid in enumerate(step_ids, start=1):
        st = board.steps[sid]
        due = day_zh(st.due) + (f"（原定{day_zh(st.original_due)}）" if st.original_due else "")
        row = (str(n), plan.steps[sid].title, owners_zh(plan, sid), due, day_zh(st.done_on) if st.done_on else "—",
               outcome(st))
        rows.append((row[0], titles[sid], *row[1:]) if group else row)
    if group:
        return Table(("序号", "阶段", "事项", "责任单位", "截止日期", "完成日期", "完成情况"), tuple(rows),
                     (1.0, 2.0, 3.2, 3.0, 2.3, 2.1, 2.0))
    return Table(("序号", "事项", "责任单位", "截止日期", "完成日期", "完成情况"), tuple(rows), (1.0, 4.0, 3.8, 2.4, 2.4, 2.0))


def due_zh(st: StepStatus) -> str:
    """The due day a reader checks against: an extended step shows both, 原定2026年11月30日 → 延至2026年12月31日."""
    if st.original_due is not None:
        return f"原定{day_zh(st.original_due)} → 延至{day_zh(st.due)}"
    return day_zh(st.due)


def overdue_table(plan: Plan, steps: Sequence[StepStatus]) -> Table:
    """The overdue list: 序号, 事项, 责任单位, 截止日期, 逾期工作日 (and what blocks it, when something does)."""
    rows = []
    for n, st in enumerate(steps, start=1):
        title = plan.steps[st.id].title
        if st.blocked_by:
            title += "（受阻于" + "、".join(plan.steps[b].title for b in st.blocked_by) + "）"
        rows.append((str(n), title, owners_zh(plan, st.id), due_zh(st), str(st.overdue_workdays)))
    return Table(("序号", "事项", "责任单位", "截止日期", "逾期工作日"), tuple(rows), (1.0, 4.6, 4.0, 4.0, 2.0))


def indicator_label(ind: Indicator) -> str:
    """The indicator's name, with its unit where the unit is not a percentage: 物种丰富度（种）."""
    return f"{ind.title}（{ind.unit}）" if ind.unit and ind.unit != "%" else ind.title


def value_text(ind: Indicator, value: IndicatorValue | None) -> str:
    """A recorded value as printed: 93.5%, 1200, 是 / 否 for 获得 and 建立实施, — when none."""
    if value is None:
        return "—"
    if ind.rule.kind in ("achieved", "established"):
        return "是" if value.value >= 0.5 else "否"
    return f"{value.value:g}" + ("%" if ind.unit == "%" else "")


def verdict_line(ind: Indicator, verdict: Verdict) -> str:
    """``地表水水质达到或优于Ⅲ类水比例：未达标，88%，未达到目标 >90%`` (by its title: a leader never reads an id)."""
    return f"{ind.title}：{VERDICT_ZH[verdict.verdict]}，{verdict.reason}"


def verdict_table(plan: Plan, year: int, values: Mapping[str, Mapping[int, IndicatorValue]]) -> Table:
    """Every indicator's verdict for ``year``: 序号 (附件1's order), 指标, 目标值, 数值, 评价, 原因; ids only in the ledger."""
    rows = []
    for n, ind in enumerate(plan.indicators, start=1):
        per = values.get(ind.id, {})
        verdict = judge(ind, year, per)
        rows.append((str(n), indicator_label(ind), ind.target_text, value_text(ind, per.get(year)),
                     VERDICT_ZH[verdict.verdict], verdict.reason))
    return Table(("序号", "指标", "目标值", "数值", "评价", "原因"), tuple(rows), (1.0, 3.6, 2.6, 1.6, 1.5, 5.2))


def case_table(plan: Plan, cases: Iterable[Mapping[str, Any]], with_year: bool = False) -> Table:
    """Cases per theme of 附件2: 主题, 案例数, 案例（提供单位）; a theme with none says so."""
    by_theme: dict[str, list[Mapping[str, Any]]] = {t.id: [] for t in plan.case_themes}
    for case in cases:
        by_theme.setdefault(case["theme"], []).append(case)
    rows = []
    for theme in plan.case_themes:
        found = by_theme[theme.id]
        names = "；".join(
            f"{c['title']}（{str(c['year']) + '年，' if with_year else ''}{plan.bureau_name(c['bureau'])}）" for c in found)
        rows.append((f"{theme.id}. {theme.title}", str(len(found)), names or "尚无案例"))
    return Table(("主题", "案例数", "案例（提供单位）"), tuple(rows), (5.6, 1.6, 8.4))
