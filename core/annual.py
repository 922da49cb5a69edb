"""年度工作总结素材 for one year: what was done, the values against targets, cases, projects, meetings, extensions.

Material, not the summary itself: the office writes the summary from these tables. Steps are read
from the board at the year's end (or the facts' day, when earlier), so a later return of a
deliverable does not rewrite the year; meetings use the facts' day, so minutes handed in after the
31st of December still show their date.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from core.documents import DocumentFacts
from core.events import CheckIn, Extension
from core.indicators import judge
from core.meeting import owners_zh
from core.outline import VERDICT_ZH, Block, Outline, Para, Table, day_zh, numbered, pending
from core.projects import PROJECT_STATUS_ZH, investment, money
from core.rows import case_table, indicator_label, outcome, step_table, value_text
from core.status import Board, StepStatus

__all__ = ["annual_outline", "meeting_rows", "minutes_day"]


def annual_outline(doc: DocumentFacts, year: int) -> Outline:
    """The material for ``year``'s summary, as of the facts' day."""
    blocks: list[Block] = [Para(f"本材料汇总{year}年“两山”基地建设工作的完成情况、指标数值、典型案例、项目库、调度会议和延期事项，"
                                f"数据截至{day_zh(doc.as_of)}，供编写年度工作总结使用。")]
    blocks += _steps(doc, year)
    blocks += _values(doc, year)
    blocks += _cases(doc, year)
    blocks += _projects(doc, year)
    blocks += _meetings(doc, year)
    blocks += _extensions(doc, year)
    blocks += _problems(doc, year)
    blocks += _next_steps(doc, year)
    return Outline(f"{year}年度“两山”基地建设工作总结素材", tuple(blocks), doc.as_of, f"（数据截至{day_zh(doc.as_of)}）")


def _year_board(doc: DocumentFacts, year: int) -> Board:
    """The board the year is read from: the first day after it (every due day of the year, 31 December included, has
    ended), or the facts' day when earlier."""
    return doc.board_on(min(doc.as_of, date(year + 1, 1, 1)))


def set_due(doc: DocumentFacts, st: StepStatus) -> date:
    """The due date as the plan (or an approved extension) sets it, before 顺延 to a working day: a step due
    2028-12-31 (a Sunday) is due within 2028, though it may be handed in on 2029-01-02."""
    extension = doc.facts.extension(st.id, doc.as_of)
    return extension.to if extension is not None else doc.plan.steps[st.id].window.due


def _missed(doc: DocumentFacts, year: int, board: Board) -> list[StepStatus]:
    """Steps due within ``year`` (31 December included) and not done on ``board``'s day, once that due has passed."""
    return [st for st in board.steps.values()
            if st.status != "done" and set_due(doc, st).year == year and set_due(doc, st) < board.as_of]


def _steps(doc: DocumentFacts, year: int) -> list[Block]:
    plan = doc.plan
    board = _year_board(doc, year)
    order = {sid: n for n, sid in enumerate(sid for g in plan.groups for sid in g.step_ids)}
    done = sorted((st for st in board.steps.values() if st.done_on and st.done_on.year == year),
                  key=lambda st: (st.done_on, order[st.id]))
    missed = sorted(_missed(doc, year, board), key=lambda st: (st.due, order[st.id]))
    late = sum(st.late for st in done)
    due_in_year = [st for st in board.steps.values() if set_due(doc, st).year == year]
    on_time = sum(1 for st in due_in_year if st.done_on is not None and not st.late)
    blocks: list[Block] = [numbered(1, "年度工作完成情况"),
                           Para(f"{year}年共完成{len(done)}项工作，其中按期完成{len(done) - late}项、逾期完成{late}项；"
                                f"年内到期尚未完成{len(missed)}项。"),
                           Para(f"按截止日期计，{year}年内（含12月31日）到期的工作共{len(due_in_year)}项，"
                                f"已按期完成{on_time}项。")]
    if done:
        blocks += [numbered(1, "已完成的工作", 2), step_table(plan, board, [st.id for st in done], group=True)]
    if missed:
        blocks += [numbered(2 if done else 1, "年内到期尚未完成的工作", 2),
                   step_table(plan, board, [st.id for st in missed], group=True)]
    return blocks


