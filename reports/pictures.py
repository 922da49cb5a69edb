"""The office's pictures: the plan's Gantt chart (.png or .svg) and the twenty indicators (.png).

Drawn with matplotlib's object API (``matplotlib.figure.Figure`` on the Agg canvas, never pyplot),
so the reconcile run and the portal can draw in several threads at once. The Chinese font is the
Noto Sans CJK SC that the ``mplfonts`` package ships: no system font is needed, and a missing glyph
is a bug (the tests turn matplotlib's warning into an error). What is drawn is decided in
core.gantt; this module only lays it out.
"""

from __future__ import annotations

import importlib.util
import threading
from datetime import date, timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: a server has no display

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from core.documents import DocumentFacts
from core.gantt import (
    LIGHT_COLOURS,
    LIGHT_ZH,
    VERDICT_COLOURS,
    VERDICT_ZH,
    GanttRow,
    IndicatorPanel,
    day_zh,
    gantt_rows,
    gantt_span,
    indicator_panels,
    shorten,
)
from reports.files import atomic_write

__all__ = ["CJK_FONT", "write_gantt", "write_indicator_chart"]

CJK_FONT = "Noto Sans CJK SC"
_FONT_FILE = "NotoSansCJKsc-Regular.otf"
_A4_LANDSCAPE = (11.69, 8.27)  # inches
_DPI = 150  # 1754 × 1240 px: sharp enough on A4, and quick to draw and to mail
_INK = "#222222"
_TODAY = "#1F4E79"
_HEADER_FILL = "#EEF2F6"
_MISSING = "未报送"  # not 无: for a yes/no indicator 无 would read as the answer "no"
_font_lock = threading.Lock()
_font_ready = False


def _use_cjk_font() -> None:
    """Register the CJK font shipped in mplfonts and make it every text's font (once per process)."""
    global _font_ready
    with _font_lock:
        if _font_ready:
            return
        # Find the file without importing mplfonts: its __init__ reaches for pyplot-era helpers we do not need.
        spec = importlib.util.find_spec("mplfonts")
        folders = list(spec.submodule_search_locations or []) if spec else []
        path = next((Path(f) / "fonts" / _FONT_FILE for f in folders if (Path(f) / "fonts" / _FONT_FILE).is_file()), None)
        if path is None:
            raise RuntimeError(f"找不到中文字体 {_FONT_FILE}：请安装 mplfonts / the mplfonts package is not installed")
        font_manager.fontManager.addfont(str(path))
        # DejaVu Sans stays as a fallback for the odd symbol; the CJK font covers digits and Latin too.
        matplotlib.rcParams["font.family"] = [CJK_FONT, "DejaVu Sans"]
        matplotlib.rcParams["axes.unicode_minus"] = False
        # Text as outlines in SVG: the picture looks the same on a machine without the font.
        matplotlib.rcParams["svg.fonttype"] = "path"
        _font_ready = True


def _save(figure: Figure, path: Path, fmt: str, title: str) -> Path:
    with atomic_write(path) as temp:
        # The title goes into the file's metadata too: an SVG's text is drawn as outlines, so this is
        # what a search (or a test) finds.
        figure.savefig(temp, format=fmt, dpi=_DPI, metadata={"Title": title})
    return path


def write_gantt(doc: DocumentFacts, path: Path) -> Path:
    """Draw the plan's Gantt chart as of ``doc.as_of`` to ``path`` (.png or .svg, A4 landscape); returns ``path``.

    Phases, then tracks, each a header row; one bar per step window [start, effective due] in the
    colour of its light; a white diamond on the day a step was done; the critical path outlined;
    an extension hatched from the original due date; a dashed line labelled 今天.
    """
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ValueError(f"甘特图只能写成 .png 或 .svg，而不是“{path.suffix or path.name}” / "
                         f"the Gantt chart is written as .png or .svg, not {path.suffix or path.name!r}")
    _use_cjk_font()
    rows = gantt_rows(doc.plan, doc.board)
    first, last = gantt_span(rows, doc.as_of)
    # Fixed margins, not constrained layout: the labels are at most 16 characters, and measuring every
    # text of the page twice would cost more than the drawing itself.
    figure = Figure(figsize=_A4_LANDSCAPE, dpi=_DPI)
    figure.subplots_adjust(left=0.17, right=0.985, top=0.885, bottom=0.1)
    ax = figure.add_subplot()
    for y, row in enumerate(rows):
        _draw_row(ax, y, row, first)
    _gantt_axes(ax, rows, first, last)
    today = _x(doc.as_of, first)
    ax.axvline(today, color=_TODAY, linestyle="--", linewidth=1.3, zorder=5)
    ax.annotate("今天", (today, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 3),
                textcoords="offset points", ha="center", va="bottom", color=_TODAY, fontsize=9, fontweight="bold")
    title = f"{doc.plan.title} 进度甘特图"
    figure.suptitle(title, y=0.985, fontsize=14, fontweight="bold")
    figure.text(0.5, 0.935, _gantt_subtitle(doc), ha="center", fontsize=10, color="#444444")
    figure.legend(handles=_gantt_legend(), loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=4, fontsize=8,
                  frameon=False)
    return _save(figure, path, fmt, f"{title}（截至 {day_zh(doc.as_of)}）")


