"""Helpers every command group shares: the consoles, loading the plan, failing cleanly."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from cli.exits import Exit
from config.errors import FileProblem
from config.loader import check_plan, load_plan_cached
from config.settings import get_settings
from core.plan import Plan

__all__ = ["compile_plan", "err", "fail", "load_plan_or_exit", "out", "parse_day", "parse_when", "plan_path", "print_problems",
           "read_rows", "today"]

# Piped output (a log, a file) gets a wide page instead of rich's 80 columns, so that long Chinese
# titles are not cut mid-word.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
for _console in (out, err):
    if not _console.is_terminal:
        _console.width = 200


def fail(message: str, code: Exit = Exit.BAD_INPUT) -> NoReturn:
    """Print a message on stderr and exit with ``code``."""
    err.print(message, markup=False)
    raise typer.Exit(int(code))


def parse_day(text: str, option: str) -> date:
    """A YYYY-MM-DD option value, or exit 2 naming the option."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(f"{option} “{text}” 不是日期，应写成 YYYY-MM-DD / {option} {text!r} is not a date (YYYY-MM-DD)")


def today(plan: Plan) -> date:
    """Today in the plan's zone (Asia/Shanghai), never the server's UTC date."""
    return datetime.now(ZoneInfo(plan.settings.timezone)).date()


def plan_path(choice: str | Path | None) -> Path:
    """The plan file a command means: ``--plan`` (a file, or a plan id of ``LIANGSHAN_PLANS``), else
    ``LIANGSHAN_PLAN``, else the folder's only plan; exit 2 naming the closest ids when it cannot tell.
    """
    from config.plans import PlanChoiceError, choose_plan

    try:
        return choose_plan(None if choice is None else str(choice), get_settings())
    except PlanChoiceError as exc:
        fail(f"{exc.zh} / {exc.en}")


def print_problems(problems: list[FileProblem]) -> None:
    """Every error and warning, one per paragraph, on stderr."""
    for problem in problems:
        err.print(str(problem), markup=False, style="red" if problem.severity == "error" else "yellow")


def compile_plan(file: Path) -> tuple[Plan | None, list[FileProblem]]:
    """Compile a plan file, cached under ``LIANGSHAN_HOME`` where it exists (see load_plan_cached)."""
    home = Path(get_settings().home)
    return load_plan_cached(file, home / "cache") if home.is_dir() else check_plan(file)


def load_plan_or_exit(path: str | Path | None) -> Plan:
    """Load the plan (``--plan``: an id or a file; see plan_path), or print every problem and exit 2."""
    plan, problems = compile_plan(plan_path(path))
    if plan is None:
        print_problems(problems)
        count = sum(p.severity == "error" for p in problems)
        fail(f"计划文件有 {count} 处错误，未做任何改动 / the plan has {count} error(s); nothing was done")
    return plan


def parse_when(raw: object, where: str) -> datetime | None:
    """When something happened (a value reported, a case contributed), never in the future.

    A date means noon in Beijing; a naive datetime is Beijing time; None means "now" to the caller.
    """
    if raw is None:
        return None
    beijing = ZoneInfo("Asia/Shanghai")
    if isinstance(raw, datetime):
        when = raw if raw.tzinfo else raw.replace(tzinfo=beijing)
    elif isinstance(raw, date):
        when = datetime.combine(raw, time(12), beijing)
    else:
        try:
            when = datetime.combine(date.fromisoformat(str(raw)), time(12), beijing)
        except ValueError:
            fail(f"{where}：日期“{raw}”应为 YYYY-MM-DD / a date is YYYY-MM-DD")
    if when.date() > datetime.now(beijing).date():
        fail(f"{where}：日期 {when.date()} 在未来 / {when.date()} is in the future")
    return when


def read_rows(path: Path, key: str) -> list[dict[str, Any]]:
    """The list under ``key`` in a YAML import file, or exit 2 naming the file and what is wrong.

    The file is read as every input file is (:mod:`config.safe_yaml`): too big, not UTF-8 text, an
    alias bomb or nesting too deep is refused with the file and line, before anything is built.
    """
    import yaml

    from config.safe_yaml import UnsafeInput, guarded_load, read_text

    try:
        data = guarded_load(read_text(path)) or {}
    except OSError as exc:
        fail(f"{path}: 无法读取 / cannot read: {exc.strerror or exc}")
    except UnsafeInput as exc:
        print_problems([exc.problem(path)])
        fail(f"{path}: 文件被拒绝，未导入任何内容 / the file is refused; nothing was imported")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else f"{path}:1:1"
        fail(f"{where}: YAML 语法错误 / YAML syntax error: {exc.problem or exc}")
    except (yaml.YAMLError, ValueError) as exc:
        fail(f"{path}: YAML 语法错误 / YAML syntax error: {exc}")
    rows = data.get(key) if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        fail(f"{path}: 应有 {key}: 列表，每项一个映射 / expected a list of mappings under {key!r}")
    return rows
