"""The Word documents, opened with python-docx as a reader's program would: the official look, and what each says."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from docx import Document as open_docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from core.documents import DocumentFacts
from core.indicators import IndicatorValue
from core.plan import Plan
from reports import word
from reports.documents import write_annual, write_circular, write_pack, write_self_assessment
from tests.core.test_circular import EXPECTED_ORDER
from tests.docfacts import case, document_facts, known_values, project

KINDS = ("pack", "circular", "annual", "self-assessment")


@pytest.fixture(name="doc", scope="module")
def fixture_doc(huyi: Plan) -> DocumentFacts:
    return document_facts(huyi, cases=(case(huyi, "3", 2024, "秦岭生态保护"),), projects=(project("P1", 2024, 1200.0, 900.0),))


@pytest.fixture(name="written", scope="module")
def fixture_written(doc: DocumentFacts, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The four documents, written once into one folder."""
    folder = tmp_path_factory.mktemp("documents")
    return {
        "pack": write_pack(doc, "meetings.2025q1", folder / "调度会议材料.docx", folder / "pictures"),
        "circular": write_circular(doc, folder / "情况通报.docx"),
        "annual": write_annual(doc, 2024, folder / "2024年度工作总结素材.docx"),
        "self-assessment": write_self_assessment(doc, folder / "自评估报告初稿.docx"),
    }


def cm(*lengths: Length | None) -> tuple[float, ...]:
    """Lengths in cm, to a hundredth."""
    return tuple(round(n.cm, 2) if n is not None else -1.0 for n in lengths)


def opened(written: dict[str, Path], kind: str) -> Document:
    return open_docx(str(written[kind]))


def paragraphs(document: Document, style: str | None = None) -> list[Paragraph]:
    return [p for p in document.paragraphs if style is None or (p.style is not None and p.style.name == style)]


def east_asian_font(element: object) -> str | None:
    """The w:eastAsia font named on a run or a style (what Word uses for Chinese text)."""
    rpr = element.find(qn("w:rPr"))  # type: ignore[attr-defined]
    fonts = None if rpr is None else rpr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


@pytest.mark.parametrize("kind", KINDS)
def test_a4_with_the_official_margins(written: dict[str, Path], kind: str) -> None:
    """The file stores twentieths of a point, so sizes are compared to a hundredth of a centimetre."""
    section = opened(written, kind).sections[0]
    assert cm(section.page_width, section.page_height) == (21.0, 29.7)
    assert cm(section.top_margin, section.bottom_margin, section.left_margin, section.right_margin) == (3.7, 3.5, 2.8, 2.6)


@pytest.mark.parametrize(("kind", "title"), [
    ("pack", "2025年第一季度调度会议材料"),
    ("circular", "鄠邑区“两山”基地建设工作情况通报"),
    ("annual", "2024年度“两山”基地建设工作总结素材"),
    ("self-assessment", "鄠邑区“绿水青山就是金山银山”\n实践创新基地自评估报告"),  # broken between words
])
def test_title_in_fangzheng_xiaobiaosong(written: dict[str, Path], kind: str, title: str) -> None:
    """The title (the first paragraph, or the first under a 红头) is centred, 二号, in 方正小标宋简体 named as run font
    and East Asian font."""
    first = next(p for p in opened(written, kind).paragraphs if p.style is not None and p.style.name == "公文标题")
    assert first.text == title
    run = first.runs[0]
    assert run.font.name == word.TITLE_FONT == "方正小标宋简体"
    assert east_asian_font(run._r) == "方正小标宋简体"
    assert first.style is not None and first.style.font.size == Pt(22)
    assert first.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_title_falls_back_to_heiti(written: dict[str, Path]) -> None:
    """A machine without the title font finds 黑体 named beside it: in the font table and as a second title style."""
    document = opened(written, "circular")
    fallback = document.styles["公文标题（黑体）"]
    assert fallback.font.name == "黑体" and east_asian_font(fallback.element) == "黑体"
    table = next(p for p in document.part.package.iter_parts() if p.partname == "/word/fontTable.xml").blob.decode()
    assert '<w:font w:name="方正小标宋简体"><w:altName w:val="黑体"/>' in table


