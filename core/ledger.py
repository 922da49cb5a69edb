"""台账: the ledger's sheets as plain rows — 汇总 first, a sheet per phase and per track, then 指标, 指标说明, 典型案例,
项目库, 单位考评.

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
from core.performance import bureau_performance, owed_outcome, shared_ranks
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
    "SUMMARY_COLUMNS",
    "Cell",
    "Sheet",
    "case_sheet",
    "indicator_notes_sheet",
    "indicator_sheet",
    "indicator_years",
    "ledger_sheets",
    "performance_sheet",
    "progress_sheet",
    "project_sheet",
    "step_sheet",
    "summary_sheet",
    "workbook_title",
]

Cell = str | int | float | date | None
SheetKind = Literal["summary", "steps", "indicators", "indicator_notes", "cases", "projects", "performance", "progress"]

LIGHT_COLUMN = "灯"
LIGHT_ZH = {"green": "绿灯", "yellow": "黄灯", "red": "红灯", "grey": "灰灯"}
# Ids stand in their own column; dates are dates (they sort and filter); 原定 and 顺延 are said in 备注.
STEP_COLUMNS = ("序号", "编号", "步骤", "牵头单位", "配合单位", "开始日期", "截止日期", "状态", LIGHT_COLUMN,
                "完成日期", "逾期工作日", "成果报送情况", "备注")
SUMMARY_COLUMNS = ("类别", "名称", "应完成", "按期完成", "逾期完成", "逾期未完成", "按期完成率")
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
    empty: str = ""  # what the sheet says when it has no rows (项目库尚未录入), instead of a bare header


def ledger_sheets(doc: DocumentFacts) -> tuple[Sheet, ...]:
    """Every sheet of the 台账, in the order the workbook shows them."""
    progress = (progress_sheet(doc),) if doc.plan.progress is not None else ()
    return (summary_sheet(doc), *(step_sheet(doc, group) for group in doc.plan.groups), indicator_sheet(doc),
            indicator_notes_sheet(doc), case_sheet(doc), project_sheet(doc), *progress, performance_sheet(doc))


def summary_sheet(doc: DocumentFacts) -> Sheet:
    """汇总: per phase or track, then per bureau — owed so far, on time, late, overdue, on-time rate (a fraction).

    A step counts once its due has come, by core.performance's rule, so the bureau rows are 单位考评's.
    """
    rows: list[tuple[Cell, ...]] = []
    for group in doc.plan.groups:
        tally = {"on_time": 0, "late": 0, "overdue": 0}
        for sid in group.step_ids:
            outcome = owed_outcome(doc.board.steps[sid], doc.as_of)
            if outcome is not None:
                tally[outcome] += 1
        owed = sum(tally.values())
        kind = "阶段" if group in doc.plan.phases else "常态化工作"
        rows.append((kind, group.title, owed, tally["on_time"], tally["late"], tally["overdue"],
                     tally["on_time"] / owed if owed else None))
    for score in bureau_performance(doc.plan, doc.board):
        rows.append(("责任单位", score.name, score.owed, score.on_time, score.late, score.overdue, score.on_time_rate))
    return Sheet("汇总", "summary", SUMMARY_COLUMNS, tuple(rows))


def step_sheet(doc: DocumentFacts, group: Phase) -> Sheet:
    """One row per step instance of a phase or a track, in plan order."""
    plan, board = doc.plan, doc.board
    rows = []
    for n, sid in enumerate(group.step_ids, start=1):
        step, st = plan.steps[sid], board.steps[sid]
        rows.append((
            n, sid, step.title, plan.bureau_name(step.lead), _partners(plan, step.owners[1:]),
            step.window.start, st.due, STATUS_ZH[st.status], st.light,
            st.done_on, st.overdue_workdays or None, _deliverables_text(doc, st), _remarks(doc, st),
        ))
    return Sheet(group.title, "steps", STEP_COLUMNS, tuple(rows))


def _partners(plan: Plan, bureaus: tuple[str, ...]) -> str:
    """The partner bureaus; past four, the first three and how many in all (a row of fifteen names would fill a
    printed page)."""
    names = [plan.bureau_name(b) for b in bureaus]
    if len(names) <= 4:
        return "、".join(names)
    return "、".join(names[:3]) + f"等{len(names)}个单位"


def _due_notes(doc: DocumentFacts, st: StepStatus) -> list[str]:
    """Why the due date is not the plan's: 原定 → 延期, and 截止日遇休息日顺延 when it moved off a rest day."""
    notes = []
    extension = doc.facts.extension(st.id, doc.as_of)
    if st.original_due is not None:
        notes.append(f"原定 {st.original_due}，延期至 {st.due}")
    set_on = extension.to if extension is not None else doc.plan.steps[st.id].window.due
    if set_on != st.due:
        info = doc.engine.calendar.explain(set_on)
        why = info.name or "休息日"
        notes.append(f"截止日遇休息日顺延（{set_on} 为{why}）")
    return notes


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
    notes = _due_notes(doc, st)
    if st.blocked_by:
        notes.append("等待前置步骤：" + "、".join(plan.steps[b].title for b in st.blocked_by))
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
    """附件1: each indicator with its target, its baseline, and each year's value and verdict, for the years with values
    or whose values are due (the reasons, goal, area and later years are on 指标说明: twenty-three columns would not
    print on A4 at a readable size)."""
    plan = doc.plan
    baseline, all_years = indicator_years(doc)
    # A year whose values are not due yet and of which none came in is a column of 无数据 only: 指标说明 lists it.
    due = {s.year: doc.board.steps[s.id].due for s in plan.steps.values() if s.collect == "indicators"}
    years = tuple(y for y in all_years
                  if any(y in per for per in doc.values.values()) or due.get(y, doc.as_of) < doc.as_of)
    columns = ("编号", "指标", "目标值", "单位", "责任单位", f"{baseline}年（基准值）",
               *(f"{y}年{what}" for y in years for what in ("数值", "评价")))
    rows = []
    for ind in plan.indicators:
        values = doc.values.get(ind.id, {})
        base = values.get(baseline)
        row: list[Cell] = [ind.id, ind.title, ind.target_text, ind.unit, "、".join(plan.bureau_name(b) for b in ind.owners),
                           None if base is None else _value(ind, base.value)]
        for year in years:
            verdict = judge(ind, year, values)
            row += [None if verdict.value is None else _value(ind, verdict.value), _VERDICT_ZH[verdict.verdict]]
        rows.append(tuple(row))
    return Sheet("指标", "indicators", columns, tuple(rows))


