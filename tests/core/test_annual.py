"""年度工作总结素材: one year's steps, values, cases, projects, meetings and extensions."""

from __future__ import annotations

from datetime import date

import pytest

from core.annual import annual_outline, minutes_day
from core.documents import DocumentFacts
from core.events import CheckIn
from core.outline import PENDING, Heading, Outline, Para, Table
from core.plan import Plan
from core.projects import investment
from tests.docfacts import at, case, document_facts, known_history, project


@pytest.fixture(name="doc", scope="module")
def fixture_doc(huyi: Plan) -> DocumentFacts:
    cases = (case(huyi, "3", 2024, "秦岭生态保护"), case(huyi, "3", 2025, "林长制"), case(huyi, "6", 2024, "美丽河湖"))
    projects = (project("P1", 2024, 1200.0, 900.0), project("P2", 2024, 300.0, 0.0, "cancelled"),
                project("P3", 2025, 500.0, 0.0))
    return document_facts(huyi, cases=cases, projects=projects)


@pytest.fixture(name="outline", scope="module")
def fixture_outline(doc: DocumentFacts) -> Outline:
    return annual_outline(doc, 2024)


def table_under(outline: Outline, heading: str) -> Table:
    """The first table after a heading."""
    start = next(n for n, b in enumerate(outline.blocks) if getattr(b, "text", None) == heading)
    return next(b for b in outline.blocks[start:] if isinstance(b, Table))


def test_sections(outline: Outline) -> None:
    assert outline.title == "2024年度“两山”基地建设工作总结素材"
    assert outline.headings() == ["一、年度工作完成情况", "二、指标完成情况（2024年）", "三、典型案例（2024年）",
                                  "四、项目库建设（2024年）", "五、调度会议召开情况", "六、延期事项", "七、存在问题",
                                  "八、下一步打算"]


def test_meetings_of_the_year_with_their_minutes_dates(outline: Outline) -> None:
    """2024's three meetings (the plan starts in April), each with the day its minutes were handed in."""
    table = table_under(outline, "五、调度会议召开情况")
    assert table.header == ("会议", "时间窗口", "纪要报送日期", "情况")
    assert [(row[0], row[2], row[3]) for row in table.rows] == [
        ("2024年第二季度调度会议", "2024年6月26日", "按期完成"),
        ("2024年第三季度调度会议", "2024年9月26日", "按期完成"),  # 3 working days before 09-30 (09-29 was a 调休 workday)
        ("2024年第四季度调度会议", "2024年12月26日", "按期完成"),
    ]


def test_minutes_day_is_the_check_in_day_when_not_done(huyi: Plan) -> None:
    """Minutes checked in but the step not closed (a deliverable missing): the check-in day still shows."""
    facts = [f for f in known_history(huyi) if f.step != "meetings.2025q1"]
    doc = document_facts(huyi, as_of=date(2025, 3, 10), facts=[*facts, CheckIn("meetings.2025q1", "office", at("2025-03-03"), ())])
    assert doc.board.steps["meetings.2025q1"].done_on is None
    assert minutes_day(doc, "meetings.2025q1") == date(2025, 3, 3)
    assert minutes_day(doc, "meetings.2025q2") is None


def test_steps_done_in_the_year(outline: Outline) -> None:
    """Every step done in 2024 with its done date; theme 2's cases were 2 working days late."""
    done = table_under(outline, "（一）已完成的工作")
    by_title = {row[2]: row for row in done.rows}
    assert by_title["研究制定工作方案"][5:] == ("2024年4月17日", "按期完成")
    assert by_title["征集2024年典型案例：生态保护修复与环境治理"][5:] == ("2024年12月4日", "逾期完成（2个工作日）")
    assert all(row[5].startswith("2024年") for row in done.rows)


def test_values_against_targets(outline: Outline, huyi: Plan) -> None:
    """附件1's order, numbered 1-20 and named by title: no indicator id reaches a leader."""
    table = table_under(outline, "二、指标完成情况（2024年）")
    assert len(table.rows) == 20
    assert [row[0] for row in table.rows] == [str(n) for n in range(1, 21)]
    assert table.header == ("序号", "指标", "目标值", "数据年度", "数值", "上年数值", "较上年", "评价")
    rows = {ind.id: row for ind, row in zip(huyi.indicators, table.rows, strict=True)}
    assert rows["2b"][1] == "地表水水质达到或优于Ⅲ类水比例"
    assert rows["2b"][3:] == ("2024年", "88%", "93%", "下降5", "未达标")  # compared with the year before
    assert rows["4a"][3:] == ("2024年", "45.6%", "45.1%", "上升0.5", "达标")
    assert rows["1"][3:] == ("—", "—", "—", "—", "无数据")


