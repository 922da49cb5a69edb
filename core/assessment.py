"""《自评估报告》初稿 (2029): the six contents the work plan names, filled from the data where the data can.

The plan (评估总结阶段, 开展自评估工作) lists what the report holds: 管理规程第二十条所列情形及整改情况,
长效保障机制建设情况, 实施方案推进落实情况, “两山”转化情况, 生态环境质量改善情况, 示范引领情况.
The indicators of 附件1 go where their 目标层 belongs: 建立长效机制 under 二, 推动“两山”转化 under
四, 构筑绿水青山 under 五 (which also carries the whole table from the baseline year). What no
record can say is marked 【待补充】 with what belongs there, for the office to write.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.annual import meeting_rows, minutes_day
from core.documents import DocumentFacts
from core.indicators import IndicatorValue, judge
from core.outline import VERDICT_ZH, Block, Outline, Para, Table, day_zh, numbered, pending
from core.plan import Plan
from core.progress_docs import assessment_blocks
from core.projects import investment, investment_by_year, money
from core.rows import case_table, indicator_label, step_table, value_text, verdict_line

__all__ = ["SECTIONS", "assessment_outline", "indicator_history", "indicator_years"]

# The six contents, in the plan's words and order.
SECTIONS = (
    "管理规程第二十条所列情形及整改情况",
    "长效保障机制建设情况",
    "实施方案推进落实情况",
    "“两山”转化情况",
    "生态环境质量改善情况",
    "示范引领情况",
)
# Where each 目标层 of 附件1 is reported.
_GOAL_SECTION = {"建立长效机制": 2, "推动“两山”转化": 4, "构筑绿水青山": 5}


def indicator_years(plan: Plan) -> range:
    """The baseline year (the year before the plan starts) to the last year whose values are collected."""
    first = min(p.window.start.year for p in plan.phases) - 1
    last = max((s.year for s in plan.steps.values() if s.collect == "indicators" and s.year is not None), default=first)
    return range(first, last + 1)


def indicator_history(plan: Plan, values: Mapping[str, Mapping[int, IndicatorValue]]) -> Table:
    """Every indicator from the baseline year on: each year's value and, after the baseline, its verdict."""
    years = indicator_years(plan)
    header = ("序号", "指标", "目标值", f"{years[0]}年\n（基准）", *(f"{y}年" for y in years[1:]))
    rows = []
    for n, ind in enumerate(plan.indicators, start=1):
        per = values.get(ind.id, {})
        cells = [value_text(ind, per.get(years[0]))]
        for year in years[1:]:
            value = per.get(year)
            cells.append("—" if value is None else f"{value_text(ind, value)}\n{VERDICT_ZH[judge(ind, year, per).verdict]}")
        rows.append((str(n), indicator_label(ind), ind.target_text, *cells))
    width = round((15.6 - 0.9 - 3.4 - 2.6) / len(years), 2)
    return Table(header, tuple(rows), (0.9, 3.4, 2.6, *([width] * len(years))))


def assessment_outline(doc: DocumentFacts) -> Outline:
    """The draft as of the facts' day."""
    blocks: list[Block] = [_intro(doc)]
    builders = (_rule_twenty, _mechanisms, _implementation, _conversion, _environment, _leading)
    for n, (title, build) in enumerate(zip(SECTIONS, builders, strict=True), start=1):
        blocks.append(numbered(n, title))
        blocks += build(doc)
    return Outline("鄠邑区“绿水青山就是金山银山”实践创新基地自评估报告", tuple(blocks), doc.as_of, "（初稿）")


def _intro(doc: DocumentFacts) -> Para:
    named = doc.board.steps.get("apply.national-review")
    when = f"自{day_zh(named.done_on)}通过国家审核以来，" if named is not None and named.done_on else ""
    return Para(f"根据《“绿水青山就是金山银山”实践创新基地建设管理规程》和我区工作方案的要求，{when}对我区“两山”基地建设实施方案"
                f"推进落实情况进行总结评估。本初稿由建设跟踪数据生成，数据截至{day_zh(doc.as_of)}；{data_years(doc)}"
                "标有【待补充】的内容，由领导小组办公室据实填写。")