def _gantt_subtitle(doc: DocumentFacts) -> str:
    counts = {light: 0 for light in LIGHT_COLOURS}
    for status in doc.board.steps.values():
        counts[status.light] += 1
    parts = [f"截至 {day_zh(doc.as_of)}",
             f"红灯 {counts['red']} 项、黄灯 {counts['yellow']} 项、绿灯 {counts['green']} 项、未开始 {counts['grey']} 项"]
    end = doc.board.end
    if end is not None:
        late = f"，比计划晚 {end.late_days} 天" if end.late_days else "，按期"
        parts.append(f"预计 {day_zh(end.forecast_due)} 完成{late}")
    return "　".join(parts)


def _x(day: date, origin: date) -> float:
    """A day as the x coordinate: days since the chart's left edge (plain numbers, no date units)."""
    return float((day - origin).days)


def _draw_row(ax: Axes, y: int, row: GanttRow, origin: date) -> None:
    if row.header:
        bar = row.bars[0]
        ax.axhspan(y - 0.5, y + 0.5, color=_HEADER_FILL, zorder=0, linewidth=0)
        ax.barh(y, (bar.due - bar.start).days + 1, left=_x(bar.start, origin), height=0.28, color=LIGHT_COLOURS[bar.light],
                edgecolor=_INK, linewidth=0.6, zorder=2)
        return
    for bar in row.bars:
        width = (bar.due - bar.start).days + 1  # windows are inclusive: a one-day step still shows
        ax.barh(y, width, left=_x(bar.start, origin), height=0.62, color=LIGHT_COLOURS[bar.light],
                edgecolor=_INK if bar.critical else "white", linewidth=2.0 if bar.critical else 0.6, zorder=3)
        if bar.original_due is not None:
            # The days the extension added, hatched, and a tick where the plan's own due date was.
            start = bar.original_due + timedelta(days=1)
            ax.barh(y, (bar.due - start).days + 1, left=_x(start, origin), height=0.62, facecolor="none", hatch="////",
                    edgecolor="white", linewidth=0, zorder=4)
            ax.plot([_x(bar.original_due, origin)], [y], marker="|", markersize=11, markeredgewidth=2.2, color=_INK, zorder=6)
        if bar.done_on is not None:
            ax.plot([_x(bar.done_on, origin)], [y], marker="D", markersize=4.5, markerfacecolor="white", markeredgecolor=_INK,
                    markeredgewidth=0.9, linestyle="none", zorder=7)


