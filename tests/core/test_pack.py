"""调度会议材料 as a document: the Markdown pack's sections, as tables, from the same selections."""

from __future__ import annotations

from datetime import date

import pytest

from core.documents import DocumentFacts
from core.meeting import meeting_pack, overdue_steps
from core.outline import Figure, Outline, Para, day_zh, numbered, pending, zh_number
from core.pack import pack_outline
from core.plan import Plan
from core.reports import library_summary
from tests.docfacts import case, document_facts, project


@pytest.fixture(name="doc", scope="module")
def fixture_doc(huyi: Plan) -> DocumentFacts:
    """Seven weeks into 2025: the first quarter's work falls due within the pack's 45 days."""
    return document_facts(huyi, as_of=date(2025, 2, 20), cases=(case(huyi, "3", 2025, "林长制"),),
                          projects=(project("P1", 2025, 1200.0, 900.0),))


@pytest.fixture(name="outline", scope="module")
def fixture_outline(doc: DocumentFacts) -> Outline:
    return pack_outline(doc, "meetings.2025q1")


def test_sections_as_in_the_markdown_pack(outline: Outline) -> None:
    assert outline.title == "2025年第一季度调度会议材料"
    assert outline.headings() == ["一、总体进展", "二、逾期事项", "三、45天内到期事项", "四、尚未报送的指标数值",
                                  "五、指标达标情况（2024年）", "六、典型案例（2025年）", "七、项目库（2025年）",
                                  "八、各单位工作进展（2025年第一季度）", "九、需协调解决的问题"]


def test_every_section_has_a_real_table(outline: Outline) -> None:
    """Progress, overdue, the 45 days ahead, values owed, verdicts, cases and projects: seven tables."""
    headers = [t.header[0] for t in outline.tables()]
    assert headers == ["阶段／常态化工作", "序号", "截止日期", "单位", "序号", "主题", "年度"]
    progress = outline.tables()[0]
    assert len(progress.rows) == 8  # five phases and three tracks
    assert progress.rows[0] == ("动员部署阶段", "阶段", "绿灯", "已完成", "3/3")


def test_same_overdue_steps_as_the_markdown(doc: DocumentFacts, outline: Outline) -> None:
    """The Word pack and ``meeting pack`` list the same overdue steps, in the same order."""
    late = overdue_steps(doc.board)
    table = outline.tables()[1]
    assert [row[1] for row in table.rows] == [doc.plan.steps[st.id].title for st in late]
    library = library_summary(doc.plan, 2025, {}, None, (None, {}))
    markdown = meeting_pack(doc.plan, doc.board, "meetings.2025q1", doc.values, library)
    assert all(f"（{st.id}）：逾期 {st.overdue_workdays} 个工作日" in markdown for st in late)


def test_values_owed_by_bureau(outline: Outline) -> None:
    """2024's values: 18 of 20 still owed, each bureau with the indicators it owes."""
    assert Para("收集2024年度指标数值（截止2025年3月31日）：尚缺18项。") in outline.blocks
    owed = {row[0]: row[1] for row in outline.tables()[3].rows}
    assert owed["区气象局"] == "国际国内生态文化品牌（2024年）"


def test_values_owed_for_several_years_are_one_table(huyi: Plan) -> None:
    """Two years open at once (2026's and 2027's values both missing in 2028): one table, a bureau once, its years
    beside each indicator."""
    late = document_facts(huyi, as_of=date(2028, 3, 20), values={})
    outline = pack_outline(late, "meetings.2028q1")
    tables = [t for t in outline.tables() if t.header[0] == "单位"]
    assert len(tables) == 1
    bureaus = [row[0] for row in tables[0].rows]
    assert len(bureaus) == len(set(bureaus))
    owed = dict(tables[0].rows)
    assert "国际国内生态文化品牌（" in owed["区气象局"] and owed["区气象局"].count("国际国内生态文化品牌") == 1
    assert sum(1 for b in outline.blocks if isinstance(b, Para) and "尚缺" in b.text) >= 2  # one line per year


def test_an_empty_project_library_says_so(huyi: Plan) -> None:
    outline = pack_outline(document_facts(huyi, as_of=date(2025, 2, 20), projects=()), "meetings.2025q1")
    assert Para("项目库尚未录入，暂无项目和投资数据。") in outline.blocks
    assert not any(isinstance(b, Para) and "项目0个" in b.text for b in outline.blocks)


def test_two_figures(huyi: Plan, outline: Outline) -> None:
    """The Gantt chart and the indicator chart, also before any value is recorded."""
    assert [b.kind for b in outline.blocks if isinstance(b, Figure)] == ["gantt", "indicators"]
    empty = pack_outline(document_facts(huyi, values={}), "meetings.2025q1")
    assert [b.kind for b in empty.blocks if isinstance(b, Figure)] == ["gantt", "indicators"]
    assert Para("尚无指标数值。") in empty.blocks


def test_projects_and_cases_of_the_year(outline: Outline) -> None:
    assert Para("2025年项目1个，计划投资1200万元，实际完成900万元（完成75.0%）。") in outline.blocks
    assert outline.tables()[5].rows[2][1:] == ("1", "林长制（区秦岭保护局）")
    assert Para("2025年共征集典型案例1个，7个主题尚无案例。") in outline.blocks


@pytest.mark.parametrize(("n", "text"), [(1, "一"), (9, "九"), (10, "十"), (12, "十二"), (20, "二十"), (23, "二十三")])
def test_section_numbers(n: int, text: str) -> None:
    assert zh_number(n) == text


def test_heading_numbering_and_marks() -> None:
    assert numbered(2, "逾期事项").text == "二、逾期事项"
    assert numbered(3, "项目建设", 2).text == "（三）项目建设"
    assert pending("写明整改情况。").text == "【待补充】写明整改情况。"
    assert day_zh(date(2026, 1, 5)) == "2026年1月5日"
