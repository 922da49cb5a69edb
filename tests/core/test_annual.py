"""年度工作总结素材: one year's steps, values, cases, projects, meetings and extensions."""

from __future__ import annotations

from datetime import date

import pytest

from core.annual import annual_outline, minutes_day
from core.documents import DocumentFacts
from core.events import CheckIn
from core.outline import Outline, Table
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
                                  "四、项目库建设（2024年）", "五、调度会议召开情况", "六、延期事项"]


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
    rows = {ind.id: row for ind, row in zip(huyi.indicators, table.rows, strict=True)}
    assert rows["2b"][1] == "地表水水质达到或优于Ⅲ类水比例"
    assert rows["2b"][3:] == ("88%", "未达标", "88%，未达到目标 >90%")
    assert rows["4a"][4] == "达标"
    assert rows["1"][3:5] == ("—", "无数据")


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