def test_body_in_fangsong_sanhao(written: dict[str, Path]) -> None:
    """Body: 仿宋_GB2312 16 pt, first line indented two characters, fixed line spacing of 28–29 pt."""
    document = opened(written, "circular")
    normal = document.styles["Normal"]
    assert normal.font.name == "仿宋_GB2312" and east_asian_font(normal.element) == "仿宋_GB2312"
    assert normal.font.size == Pt(16)
    fmt = normal.paragraph_format
    assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert fmt.line_spacing is not None and 28 <= fmt.line_spacing.pt <= 29
    assert fmt.first_line_indent == Pt(32)
    body = paragraphs(document, "Normal")[0]
    assert body.text.startswith("截至2025年1月6日")


def test_headings_in_heiti_and_kaiti(written: dict[str, Path]) -> None:
    document = opened(written, "self-assessment")
    one, two = document.styles["Heading 1"], document.styles["Heading 2"]
    assert (one.font.name, east_asian_font(one.element), one.font.size, one.font.bold) == ("黑体", "黑体", Pt(16), False)
    assert (two.font.name, east_asian_font(two.element), two.font.size) == ("楷体_GB2312", "楷体_GB2312", Pt(16))
    assert paragraphs(document, "Heading 2")[0].text == "（一）组织领导"


@pytest.mark.parametrize("kind", KINDS)
def test_page_number_field_in_the_footer(written: dict[str, Path], kind: str) -> None:
    """``— 1 —``, the number a PAGE field the reader's program fills in: right on odd pages, left on even ones, one
    character (四号) in from the margin, as GB/T 9704 prints page numbers."""
    document = opened(written, kind)
    assert document.settings.odd_and_even_pages_header_footer
    odd, even = document.sections[0].footer.paragraphs[0], document.sections[0].even_page_footer.paragraphs[0]
    assert (odd.alignment, odd.paragraph_format.right_indent) == (WD_ALIGN_PARAGRAPH.RIGHT, Pt(14))
    assert (even.alignment, even.paragraph_format.left_indent) == (WD_ALIGN_PARAGRAPH.LEFT, Pt(14))
    for footer in (odd, even):
        assert footer.text == "— 1 —"
        instructions = [t.text.strip() for t in footer._p.iter(qn("w:instrText"))]
        assert instructions == ["PAGE"]
        assert [f.get(qn("w:fldCharType")) for f in footer._p.iter(qn("w:fldChar"))] == ["begin", "separate", "end"]


@pytest.mark.parametrize("kind", KINDS)
def test_document_grid_of_28_characters_by_22_lines(written: dict[str, Path], kind: str) -> None:
    """GB/T 9704's 版心: 22 lines of 28 characters; 三号 at its own width fits 27 characters on 156 mm."""
    document = opened(written, kind)
    grid = document.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid is not None and grid.get(qn("w:type")) == "lines"
    assert int(225 / 25.4 * 72 * 20 / int(grid.get(qn("w:linePitch")))) == 22  # lines on a 225 mm block
    normal = document.styles["Normal"]
    spacing = normal.element.rPr.find(qn("w:spacing"))
    pitch = normal.font.size.pt + int(spacing.get(qn("w:val"))) / 20
    assert int(word.TEXT_WIDTH_CM / 2.54 * 72 / pitch) == 28  # 三号 characters on a 156 mm line