def _values(doc: DocumentFacts, year: int) -> list[Block]:
    """Year Y's values are collected in Y+1: before they come in, the latest values there are, with their year."""
    plan = doc.plan
    head = numbered(2, f"指标完成情况（{year}年）")
    collecting = {s.year: s.id for s in plan.steps.values() if s.collect == "indicators" and s.year is not None}
    have = sum(1 for ind in plan.indicators if year in doc.values.get(ind.id, {}))
    table, latest = latest_values_table(doc, year)
    if year not in collecting:
        first, last = min(collecting, default=year), max(collecting, default=year)
        intro = f"方案收集{first}年至{last}年的指标数值，{year}年不在其中。"
    elif have == len(plan.indicators):
        counts = Counter(judge(ind, year, doc.values.get(ind.id, {})).verdict for ind in plan.indicators)
        intro = (f"附件1所列{len(plan.indicators)}项指标中，{year}年达标{counts['met']}项，未达标{counts['not_met']}项，"
                 f"无法评价{counts['no_data']}项。")
    else:
        st = doc.board.steps[collecting[year]]
        when = "尚未到报送时间" if st.due >= doc.as_of else "已逾期"
        intro = (f"{year}年指标数值按方案于{year + 1}年报送（截止{day_zh(st.due)}，{when}），目前已报送{have}项、"
                 f"尚缺{len(plan.indicators) - have}项。")
    if latest is None:
        return [head, Para(intro + "尚无任何指标数值。")]
    return [head, Para(f"{intro}下表列出各项指标已有的最新数值及与上一年的比较（数据截至{latest}年）。"), table]


def latest_values_table(doc: DocumentFacts, year: int) -> tuple[Table, int | None]:
    """Each indicator's latest value up to ``year``, the year before it, the change and the verdict; and the latest
    year shown (None when there is no value at all)."""
    rows = []
    shown = []
    for n, ind in enumerate(doc.plan.indicators, start=1):
        per = doc.values.get(ind.id, {})
        years = [y for y in per if y <= year]
        if not years:
            rows.append((str(n), indicator_label(ind), ind.target_text, "—", "—", "—", "—", "无数据"))
            continue
        last = max(years)
        shown.append(last)
        now, before = per[last], per.get(last - 1)
        change = "—"
        if before is not None and ind.rule.kind not in ("achieved", "established"):
            delta = now.value - before.value
            change = "持平" if delta == 0 else f"{'上升' if delta > 0 else '下降'}{abs(delta):g}"
        rows.append((str(n), indicator_label(ind), ind.target_text, f"{last}年", value_text(ind, now),
                     value_text(ind, before), change, VERDICT_ZH[judge(ind, last, per).verdict]))
    header = ("序号", "指标", "目标值", "数据年度", "数值", "上年数值", "较上年", "评价")
    return Table(header, tuple(rows), (0.9, 3.9, 2.6, 1.7, 1.6, 1.6, 1.7, 1.6)), max(shown, default=None)


def _cases(doc: DocumentFacts, year: int) -> list[Block]:
    cases = [c for c in doc.cases if c["year"] == year]
    themes = len({c["theme"] for c in cases})
    return [numbered(3, f"典型案例（{year}年）"),
            Para(f"{year}年共征集典型案例{len(cases)}个，覆盖附件2所列{len(doc.plan.case_themes)}个主题中的{themes}个。"),
            case_table(doc.plan, cases)]


def _projects(doc: DocumentFacts, year: int) -> list[Block]:
    projects = sorted((p for p in doc.projects if p["year"] == year), key=lambda p: p["code"])
    total = investment(projects)
    head = numbered(4, f"项目库建设（{year}年）")
    if not projects:
        return [head, Para(f"项目库中尚无{year}年的项目。")]
    share = f"，完成{total.share}" if total.planned else ""
    rows = [(p["code"], p["name"], doc.plan.bureau_name(p["bureau"]), money(p["planned"]), money(p["actual"] or 0.0),
             PROJECT_STATUS_ZH.get(p["status"], p["status"])) for p in projects]
    rows.append(("合计", f"{total.count}个（不含已取消）", "", money(total.planned), money(total.actual), ""))
    return [head,
            Para(f"{year}年项目库共有项目{total.count}个（不含已取消的项目），计划投资{money(total.planned)}万元，"
                 f"实际完成{money(total.actual)}万元{share}。"),
            Table(("项目编号", "项目名称", "责任单位", "计划投资（万元）", "实际完成（万元）", "状态"), tuple(rows),
                  (2.2, 4.6, 3.2, 2.1, 2.1, 1.4))]


def minutes_day(doc: DocumentFacts, step_id: str) -> date | None:
    """When a meeting's minutes were handed in: its done day, else the day of its last check-in (None: not yet)."""
    st = doc.board.steps[step_id]
    if st.done_on is not None:
        return st.done_on
    days = [e.day for e in doc.facts.upto(step_id, doc.as_of) if isinstance(e, CheckIn)]
    return days[-1] if days else None


