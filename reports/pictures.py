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
    PanelPoint,
    bar_colour,
    day_zh,
    gantt_rows,
    gantt_span,
    indicator_panels,
    shorten,
)
from reports.files import atomic_write

__all__ = ["CJK_FONT", "MIN_EXTENSION_PX", "gantt_figure", "indicator_figure", "write_gantt", "write_indicator_chart"]

CJK_FONT = "Noto Sans CJK SC"
_FONT_FILE = "NotoSansCJKsc-Regular.otf"
_A4_LANDSCAPE = (11.69, 8.27)  # inches
_DPI = 150  # 1754 × 1240 px: sharp enough on A4, and quick to draw and to mail
_INK = "#222222"
_TODAY = "#1F4E79"
_HEADER_FILL = "#EEF2F6"
_MISSING = "未报送"  # not 无: for a yes/no indicator 无 would read as the answer "no"
MIN_EXTENSION_PX = 4.0  # an extension's hatched part is at least this wide on the page, however short
_LABEL_PT = 10.5  # printed 24 cm wide (81 %) on a landscape page of the pack: the smallest, 10 pt, at 8.1 pt
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
    figure, title = gantt_figure(doc)
    return _save(figure, path, fmt, title)


def gantt_figure(doc: DocumentFacts) -> tuple[Figure, str]:
    """The Gantt chart as a matplotlib figure (A4 landscape at 150 dpi) and its title with the date."""
    _use_cjk_font()
    rows = gantt_rows(doc.plan, doc.board)
    end = doc.board.end
    first, last = gantt_span(rows, doc.as_of, end.forecast_due if end is not None else None)
    # Fixed margins, not constrained layout: the labels are at most 16 characters, and measuring every
    # text of the page twice would cost more than the drawing itself.
    figure = Figure(figsize=_A4_LANDSCAPE, dpi=_DPI)
    figure.subplots_adjust(left=0.21, right=0.985, top=0.885, bottom=0.11)
    ax = figure.add_subplot()
    box = ax.get_position()
    days_per_px = (last - first).days / (box.width * _A4_LANDSCAPE[0] * _DPI)
    ax.set_xlim(0, _x(last + timedelta(days=1), first))  # before the rows: a bureau's name keeps inside it
    for y, row in enumerate(rows):
        _draw_row(ax, y, row, first, days_per_px)
    _gantt_axes(ax, rows, first, last)
    if end is not None and end.forecast_due > end.due:
        _draw_forecast(ax, rows, end.step, end.due, end.forecast_due, first)
    today = _x(doc.as_of, first)
    ax.axvline(today, color=_TODAY, linestyle="--", linewidth=1.3, zorder=5)
    ax.annotate("今天", (today, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 3),
                textcoords="offset points", ha="center", va="bottom", color=_TODAY, fontsize=_LABEL_PT,
                fontweight="bold")
    title = f"{doc.plan.title} 进度甘特图"
    figure.suptitle(title, y=0.985, fontsize=15, fontweight="bold")
    figure.text(0.5, 0.935, _gantt_subtitle(doc), ha="center", fontsize=11, color="#444444")
    figure.legend(handles=_gantt_legend(), loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=4, fontsize=_LABEL_PT,
                  frameon=False)
    return figure, f"{title}（截至 {day_zh(doc.as_of)}）"


def _draw_forecast(ax: Axes, rows: tuple[GanttRow, ...], step: str, due: date, forecast: date, origin: date) -> None:
    """The plan's last step as forecast: a red dotted run from its due date to the forecast end, and the day."""
    y = next((n for n, row in enumerate(rows) for bar in row.bars if bar.step == step), None)
    if y is None:
        return
    ax.plot([_x(due, origin), _x(forecast, origin)], [y, y], color=LIGHT_COLOURS["red"], linestyle=":", linewidth=2.2,
            zorder=6)
    ax.plot([_x(forecast, origin)], [y], marker="*", markersize=13, color=LIGHT_COLOURS["red"], markeredgecolor=_INK,
            markeredgewidth=0.6, zorder=7)
    ax.annotate(f"预计 {day_zh(forecast)} 完成", (_x(forecast, origin), y), xytext=(-6, -9), textcoords="offset points",
                ha="right", va="top", fontsize=_LABEL_PT, color=LIGHT_COLOURS["red"], fontweight="bold", zorder=8)