@pytest.mark.parametrize("kind", KINDS)
def test_table_rows_never_split_and_dates_fit(written: dict[str, Path], kind: str) -> None:
    document = opened(written, kind)
    for t in document.tables:
        for row in list(t.rows)[1:]:  # the header row repeats on every page instead
            assert row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
        for row in cells(t)[1:]:
            assert not any(re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", c) for c in row)  # 2024-06-26, never wrapped
        for n, column in enumerate(t.columns):
            texts = [t.cell(r, n).text for r in range(1, len(t.rows))]
            if any(re.fullmatch(r"\d{4}-\d{2}-\d{2}", x) for x in texts):
                size = 10.5 if len(t.columns) >= 6 else 12
                assert column.width >= Cm(10 * size / 2 / 72 * 2.54 + 0.4), (kind, t.cell(0, n).text)


def test_titles_break_between_words() -> None:
    assert word.title_lines("鄠邑区“绿水青山就是金山银山”实践创新基地自评估报告") == [
        "鄠邑区“绿水青山就是金山银山”", "实践创新基地自评估报告"]
    assert word.title_lines("2026年第四季度调度会议材料") == ["2026年第四季度调度会议材料"]
    long = "鄠邑区“绿水青山就是金山银山”实践创新基地建设工作方案实施情况自评估报告"
    assert all(len(line) <= word.TITLE_CHARS for line in word.title_lines(long))
    assert "".join(word.title_lines(long)) == long


@pytest.mark.parametrize("kind", KINDS)
def test_issuing_body_and_date_at_the_end(written: dict[str, Path], kind: str) -> None:
    """The office and the day, right-aligned; the circular's 版记 (its own style) and the pack's chart pages (their
    captions) come after them."""
    last = [p for p in opened(written, kind).paragraphs
            if p.text and p.style is not None and p.style.name != "版记" and not re.match(r"图\d", p.text)][-2:]
    assert [p.text for p in last] == ["鄠邑区“两山”基地建设工作领导小组办公室", "2025年1月6日"]
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.RIGHT for p in last)


def test_tables_repeat_their_header_and_have_borders(written: dict[str, Path]) -> None:
    """Every table: the header row marked to repeat on each page, the grid style's borders, 仿宋 in the cells."""
    document = opened(written, "self-assessment")
    for table in document.tables:
        header = table.rows[0]._tr
        assert header.trPr is not None and header.trPr.find(qn("w:tblHeader")) is not None
        assert table.style is not None and table.style.name == "Table Grid"
        assert table.style.element.find(f"{qn('w:tblPr')}/{qn('w:tblBorders')}") is not None
        cell_style = table.rows[1].cells[0].paragraphs[0].style
        assert cell_style is not None and cell_style.font.name == "仿宋_GB2312"
        assert cell_style.font.size in (Pt(12), Pt(10.5))


