"""The Gantt chart and the indicator chart: files a leader can open, at a readable size, every glyph drawn."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path

import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from core.collect import Collected, collected_events
from core.documents import DocumentFacts
from core.events import SHANGHAI, CheckIn, Extension, Fact, Facts, Review
from core.gantt import LIGHT_COLOURS, gantt_rows
from core.indicators import IndicatorValue
from core.plan import Plan
from core.status import Engine
from core.workdays import WorkdayCalendar
from reports.pictures import MIN_EXTENSION_PX, gantt_figure, indicator_figure, write_gantt, write_indicator_chart

AS_OF = date(2025, 6, 30)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), clock(hour), SHANGHAI)


def handed_in(plan: Plan, step_id: str, day: str) -> list[Fact]:
    """Every deliverable of a step checked in by its lead on ``day`` (and accepted, where the plan reviews)."""
    step = plan.steps[step_id]
    deliverables = tuple(d.id for d in step.deliverables)
    events: list[Fact] = [CheckIn(step_id, step.lead, at(day), deliverables)]
    if step.review:
        events.append(Review(step_id, "office", at(day, 15), "accept", deliverables))
    return events


def history(plan: Plan) -> tuple[list[Fact], dict[str, dict[int, IndicatorValue]]]:
    """Fifteen months of the Huyi plan: early phases done, one late step, one extension, one missed meeting."""
    events: list[Fact] = []
    for step_id, day in [
        ("mobilize.work-plan", "2024-04-17"), ("mobilize.leading-group", "2024-04-18"),
        ("mobilize.commission", "2024-04-18"), ("draft.survey", "2024-05-07"), ("draft.compile", "2024-05-08"),
        ("draft.publish", "2024-05-09"), ("apply.materials", "2024-05-09"), ("apply.provincial-review", "2024-05-28"),
        ("apply.national-review", "2024-10-15"),  # two weeks late
        ("build.annual-summary.2024", "2024-12-26"), ("meetings.2024q2", "2024-06-26"),
        ("meetings.2024q3", "2024-09-26"), ("meetings.2024q4", "2024-12-26"), ("meetings.2025q2", "2025-06-25"),
    ]:
        events += handed_in(plan, step_id, day)
    # 2025q1's meeting never met: red. The 2025 annual plan was extended to the end of July.
    events.append(Extension("build.annual-plan.2025", "office", at("2025-03-20"), date(2025, 7, 31), "等待上级批复"))
    values: dict[str, dict[int, IndicatorValue]] = {}
    for n, indicator in enumerate(plan.indicators):
        flag = indicator.rule.kind in ("achieved", "established")
        for year in (2023, 2024):
            number = 1.0 if flag else 80.0 + n + (year - 2023) * (1 if n % 3 else -1)
            values.setdefault(indicator.id, {})[year] = IndicatorValue(
                year, number, evidence=1 if flag else 0, assigned_target=80.0 if indicator.id == "1" else None)
    del values["10"][2024]  # one value still missing for 2024: grey
    records = [Collected("indicators", i, y, plan.indicators[0].owners[0], at("2025-02-10"))
               for i, by_year in values.items() for y in by_year]
    records += [Collected("cases", theme.id, 2024, theme.owners[0], at("2024-11-20")) for theme in plan.case_themes[:5]]
    events += collected_events(plan, records)
    return events, values


@pytest.fixture(name="doc", scope="module")
def fixture_doc(huyi: Plan) -> DocumentFacts:
    events, values = history(huyi)
    engine = Engine(huyi, WorkdayCalendar())
    facts = Facts(events)
    return DocumentFacts(huyi, engine, facts, AS_OF, engine.board(facts, AS_OF), values)


@pytest.fixture(autouse=True)
def no_missing_glyphs() -> Iterator[None]:
    """matplotlib only warns when the font lacks a character; a box instead of a word is a failure here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        yield


