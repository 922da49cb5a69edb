"""台账: the ledger's sheets as plain rows — a sheet per phase and per track, then 指标, 典型案例, 项目库, 单位考评.

Everything a reader sees in a cell is decided here, from the board, the verdicts and the ranking;
reports.ledger only lays the rows out in a workbook (fills, widths, print set-up). The 灯 column
holds the light's key (``green`` ...), which the writer turns into a fill and a word (LIGHT_ZH).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from core.documents import DocumentFacts
from core.events import SHANGHAI, CheckIn
from core.indicators import judge
from core.performance import bureau_performance, shared_ranks
from core.plan import Indicator, Phase, Plan
from core.progress import STATUS_ZH as PROGRESS_STATUS_ZH
from core.progress_docs import doc_owed
from core.projects import PROJECT_STATUS_ZH
from core.reports import step_marks
from core.serialize import STATUS_ZH
from core.status import StepStatus

__all__ = [
    "CASE_COLUMNS",
    "LIGHT_COLUMN",
    "LIGHT_ZH",
    "PERFORMANCE_COLUMNS",
    "PROJECT_COLUMNS",
    "PROJECT_STATUS_ZH",
    "STEP_COLUMNS",
    "Cell",
    "Sheet",
    "case_sheet",
    "indicator_sheet",
    "indicator_years",
    "ledger_sheets",
    "performance_sheet",
    "progress_sheet",
    "project_sheet",
    "step_sheet",
    "workbook_title",
]

Cell = str | int | float | date | None
SheetKind = Literal["steps", "indicators", "cases", "projects", "performance", "progress"]

LIGHT_COLUMN = "灯"
LIGHT_ZH = {"green": "绿灯", "yellow": "黄灯", "red": "红灯", "grey": "灰灯"}
STEP_COLUMNS = ("序号", "阶段", "步骤", "牵头单位", "配合单位", "时间窗口", "截止日期（原定／延期）", "状态", LIGHT_COLUMN,
                "完成日期", "逾期工作日", "成果报送情况", "备注")
CASE_COLUMNS = ("序号", "主题", "年度", "报送单位", "案例标题", "案例简介", "附件")
PROJECT_COLUMNS = ("序号", "项目编号", "项目名称", "责任单位", "年度", "计划投资（万元）", "实际投资（万元）", "资金来源", "状态")
PROGRESS_COLUMNS = ("序号", "周期", "步骤", "单位", "截止日期", "状态", "报送时间", "完成进度", "工作进展", "存在问题",
                    "下步打算")
PERFORMANCE_COLUMNS = ("名次", "单位", "应完成", "按期完成", "逾期完成", "逾期未完成", "按期完成率", "平均逾期工作日",
                       "报送配合材料的步骤")
_VERDICT_ZH = {"met": "达标", "not_met": "未达标", "no_data": "无数据"}


@dataclass(frozen=True, slots=True)
class Sheet:
    """One sheet: its full Chinese title, what it lists, column names, and rows of cells in column order."""

    title: str
    kind: SheetKind
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def ledger_sheets(doc: DocumentFacts) -> tuple[Sheet, ...]:
    """Every sheet of the 台账, in the order the workbook shows them."""
    progress = (progress_sheet(doc),) if doc.plan.progress is not None else ()
    return (*(step_sheet(doc, group) for group in doc.plan.groups), indicator_sheet(doc), case_sheet(doc),
            project_sheet(doc), *progress, performance_sheet(doc))


def step_sheet(doc: DocumentFacts, group: Phase) -> Sheet:
    """One row per step instance of a phase or a track, in plan order."""
    plan, board = doc.plan, doc.board
    rows = []
    for n, sid in enumerate(group.step_ids, start=1):
        step, st = plan.steps[sid], board.steps[sid]
        rows.append((
            n, group.title, f"{step.title}（{sid}）", plan.bureau_name(step.lead),
            "、".join(plan.bureau_name(b) for b in step.owners[1:]),
            f"{step.window.start} 至 {step.window.due}", _due_text(st), STATUS_ZH[st.status], st.light,
            st.done_on, st.overdue_workdays or None, _deliverables_text(doc, st), _remarks(doc, st),
        ))
    return Sheet(group.title, "steps", STEP_COLUMNS, tuple(rows))


def _due_text(st: StepStatus) -> str:
    """``2024-04-22``, or ``原定 2024-04-22／延期 2024-05-10`` once an extension moved it."""
    if st.original_due is None:
        return st.due.isoformat()
    return f"原定 {st.original_due}／延期 {st.due}"


def _deliverables_text(doc: DocumentFacts, st: StepStatus) -> str:
    """Each deliverable and where it stands: 已报送, 待审核, 已退回 or 未报送, one per line."""
    step = doc.plan.steps[st.id]
    if step.collect == "indicators":
        # Twenty lines per year would drown the sheet: count them, and name only what is missing.
        total = len(step.deliverables)
        if not st.missing:
            return f"{total} 项指标数值均已报送"
        if len(st.missing) == total:
            return f"{total} 项指标数值均未报送"
        names = "、".join(d.title for d in step.deliverables if d.id in st.missing)
        return f"已报送 {total - len(st.missing)}/{total} 项；未报送：{names}"
    # A deliverable is missing both before its first check-in and after a return; a check-in tells them apart.
    handed_in = {d for e in doc.facts.upto(st.id, doc.as_of) if isinstance(e, CheckIn) for d in e.deliverables}
    lines = []
    for d in step.deliverables:
        if d.id in st.awaiting_review:
            state = "待审核"
        elif d.id in st.missing:
            state = "已退回" if d.id in handed_in else "未报送"
        else:
            state = "已报送"
        lines.append(f"{d.title}：{state}")
    return "\n".join(lines)


def _remarks(doc: DocumentFacts, st: StepStatus) -> str:
    """Why a step waits or was returned, why it was extended, who has signed for it, whether it is critical."""
    plan = doc.plan
    notes = []
    if st.blocked_by:
        notes.append("等待前置步骤：" + "、".join(f"{plan.steps[b].title}（{b}）" for b in st.blocked_by))
    if st.returned_reason:
        again = f"，请于 {st.resubmit_by} 前重新报送" if st.resubmit_by else ""
        notes.append(f"退回原因：{st.returned_reason}{again}")
    extension = doc.facts.extension(st.id, doc.as_of)
    if st.original_due is not None and extension is not None and extension.reason:
        notes.append(f"延期原因：{extension.reason}")
    # The original due is in its own column already: only the 签收 part of the marks belongs here.
    acked = step_marks(plan, replace(st, original_due=None))
    if acked:
        notes.append(acked.strip("（）"))
    if st.critical and st.status != "done":
        notes.append("关键路径")
    return "；".join(notes)


def indicator_years(doc: DocumentFacts) -> tuple[int, tuple[int, ...]]:
    """The baseline year (the year before the plan starts) and the years values are collected for."""
    baseline = min(p.window.start.year for p in doc.plan.phases) - 1
    years = {s.year for s in doc.plan.steps.values() if s.collect == "indicators" and s.year is not None}
    years |= {y for per in doc.values.values() for y in per if y > baseline}
    return baseline, tuple(sorted(years))


def indicator_sheet(doc: DocumentFacts) -> Sheet:
    """附件1: each indicator with its target, its baseline, and every year's value, verdict and reason."""
    plan = doc.plan
    baseline, years = indicator_years(doc)
    columns = ("编号", "目标层", "任务层", "指标", "目标值", "单位", "责任单位", f"{baseline}年（基准值）",
               *(f"{y}年{what}" for y in years for what in ("数值", "评价", "说明")))
    rows = []
    for ind in plan.indicators:
        values = doc.values.get(ind.id, {})
        base = values.get(baseline)
        row: list[Cell] = [ind.id, ind.goal, ind.area, ind.title, ind.target_text, ind.unit,
                           "、".join(plan.bureau_name(b) for b in ind.owners),
                           None if base is None else _value(ind, base.value)]
        for year in years:
            verdict = judge(ind, year, values)
            row += [None if verdict.value is None else _value(ind, verdict.value), _VERDICT_ZH[verdict.verdict],
                    verdict.reason]
        rows.append(tuple(row))
    return Sheet("指标", "indicators", columns, tuple(rows))