def cells(table: Table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_circular_ranks_bureaus_by_on_time_rate(written: dict[str, Path]) -> None:
    """The known history of tests/docfacts.py gives the order worked out in tests/core/test_circular.py."""
    ranking = cells(opened(written, "circular").tables[0])
    assert ranking[0] == ["名次", "单位", "应完成", "按期完成", "逾期完成", "当前逾期", "按期完成率", "平均逾期工作日",
                          "进展按时报送率"]
    assert [row[1] for row in ranking[1:]] == EXPECTED_ORDER
    # 2024q4's progress report (due 2024-12-17) was not written by anyone in this history: 0% for its 13 bureaus
    assert ranking[8] == ["8", "市生态环境局鄠邑分局", "11", "10", "1", "0", "90.9%", "2.0", "0.0%"]


def test_circular_has_its_red_head_and_colophon(written: dict[str, Path]) -> None:
    """红头: the office in red over 2025年第2期 and a red rule, above the title; 版记 at the end: 抄送 and 印发 between rules."""
    document = opened(written, "circular")
    issuer, number, _, title = document.paragraphs[:4]
    assert issuer.text == "鄠邑区“两山”基地建设工作领导小组办公室"
    assert issuer.runs[0].font.color.rgb == RGBColor(0xE6, 0x00, 0x12) and east_asian_font(issuer.runs[0]._r) == "方正小标宋简体"
    assert issuer.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert number.text == "2025年第2期"
    rule = number._p.find(qn("w:pPr")).find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "E60012" and int(rule.get(qn("w:sz"))) >= 12
    assert title.text == "鄠邑区“两山”基地建设工作情况通报"
    cc, issued = [p for p in document.paragraphs if p.text][-2:]
    assert cc.text == "抄送：“两山”基地建设工作领导小组。"
    assert issued.text == "鄠邑区“两山”基地建设工作领导小组办公室\t2025年1月6日印发"
    assert cc._p.find(qn("w:pPr")).find(qn("w:pBdr")).find(qn("w:top")) is not None
    assert issued._p.find(qn("w:pPr")).find(qn("w:pBdr")).find(qn("w:bottom")) is not None


def test_self_assessment_sections_and_indicator_table(written: dict[str, Path]) -> None:
    document = opened(written, "self-assessment")
    assert [p.text for p in paragraphs(document, "Heading 1")] == [
        "一、管理规程第二十条所列情形及整改情况", "二、长效保障机制建设情况", "三、实施方案推进落实情况", "四、“两山”转化情况",
        "五、生态环境质量改善情况", "六、示范引领情况"]
    indicators = next(t for t in document.tables if t.rows[0].cells[0].text == "序号" and t.rows[0].cells[1].text == "指标")
    rows = cells(indicators)
    assert len(rows) == 21
    assert rows[0][3:] == ["2023年\n（基准）", "2024年", "2025年", "2026年", "2027年", "2028年"]
    assert next(r for r in rows if r[1] == "地表水水质达到或优于Ⅲ类水比例")[3:5] == ["93%", "88%\n未达标"]


def test_self_assessment_marks_what_the_office_must_write(written: dict[str, Path]) -> None:
    """【待补充】 starts the paragraphs the data cannot fill, highlighted so they are not missed."""
    document = opened(written, "self-assessment")
    pending = [p for p in document.paragraphs if p.text.startswith("【待补充】")]
    assert pending[0].text.startswith("【待补充】是否存在《“绿水青山就是金山银山”实践创新基地建设管理规程》第二十条所列情形")
    assert all(p.runs[0].text == "【待补充】" and p.runs[0].font.highlight_color is not None for p in pending)


def test_pack_has_real_tables_and_both_pictures(written: dict[str, Path]) -> None:
    document = opened(written, "pack")
    assert len(document.tables) == 6  # no upcoming table: nothing falls due by 2025-02-20
    assert cells(document.tables[0])[1] == ["动员部署阶段", "阶段", "绿灯", "已完成", "3/3"]
    assert len(document.inline_shapes) == 2
    captions = [p.text for p in document.paragraphs if p.text.startswith("图")]
    assert captions == ["图1\u3000工作进度甘特图", "图2\u3000指标完成情况"]
    assert "（见图1：工作进度甘特图）" in [p.text for p in document.paragraphs]


def test_pack_charts_are_on_landscape_pages_at_full_width(written: dict[str, Path]) -> None:
    """Each chart on a landscape page of its own, 24 cm wide: drawn 29.7 cm wide with 10 pt and larger labels, they
    print at 8 pt or more (at a portrait page's 15.6 cm they printed at about 4 pt)."""
    document = opened(written, "pack")
    assert document.sections[0].orientation == WD_ORIENT.PORTRAIT
    wide = list(document.sections)[1:]
    assert len(wide) == 2 and all(s.orientation == WD_ORIENT.LANDSCAPE and s.page_width > s.page_height for s in wide)
    for shape in document.inline_shapes:
        assert shape.width >= Cm(24) - Cm(0.01)
        assert 10 * shape.width / Cm(29.7) >= 8  # the charts' smallest label is 10 pt (tests/reports/test_pictures)
    for section in wide:  # the picture and its caption fit the page's height
        room = section.page_height - section.top_margin - section.bottom_margin
        assert document.inline_shapes[0].height + Cm(1.2) <= room
    body = document.element.body
    pictures = [p for p in body.iter(qn("w:p")) if p.findall(".//" + qn("w:drawing"))]
    breaks = [p for p in body.iter(qn("w:p")) if p.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None]
    order = list(body.iter(qn("w:p")))
    # Every picture comes after the first section's end: none is on a portrait page.
    assert all(order.index(pic) > order.index(breaks[0]) for pic in pictures)


def test_annual_lists_the_years_meetings(written: dict[str, Path]) -> None:
    document = opened(written, "annual")
    meetings = next(t for t in document.tables if t.rows[0].cells[0].text == "会议")
    assert [row[0] for row in cells(meetings)[1:]] == ["2024年第二季度调度会议", "2024年第三季度调度会议", "2024年第四季度调度会议"]
    assert [row[2] for row in cells(meetings)[1:]] == ["2024-06-26", "2024-09-26", "2024-12-26"]


def test_written_whole(written: dict[str, Path]) -> None:
    """Only the documents and the pack's pictures are left in the folder: no temporary file."""
    folder = written["circular"].parent
    assert sorted(p.name for p in folder.iterdir()) == sorted([*(p.name for p in written.values()), "pictures"])
    assert sorted(p.name for p in (folder / "pictures").iterdir()) == ["指标完成情况.png", "甘特图.png"]


def test_a_document_from_the_helpers(tmp_path: Path) -> None:
    """The helpers alone: a heading, a paragraph, a table with given widths, saved atomically."""
    document = word.new_document("测试文件", "（副标题）")
    word.heading(document, "一、情况", 1)
    word.para(document, "正文。")
    word.table(document, ("甲", "乙"), [("1", "2")], widths=(5.0, 10.6))
    word.sign_off(document, date(2026, 1, 5))
    path = word.save(document, tmp_path / "测试.docx")
    again = open_docx(str(path))
    assert [p.text for p in again.paragraphs if p.text] == ["测试文件", "（副标题）", "一、情况", "正文。",
                                                           "鄠邑区“两山”基地建设工作领导小组办公室", "2026年1月5日"]
    assert cm(*(c.width for c in again.tables[0].rows[0].cells)) == (5.0, 10.6)


# A step id (draft.compile, cases.3.2024), an indicator id standing alone (2b, 9a), a command-line word.
_RAW = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9.-]*|(?<![A-Za-z0-9])\d{1,2}[a-d](?![A-Za-z0-9])"
                  r"|--[a-z]|liangshan|（见[一二三四五六七八九十]+）")