def indicator_notes_sheet(doc: DocumentFacts) -> Sheet:
    """指标说明: one row per indicator and year — its place in 附件1 (目标层, 任务层), the value, verdict and why."""
    _, years = indicator_years(doc)
    rows = []
    for ind in doc.plan.indicators:
        values = doc.values.get(ind.id, {})
        for year in years:
            verdict = judge(ind, year, values)
            rows.append((ind.id, ind.goal, ind.area, ind.title, year,
                         None if verdict.value is None else _value(ind, verdict.value), _VERDICT_ZH[verdict.verdict],
                         verdict.reason))
    return Sheet("指标说明", "indicator_notes", ("编号", "目标层", "任务层", "指标", "年度", "数值", "评价", "说明"),
                 tuple(rows))


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
    return Sheet("典型案例", "cases", CASE_COLUMNS, tuple(rows), empty="典型案例尚未录入")


def project_sheet(doc: DocumentFacts) -> Sheet:
    """项目库: every project with its planned and actual investment (万元) and its status in Chinese."""
    rows = []
    for n, p in enumerate(doc.projects, start=1):
        rows.append((n, p["code"], p["name"], doc.plan.bureau_name(p["bureau"]), p["year"], p.get("planned"),
                     p.get("actual"), p.get("funding_source") or "", _project_status(p)))
    return Sheet("项目库", "projects", PROJECT_COLUMNS, tuple(rows), empty="项目库尚未录入")


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
