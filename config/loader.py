"""Load a plan file: read YAML with positions, check its shape, compile it into a core Plan.

Every problem is collected (not just the first) and reported with file, line, column, the field
path, what is wrong and what would fix it, in Chinese and English.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from config.errors import FileProblem, InvalidFile, problem
from config.safe_yaml import UnsafeInput, read_text
from config.yamlpos import YamlSyntaxError, load_located
from core.plan import Plan

__all__ = ["check_plan", "load_plan", "load_plan_cached"]


def load_plan(path: str | Path) -> Plan:
    """Load and validate a plan file.

    Raises:
        InvalidFile: the file is missing, not YAML, or breaks the schema or the plan's rules;
            every problem is listed with its position.
    """
    plan, problems = check_plan(path)
    if plan is None:
        raise InvalidFile(problems)
    return plan


def load_plan_cached(path: str | Path, cache_dir: Path) -> tuple[Plan | None, list[FileProblem]]:
    """Like :func:`check_plan`, but reuse the compiled plan from ``cache_dir`` when the file is unchanged.

    Validating the YAML costs ~0.25 s of every command's start (pydantic builds its validators);
    the compiled plan is pickled under a key made of the file's bytes and the source of the code
    that compiles it, so any change to either compiles afresh. A valid plan has no errors, so the
    cache only ever holds plans that validated; warnings are not replayed (``plan validate`` does not
    use the cache).
    """
    try:
        raw = read_text(path).encode("utf-8")  # the file's own bytes: it decoded as UTF-8
    except (OSError, UnsafeInput):
        return check_plan(path)
    key = hashlib.sha256(raw + _code_fingerprint()).hexdigest()
    cached = cache_dir / f"plan-{key[:32]}.pickle"
    try:
        with cached.open("rb") as handle:
            plan = pickle.load(handle)
        if isinstance(plan, Plan) and plan.source == str(path):
            return plan, []
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass  # no cache yet, or one written by other code: compile afresh
    plan, problems = check_plan(path)
    if plan is not None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as handle:
                pickle.dump(plan, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cached)
        except OSError:
            pass  # a read-only home still works, only slower
    return plan, problems


def _code_fingerprint() -> bytes:
    """The source of every module that shapes a compiled plan."""
    here = Path(__file__).resolve().parent
    core = here.parent / "core"
    parts = [here / "loader.py", here / "compile.py", here / "schema.py", core / "plan.py", core / "periods.py",
             core / "frozen.py"]
    return b"".join(p.read_bytes() for p in parts)


def check_plan(path: str | Path) -> tuple[Plan | None, list[FileProblem]]:
    """Validate a plan file, returning the plan (None on any error) and every problem found."""
    file = str(path)
    try:
        text = read_text(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return None, [problem(file, 1, 1, "", f"无法读取计划文件：{reason}", f"cannot read the plan file: {reason}",
                               "检查路径，或设置 LIANGSHAN_PLAN / check the path or set LIANGSHAN_PLAN")]
    except UnsafeInput as exc:
        return None, [exc.problem(file)]
    try:
        located = load_located(text)
    except YamlSyntaxError as exc:
        pos = exc.position
        return None, [problem(file, pos.line, pos.column, "", f"YAML 语法错误：{exc}", "YAML syntax error",
                               "修正该行的缩进或引号 / fix the indentation or quoting on that line")]
    except UnsafeInput as exc:
        return None, [exc.problem(file)]
    if located.data is None:
        return None, [problem(file, 1, 1, "", "计划文件是空的", "the plan file is empty",
                               "参照 config/plans/huyi.yaml 填写 plan、bureaus、phases 等 / see config/plans/huyi.yaml")]
    from config.compile import compile_plan  # pydantic and the schema: only when the cache misses

    return compile_plan(file, located, hashlib.sha256(text.encode("utf-8")).hexdigest())