def data_years(doc: DocumentFacts) -> str:
    """Which year's indicator values the report cites (the latest with any) and which years are still missing values:
    a year's values come in the year after it, so the last years are often not there yet."""
    years = indicator_years(doc.plan)
    total = len(doc.plan.indicators)
    missing = [(y, total - sum(1 for ind in doc.plan.indicators if y in doc.values.get(ind.id, {}))) for y in years[1:]]
    missing = [(y, n) for y, n in missing if n]
    latest = _latest(doc)
    cited = f"指标数值引用已有的最新年度{latest}年（数据截至{latest}年）" if latest is not None else "尚无任何年度的指标数值"
    if not missing:
        return f"{cited}。"
    gaps = "、".join(f"{y}年（缺{n}项）" if n < total else f"{y}年" for y, n in missing)
    return f"{cited}；{gaps}的数值尚未报送。"


def _latest(doc: DocumentFacts) -> int | None:
    """The latest year with any value, within the years the plan collects."""
    years = indicator_years(doc.plan)
    found = sorted(y for per in doc.values.values() for y in per if y in years)
    return found[-1] if found else None


def _goal_verdicts(doc: DocumentFacts, section: int) -> list[Block]:
    """The latest verdicts of the indicators whose 目标层 this section reports."""
    year = _latest(doc)
    inds = [ind for ind in doc.plan.indicators if _GOAL_SECTION.get(ind.goal) == section]
    goal = inds[0].goal if inds else ""
    if year is None:
        return [pending(f"尚无指标数值；附件1中{goal}目标层{len(inds)}项指标的完成情况，在录入指标数值后重新生成或据实填写。")]
    verdicts = [judge(ind, year, doc.values.get(ind.id, {})) for ind in inds]
    met = sum(v.verdict == "met" for v in verdicts)
    lines: list[Block] = [Para(f"附件1中{goal}目标层共{len(inds)}项指标，{year}年达标{met}项：")]
    lines += [Para(verdict_line(ind, v)) for ind, v in zip(inds, verdicts, strict=True)]
    return lines


def _rule_twenty(doc: DocumentFacts) -> list[Block]:
    return [pending("是否存在《“绿水青山就是金山银山”实践创新基地建设管理规程》第二十条所列情形及整改情况，由办公室据实填写；"
                    "不存在的，写明“经自查，我区不存在管理规程第二十条所列情形”。")]


def _mechanisms(doc: DocumentFacts) -> list[Block]:
    plan, board = doc.plan, doc.board
    blocks: list[Block] = [numbered(1, "组织领导", 2)]
    group_steps = [sid for sid in ("mobilize.leading-group", "build.leadership") if sid in plan.steps]
    if group_steps:
        blocks.append(step_table(plan, board, group_steps))
    blocks.append(pending("领导小组成员调整、监督考核和长效管理制度的文件名称及印发时间。"))
    meetings = [sid for sid, s in plan.steps.items() if s.pack and s.window.start <= doc.as_of]
    meetings.sort(key=lambda sid: plan.steps[sid].window.start)
    held = sum(minutes_day(doc, sid) is not None for sid in meetings)
    blocks += [numbered(2, "调度会议", 2),
               Para(f"领导小组办公室按季度召开调度会议。截至{day_zh(doc.as_of)}，已进入会议时间窗口的{len(meetings)}次会议中，"
                    f"已报送会议纪要{held}次。")]
    if meetings:
        blocks.append(Table(("会议", "时间窗口", "纪要报送日期", "情况"), meeting_rows(doc, meetings), (4.0, 5.2, 2.8, 3.6)))
    total = investment(doc.projects)
    library = (Para(f"“两山”基地建设项目库共有项目{total.count}个（不含已取消的项目），计划投资{money(total.planned)}万元，"
                    f"实际完成{money(total.actual)}万元。") if total.count
               else pending("项目库尚无项目记录；项目库建设情况据实填写。"))
    blocks += [numbered(3, "资金保障", 2), library, pending("区财政专项资金的安排和使用情况。")]
    blocks += [numbered(4, "长效机制指标", 2), *_goal_verdicts(doc, 2)]
    return blocks


