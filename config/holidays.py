"""Read the holiday override file and build the working-day calendar from it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from config.errors import FileProblem, InvalidFile
from config.safe_yaml import UnsafeInput, read_text
from config.yamlpos import Located, YamlSyntaxError, load_located
from core.workdays import WorkdayCalendar

__all__ = ["load_calendar"]

_SECTIONS = (("holidays", False), ("workdays", True))
_LONGEST = 366  # days in one range: a holiday or make-up arrangement never spans more than a year


def load_calendar(path: str | Path | None) -> WorkdayCalendar:
    """A calendar with the override file's days on top of the built-in sources.

    A missing file means no overrides, and so does an empty one.

    Raises:
        InvalidFile: the file is unreadable, too big, not UTF-8 text or not YAML (see
            :mod:`config.safe_yaml`), not of the documented shape, or a key is not a date or a
            ``date..date`` range of at most a year.
    """
    if path is None or not Path(path).exists():
        return WorkdayCalendar()
    file = str(path)
    try:
        located = load_located(read_text(path))
    except OSError as exc:
        raise InvalidFile([_error(file, 1, 1, "", f"无法读取放假安排文件：{exc.strerror or exc}",
                                  f"cannot read the holiday file: {exc}")]) from exc
    except UnsafeInput as exc:
        raise InvalidFile([exc.problem(file)]) from exc
    except YamlSyntaxError as exc:
        raise InvalidFile([_error(file, exc.position.line, exc.position.column, "", f"YAML 语法错误：{exc}",
                                  "YAML syntax error")]) from exc
    data = located.data if located.data is not None else {}
    if not isinstance(data, dict):
        raise InvalidFile([_error(file, 1, 1, "", "应为 holidays、workdays、complete_years 三项的映射",
                                  "expected a mapping of holidays, workdays and complete_years")])
    overrides: dict[date, tuple[bool, str]] = {}
    problems: list[FileProblem] = []
    for section, workday in _SECTIONS:
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            problems.append(_at(file, located, (section,), section, "应为“日期: 名称”的映射", "expected date: name pairs"))
            continue
        for key, name in entries.items():
            try:
                days = _days(key)
            except ValueError:
                problems.append(_at(file, located, (section, key), f"{section}.{key}",
                                    f"“{key}”不是日期或一年以内的日期范围", f"{key!r} is not a date or a date..date range "
                                    "of at most a year", "写成 2027-10-01 或 2027-10-01..2027-10-07"))
                continue
            for day in days:
                overrides[day] = (workday, str(name or ""))
    years = _years(data.get("complete_years"))
    if years is None:
        problems.append(_at(file, located, ("complete_years",), "complete_years", "应为年份列表，如 [2027]",
                            "expected a list of years, e.g. [2027]"))
    if problems:
        raise InvalidFile(problems)
    return WorkdayCalendar(overrides, complete_years=years or [])


def _years(value: Any) -> list[int] | None:
    """The complete years (none when absent), or None when they are not a list of years."""
    if value is None:
        return []
    if not isinstance(value, list):
        return None
    try:
        years = [int(y) for y in value if not isinstance(y, bool | float)]
    except (TypeError, ValueError):
        return None
    return years if len(years) == len(value) and all(1900 <= y <= 9999 for y in years) else None


def _days(key: object) -> list[date]:
    if isinstance(key, date):
        return [key]
    first, _, last = str(key).partition("..")
    start = date.fromisoformat(first.strip())
    end = date.fromisoformat(last.strip()) if last else start
    if end < start or (end - start).days >= _LONGEST:
        raise ValueError(key)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _at(file: str, located: Located, where: tuple[Any, ...], path: str, zh: str, en: str, fix: str = "") -> FileProblem:
    pos = located.position(where)
    return _error(file, pos.line, pos.column, path, zh, en, fix)


def _error(file: str, line: int, column: int, path: str, zh: str, en: str, fix: str = "") -> FileProblem:
    return FileProblem("error", file, line, column, path, zh, en, fix)
