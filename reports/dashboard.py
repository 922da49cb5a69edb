"""领导看板 as a picture (PNG, A4 portrait, large type for a phone) and as a one-page docx (for print)."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from core.dashboard import Dashboard, dashboard, dashboard_lines
from core.documents import DocumentFacts
from core.gantt import LIGHT_COLOURS, shorten
from core.outline import day_zh
from reports import word
from reports.files import atomic_write

__all__ = ["dashboard_figure", "write_dashboard_docx", "write_dashboard_png"]

_A4_PORTRAIT = (8.27, 11.69)
_DPI = 150
_INK = "#222222"
_GREY = "#555555"


def _title(d: Dashboard) -> str:
    return f"{d.plan_title}建设领导看板"


def dashboard_figure(doc: DocumentFacts) -> tuple[Figure, Dashboard]:
    """The page as a matplotlib figure: big numbers at the top, then the five most overdue, indicators, this week."""
    from reports.pictures import _use_cjk_font  # the font set-up the charts share

    _use_cjk_font()
    d = dashboard(doc)
    lines = dashboard_lines(d)
    fig = Figure(figsize=_A4_PORTRAIT, dpi=_DPI)
    fig.text(0.5, 0.965, _title(d), ha="center", va="top", fontsize=22, fontweight="bold", color=_INK)
    fig.text(0.5, 0.925, f"截至{day_zh(d.as_of)}", ha="center", va="top", fontsize=14, color=_GREY)
    # Three big numbers.
    late = f"晚{d.late_days}天" if d.late_days else "按期"
    for x, big, small, colour in ((0.18, f"{d.percent:.0f}%", "已完成", LIGHT_COLOURS["green"]),
                                  (0.5, f"{d.red}", "项逾期", LIGHT_COLOURS["red"] if d.red else LIGHT_COLOURS["green"]),
                                  (0.82, late, "预计完成", LIGHT_COLOURS["red"] if d.late_days else LIGHT_COLOURS["green"])):
        fig.text(x, 0.865, big, ha="center", va="center", fontsize=40, fontweight="bold", color=colour, gid=f"big:{small}")
        fig.text(x, 0.815, small, ha="center", va="center", fontsize=15, color=_GREY)
    # The progress bar.
    fig.patches.append(Rectangle((0.08, 0.77), 0.84, 0.022, transform=fig.transFigure, facecolor="#DDDDDD", edgecolor="none"))
    fig.patches.append(Rectangle((0.08, 0.77), 0.84 * d.percent / 100, 0.022, transform=fig.transFigure,
                                 facecolor=LIGHT_COLOURS["green"], edgecolor="none"))
    y = 0.735
    fig.text(0.08, y, lines["progress"] + "　" + lines["forecast"], fontsize=14, va="top", color=_INK, wrap=True)
    y -= 0.06
    fig.text(0.08, y, "逾期最久的五项", fontsize=17, fontweight="bold", va="top", color=_INK)
    y -= 0.04
    if not d.most_late:
        fig.text(0.1, y, "无逾期事项", fontsize=15, va="top", color=LIGHT_COLOURS["green"])
        y -= 0.04
    for n, item in enumerate(d.most_late, start=1):
        fig.text(0.08, y, f"{n}. {shorten(item.title, 24)}", fontsize=15, va="top", color=_INK, gid=f"late:{n}")
        fig.text(0.1, y - 0.028, f"{item.bureau}　逾期{item.workdays}个工作日（截止{day_zh(item.due)}）", fontsize=13,
                 va="top", color=LIGHT_COLOURS["red"])
        y -= 0.066
    y -= 0.01
    fig.text(0.08, y, "指标", fontsize=17, fontweight="bold", va="top", color=_INK)
    fig.text(0.08, y - 0.04, lines["values"], fontsize=15, va="top", color=_INK, gid="values")
    y -= 0.11
    fig.text(0.08, y, "本周变化", fontsize=17, fontweight="bold", va="top", color=_INK)
    fig.text(0.08, y - 0.04, _wrap(lines["newly_red"], 30), fontsize=15, va="top", color=_INK, gid="newly_red")
    fig.text(0.08, y - 0.13, _wrap(lines["newly_done"], 30), fontsize=15, va="top", color=_INK, gid="newly_done")
    return fig, d


def _wrap(text: str, width: int) -> str:
    """At most three lines of ``width`` characters (the rest cut with …)."""
    parts = [text[i:i + width] for i in range(0, len(text), width)]
    if len(parts) > 3:
        parts = [*parts[:2], parts[2][: width - 1] + "…"]
    return "\n".join(parts)


def write_dashboard_png(doc: DocumentFacts, path: Path) -> Path:
    """The page as a PNG (1240 × 1754 px): what a leader opens on a phone."""
    fig, d = dashboard_figure(doc)
    with atomic_write(path) as temp:
        fig.savefig(temp, format="png", dpi=_DPI, metadata={"Title": f"{_title(d)}（截至{day_zh(d.as_of)}）"})
    return path


def write_dashboard_docx(doc: DocumentFacts, path: Path) -> Path:
    """The same page as a one-page official document, for print."""
    d = dashboard(doc)
    lines = dashboard_lines(d)
    document = word.new_document(_title(d), f"（截至{day_zh(d.as_of)}）")
    word.heading(document, "一、总体进展")
    word.para(document, f"{lines['progress']}，{lines['red']}；{lines['forecast']}。")
    word.heading(document, "二、逾期最久的五项")
    if d.most_late:
        word.table(document, ("序号", "事项", "牵头单位", "逾期工作日"),
                   [(str(n), item.title, item.bureau, str(item.workdays)) for n, item in enumerate(d.most_late, start=1)],
                   (1.2, 8.2, 4.2, 2.0))
    else:
        word.para(document, "无逾期事项。")
    word.heading(document, "三、指标")
    word.para(document, f"{lines['values']}。")
    word.heading(document, "四、本周变化")
    word.para(document, f"{lines['newly_red']}；{lines['newly_done']}。")
    return word.save(document, path)
