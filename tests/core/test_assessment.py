"""《自评估报告》初稿: the plan's six contents in order, the indicator table, and 【待补充】 where the data is silent."""

from __future__ import annotations

import pytest

from core.assessment import SECTIONS, assessment_outline, indicator_history, indicator_years
from core.documents import DocumentFacts
from core.outline import PENDING, Heading, Outline, Para, Table
from core.plan import Plan
from tests.docfacts import case, document_facts, project

SIX = ["一、管理规程第二十条所列情形及整改情况", "二、长效保障机制建设情况", "三、实施方案推进落实情况", "四、“两山”转化情况",
       "五、生态环境质量改善情况", "六、示范引领情况"]


@pytest.fixture(name="doc", scope="module")
def fixture_doc(huyi: Plan) -> DocumentFacts:
    return document_facts(huyi, cases=(case(huyi, "3", 2024, "秦岭生态保护"),), projects=(project("P1", 2024, 1200.0, 900.0),))


@pytest.fixture(name="outline", scope="module")
def fixture_outline(doc: DocumentFacts) -> Outline:
    return assessment_outline(doc)


def section(outline: Outline, n: int) -> list[object]:
    """The blocks of the n-th level-1 section (1-based)."""
    starts = [i for i, b in enumerate(outline.blocks) if isinstance(b, Heading) and b.level == 1]
    end = starts[n] if n < len(starts) else len(outline.blocks)
    return list(outline.blocks[starts[n - 1] + 1:end])


def texts(blocks: list[object]) -> list[str]:
    return [b.text for b in blocks if isinstance(b, Para)]


def test_six_sections_in_the_plans_order(outline: Outline) -> None:
    assert outline.headings() == SIX
    assert [h.split("、", 1)[1] for h in SIX] == list(SECTIONS)


def test_indicator_table_from_the_baseline_to_2028(huyi: Plan, doc: DocumentFacts) -> None:
    """20 indicators and a header; each year after the baseline shows the value and its verdict, — when none."""
    assert indicator_years(huyi) == range(2023, 2029)
    table = indicator_history(huyi, doc.values)
    assert len(table.rows) + 1 == 21
    assert table.header == ("序号", "指标", "目标值", "2023年\n（基准）", "2024年", "2025年", "2026年", "2027年", "2028年")
    rows = {ind.id: row for ind, row in zip(huyi.indicators, table.rows, strict=True)}
    assert rows["2b"][:2] == ("3", "地表水水质达到或优于Ⅲ类水比例")
    assert rows["2b"][3:6] == ("93%", "88%\n未达标", "—")
    assert rows["4a"][3:5] == ("45.1%", "45.6%\n达标")
    assert rows["4b"][1] == "物种丰富度（种）"
    assert abs(sum(table.widths or ()) - 15.6) < 0.05


def test_indicator_table_under_five_with_reasons(outline: Outline) -> None:
    five = section(outline, 5)
    tables = [b for b in five if isinstance(b, Table)]
    assert len(tables) == 1 and len(tables[0].rows) == 20
    assert "2024年 地表水水质达到或优于Ⅲ类水比例：未达标，88%，未达到目标 >90%" in texts(five)


def test_rule_twenty_is_left_to_the_office(outline: Outline) -> None:
    one = texts(section(outline, 1))
    assert len(one) == 1 and one[0].startswith(PENDING)
    assert "是否存在《“绿水青山就是金山银山”实践创新基地建设管理规程》第二十条所列情形及整改情况，由办公室据实填写" in one[0]


def test_every_phase_step_under_three(huyi: Plan, outline: Outline) -> None:
    """The record of all 22 phase steps, with done dates."""
    table = next(b for b in section(outline, 3) if isinstance(b, Table))
    assert len(table.rows) == sum(len(p.step_ids) for p in huyi.phases) == 22
    first = table.rows[0]
    assert first[1:3] == ("动员部署阶段", "研究制定工作方案") and first[5:] == ("2024年4月17日", "按期完成")
    assert table.rows[-1][5:] == ("—", "未开始")


def test_meetings_under_two(outline: Outline) -> None:
    two = section(outline, 2)
    meetings = next(b for b in two if isinstance(b, Table) and b.header[0] == "会议")
    assert [row[0] for row in meetings.rows] == ["2024年第二季度调度会议", "2024年第三季度调度会议", "2024年第四季度调度会议",
                                                 "2025年第一季度调度会议"]
    assert meetings.rows[-1][2] == "尚未报送"


def test_cases_and_projects_under_four(outline: Outline) -> None:
    four = section(outline, 4)
    tables = [b for b in four if isinstance(b, Table)]
    assert tables[0].header == ("主题", "案例数", "案例（提供单位）")
    assert ("3. 秦岭保护、林长制、林权改革、森林保护、湿地保护、林业产业发展、生态产品价值实现机制", "1",
            "秦岭生态保护（2024年，区秦岭保护局）") in tables[0].rows
    assert tables[1].rows == (("2024年", "1", "1200", "900", "75.0%"), ("合计", "1", "1200", "900", "75.0%"))


def test_missing_data_says_what_belongs_there(huyi: Plan) -> None:
    """No cases, no projects, no values: each place says 【待补充】 and what to write."""
    outline = assessment_outline(document_facts(huyi, values={}))
    four = texts(section(outline, 4))
    assert f"{PENDING}尚无典型案例记录；按附件2的八个主题据实填写典型案例。" in four
    assert f"{PENDING}项目库尚无项目记录；按年度填写项目数量和投资。" in four
    assert any(t.startswith(f"{PENDING}尚无指标数值") for t in texts(section(outline, 2)))
    assert all(any(t.startswith(PENDING) for t in texts(section(outline, n))) for n in range(1, 7))


def test_cites_the_latest_year_with_values_and_names_the_years_missing(outline: Outline) -> None:
    """On 2025-01-06 two indicators have 2024 values: the draft cites 2024 and says which years still owe values."""
    intro = outline.blocks[0]
    assert isinstance(intro, Para)
    assert "指标数值引用已有的最新年度2024年（数据截至2024年）" in intro.text
    assert "2024年（缺18项）、2025年、2026年、2027年、2028年的数值尚未报送。" in intro.text


def test_without_values_it_says_so(huyi: Plan) -> None:
    intro = assessment_outline(document_facts(huyi, values={})).blocks[0]
    assert isinstance(intro, Para) and "尚无任何年度的指标数值；2024年、2025年" in intro.text