def meeting_rows(doc: DocumentFacts, step_ids: list[str]) -> tuple[tuple[str, ...], ...]:
    """会议, 时间窗口, 纪要报送日期, 情况 for each meeting step."""
    rows = []
    for sid in step_ids:
        step, st = doc.plan.steps[sid], doc.board.steps[sid]
        held = minutes_day(doc, sid)
        rows.append((step.title, f"{day_zh(step.window.start)}至{day_zh(st.due)}", day_zh(held) if held else "尚未报送",
                     outcome(st)))
    return tuple(rows)


def _meetings(doc: DocumentFacts, year: int) -> list[Block]:
    meetings = [sid for sid, s in doc.plan.steps.items() if s.pack and s.year == year]
    meetings.sort(key=lambda sid: doc.plan.steps[sid].window.start)
    held = sum(minutes_day(doc, sid) is not None for sid in meetings)
    head = numbered(5, "调度会议召开情况")
    if not meetings:
        return [head, Para(f"计划中没有{year}年的调度会议。")]
    return [head,
            Para(f"{year}年计划召开调度会议{len(meetings)}次，已报送会议纪要{held}次。"),
            Table(("会议", "时间窗口", "纪要报送日期", "情况"), meeting_rows(doc, meetings), (4.0, 5.2, 2.8, 3.6))]


def _problems(doc: DocumentFacts, year: int) -> list[Block]:
    """存在问题, from the records: work due in the year not done, work done late, indicators off target, values and
    cases owed. The office adds what no record shows."""
    plan = doc.plan
    board = _year_board(doc, year)
    found: list[str] = []
    missed = _missed(doc, year, board)
    if missed:
        names = "、".join(plan.steps[st.id].title for st in missed[:5]) + ("等" if len(missed) > 5 else "")
        found.append(f"年内到期的{len(missed)}项工作尚未完成：{names}。")
    late = [st for st in board.steps.values() if st.done_on and st.done_on.year == year and st.late]
    if late:
        found.append(f"{len(late)}项工作逾期完成。")
    table, _ = latest_values_table(doc, year)
    off = [row[1] for row in table.rows if row[-1] == "未达标"]
    if off:
        found.append(f"{len(off)}项指标最新数值未达到目标：{'、'.join(off)}。")
    themes = {c["theme"] for c in doc.cases if c["year"] == year}
    if len(themes) < len(plan.case_themes):
        found.append(f"附件2的{len(plan.case_themes)}个典型案例主题中，{len(plan.case_themes) - len(themes)}个{year}年尚无案例。")
    blocks: list[Block] = [numbered(7, "存在问题")]
    blocks += [Para(f"{n}. {text}") for n, text in enumerate(found, start=1)] or [Para("跟踪数据未显示逾期、未达标或缺报事项。")]
    return [*blocks, pending("数据之外的问题：推进中的困难、资金和政策方面的制约等。")]


def _next_steps(doc: DocumentFacts, year: int) -> list[Block]:
    """下一步打算: what the plan sets for the next year, by due date, and what the office means to do."""
    plan = doc.plan
    ahead = sorted((st for st in doc.board.steps.values() if set_due(doc, st).year == year + 1 and st.status != "done"),
                   key=lambda st: st.due)
    blocks: list[Block] = [numbered(8, "下一步打算")]
    if ahead:
        first = "；".join(f"{plan.steps[st.id].title}（{day_zh(st.due)}前）" for st in ahead[:5])
        blocks.append(Para(f"按方案，{year + 1}年有{len(ahead)}项工作到期，最早的是：{first}{'等' if len(ahead) > 5 else ''}。"))
    else:
        blocks.append(Para(f"方案中{year + 1}年没有到期的工作。"))
    blocks.append(pending("下一年度的重点任务、措施和时间安排。"))
    return blocks


def _extensions(doc: DocumentFacts, year: int) -> list[Block]:
    plan = doc.plan
    granted = [f for f in doc.facts.every if isinstance(f, Extension) and f.day.year == year and f.day <= doc.as_of]
    head = numbered(6, "延期事项")
    if not granted:
        return [head, Para(f"{year}年没有同意延期的事项。")]
    rows = tuple((plan.steps[e.step].title, owners_zh(plan, e.step), plan.bureau_name(e.by), day_zh(e.day),
                  day_zh(plan.steps[e.step].window.due), day_zh(e.to), e.reason) for e in granted)
    return [head, Para(f"{year}年领导小组办公室同意延期{len(granted)}项。"),
            Table(("事项", "责任单位", "申请单位", "同意日期", "原定截止", "延期至", "原因"), rows,
                  (3.0, 2.4, 2.0, 2.0, 2.0, 2.0, 2.2))]
