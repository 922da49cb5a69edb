"""Read the holiday override file and build the working-day calendar from it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from config.errors import FileProblem, InvalidFile
from config.yamlpos import YamlSyntaxError, load_located
from core.workdays import WorkdayCalendar

__all__ = ["load_calendar"]


def load_calendar(path: str | Path | None) -> WorkdayCalendar:
    """A calendar with the override file's days on top of the built-in sources.

    A missing file means no overrides.

    Raises:
        InvalidFile: the file is not YAML, or a key is not a date or ``date..date`` range.
    """
    if path is None or not Path(path).exists():
        return WorkdayCalendar()
    file = str(path)
    try:
        located = load_located(Path(path).read_text(encoding="utf-8"))
    except YamlSyntaxError as exc:
        raise InvalidFile([FileProblem("error", file, exc.position.line, exc.position.column, "",
                                       f"YAML 语法错误：{exc}", "YAML syntax error")]) from exc
    data = located.data or {}
    overrides: dict[date, tuple[bool, str]] = {}
    problems: list[FileProblem] = []
    for section, workday in (("holidays", False), ("workdays", True)):
        for key, name in (data.get(section) or {}).items():
            try:
                for day in _days(key):
                    overrides[day] = (workday, str(name or ""))
            except ValueError:
                pos = located.position((section, key))
                problems.append(FileProblem("error", file, pos.line, pos.column, f"{section}.{key}",
                                            f"“{key}”不是日期或日期范围", f"{key!r} is not a date or a date..date range",
                                            "写成 2027-10-01 或 2027-10-01..2027-10-07"))
    if problems:
        raise InvalidFile(problems)
    return WorkdayCalendar(overrides, complete_years=[int(y) for y in data.get("complete_years") or []])


def _days(key: object) -> list[date]:
    if isinstance(key, date):
        return [key]
    first, _, last = str(key).partition("..")
    start = date.fromisoformat(first.strip())
    end = date.fromisoformat(last.strip()) if last else start
    if end < start:
        raise ValueError(key)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