def _gantt_subtitle(doc: DocumentFacts) -> str:
    counts = {light: 0 for light in LIGHT_COLOURS}
    for status in doc.board.steps.values():
        counts[bar_colour(status)] += 1
    parts = [f"截至 {day_zh(doc.as_of)}",
             "、".join(f"{LIGHT_ZH[k].split('（')[0]} {counts[k]} 项" for k in ("red", "yellow", "green", "grey"))]
    end = doc.board.end
    if end is not None:
        late = f"，比计划晚 {end.late_days} 天" if end.late_days else "，按期"
        parts.append(f"预计 {day_zh(end.forecast_due)} 完成{late}")
    return "　".join(parts)


def _x(day: date, origin: date) -> float:
    """A day as the x coordinate: days since the chart's left edge (plain numbers, no date units)."""
    return float((day - origin).days)


def _draw_row(ax: Axes, y: int, row: GanttRow, origin: date, days_per_px: float) -> None:
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
        if bar.late_until is not None:
            # Past the due date, in red up to today (or to the day a late step was done): lateness has a length.
            ax.barh(y, (bar.late_until - bar.due).days, left=_x(bar.due, origin) + 1, height=0.62,
                    color=LIGHT_COLOURS["red"], edgecolor="white", linewidth=0.6, zorder=3, gid=f"late:{bar.step}")
        if bar.original_due is not None:
            # The days the extension added, hatched (never narrower than MIN_EXTENSION_PX, so a week's extension
            # shows on A4), and a tick where the plan's own due date was.
            start = _x(bar.original_due, origin) + 1
            hatched = max(float((bar.due - bar.original_due).days), MIN_EXTENSION_PX * 1.2 * days_per_px)  # margin
            ax.barh(y, hatched, left=start, height=0.62, facecolor="white", hatch="////", edgecolor=_INK, linewidth=0,
                    zorder=4, gid=f"extension:{bar.step}")
            ax.plot([_x(bar.original_due, origin)], [y], marker="|", markersize=12, markeredgewidth=2.4, color=_INK,
                    zorder=6, gid=f"original-due:{bar.step}")
        if bar.done_on is not None:
            ax.plot([_x(bar.done_on, origin)], [y], marker="D", markersize=4.5, markerfacecolor="white", markeredgecolor=_INK,
                    markeredgewidth=0.9, linestyle="none", zorder=7)
    if row.lead:
        # The lead bureau just after the row's last bar, or before its first when the last runs to the right edge.
        # A row whose bars span the whole axis gets it on a white patch at the right edge.
        right = max(max(b.due, b.late_until or b.due) for b in row.bars)
        x_right, x_left, edge = _x(right, origin) + 1, _x(min(b.start for b in row.bars), origin), ax.get_xlim()[1]
        style: dict[str, object] = {"va": "center", "fontsize": _LABEL_PT - 0.5, "color": "#333333", "zorder": 8,
                                    "gid": f"lead:{row.label}"}
        if x_right <= edge * 0.86:
            ax.text(x_right + 4, y, row.lead, ha="left", **style)  # type: ignore[arg-type]
        elif x_left >= edge * 0.14:
            ax.text(x_left - 4, y, row.lead, ha="right", **style)  # type: ignore[arg-type]
        else:
            ax.text(edge - 2, y, row.lead, ha="right", bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
                    **style)  # type: ignore[arg-type]