def _implementation(doc: DocumentFacts) -> list[Block]:
    plan, board = doc.plan, doc.board
    steps = [sid for phase in plan.phases for sid in phase.step_ids]
    done = [board.steps[s] for s in steps if board.steps[s].status == "done"]
    late = sum(st.late for st in done)
    phases = "；".join(f"{p.title}完成{board.phases[p.id].done}/{board.phases[p.id].total}项" for p in plan.phases)
    return [Para(f"工作方案五个阶段共{len(steps)}项工作，已完成{len(done)}项，其中按期完成{len(done) - late}项、逾期完成{late}项。"
                 f"{phases}。各项工作的完成时间如下表。"),
            step_table(plan, board, steps, group=True),
            *assessment_blocks(doc),
            pending("重点任务和重点工程的推进情况、取得的成效及存在的问题。")]


def _conversion(doc: DocumentFacts) -> list[Block]:
    blocks: list[Block] = [numbered(1, "转化指标", 2), *_goal_verdicts(doc, 4), numbered(2, "典型案例", 2)]
    if doc.cases:
        themes = len({c["theme"] for c in doc.cases})
        blocks += [Para(f"共征集典型案例{len(doc.cases)}个，覆盖附件2所列{len(doc.plan.case_themes)}个主题中的{themes}个。"),
                   case_table(doc.plan, doc.cases, with_year=True)]
    else:
        blocks.append(pending("尚无典型案例记录；按附件2的八个主题据实填写典型案例。"))
    blocks.append(numbered(3, "项目建设", 2))
    per_year = investment_by_year(doc.projects)
    if per_year:
        rows = [(f"{y}年", str(v.count), money(v.planned), money(v.actual), v.share) for y, v in per_year.items()]
        total = investment(doc.projects)
        rows.append(("合计", str(total.count), money(total.planned), money(total.actual), total.share))
        blocks.append(Table(("年度", "项目数", "计划投资（万元）", "实际完成（万元）", "完成比例"), tuple(rows),
                            (2.4, 2.0, 4.0, 4.0, 3.2)))
    else:
        blocks.append(pending("项目库尚无项目记录；按年度填写项目数量和投资。"))
    blocks += [numbered(4, "转化模式", 2),
               pending("因地制宜探索形成的“两山”转化路径、制度实践和具有地方特色的转化模式。")]
    return blocks


def _environment(doc: DocumentFacts) -> list[Block]:
    plan = doc.plan
    years = indicator_years(plan)
    blocks: list[Block] = [numbered(1, f"指标完成情况（{years[0]}年基准至{years[-1]}年）", 2),
                           Para(f"附件1所列{len(plan.indicators)}项指标历年数值及评价如下表（“—”为尚无数值）。"),
                           indicator_history(plan, doc.values)]
    missed = [(ind, judge(ind, y, doc.values.get(ind.id, {}))) for ind in plan.indicators for y in years[1:]
              if y in doc.values.get(ind.id, {})]
    missed = [(ind, v) for ind, v in missed if v.verdict != "met"]
    if missed:
        blocks.append(Para("未达标或无法评价的指标及原因："))
        blocks += [Para(f"{v.year}年 {verdict_line(ind, v)}") for ind, v in missed]
    blocks += [numbered(2, "生态环境质量", 2), *_goal_verdicts(doc, 5),
               pending("环境空气、水、土壤和生态状况的监测数据分析及改善情况。")]
    return blocks


def _leading(doc: DocumentFacts) -> list[Block]:
    brand = next((ind for ind in doc.plan.indicators if ind.rule.kind == "achieved"), None)
    blocks: list[Block] = []
    if doc.cases:
        years = sorted({c["year"] for c in doc.cases})
        blocks.append(Para(f"{years[0]}年至{years[-1]}年共凝练“两山”典型案例{len(doc.cases)}个（案例清单见第四部分“两山”转化情况），"
                           "可作为示范推广的经验材料。"))
    year = _latest(doc)
    if brand is not None and year is not None:
        blocks.append(Para(verdict_line(brand, judge(brand, year, doc.values.get(brand.id, {})))))
    blocks.append(pending("典型经验的宣传推广、交流互鉴、获得的荣誉和媒体报道等示范引领情况。"))
    return blocks