def _value(ind: Indicator, value: float) -> Cell:
    """A number as recorded; 获得 and 建立实施 as 是/否, the way the office writes them."""
    if ind.rule.kind in ("achieved", "established"):
        return "是" if value >= 0.5 else "否"
    return int(value) if float(value).is_integer() else value


def case_sheet(doc: DocumentFacts) -> Sheet:
    """附件2's typical cases, by year and then by theme."""
    plan = doc.plan
    themes = {t.id: (n, t.title) for n, t in enumerate(plan.case_themes)}
    ordered = sorted(doc.cases, key=lambda c: (c["year"], themes.get(c["theme"], (len(themes), ""))[0]))
    rows = []
    for n, case in enumerate(ordered, start=1):
        theme = themes.get(case["theme"])
        rows.append((n, f"主题{case['theme']}：{theme[1]}" if theme else str(case["theme"]), case["year"],
                     plan.bureau_name(case["bureau"]), case["title"], case.get("summary") or "",
                     "、".join(case.get("files") or ())))
    return Sheet("典型案例", "cases", CASE_COLUMNS, tuple(rows))


def project_sheet(doc: DocumentFacts) -> Sheet:
    """项目库: every project with its planned and actual investment (万元) and its status in Chinese."""
    rows = []
    for n, p in enumerate(doc.projects, start=1):
        rows.append((n, p["code"], p["name"], doc.plan.bureau_name(p["bureau"]), p["year"], p.get("planned"),
                     p.get("actual"), p.get("funding_source") or "", _project_status(p)))
    return Sheet("项目库", "projects", PROJECT_COLUMNS, tuple(rows))


