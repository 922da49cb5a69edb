"""领导看板 files: a portrait PNG a phone shows whole, and a one-page docx."""

from __future__ import annotations

from pathlib import Path

from docx import Document as open_docx
from matplotlib.image import imread

from core.plan import Plan
from reports.dashboard import dashboard_figure, write_dashboard_docx, write_dashboard_png
from tests.docfacts import document_facts


def test_png_is_an_a4_portrait_page_with_the_numbers(huyi: Plan, tmp_path: Path) -> None:
    doc = document_facts(huyi)
    out = write_dashboard_png(doc, tmp_path / "领导看板.png")
    height, width = imread(out).shape[:2]
    assert width >= 1200 and 1.38 < height / width < 1.45
    figure, d = dashboard_figure(doc)
    texts = {t.get_gid(): t.get_text() for t in figure.texts if t.get_gid()}
    assert texts["big:已完成"] == f"{d.percent:.0f}%"
    assert texts["big:项逾期"] == "2"
    assert texts["late:1"].startswith("1. 征集2024年典型案例")
    assert texts["values"] == "2024年指标：达标1项、未达标1项、无数据18项"
    assert min(t.get_fontsize() for t in figure.texts if t.get_text()) >= 13  # on a phone, like 8 pt on paper


def test_docx_is_short_enough_for_one_page(huyi: Plan, tmp_path: Path) -> None:
    document = open_docx(str(write_dashboard_docx(document_facts(huyi), tmp_path / "领导看板.docx")))
    headings = [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings == ["一、总体进展", "二、逾期最久的五项", "三、指标", "四、本周变化"]
    [table] = document.tables
    assert len(table.rows) <= 6 and table.rows[1].cells[2].text
    body = [p.text for p in document.paragraphs if p.text]
    # 22 lines a page: the title block, four headings, four short paragraphs and a table of at most five rows.
    assert sum(len(t) for t in body) <= 4 * 28 + 200


def test_the_office_digest_carries_the_dashboard_first(tmp_path: Path) -> None:
    from datetime import date

    from reports.folder import DASHBOARD, GANTT, LEDGER, folder_for, plan_reports
    from tasks.notify import digest_attachments

    folder = folder_for(plan_reports(tmp_path, "huyi-two-mountains"), date(2026, 11, 30))
    folder.mkdir(parents=True)
    for name in (LEDGER, GANTT, DASHBOARD):
        (folder / name).write_bytes(b"x")
    attached = digest_attachments(tmp_path, "huyi-two-mountains", date(2026, 12, 2))
    assert [a.rsplit("/", 1)[1] for a in attached] == [DASHBOARD, LEDGER, GANTT]