def _all_text(path: Path) -> str:
    document = open_docx(str(path))
    return "\n".join([p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells])


def test_no_raw_ids_nor_command_line_words_in_any_leader_document(huyi: Plan, tmp_path: Path) -> None:
    """Steps, deliverables, indicators and themes by their Chinese titles; a yes/no indicator reported without
    evidence asks for it in words, never 请用 --file 附上; a cross-reference names its section."""
    values = {**known_values(), "9a": {2024: IndicatorValue(2024, 1.0)}, "8a": {2024: IndicatorValue(2024, 1.0)},
              "1": {2024: IndicatorValue(2024, 80.0)}}
    doc = document_facts(huyi, values=values, cases=(case(huyi, "3", 2024, "秦岭生态保护"),))
    written = [write_pack(doc, "meetings.2025q1", tmp_path / "pack.docx", tmp_path / "pictures"),
               write_circular(doc, tmp_path / "circular.docx"), write_annual(doc, 2024, tmp_path / "annual.docx"),
               write_self_assessment(doc, tmp_path / "self.docx")]
    texts = {path.name: _all_text(path) for path in written}
    assert "证明材料" in texts["self.docx"]  # the claim without evidence is there, in words
    for name, text in texts.items():
        assert not _RAW.findall(text), (name, _RAW.findall(text)[:10])