def test_values_of_a_year_not_yet_collected_show_the_latest_there_are(huyi: Plan) -> None:
    """2025's values are collected in 2026: the 2025 summary says so and shows 2024's, 数据截至2024年, not 无数据 rows."""
    doc = document_facts(huyi, as_of=date(2025, 12, 15))
    outline = annual_outline(doc, 2025)
    start = outline.blocks.index(next(b for b in outline.blocks if getattr(b, "text", "") == "二、指标完成情况（2025年）"))
    intro = outline.blocks[start + 1]
    assert isinstance(intro, Para)
    assert intro.text.startswith("2025年指标数值按方案于2026年报送（截止2026年3月31日，尚未到报送时间），目前已报送0项、尚缺20项。")
    assert "数据截至2024年" in intro.text
    rows = {ind.id: row for ind, row in zip(huyi.indicators, table_under(outline, "二、指标完成情况（2025年）").rows,
                                            strict=True)}
    assert rows["2b"][3:5] == ("2024年", "88%")


def test_a_year_the_plan_does_not_collect_is_not_tabulated_as_missing(huyi: Plan) -> None:
    doc = document_facts(huyi, as_of=date(2029, 6, 30))
    outline = annual_outline(doc, 2029)
    texts = [b.text for b in outline.blocks if isinstance(b, Para)]
    assert any(t.startswith("方案收集2024年至2028年的指标数值，2029年不在其中。") for t in texts)
    table = table_under(outline, "二、指标完成情况（2029年）")
    assert not any("2029年" in row[3] for row in table.rows)


def test_work_due_on_the_last_day_of_the_year_counts(huyi: Plan) -> None:
    """2028-12-31 is a Sunday: 提交2028年度工作总结 rolls to 2029-01-02, yet it is work due within 2028."""
    doc = document_facts(huyi, as_of=date(2029, 1, 10))
    assert doc.board.steps["build.annual-summary.2028"].due == date(2029, 1, 2)
    outline = annual_outline(doc, 2028)
    missed = table_under(outline, "（一）年内到期尚未完成的工作") if "（一）年内到期尚未完成的工作" in outline.headings(2) else \
        table_under(outline, "（二）年内到期尚未完成的工作")
    assert "提交2028年度工作总结" in [row[2] for row in missed.rows]
    texts = [b.text for b in outline.blocks if isinstance(b, Para)]
    assert any(t.startswith("按截止日期计，2028年内（含12月31日）到期的工作共") for t in texts)


def test_problems_and_next_steps_from_the_records(outline: Outline) -> None:
    start = outline.headings().index("七、存在问题")
    blocks = [b for b in outline.blocks if isinstance(b, (Para, Heading))]
    section = blocks[blocks.index(Heading("七、存在问题")):blocks.index(Heading("八、下一步打算"))]
    texts = [b.text for b in section if isinstance(b, Para)]
    assert any("工作逾期完成" in t for t in texts)  # themes 2, 6 and 7 came in late
    assert any("1项指标最新数值未达到目标：地表水水质达到或优于Ⅲ类水比例" in t for t in texts)
    assert texts[-1].startswith(PENDING)
    after = blocks[blocks.index(Heading("八、下一步打算")):]
    assert any(isinstance(b, Para) and b.text.startswith("按方案，2025年有") for b in after)
    assert start == 6


def test_cases_of_the_year_per_theme(outline: Outline) -> None:
    table = table_under(outline, "三、典型案例（2024年）")
    rows = {row[0].split(".")[0]: row for row in table.rows}
    assert rows["3"][1:] == ("1", "秦岭生态保护（区秦岭保护局）")
    assert rows["6"][1:] == ("1", "美丽河湖（区水务局）")
    assert rows["1"][1:] == ("0", "尚无案例")


def test_projects_of_the_year_with_totals(outline: Outline) -> None:
    """A cancelled project is listed but counts in no total, as in db.library.project_totals."""
    table = table_under(outline, "四、项目库建设（2024年）")
    assert [row[0] for row in table.rows] == ["P1", "P2", "合计"]
    assert table.rows[1][5] == "取消"
    assert table.rows[-1][3:5] == ("1200", "900")


def test_extensions_granted_in_the_year(outline: Outline) -> None:
    table = table_under(outline, "六、延期事项")
    assert table.rows == (("提交2024年度工作总结", "“两山”基地建设工作领导小组办公室", "“两山”基地建设工作领导小组办公室",
                           "2024年12月20日", "2024年12月31日", "2025年1月15日", "等待统计数据"),)


def test_investment_leaves_cancelled_out() -> None:
    projects = [project("A", 2026, 100.0, 50.0), project("B", 2026, 40.0, 40.0, "cancelled"), project("C", 2027, 10.0, 0.0)]
    assert investment(projects, 2026) == investment([projects[0]])
    assert (investment(projects).count, investment(projects).planned, investment(projects, 2026).share) == (2, 110.0, "50.0%")
    assert investment([], 2026).share == "—"