def size(path: Path) -> tuple[int, int]:
    """(width, height) in pixels of a written PNG."""
    pixels = imread(path)
    return pixels.shape[1], pixels.shape[0]


def test_the_gantt_chart_fills_an_a4_landscape_page(doc: DocumentFacts, tmp_path: Path) -> None:
    """A PNG wider than tall, at least 1600 px across: legible when printed on A4 landscape."""
    out = write_gantt(doc, tmp_path / "甘特图.png")
    assert out == tmp_path / "甘特图.png"
    width, height = size(out)
    assert width >= 1600
    assert 1.3 < width / height < 1.5  # A4's 297 : 210
    assert [p.name for p in tmp_path.iterdir()] == ["甘特图.png"]  # no temporary file left behind


def test_the_gantt_chart_as_svg_carries_its_chinese_title(doc: DocumentFacts, tmp_path: Path) -> None:
    text = write_gantt(doc, tmp_path / "gantt.svg").read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml")
    assert "鄠邑区“绿水青山就是金山银山”实践创新基地建设工作方案 进度甘特图" in text
    assert "截至 2025年6月30日" in text


def test_the_indicator_chart_is_a_readable_png(doc: DocumentFacts, tmp_path: Path) -> None:
    width, height = size(write_indicator_chart(doc, tmp_path / "指标完成情况.png"))
    assert width >= 1600
    assert width > height


