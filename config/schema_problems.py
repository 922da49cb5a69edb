"""A plan file's shape errors (pydantic's) as problems a reader can fix: file, line, column, field, Chinese first.

The first of the two checks :func:`config.compile.compile_plan` makes; the plan's own rules are the second.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from pydantic import ValidationError

from config.errors import FileProblem, problem
from config.yamlpos import Located

__all__ = ["closest", "format_path", "schema_problems"]

# pydantic's names for members of a union, which are not keys of the file.
_UNION_TAGS = {"str", "date", "WindowRange", "int", "float", "bool", "none"}

_PYDANTIC_ZH = {
    "missing": ("缺少必填字段", "add the field"),
    "extra_forbidden": ("未知字段（可能拼写有误）", "remove it or correct its spelling"),
    "string_pattern_mismatch": (
        "id 只能由小写字母、数字、连字符组成，以点分段",
        "use lowercase letters, digits and dashes, e.g. annual-plan",
    ),
    "too_short": ("不能为空", "give at least one item"),
    "string_too_short": ("不能为空", "write a value"),
    "int_parsing": ("应为整数", "write a whole number"),
    "bool_parsing": ("应为 true 或 false", "write true or false"),
    "greater_than_equal": ("数值太小", "use a larger number"),
    "less_than_equal": ("数值太大", "use a smaller number"),
}



def format_path(path: Iterable[str | int]) -> str:
    """A field path as the messages show it: ``phases[2].steps[0].owners``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(文件 file)"


def schema_problems(file: str, located: Located, exc: ValidationError) -> list[FileProblem]:
    """pydantic's shape errors as problems at their line and column, in Chinese first, one per field."""
    problems: dict[str, FileProblem] = {}
    errors = exc.errors()
    faulty = [tuple(p for p in e["loc"] if p not in _UNION_TAGS) for e in errors if e["type"] != "too_short"]
    for err in errors:
        loc = tuple(p for p in err["loc"] if p not in _UNION_TAGS)
        kind = err["type"]
        if kind == "too_short" and any(f[:len(loc)] == loc and len(f) > len(loc) for f in faulty):
            continue  # pydantic also calls a list empty when its only items are faulty: the items say why
        # A missing or unknown key is not in the file's positions; show its full path anyway.
        shown = loc if kind in ("missing", "extra_forbidden") else located.nearest(loc) or loc
        pos = located.position(loc)
        zh, fix = _PYDANTIC_ZH.get(kind, ("字段值无效", "correct the value"))
        if (loc and loc[-1] == "window") or "window" in loc[-2:]:
            zh, fix = "时间窗口应为时间段文字或 {start, due}", "e.g. window: 2024年5月上旬"
        key = format_path(shown)
        if key in problems:
            continue  # a union reports once per member: one message is enough
        en = err["msg"]
        if kind == "extra_forbidden":
            zh = f"未知字段“{loc[-1]}”（可能拼写有误）"
        if kind == "literal_error":
            zh, fix = "取值不在可选范围内", f"可选 / one of: {err.get('ctx', {}).get('expected', '')}"
        problems[key] = problem(file, pos.line, pos.column, key, zh, en, fix)
    return list(problems.values())


def closest(word: str, choices: Iterable[str]) -> str:
    """A "did you mean" hint naming up to three close ids, or "" when none is close."""
    near = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    return f"是否想写 / did you mean: {', '.join(near)}" if near else ""
