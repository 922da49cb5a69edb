"""台账 xlsx: open the written workbook as the office would and check what it shows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.documents import DocumentFacts
from core.events import SHANGHAI, Ack, CheckIn, Extension, Fact, Facts, Review
from core.indicators import IndicatorValue
from core.performance import bureau_performance, shared_ranks
from core.plan import Plan
from core.status import Engine
from core.workdays import WorkdayCalendar
from reports.files import atomic_write
from reports.ledger import PAPERS, column_budget, sheet_title, write_ledger

AS_OF = date(2024, 5, 20)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), SHANGHAI)


def checkin(plan: Plan, step: str, day: str) -> CheckIn:
    s = plan.steps[step]
    return CheckIn(step, s.lead, at(day), tuple(d.id for d in s.deliverables))


@pytest.fixture(name="doc", scope="module")
def fixture_doc() -> DocumentFacts:
    """Six weeks in: mobilisation mostly done, the draft returned, the application extended and handed in."""
    plan = load_plan(DEFAULT_PLAN)
    facts: list[Fact] = [
        checkin(plan, "mobilize.work-plan", "2024-04-10"),
        checkin(plan, "mobilize.commission", "2024-04-12"),
        Ack("mobilize.leading-group", "gov", at("2024-04-08")),  # signed for, never handed in: overdue
        checkin(plan, "draft.survey", "2024-05-08"),
        checkin(plan, "draft.compile", "2024-05-09"),
        Review("draft.compile", "office", at("2024-05-10", 16), "return", ("implementation-plan-draft",),
               "缺少指标体系", date(2024, 5, 31)),
        Extension("apply.materials", "office", at("2024-05-06"), date(2024, 6, 14), "等待实施方案定稿"),
        checkin(plan, "apply.materials", "2024-05-15"),
    ]
    engine = Engine(plan, WorkdayCalendar())
    values = {
        "1": {2023: IndicatorValue(2023, 82, assigned_target=80), 2024: IndicatorValue(2024, 83, assigned_target=80)},
        "2a": {2023: IndicatorValue(2023, 100), 2024: IndicatorValue(2024, 100)},
        "2b": {2023: IndicatorValue(2023, 92), 2024: IndicatorValue(2024, 85)},
    }
    cases = ({"theme": "3", "bureau": "qinling", "title": "秦岭北麓生态修复", "summary": "峪口综合整治", "year": 2024,
              "at": "2024-10-20T10:00:00+08:00", "files": ["现场照片.jpg"]},)
    projects = ({"code": "P2024-01", "name": "渼陂湖水系生态修复工程", "bureau": "water", "year": 2024, "planned": 1200.0,
                 "actual": 300.0, "funding_source": "区级财政", "status": "in_progress"},)
    return DocumentFacts(plan=plan, engine=engine, facts=Facts(facts), as_of=AS_OF, board=engine.board(Facts(facts), AS_OF),
                         values=values, cases=cases, projects=projects)


@pytest.fixture(name="book", scope="module")
def fixture_book(doc: DocumentFacts, tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    path = tmp_path_factory.mktemp("ledger") / "reports" / "台账.xlsx"
    assert write_ledger(doc, path) == path
    assert [p.name for p in path.parent.iterdir()] == ["台账.xlsx"]  # no temporary file left beside it
    return load_workbook(path)


def records(ws: Worksheet) -> list[dict[str, Any]]:
    """The data rows as {header: value}."""
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[1], row, strict=True)) for row in rows[2:]]


def step_row(book: Workbook, doc: DocumentFacts, step: str) -> tuple[Worksheet, int]:
    """The sheet and row number of a step instance."""
    group = next(g for g in doc.plan.groups if step in g.step_ids)
    ws = book[sheet_title(group.title)]
    return ws, group.step_ids.index(step) + 3


def cell(ws: Worksheet, row: int, header: str) -> Any:
    headers = [c.value for c in ws[2]]
    return ws.cell(row=row, column=headers.index(header) + 1)


def test_a_sheet_per_phase_and_track_then_the_annexes(book: Workbook, doc: DocumentFacts) -> None:
    assert book.sheetnames == ["汇总", *(g.title for g in doc.plan.groups), "指标", "指标说明", "典型案例", "项目库",
                               "进展报送", "单位考评"]
    assert book.sheetnames[1:6] == ["动员部署阶段", "实施方案编制阶段", "组织申报阶段", "建设实施阶段", "评估总结阶段"]
    assert book.properties.title == f"《{doc.plan.title}》台账"
    assert book.properties.creator == "liangshan"


def test_one_row_per_step_instance(book: Workbook, doc: DocumentFacts) -> None:
    total = 0
    for group in doc.plan.groups:
        rows = records(book[group.title])
        assert [r["序号"] for r in rows] == list(range(1, len(group.step_ids) + 1))
        assert [r["编号"] for r in rows] == list(group.step_ids)  # ids in their own column
        assert not any("（" in str(r["步骤"]) and "." in str(r["步骤"]) for r in rows)
        total += len(rows)
    assert total == len(doc.plan.steps) == 90


def test_a_row_reads_like_the_board(book: Workbook, doc: DocumentFacts) -> None:
    ws, n = step_row(book, doc, "mobilize.leading-group")
    assert [c.value for c in ws[n]][:9] == [
        2, "mobilize.leading-group", "成立“两山”基地建设工作领导小组", "鄠邑区人民政府", "市生态环境局鄠邑分局",
        datetime(2024, 4, 1), datetime(2024, 4, 22), "逾期", "红灯"]
    assert cell(ws, n, "截止日期").number_format == "yyyy-mm-dd"  # a date: the column sorts and filters
    assert cell(ws, n, "逾期工作日").value == doc.board.steps["mobilize.leading-group"].overdue_workdays > 0
    assert cell(ws, n, "成果报送情况").value == "成立“两山”基地建设工作领导小组的通知：未报送\n协调联动机制：未报送"
    # 2024-04-20 was a Saturday: the due moved to Monday, and the sheet says why.
    assert cell(ws, n, "备注").value == "截止日遇休息日顺延（2024-04-20 为周末）；已签收：鄠邑区人民政府"


def test_light_is_a_fill(book: Workbook, doc: DocumentFacts) -> None:
    ws, done = step_row(book, doc, "mobilize.work-plan")
    light = cell(ws, done, "灯")
    assert (light.value, light.fill.fill_type, light.fill.fgColor.rgb) == ("绿灯", "solid", "0063BE7B")
    assert cell(ws, done, "状态").value == "已完成"
    assert cell(ws, done, "完成日期").value == datetime(2024, 4, 10)
    assert cell(ws, done, "完成日期").number_format == "yyyy-mm-dd"
    assert cell(ws, done, "逾期工作日").value is None
    ws, late = step_row(book, doc, "mobilize.leading-group")
    assert cell(ws, late, "灯").fill.fgColor.rgb == "00F8696B"
    ws, later = step_row(book, doc, "meetings.2024q3")
    assert (cell(ws, later, "灯").value, cell(ws, later, "灯").fill.fgColor.rgb) == ("灰灯", "00D9D9D9")
    ws, returned = step_row(book, doc, "draft.compile")
    assert (cell(ws, returned, "灯").value, cell(ws, returned, "灯").fill.fgColor.rgb) == ("黄灯", "00FFD966")


def test_extended_due_shows_both_dates(book: Workbook, doc: DocumentFacts) -> None:
    ws, n = step_row(book, doc, "apply.materials")
    assert cell(ws, n, "截止日期").value == datetime(2024, 6, 14)
    assert "原定 2024-05-10，延期至 2024-06-14" in str(cell(ws, n, "备注").value)
    assert "延期原因：等待实施方案定稿" in str(cell(ws, n, "备注").value)
    assert cell(ws, n, "成果报送情况").value == "一整套申报材料：待审核\n特色典型案例汇编：待审核"


def test_returned_deliverable_and_its_reason(book: Workbook, doc: DocumentFacts) -> None:
    ws, n = step_row(book, doc, "draft.compile")
    assert cell(ws, n, "状态").value == "已退回"
    assert cell(ws, n, "成果报送情况").value == "《实施方案》初稿：已退回"
    assert "退回原因：缺少指标体系，请于 2024-05-31 前重新报送" in str(cell(ws, n, "备注").value)
    ws, blocked = step_row(book, doc, "draft.publish")
    assert "等待前置步骤：编制实施方案" in str(cell(ws, blocked, "备注").value)


def test_indicator_sheet_has_twenty_rows_with_baseline_and_verdicts(book: Workbook) -> None:
    ws = book["指标"]
    rows = records(ws)
    assert len(rows) == 20
    headers = [c.value for c in ws[2]]
    assert headers[:6] == ["编号", "指标", "目标值", "单位", "责任单位", "2023年（基准值）"]
    # 2024 has values; 2025-2028 neither have values nor are due: their columns of 无数据 are on 指标说明 only.
    assert headers[6:] == ["2024年数值", "2024年评价"]
    by_id = {r["编号"]: r for r in rows}
    assert (by_id["2b"]["2023年（基准值）"], by_id["2b"]["2024年数值"], by_id["2b"]["2024年评价"]) == (92, 85, "未达标")
    assert (by_id["1"]["2024年评价"], by_id["2a"]["2024年评价"]) == ("达标", "达标")
    assert (by_id["3a"]["2024年数值"], by_id["3a"]["2024年评价"]) == (None, "无数据")
    assert by_id["2a"]["责任单位"] == "市生态环境局鄠邑分局、区水务局"


def test_indicator_notes_give_each_year_its_reason(book: Workbook) -> None:
    rows = records(book["指标说明"])
    assert len(rows) == 20 * 5  # every indicator, every year 2024-2028
    note = next(r for r in rows if r["编号"] == "2b" and r["年度"] == 2024)
    assert (note["目标层"], note["数值"], note["评价"], note["说明"]) == ("构筑绿水青山", 85, "未达标", "85%，未达到目标 >90%")
    assert next(r for r in rows if r["编号"] == "2b" and r["年度"] == 2028)["评价"] == "无数据"


def test_summary_sheet_first_per_phase_and_per_bureau(book: Workbook, doc: DocumentFacts) -> None:
    ws = book["汇总"]
    assert book.sheetnames[0] == "汇总"
    assert [c.value for c in ws[2]] == ["类别", "名称", "应完成", "按期完成", "逾期完成", "逾期未完成", "按期完成率"]
    rows = records(ws)
    phases = {r["名称"]: r for r in rows if r["类别"] == "阶段"}
    # 动员部署 on 2024-05-20: three steps owed, two handed in on time, the leading group's one overdue.
    assert (phases["动员部署阶段"]["应完成"], phases["动员部署阶段"]["按期完成"], phases["动员部署阶段"]["逾期未完成"]) == (3, 2, 1)
    assert phases["动员部署阶段"]["按期完成率"] == pytest.approx(2 / 3)
    assert phases["评估总结阶段"]["应完成"] == 0 and phases["评估总结阶段"]["按期完成率"] is None
    assert {r["名称"] for r in rows if r["类别"] == "常态化工作"} == {g.title for g in doc.plan.groups} - set(phases)
    bureaus = [(r["名称"], r["应完成"], r["按期完成"], r["逾期完成"], r["逾期未完成"]) for r in rows if r["类别"] == "责任单位"]
    assert bureaus == [(s.name, s.owed, s.on_time, s.late, s.overdue) for s in bureau_performance(doc.plan, doc.board)]
    assert ws["G3"].number_format == "0.0%"


def test_cases_and_projects(book: Workbook) -> None:
    [case] = records(book["典型案例"])
    assert case == {"序号": 1, "主题": "主题3：" + case["主题"].split("：", 1)[1], "年度": 2024, "报送单位": "区秦岭保护局",
                    "案例标题": "秦岭北麓生态修复", "案例简介": "峪口综合整治", "附件": "现场照片.jpg"}
    [project] = records(book["项目库"])
    assert project == {"序号": 1, "项目编号": "P2024-01", "项目名称": "渼陂湖水系生态修复工程", "责任单位": "区水务局",
                       "年度": 2024, "计划投资（万元）": 1200, "实际投资（万元）": 300, "资金来源": "区级财政", "状态": "在建"}


def test_performance_sheet_ranks_as_core_says(book: Workbook, doc: DocumentFacts) -> None:
    ws = book["单位考评"]
    rows = records(ws)
    expected = bureau_performance(doc.plan, doc.board)
    places = [int(p) if p.isdigit() else p for p in shared_ranks(expected)]  # the circular's places: 并列, — owing nothing
    assert [(r["名次"], r["单位"], r["应完成"], r["按期完成"], r["逾期完成"], r["逾期未完成"], r["报送配合材料的步骤"])
            for r in rows] == [(place, s.name, s.owed, s.on_time, s.late, s.overdue, s.contributions)
                               for place, s in zip(places, expected, strict=True)]
    assert rows[-1]["名次"] == "—" and rows[-1]["应完成"] == 0
    # Both at 50%: the technical unit's one overdue step is fewer working days late than eco's three.
    assert [(r["单位"], r["按期完成率"]) for r in rows[:2]] == [("技术支撑单位", 0.5), ("市生态环境局鄠邑分局", 0.5)]
    assert rows[0]["按期完成率"] == pytest.approx(expected[0].on_time_rate)
    assert ws["G3"].number_format == "0.0%"


SHEETS = ["汇总", "动员部署阶段", "典型案例征集", "指标", "指标说明", "典型案例", "项目库", "进展报送", "单位考评"]


@pytest.mark.parametrize("sheet", SHEETS)
def test_screen_and_print_setup(book: Workbook, sheet: str) -> None:
    ws = book[sheet]
    assert ws["A1"].value.startswith(sheet) and ws["A1"].value.endswith("（截至 2024-05-20）")  # a title row
    assert ws["A1"].font.bold and f"A1:{ws.cell(row=2, column=ws.max_column).column_letter}1" in ws.merged_cells
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref.startswith("A2:")
    assert all(c.font.bold for c in ws[2])
    assert ws["A2"].fill.fgColor.rgb == "00DDEBF7"
    assert ws.page_setup.paperSize == 9  # A4 in the OOXML paper-size table
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$1:$2"
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"


@pytest.mark.parametrize("sheet", SHEETS)
def test_cjk_font_and_borders_on_every_cell(book: Workbook, sheet: str) -> None:
    ws = book[sheet]
    for row in ws.iter_rows(min_row=2, max_row=ws.max_row):
        for c in row:
            if c.coordinate in ws.merged_cells:
                continue
            assert c.font.name == "宋体" and c.font.sz >= 10
            assert c.border.left.style == c.border.bottom.style == "thin"


def printed_font(ws: Worksheet, paper: str) -> float:
    """The size the text prints at: the sheet prints at 100 % when its columns fit the paper's budget, else it is
    shrunk to one page wide."""
    total = sum(ws.column_dimensions[c.column_letter].width for c in ws[2])
    return 10 * min(1.0, column_budget(paper, ws.max_column) / total)


@pytest.mark.parametrize("paper", ["A4", "A3"])
def test_every_sheet_prints_at_a_readable_size(doc: DocumentFacts, tmp_path: Path, paper: str) -> None:
    book = load_workbook(write_ledger(doc, tmp_path / "台账.xlsx", paper=paper))
    for ws in book:
        assert ws.page_setup.paperSize == {"A4": 9, "A3": 8}[paper]
        assert printed_font(ws, paper) >= 8, ws.title
        for c in ws[2]:  # a date column never wraps: "2024-04-22" fits
            if c.value in ("开始日期", "截止日期", "完成日期"):
                assert ws.column_dimensions[c.column_letter].width >= 11


def test_twenty_rows_of_cases_print_on_at_most_two_pages(doc: DocumentFacts, tmp_path: Path) -> None:
    cases = tuple({**doc.cases[0], "title": f"案例{n}", "theme": str(n % 8 + 1)} for n in range(22))
    book = load_workbook(write_ledger(replace(doc, cases=cases), tmp_path / "台账.xlsx"))
    ws = book["典型案例"]
    assert ws.max_row == 24
    height = sum(ws.row_dimensions[r].height or 15 for r in range(1, ws.max_row + 1))
    assert height <= 2 * PAPERS["A4"][2]


def test_an_empty_library_says_so(doc: DocumentFacts, tmp_path: Path) -> None:
    book = load_workbook(write_ledger(replace(doc, projects=()), tmp_path / "台账.xlsx"))
    assert book["项目库"]["A3"].value == "项目库尚未录入"


def test_columns_fit_chinese_text(book: Workbook, doc: DocumentFacts) -> None:
    ws = book["动员部署阶段"]
    widths = {c.value: ws.column_dimensions[c.column_letter].width for c in ws[2]}
    assert widths["截止日期"] >= 11
    ws = book["实施方案编制阶段"]
    _, n = step_row(book, doc, "draft.publish")
    assert cell(ws, n, "备注").alignment.wrap_text is True
    assert (ws.row_dimensions[n].height or 0) >= 2 * 13  # a wrapped cell's row is tall enough for its lines


def test_sheet_titles_are_legal() -> None:
    assert sheet_title("指标:2024/2025 [附件1]*?\\") == "指标20242025 附件1"
    assert len(sheet_title("长" * 40)) == 31
    assert sheet_title("动员部署阶段", {"动员部署阶段"}) == "动员部署阶段（2）"


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_write(path) as temp:
        assert temp.parent == tmp_path and temp.suffix == ".xlsx" and not temp.exists()
        temp.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["台账.xlsx"]
    with atomic_write(path) as temp:
        temp.write_bytes(b"new")
    assert path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["台账.xlsx"]