def _gantt_axes(ax: Axes, rows: tuple[GanttRow, ...], first: date, last: date) -> None:
    ax.set_ylim(len(rows) - 0.5, -0.5)  # top row first
    ax.set_yticks(range(len(rows)), [row.label for row in rows], fontsize=_LABEL_PT)
    for label, row in zip(ax.get_yticklabels(), rows, strict=True):
        if row.header:
            label.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.set_xlim(0, _x(last + timedelta(days=1), first))
    years = range(first.year, last.year + 1)
    # Year boundaries as grid lines, the year's name in the middle of its span, quarters as minor ticks.
    ax.set_xticks([_x(date(y, 1, 1), first) for y in [*years, last.year + 1]], minor=False, labels=[])
    ax.set_xticks([_x(date(y, m, 1), first) for y in years for m in (4, 7, 10)], minor=True)
    for y in years:
        ax.text(_x(date(y, 7, 1), first), -0.012, f"{y}年", transform=ax.get_xaxis_transform(), ha="center", va="top",
                fontsize=_LABEL_PT)
    ax.grid(axis="x", which="major", color="#9AA5B1", linewidth=0.8, zorder=1)
    ax.grid(axis="x", which="minor", color="#D5DBE1", linewidth=0.5, linestyle=":", zorder=1)
    ax.tick_params(axis="x", which="both", length=3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _gantt_legend() -> list[Patch | Line2D]:
    handles: list[Patch | Line2D] = [Patch(facecolor=LIGHT_COLOURS[k], label=LIGHT_ZH[k]) for k in LIGHT_COLOURS]
    handles += [
        Patch(facecolor="white", edgecolor=_INK, linewidth=2.0, label="关键路径（粗黑边框）"),
        Line2D([], [], marker="D", markersize=5, markerfacecolor="white", markeredgecolor=_INK, linestyle="none",
               label="完成日期"),
        Line2D([], [], marker="|", markersize=10, markeredgewidth=2.2, color=_INK, linestyle="none",
               label="原定截止日（斜线为延期部分）"),
        Line2D([], [], marker="*", markersize=10, color=LIGHT_COLOURS["red"], linestyle=":", label="预计完成日"),
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
    figure, title = indicator_figure(doc)
    return _save(figure, path, "png", title)


def indicator_figure(doc: DocumentFacts) -> tuple[Figure, str]:
    """The indicator chart as a matplotlib figure (A4 landscape at 150 dpi) and its title with the date."""
    _use_cjk_font()
    panels = indicator_panels(doc.plan, doc.values, doc.as_of, doc.board)
    columns = 5
    lines = max(1, -(-len(panels) // columns))
    figure = Figure(figsize=_A4_LANDSCAPE, dpi=_DPI)
    # Room between panels for a two-line title above and the target's two lines below each.
    figure.subplots_adjust(left=0.045, right=0.99, top=0.9, bottom=0.145, hspace=1.05, wspace=0.3)
    axes = figure.subplots(lines, columns, squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        _draw_panel(ax, panel)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    years = panels[0].points if panels else ()
    span = f"{years[0].year}年（基准年）至{years[-1].year}年" if years else ""
    title = f"附件1 建设指标完成情况 {span}"
    figure.suptitle(f"{title}（截至 {day_zh(doc.as_of)}）", y=0.985, fontsize=14, fontweight="bold")
    handles: list[Patch | Line2D] = [Patch(facecolor=VERDICT_COLOURS[k], label=VERDICT_ZH[k]) for k in VERDICT_COLOURS]
    handles += [Line2D([], [], marker="o", markersize=7, markerfacecolor="none", markeredgecolor=c, markeredgewidth=1.4,
                       linestyle="none", label=word)
                for c, word in ((VERDICT_COLOURS["no_data"], "未报送（未到期）"), (LIGHT_COLOURS["red"], "未报送且已逾期"))]
    handles += [Line2D([], [], color=_INK, linestyle="--", linewidth=1, label="目标值"),
                Line2D([], [], color=_TODAY, marker="_", markersize=12, markeredgewidth=2, linestyle="none",
                       label="上级下达的考核目标")]
    figure.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=4, fontsize=_LABEL_PT,
                  frameon=False)
    return figure, f"{title}（截至 {day_zh(doc.as_of)}）"


def _missing_note(ax: Axes, panel: IndicatorPanel) -> None:
    """One 未报送 per panel, naming the years (red when one of them is overdue): words per year would overlap."""
    missing = [p for p in panel.points if p.value is None and p.verdict == "no_data" and not _is_baseline(panel, p)]
    if not missing:
        return
    years = "、".join(str(p.year) for p in missing)
    overdue = any(p.overdue for p in missing)
    ax.text(0.5, 0.04, f"{_MISSING}：{years}年", transform=ax.transAxes, ha="center", va="bottom",
            fontsize=_LABEL_PT - 0.5, color=LIGHT_COLOURS["red"] if overdue else "#666666",
            fontweight="bold" if overdue else "normal", gid="missing", zorder=6)


def _is_baseline(panel: IndicatorPanel, point: PanelPoint) -> bool:
    return point.year == panel.points[0].year


def _missing_colour(point: PanelPoint) -> str:
    return LIGHT_COLOURS["red"] if point.overdue else VERDICT_COLOURS["no_data"]


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
    ax.set_title(_wrap(f"{ind.id} {ind.title}", 13), fontsize=_LABEL_PT, fontweight="bold", loc="left")
    # The first year is the baseline (基准), judged against nothing before it; years as 23, 24 … so six fit.
    ax.set_xticks(years, [f"{y % 100:02d}\n基准" if i == 0 else f"{y % 100:02d}" for i, y in enumerate(years)],
                  fontsize=_LABEL_PT - 0.5)
    ax.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    ax.set_xlabel(f"目标：{_wrap(ind.target_text, 14)}", fontsize=_LABEL_PT - 0.5, color="#444444")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _missing_note(ax, panel)
    if panel.flag:
        _draw_flags(ax, panel)
        return
    low, high = panel.limits()
    ax.set_ylim(low, high)
    ax.set_ylabel(ind.unit, fontsize=_LABEL_PT - 0.5)
    ax.tick_params(axis="y", labelsize=_LABEL_PT - 0.5)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 5, 10]))
    known = [(p.year, p.value) for p in panel.points if p.value is not None]
    ax.plot([year for year, _ in known], [value for _, value in known], color="#9AA5B1", linewidth=1, zorder=2)
    for point in panel.points:
        if point.value is None:
            # A hollow mark on the axis for each missing year (red once overdue); the words are said once below.
            ax.scatter([point.year], [low + (high - low) * 0.3], s=30, marker="o", facecolors="none",
                       edgecolors=_missing_colour(point), linewidths=1.4, zorder=3,
                       gid=f"missing:{point.year}:{'overdue' if point.overdue else 'pending'}")
            continue
        ax.scatter([point.year], [point.value], s=34, color=VERDICT_COLOURS[point.verdict], edgecolors="white",
                   linewidths=0.6, zorder=3)
        ax.annotate(f"{point.value:g}", (point.year, point.value), xytext=(0, 5), textcoords="offset points",
                    ha="center", fontsize=_LABEL_PT - 0.5, color="#333333")
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
        word = "—" if point.value is None else ("是" if point.value >= 0.5 else "否")
        colour = _missing_colour(point) if point.value is None else VERDICT_COLOURS[point.verdict]
        ax.text(point.year, 0.55, word, ha="center", va="center", fontsize=_LABEL_PT - 0.5, fontweight="bold",
                color="white", bbox={"boxstyle": "round,pad=0.3", "facecolor": colour, "linewidth": 0},
                gid=f"flag:{point.year}:{'overdue' if point.overdue else 'pending'}")