@pytest.mark.parametrize("name", ["甘特图.pdf", "甘特图", "gantt.jpg"])
def test_a_gantt_chart_is_only_png_or_svg(doc: DocumentFacts, tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match=r"^甘特图只能写成 \.png 或 \.svg"):
        write_gantt(doc, tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_the_indicator_chart_is_only_png(doc: DocumentFacts, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^指标图只能写成 \.png"):
        write_indicator_chart(doc, tmp_path / "指标.svg")


def test_a_failed_drawing_leaves_the_old_file_alone(doc: DocumentFacts, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Written atomically: the portal never serves half a picture."""
    out = tmp_path / "甘特图.png"
    out.write_bytes(b"last week's chart")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("matplotlib.figure.Figure.savefig", broken)
    with pytest.raises(OSError, match="disk full"):
        write_gantt(doc, out)
    assert out.read_bytes() == b"last week's chart"
    assert [p.name for p in tmp_path.iterdir()] == ["甘特图.png"]



def patch_by_gid(figure: Figure, gid: str) -> Rectangle:
    """The drawn bar with this gid (reports.pictures names the parts a reader is meant to find)."""
    [found] = [p for ax in figure.axes for p in ax.patches if p.get_gid() == gid]
    assert isinstance(found, Rectangle)
    return found


def texts(figure: Figure, prefix: str) -> list[Text]:
    return [t for ax in figure.axes for t in ax.texts if (t.get_gid() or "").startswith(prefix)]


def day_x(day: date, first: date = date(2024, 1, 1)) -> float:
    return float((day - first).days)


def test_an_overdue_bar_runs_red_from_its_due_date_to_today(doc: DocumentFacts) -> None:
    figure, _ = gantt_figure(doc)
    late = patch_by_gid(figure, "late:meetings.2025q1")  # due 2025-03-31, never met
    assert late.get_x() == day_x(date(2025, 3, 31)) + 1
    assert late.get_x() + late.get_width() == day_x(AS_OF) + 1  # a day is [x, x + 1): today included
    assert to_hex(late.get_facecolor()) == LIGHT_COLOURS["red"].lower()
    # Handed in two weeks late: the red runs to the day it was done.
    done_late = patch_by_gid(figure, "late:apply.national-review")
    assert done_late.get_x() + done_late.get_width() == day_x(date(2024, 10, 15)) + 1


def test_a_short_extension_is_visible_at_a4(huyi: Plan, doc: DocumentFacts) -> None:
    """Two days on a five-year axis: drawn at least MIN_EXTENSION_PX wide, with a tick at the original due date."""
    extended = Extension("mobilize.commission", "office", at("2024-04-15"), date(2024, 4, 24), "补充材料")
    facts = Facts([extended])
    short = DocumentFacts(huyi, doc.engine, facts, date(2024, 4, 23), doc.engine.board(facts, date(2024, 4, 23)), {})
    figure, _ = gantt_figure(short)
    hatched = patch_by_gid(figure, "extension:mobilize.commission")
    ax = figure.axes[0]
    x0, x1 = ax.transData.transform([(hatched.get_x(), 0), (hatched.get_x() + hatched.get_width(), 0)])[:, 0]
    assert (x1 - x0) * 150 / figure.dpi >= MIN_EXTENSION_PX  # pixels of the 150 dpi picture
    assert hatched.get_hatch() == "////"
    assert [line for line in ax.lines if line.get_gid() == "original-due:mobilize.commission"]


def test_each_step_row_names_its_lead_bureau(doc: DocumentFacts) -> None:
    figure, _ = gantt_figure(doc)
    leads = {t.get_gid(): t.get_text() for t in texts(figure, "lead:")}
    rows = [r for r in gantt_rows(doc.plan, doc.board) if not r.header]
    assert len(leads) == len(rows)
    assert leads["lead:研究制定工作方案"] == "生态环境局"
    assert leads["lead:每季度调度会议"] == "领导小组办公室"


def test_the_forecast_end_is_on_the_axis(huyi: Plan) -> None:
    """Far behind: the plan's end is forecast past its due, and the axis reaches the forecast, marked by a star."""
    events, values = history(huyi)
    engine = Engine(huyi, WorkdayCalendar())
    facts = Facts(events)
    late_day = date(2029, 6, 30)
    board = engine.board(facts, late_day)
    assert board.end is not None and board.end.forecast_due > date(2029, 12, 31)
    figure, _ = gantt_figure(DocumentFacts(huyi, engine, facts, late_day, board, values))
    ax = figure.axes[0]
    assert ax.get_xlim()[1] >= day_x(board.end.forecast_due)
    stars = [line for line in ax.lines if line.get_marker() == "*"]
    assert [line.get_xdata()[0] for line in stars] == [day_x(board.end.forecast_due)]


def test_yellow_only_when_the_due_is_near(doc: DocumentFacts) -> None:
    colours = {bar.step: bar.light for row in gantt_rows(doc.plan, doc.board) for bar in row.bars if not row.header}
    for sid, colour in colours.items():
        status = doc.board.steps[sid]
        assert (colour == "yellow") == (status.status == "due_soon"), sid
        if status.status in ("not_open", "open") and status.due > doc.as_of and status.status != "due_soon":
            assert colour == "grey", sid


def test_one_missing_label_per_panel_red_when_overdue(doc: DocumentFacts) -> None:
    """Indicator 10 has no 2024 value and 2024's collection was due 2025-03-31: one red 未报送 in its panel."""
    figure, _ = indicator_figure(doc)
    notes = texts(figure, "missing")
    assert len(notes) == 1
    [note] = notes
    assert note.get_text() == "未报送：2024年"
    assert to_hex(note.get_color()) == LIGHT_COLOURS["red"].lower()
    for ax in figure.axes:
        assert sum(1 for t in ax.texts if "未报送" in t.get_text()) <= 1


def test_labels_print_at_eight_points_on_a_landscape_page(doc: DocumentFacts) -> None:
    """The pack prints the pictures 24 cm wide (81 % of their 29.7 cm): every word drawn prints at ≥ 8 pt."""
    for figure, _ in (gantt_figure(doc), indicator_figure(doc)):
        figure.canvas.draw()
        sizes = [t.get_fontsize() for ax in figure.axes for t in [*ax.texts, *ax.get_yticklabels(), *ax.get_xticklabels()]
                 if t.get_text()]
        assert min(sizes) * 24 / 29.7 >= 8
