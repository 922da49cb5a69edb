"""The folder of plans (``LIANGSHAN_PLANS``) and which plan a command means (``--plan ID`` or a file).

No command-line code here: a refusal is a :class:`PlanChoiceError` with its Chinese and English
words, which the CLI prints and exits 2 on. Finding a plan's id never compiles the plan: the
top-level ``plan:`` block's ``id:`` is read from the text (cached by the file's mtime and size).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from config.settings import Settings

__all__ = ["PlanChoiceError", "PlanEntry", "choose_plan", "folder_plans", "installed_plans", "plan_header"]

_SUFFIXES = (".yaml", ".yml")
_KEY = re.compile(r"^(?P<indent>[ \t]+)(?P<key>id|title):[ \t]*(?P<value>.*?)[ \t]*$")
_cache: dict[tuple[str, int, int], tuple[str | None, str | None]] = {}


class PlanChoiceError(ValueError):
    """The plan asked for cannot be chosen (unknown id, several plans and none chosen, no plan at all)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass(frozen=True, slots=True)
class PlanEntry:
    """One plan file and the id and title its ``plan:`` block declares (None when they cannot be read)."""

    path: Path
    id: str | None
    title: str | None


def _unquote(value: str) -> str:
    value = re.sub(r"\s+#.*$", "", value).strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _scan(text: str) -> tuple[str | None, str | None]:
    """The ``id`` and ``title`` of the top-level ``plan:`` block, by reading its lines."""
    found: dict[str, str] = {}
    inside, indent = False, None
    for line in text.splitlines():
        if not inside:
            inside = line.rstrip() == "plan:"
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            break
        width = len(line) - len(line.lstrip())
        indent = width if indent is None else indent
        match = _KEY.match(line)
        if match and width == indent and match["key"] not in found:
            found[match["key"]] = _unquote(match["value"])
    return found.get("id") or None, found.get("title") or None


def _parse(text: str) -> tuple[str | None, str | None]:
    """Fallback for a ``plan:`` block written another way (flow style): YAML, still without compiling."""
    import yaml

    from config.safe_yaml import UnsafeInput, guarded_load

    try:
        data = guarded_load(text)
    except (yaml.YAMLError, UnsafeInput, ValueError):
        return None, None
    block = data.get("plan") if isinstance(data, dict) else None
    if not isinstance(block, dict):
        return None, None
    pid, title = block.get("id"), block.get("title")
    return (str(pid) if pid else None), (str(title) if title else None)


def plan_header(path: Path) -> tuple[str | None, str | None]:
    """A plan file's declared id and title, read cheaply and cached while the file is unchanged.

    (None, None) when they cannot be read: the file is missing, too big, not UTF-8 text or hostile
    YAML (see :mod:`config.safe_yaml`); compiling the plan then says what is wrong with it.
    """
    from config.safe_yaml import UnsafeInput, read_text

    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key not in _cache:
            text = read_text(path)
            pid, title = _scan(text)
            _cache[key] = (pid, title) if pid else _parse(text)
        return _cache[key]
    except (OSError, UnsafeInput):
        return None, None


def folder_plans(folder: Path) -> list[PlanEntry]:
    """Every ``*.yaml``/``*.yml`` file of the folder (not its subfolders), by file name."""
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.suffix in _SUFFIXES and p.is_file())
    return [PlanEntry(p, *plan_header(p)) for p in files]


def installed_plans(settings: Settings) -> list[PlanEntry]:
    """The plans of this installation: the one file ``LIANGSHAN_PLAN`` when set, else the folder's."""
    if settings.plan_set:
        return [PlanEntry(settings.plan, *plan_header(settings.plan))]
    return folder_plans(settings.plans)


def _ids(entries: list[PlanEntry]) -> list[str]:
    return sorted({e.id for e in entries if e.id})


def _looks_like_file(choice: str) -> bool:
    return "/" in choice or "\\" in choice or choice.endswith(_SUFFIXES)


def choose_plan(choice: str | None, settings: Settings) -> Path:
    """The plan file a command means.

    ``choice`` is ``--plan``: an existing file is used as it is; otherwise it is the id of a plan in
    the folder (or of the ``LIANGSHAN_PLAN`` file). Without it: ``LIANGSHAN_PLAN`` when set, else the
    folder's only plan. A path that names no file is returned as it is, so that loading it reports
    the missing file as before.

    Raises:
        PlanChoiceError: unknown id (with the closest ids), an id declared by two files, or no
            choice while the folder holds several plans or none.
    """
    folder = settings.plans
    if choice is None:
        if settings.plan_set:
            return settings.plan
        entries = folder_plans(folder)
        if len(entries) == 1:
            return entries[0].path
        if not entries:
            raise PlanChoiceError(f"计划文件夹 {folder} 中没有计划文件（*.yaml）；"
                                  "请放入计划文件，或设置 LIANGSHAN_PLANS / LIANGSHAN_PLAN",
                                  f"no plan file in {folder}: add one, or set LIANGSHAN_PLANS or LIANGSHAN_PLAN")
        listed = "、".join(_ids(entries)) or "（无 none）"
        raise PlanChoiceError(f"计划文件夹 {folder} 中有 {len(entries)} 个计划，请用 --plan ID 选择一个：{listed}",
                              f"{len(entries)} plans in {folder}: choose one with --plan ID")
    if Path(choice).is_file():
        return Path(choice)
    entries = folder_plans(folder)
    if settings.plan_set and all(e.path.resolve() != settings.plan.resolve() for e in entries):
        entries.append(PlanEntry(settings.plan, *plan_header(settings.plan)))
    matches = [e.path for e in entries if e.id == choice]
    if len(matches) == 1:
        return matches[0]
    if matches:
        files = "、".join(str(p) for p in matches)
        raise PlanChoiceError(f"有 {len(matches)} 个计划文件的 id 都是“{choice}”：{files}；请改正其中一个，或用文件路径",
                              f"several plan files declare the id {choice!r}: fix one, or give the file's path")
    if _looks_like_file(choice):
        return Path(choice)
    ids = _ids(entries)
    close = difflib.get_close_matches(choice, ids, n=3, cutoff=0.5)
    hint = f"（最接近 closest：{'、'.join(close)}）" if close else ""
    raise PlanChoiceError(f"没有计划“{choice}”{hint}；可选：{'、'.join(ids) or '（计划文件夹为空）'}",
                          f"no plan {choice!r} in {folder}" + (f"; did you mean {close[0]!r}?" if close else ""))
