"""进展报送 in the documents: the pack's two sections, the ledger's sheet, the circular's 按时报送率."""

from __future__ import annotations

from datetime import date

import pytest

from core.circular import PROGRESS_COLUMN, RANKING_HEADER, circular_outline
from core.documents import DocumentFacts
from core.events import ProgressReport
from core.ledger import PROGRESS_COLUMNS, ledger_sheets
from core.outline import Heading, Para, Table
from core.pack import pack_outline
from core.plan import Plan
from tests.docfacts import at, document_facts, known_history

TEXT = "本季度完成了转化路径的调研，形成了初步的工作思路和项目清单。"


@pytest.fixture(name="doc", scope="module")
def fixture_doc(huyi: Plan) -> DocumentFacts:
    """The known history on 2024-12-20, with three 2024q4 reports (due 12-17): ndrc with a problem, agri on time
    with none, water late; the other ten bureaus of build.pathways have not reported."""
    reports = [
        ProgressReport("build.pathways", "ndrc", at("2024-12-10"), "2024q4", TEXT, 30, "项目资金缺口较大", "争取专项资金"),
        ProgressReport("build.pathways", "agri", at("2024-12-16"), "2024q4", TEXT, 50),
        ProgressReport("build.pathways", "water", at("2024-12-19"), "2024q4", TEXT, None, "河道治理用地未落实"),
        ProgressReport("build.pathways", "ndrc", at("2024-12-12"), "2024q4", TEXT + "（修订）", 35, "项目资金缺口较大"),
    ]
    return document_facts(huyi, date(2024, 12, 20), [*known_history(huyi), *reports])


def _section(doc: DocumentFacts, title: str) -> list[object]:
    blocks = list(pack_outline(doc, "meetings.2024q4").blocks)
    start = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and title in b.text)
    end = next((i for i, b in enumerate(blocks[start + 1:], start + 1) if isinstance(b, Heading) and b.level == 1),
               len(blocks))
    return blocks[start:end]


def test_pack_lists_the_latest_report_per_bureau_problems_first(doc: DocumentFacts) -> None:
    """八、各单位工作进展: ndrc's second version and water's report (both with problems) before agri's; the
    ten that did not report are named."""
    section = _section(doc, "各单位工作进展")
    assert section[0].text == "八、各单位工作进展（2024年第四季度）"  # type: ignore[attr-defined]
    (table,) = [b for b in section if isinstance(b, Table)]
    assert [r[0] for r in table.rows] == ["区发改委", "区水务局", "区农业农村局"]
    assert table.rows[0][2:] == ("35%", TEXT + "（修订）", "项目资金缺口较大")
    assert table.rows[2][4] == "无"
    paras = " ".join(b.text for b in section if isinstance(b, Para))
    assert "应报送工作进展13份，已报送3份" in paras
    assert "逾期未报送的单位：市生态环境局鄠邑分局、" in paras and "区发改委" not in paras.split("逾期未报送的单位")[1]


def test_pack_gathers_the_problems_to_coordinate(doc: DocumentFacts) -> None:
    """九、需协调解决的问题: the 存在问题 of the latest reports, with the next steps."""
    section = _section(doc, "需协调解决的问题")
    assert section[0].text == "九、需协调解决的问题"  # type: ignore[attr-defined]
    (table,) = [b for b in section if isinstance(b, Table)]
    assert {(r[1], r[2], r[3]) for r in table.rows} == {("区发改委", "项目资金缺口较大", ""),
                                                        ("区水务局", "河道治理用地未落实", "")}


def test_ledger_has_a_progress_sheet(doc: DocumentFacts) -> None:
    """The 进展报送 sheet: 13 rows for 2024q4 with status, first time received and the latest version."""
    (sheet,) = [s for s in ledger_sheets(doc) if s.kind == "progress"]
    assert sheet.title == "进展报送" and sheet.columns == PROGRESS_COLUMNS
    assert len(sheet.rows) == 13
    rows = {r[3]: r for r in sheet.rows}
    assert rows["区发改委"][5:8] == ("已报送", "2024-12-10 10:00", 35)
    assert rows["区水务局"][5] == "逾期报送"
    assert rows["区民政局"][5:7] == ("逾期未报", "")


def test_circular_ranks_with_the_progress_rate(doc: DocumentFacts) -> None:
    """The ranking gains 进展按时报送率: 100% for ndrc and agri, 0% for water (late) and the silent, — elsewhere."""
    table = circular_outline(doc).tables()[0]
    assert table.header == (*RANKING_HEADER, PROGRESS_COLUMN)
    rate = {r[1]: r[-1] for r in table.rows}
    assert (rate["区发改委"], rate["区农业农村局"], rate["区水务局"], rate["区民政局"]) == ("100.0%", "100.0%", "0.0%", "0.0%")
    assert rate["区财政局"] == "—"  # owes no report


def test_self_assessment_cites_the_reports(doc: DocumentFacts) -> None:
    """The self-assessment's 实施方案推进落实情况 counts the reports due (13, 3 in, 2 on time) and cites each bureau's
    latest as written (ndrc's second version), never the ones that did not come."""
    from core.assessment import assessment_outline

    blocks = list(assessment_outline(doc).blocks)
    cite = next(b for b in blocks if isinstance(b, Para) and "应报送工作进展" in b.text)
    assert "应报送工作进展13份，已报送3份，其中按期报送2份（按时报送率15.4%）" in cite.text
    table = blocks[blocks.index(cite) + 1]
    assert isinstance(table, Table) and table.header[:3] == ("事项", "单位", "报送周期")
    assert sorted(r[1] for r in table.rows) == sorted(["区水务局", "区农业农村局", "区发改委"])
    ndrc = next(r for r in table.rows if r[1] == "区发改委")
    assert ndrc[2:] == ("2024年第四季度", "35%", TEXT + "（修订）", "项目资金缺口较大")