def _project_status(project: Mapping[str, Any]) -> str:
    status = project.get("status")
    return PROJECT_STATUS_ZH.get(status, str(status)) if status else ""


def performance_sheet(doc: DocumentFacts) -> Sheet:
    """单位考评: core.performance's ranking, best first, places as the circular prints them (并列 for a tie, — for a
    bureau owing nothing yet); the rate is a fraction (the writer shows it as %).

    A 配合单位's material on a lead step counts in its on-time record (core.performance); the last
    column counts the joint steps it has sent material to."""
    scores = bureau_performance(doc.plan, doc.board)
    rows = tuple((int(rank) if rank.isdigit() else rank, s.name, s.owed, s.on_time, s.late, s.overdue, s.on_time_rate,
                  round(s.avg_late_workdays, 1), s.contributions)
                 for rank, s in zip(shared_ranks(scores), scores, strict=True))
    return Sheet("单位考评", "performance", PERFORMANCE_COLUMNS, rows)


def progress_sheet(doc: DocumentFacts) -> Sheet:
    """The 台账's 进展 sheet: every owed report up to the day, with its status and latest version."""
    plan = doc.plan
    rows: list[tuple[Cell, ...]] = []
    for n, o in enumerate(doc_owed(doc), start=1):
        r = o.latest
        received = o.received_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if o.received_at else ""
        rows.append((n, o.period.words, plan.steps[o.step].title, plan.bureau_name(o.bureau), o.due,
                     PROGRESS_STATUS_ZH[o.status], received, None if r is None or r.percent is None else r.percent,
                     r.text if r else "", r.problems if r else "", r.next_steps if r else ""))
    return Sheet("进展报送", "progress", PROGRESS_COLUMNS, tuple(rows))


def workbook_title(plan: Plan) -> str:
    """The workbook's title: 《方案名》台账."""
    return f"《{plan.title}》台账"
