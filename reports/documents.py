"""The four Word documents for the leaders: 调度会议材料, 情况通报, 年度工作总结素材, 《自评估报告》初稿.

What each says is decided in core (core.pack, core.circular, core.annual, core.assessment return
an outline); this module lays an outline out in the official look of reports.word and writes it
atomically. The pack also draws the Gantt chart and the indicator chart (reports.pictures) and
embeds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from core.annual import annual_outline
from core.assessment import assessment_outline
from core.circular import circular_outline
from core.documents import DocumentFacts
from core.outline import PENDING, Figure, Heading, Outline, Para, Table
from core.pack import pack_outline
from reports import masthead, word
from reports.folder import GANTT, INDICATORS

__all__ = ["lay_out", "write_annual", "write_circular", "write_pack", "write_self_assessment"]


def lay_out(outline: Outline, path: Path, pictures: Mapping[str, Path] | None = None) -> Path:
    """Write ``outline`` as an official document at ``path``; ``pictures`` maps a figure's kind to its PNG."""
    doc = word.new_document(outline.title, outline.subtitle)
    if outline.masthead is not None:
        masthead.red_head(doc, outline.masthead)
    figures: list[tuple[Path, str]] = []
    for block in outline.blocks:
        if isinstance(block, Heading):
            word.heading(doc, block.text, block.level)
        elif isinstance(block, Para):
            word.para(doc, block.text, highlight_prefix=PENDING)
        elif isinstance(block, Table):
            word.table(doc, block.header, block.rows, block.widths)
        elif isinstance(block, Figure):
            found = (pictures or {}).get(block.kind)
            if found is None:
                raise ValueError(f"no picture drawn for figure {block.kind!r}")
            # Named where it belongs, drawn after the text on a landscape page of its own: at a portrait page's
            # width its labels would print at 4 pt, and a chart in the text leaves half a page empty before it.
            word.para(doc, f"（见{block.caption.replace('　', '：', 1)}）")
            figures.append((found, block.caption))
    if outline.masthead is not None:  # the sign-off names the office as its 红头 does
        word.sign_off(doc, outline.signed, outline.masthead.issuer)
    else:
        word.sign_off(doc, outline.signed)
    for found, caption in figures:
        word.landscape_picture(doc, found, caption)
    if outline.masthead is not None:
        masthead.colophon(doc, outline.masthead, outline.signed)
    return word.save(doc, path)


def write_pack(doc: DocumentFacts, meeting: str, path: Path, pictures_dir: Path) -> Path:
    """调度会议材料 for ``meeting``: the sections of ``meeting pack`` as tables, with the Gantt and indicator charts."""
    from reports.pictures import write_gantt, write_indicator_chart  # matplotlib: only the pack pays for it

    pictures = {"gantt": write_gantt(doc, pictures_dir / GANTT),
                "indicators": write_indicator_chart(doc, pictures_dir / INDICATORS)}
    return lay_out(pack_outline(doc, meeting), path, pictures)


def write_circular(doc: DocumentFacts, path: Path) -> Path:
    """情况通报: the totals, bureaus ranked by on-time rate, the overdue list, next month's due dates."""
    return lay_out(circular_outline(doc), path)


def write_annual(doc: DocumentFacts, year: int, path: Path) -> Path:
    """年度工作总结素材 for ``year``: steps done, values against targets, cases, projects, meetings, extensions."""
    return lay_out(annual_outline(doc, year), path)


def write_self_assessment(doc: DocumentFacts, path: Path) -> Path:
    """《自评估报告》初稿 in the six contents the plan names, 【待补充】 where the data cannot say."""
    return lay_out(assessment_outline(doc), path)