def _gantt_axes(ax: Axes, rows: tuple[GanttRow, ...], first: date, last: date) -> None:
    ax.set_ylim(len(rows) - 0.5, -0.5)  # top row first
    ax.set_yticks(range(len(rows)), [row.label for row in rows], fontsize=8)
    for label, row in zip(ax.get_yticklabels(), rows, strict=True):
        if row.header:
            label.set_fontweight("bold")
            label.set_fontsize(8.5)
    ax.tick_params(axis="y", length=0)
    ax.set_xlim(0, _x(last + timedelta(days=1), first))
    years = range(first.year, last.year + 1)
    # Year boundaries as grid lines, the year's name in the middle of its span, quarters as minor ticks.
    ax.set_xticks([_x(date(y, 1, 1), first) for y in [*years, last.year + 1]], minor=False, labels=[])
    ax.set_xticks([_x(date(y, m, 1), first) for y in years for m in (4, 7, 10)], minor=True)
    for y in years:
        ax.text(_x(date(y, 7, 1), first), -0.012, f"{y}年", transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize=9)
    ax.grid(axis="x", which="major", color="#9AA5B1", linewidth=0.8, zorder=1)
    ax.grid(axis="x", which="minor", color="#D5DBE1", linewidth=0.5, linestyle=":", zorder=1)
    ax.tick_params(axis="x", which="both", length=3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _gantt_legend() -> list[Patch | Line2D]:
    handles: list[Patch | Line2D] = [Patch(facecolor=LIGHT_COLOURS[k], label=LIGHT_ZH[k]) for k in LIGHT_COLOURS]
    handles += [
        Patch(facecolor=LIGHT_COLOURS["yellow"], edgecolor=_INK, linewidth=2.0, label="关键路径（粗黑边框）"),
        Line2D([], [], marker="D", markersize=5, markerfacecolor="white", markeredgecolor=_INK, linestyle="none",
               label="完成日期"),
        Line2D([], [], marker="|", markersize=10, markeredgewidth=2.2, color=_INK, linestyle="none",
               label="原定截止日（斜线为延期部分）"),
        Line2D([], [], color=_TODAY, linestyle="--", linewidth=1.3, label="今天"),
    ]
    return handles


def write_indicator_chart(doc: DocumentFacts, path: Path) -> Path:
    """Draw the twenty indicators of 附件1 as small multiples to ``path`` (.png, A4 landscape); returns ``path``.

    Each panel shows every year from the 2023 baseline to the latest, coloured by its verdict
    (达标 green, 未达标 red, 无数据 grey), the target line for a threshold, 是/否 for a yes/no indicator.
    """
    if path.suffix.lower() != ".png":
        raise ValueError(f"指标图只能写成 .png，而不是“{path.suffix or path.name}” / "
                         f"the indicator chart is written as .png, not {path.suffix or path.name!r}")
    _use_cjk_font()
    panels = indicator_panels(doc.plan, doc.values, doc.as_of)
    columns = 5
    lines = max(1, -(-len(panels) // columns))
    figure = Figure(figsize=_A4_LANDSCAPE, dpi=_DPI)
    # Room between panels for a two-line title above and the target's two lines below each.
    figure.subplots_adjust(left=0.045, right=0.99, top=0.9, bottom=0.1, hspace=0.9, wspace=0.32)
    axes = figure.subplots(lines, columns, squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        _draw_panel(ax, panel)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    years = panels[0].points if panels else ()
    span = f"{years[0].year}年（基准年）至{years[-1].year}年" if years else ""
    title = f"附件1 建设指标完成情况 {span}"
    figure.suptitle(f"{title}（截至 {day_zh(doc.as_of)}）", y=0.985, fontsize=13, fontweight="bold")
    handles: list[Patch | Line2D] = [Patch(facecolor=VERDICT_COLOURS[k], label=VERDICT_ZH[k]) for k in VERDICT_COLOURS]
    handles += [Line2D([], [], color=_INK, linestyle="--", linewidth=1, label="目标值"),
                Line2D([], [], color=_TODAY, marker="_", markersize=12, markeredgewidth=2, linestyle="none",
                       label="上级下达的考核目标")]
    figure.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=len(handles), fontsize=8,
                  frameon=False)
    return _save(figure, path, "png", f"{title}（截至 {day_zh(doc.as_of)}）")


def _wrap(text: str, width: int) -> str:
    """At most two lines of about equal length (no lone character on the second), cut with … beyond that."""
    if len(text) <= width:
        return text
    text = shorten(text, 2 * width)
    # Break after a comma when one fits, so the second line does not start with punctuation.
    commas = [i + 1 for i, ch in enumerate(text)
              if ch in "，、" and i + 1 <= width and len(text) - i - 1 <= width and abs(i + 1 - len(text) / 2) <= 3]
    half = min(commas, key=lambda i: abs(i - len(text) / 2)) if commas else -(-len(text) // 2)
    return f"{text[:half]}\n{text[half:]}"


def _draw_panel(ax: Axes, panel: IndicatorPanel) -> None:
    ind = panel.indicator
    years = [p.year for p in panel.points]
    ax.set_title(_wrap(f"{ind.id} {ind.title}", 16), fontsize=8.5, fontweight="bold", loc="left")
    # The first year is the baseline (基准年), judged against nothing before it.
    ax.set_xticks(years, [f"{y}\n基准年" if i == 0 else str(y) for i, y in enumerate(years)], fontsize=7)
    ax.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    ax.set_xlabel(f"目标：{_wrap(ind.target_text, 18)}", fontsize=7, color="#444444")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if panel.flag:
        _draw_flags(ax, panel)
        return
    low, high = panel.limits()
    ax.set_ylim(low, high)
    ax.set_ylabel(ind.unit, fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 5, 10]))
    known = [(p.year, p.value) for p in panel.points if p.value is not None]
    ax.plot([year for year, _ in known], [value for _, value in known], color="#9AA5B1", linewidth=1, zorder=2)
    for point in panel.points:
        if point.value is None:
            # Near the axis, where the line between the recorded years does not run through it.
            ax.text(point.year, low + (high - low) * 0.06, _MISSING, ha="center", va="bottom", fontsize=7,
                    color=VERDICT_COLOURS["no_data"])
            continue
        ax.scatter([point.year], [point.value], s=34, color=VERDICT_COLOURS[point.verdict], edgecolors="white",
                   linewidths=0.6, zorder=3)
        ax.annotate(f"{point.value:g}", (point.year, point.value), xytext=(0, 5), textcoords="offset points",
                    ha="center", fontsize=6.5, color="#333333")
        if point.assigned_target is not None:
            ax.plot([point.year], [point.assigned_target], marker="_", markersize=12, markeredgewidth=2,
                    color=_TODAY, zorder=2)
    if panel.threshold is not None:
        ax.axhline(panel.threshold, color=_INK, linestyle="--", linewidth=1, zorder=1)


def _draw_flags(ax: Axes, panel: IndicatorPanel) -> None:
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    for point in panel.points:
        word = _MISSING if point.value is None else ("是" if point.value >= 0.5 else "否")
        ax.text(point.year, 0.5, word, ha="center", va="center", fontsize=9, fontweight="bold", color="white",
                bbox={"boxstyle": "round,pad=0.35", "facecolor": VERDICT_COLOURS[point.verdict], "linewidth": 0})
