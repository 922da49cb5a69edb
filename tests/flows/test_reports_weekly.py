"""The weekly documents: written on the week's first working day, or caught up later in a week without them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core.workdays import WorkdayCalendar
from tasks.documents import reports_due


def test_first_working_day_of_the_week_and_catch_up(tmp_path: Path) -> None:
    """Monday writes; Tuesday writes only when the week has no folder; 2024-10-08 follows the National Day week."""
    calendar = WorkdayCalendar()
    assert reports_due(calendar, tmp_path, date(2026, 11, 30))  # a Monday
    assert reports_due(calendar, tmp_path, date(2026, 12, 1))  # Tuesday, nothing written this week
    (tmp_path / "2026-11-30").mkdir(parents=True)  # tmp_path stands for the plan's folder of days
    assert not reports_due(calendar, tmp_path, date(2026, 12, 1))
    assert reports_due(calendar, tmp_path, date(2026, 12, 7))  # the next Monday
    # 2024-10-07 (Monday) is a holiday and 2024-10-08 the week's first working day.
    assert reports_due(calendar, tmp_path, date(2024, 10, 8))
