"""Properties over arbitrary input: each reader either reads it or says what is wrong, in its own documented way.

The period-word parser raises only PeriodError; the plan compiler, on mutations of the shipped plan, returns
problems or a plan; an events file of any structure is read or refused with InvalidFile; the command line, on
random arguments, exits 0-3 without a traceback and writes nothing when it refuses.
"""

from __future__ import annotations

import contextlib
import copy
import re
from datetime import date
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.errors import InvalidFile
from config.events import load_event_rows, load_events
from config.loader import check_plan
from config.settings import DEFAULT_PLAN
from config.yamlpos import load_located
from core.periods import PeriodError, parse_period, parse_window
from core.plan import Plan
from tests.config.test_hostile_files import Home, assert_clean

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# ---------------------------------------------------------------- period words

_WORDS = ["2024", "1999", "0000", "9999", "年", "月", "日", "号", "初", "上旬", "中旬", "下旬", "中下旬", "上中旬", "底", "末",
          "上半月", "下半月", "上半年", "下半年", "年初", "年中", "年底", "年末", "第", "一", "二", "三", "四", "十", "十二",
          "三十一", "季度", "0", "1", "2", "12", "13", "31", "32", "-", "..", "至", "到", "—", "~", "～", " ", "2024-02-30",
          "2024-04-01", "9999-12-31", "0001-01-01"]
_PHRASES = st.one_of(st.text(max_size=30), st.lists(st.sampled_from(_WORDS), max_size=8).map("".join))
_YEARS = st.one_of(st.none(), st.integers(min_value=-5, max_value=12000))


@FAST
@given(phrase=_PHRASES, year=_YEARS)
def test_period_words_raise_only_period_error(phrase: str, year: int | None) -> None:
    """Any text, with any default year: a window whose due is not before its start, or PeriodError."""
    for parse in (parse_window, parse_period):
        try:
            window = parse(phrase, year)
        except PeriodError:
            continue
        assert window.start <= window.due


# ---------------------------------------------------------------- the plan compiler

_HUYI = load_located(DEFAULT_PLAN.read_text(encoding="utf-8")).data


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``data``."""
    found = [path] if path else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += _paths(value, (*path, i))
    return found


_ALL_PATHS = _paths(_HUYI)
_KEY_PATHS = [p for p in _ALL_PATHS if isinstance(p[-1], str)]
_DATE_PATHS = [p for p in _ALL_PATHS if p[-1] in ("window", "start", "due", "since")]
_ID_PATHS = [p for p in _ALL_PATHS if p[-1] == "id" or (len(p) > 1 and p[-2] in ("owners", "depends_on"))]
_STEPS = [(pi, si) for pi, phase in enumerate(_HUYI["phases"]) for si, _ in enumerate(phase.get("steps", []))]


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(data, path[:-1])[path[-1]] = value


_ODD_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                        st.text(max_size=20), st.lists(st.integers(), max_size=3),
                        st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))


def _edit(draw: st.DrawFn, data: dict[str, Any], kind: str) -> None:
    """One edit of ``kind`` to the plan's data (raising KeyError and the like when an earlier edit took its place)."""
    if kind == "delete":
        path = draw(st.sampled_from(_KEY_PATHS))
        del _get(data, path[:-1])[path[-1]]
    elif kind == "retype":
        _set(data, draw(st.sampled_from(_ALL_PATHS)), draw(_ODD_VALUES))
    elif kind == "swap-dates":
        first, second = draw(st.sampled_from(_DATE_PATHS)), draw(st.sampled_from(_DATE_PATHS))
        a, b = _get(data, first), _get(data, second)
        _set(data, first, b)
        _set(data, second, a)
    elif kind == "unknown-id":
        _set(data, draw(st.sampled_from(_ID_PATHS)), draw(st.sampled_from(["nobody", "mobilize.nothing", "", "eco", "x" * 300])))
    else:  # a dependency cycle: two steps (or one step twice) depending on each other
        (pa, sa), (pb, sb) = draw(st.sampled_from(_STEPS)), draw(st.sampled_from(_STEPS))
        a, b = data["phases"][pa]["steps"][sa], data["phases"][pb]["steps"][sb]
        a.setdefault("depends_on", []).append(b["id"])
        b.setdefault("depends_on", []).append(a["id"])


@st.composite
def _mutated(draw: st.DrawFn) -> dict[str, Any]:
    """The shipped plan with one to three edits of the kinds a hand-edited plan goes wrong in."""
    data = copy.deepcopy(_HUYI)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["delete", "retype", "swap-dates", "unknown-id", "cycle"]))
        with contextlib.suppress(KeyError, IndexError, TypeError, AttributeError):
            _edit(draw, data, kind)
    return data


@FAST
@given(data=_mutated())
def test_plan_mutations_give_problems_or_a_plan(data: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> None:
    """check_plan never raises on a mutated plan: it returns a plan, or problems with a position and Chinese words."""
    path = tmp_path_factory.mktemp("mutant") / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    plan, problems = check_plan(path)
    errors = [p for p in problems if p.severity == "error"]
    assert (plan is None) == bool(errors)
    for problem in errors:
        assert problem.file == str(path) and problem.line >= 1 and re.search(r"[\u4e00-\u9fff]", problem.zh), problem


# ---------------------------------------------------------------- events files

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(), st.text(max_size=12),
                     st.dates().map(str), st.sampled_from(["2024-04-08", "2024-04-08T10:30", "mobilize.work-plan", "eco",
                                                           "office", "2b", "是", "accept", "return"]))
_ANY = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=6), inner, max_size=4)),
                    max_leaves=20)
_FIELDS = ["type", "step", "by", "at", "deliverable", "deliverables", "note", "on_behalf_of", "files", "decision",
           "reason", "resubmit_by", "to", "indicator", "year", "value", "unit", "source", "theme", "title", "text"]
_TYPES = st.sampled_from(["checkin", "review", "ack", "extension", "value", "case", "other"])
_ROWS = st.dictionaries(st.sampled_from(_FIELDS), _ANY, max_size=8).flatmap(
    lambda row: _TYPES.map(lambda t: {"type": t, **row} if "type" not in row else row))
_FILES = st.one_of(_ANY, st.fixed_dictionaries({"events": st.lists(_ROWS, max_size=6)}),
                   st.fixed_dictionaries({"events": _ANY}))


@FAST
@given(doc=_FILES)
def test_events_files_read_or_refuse_with_invalid_file(doc: Any, huyi: Plan, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Any structure in an events file is read, or refused with InvalidFile naming the file and a line."""
    path = tmp_path_factory.mktemp("events") / "events.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    for read in (lambda: load_event_rows(path, huyi, today=date(2026, 1, 1)), lambda: load_events(path, huyi)):
        try:
            read()
        except InvalidFile as exc:
            assert exc.errors and all(p.file == str(path) and p.line >= 1 for p in exc.errors)


_YAMLISH = st.lists(st.sampled_from(["events:", "\n", "  - ", "{", "}", "[", "]", ": ", "&a ", "*a", "!!int ", "? ",
                                      "type: checkin", "at: 2024-04-08", "'", '"', "#", "\t", "---", "...", "%YAML 1.1", "|",
                                      ">"]), max_size=30)


@FAST
@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode), _YAMLISH.map(lambda p: "".join(p).encode())))
def test_events_bytes_read_or_refuse_with_invalid_file(raw: bytes, huyi: Plan, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Any bytes at all in an events file: read, or InvalidFile with a Chinese reason; never another exception."""
    path = tmp_path_factory.mktemp("raw") / "events.yaml"
    path.write_bytes(raw)
    try:
        load_event_rows(path, huyi, today=date(2026, 1, 1))
    except InvalidFile as exc:
        assert exc.errors and all(re.search(r"[\u4e00-\u9fff]", p.zh) for p in exc.errors)


# ---------------------------------------------------------------- command-line arguments

_ARG = st.one_of(st.text(max_size=24), st.sampled_from(["mobilize.work-plan", "eco", "office", "2024-04-08", "huyi-two-mountains",
                                                       "--json", "-", "", "../../etc/passwd", "x.yaml", "2024-02-30"]))


@pytest.fixture(name="cli_home", scope="module")
def fixture_cli_home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """An initialised SQLite home for the argument fuzz."""
    root = tmp_path_factory.mktemp("args")
    url = f"sqlite:///{root / 'liangshan.db'}"
    home = Home({"LIANGSHAN_DB_URL": url, "LIANGSHAN_HOME": str(root / "home")}, root / "home", url)
    assert home.run(["init"]).exit_code == 0
    return home


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(["status", "checkin"]), as_of=_ARG, plan=st.one_of(st.none(), _ARG), step=_ARG, by=_ARG)
def test_random_arguments_exit_0_to_3(cli_home: Home, command: str, as_of: str, plan: str | None, step: str, by: str) -> None:
    """status and checkin on random --as-of, --plan, step and bureau: exit 0-3, no traceback, nothing written on refusal."""
    args = ["status", "--as-of", as_of] if command == "status" else ["checkin", step, "--by", by, "--at", as_of]
    if plan is not None:
        args += ["--plan", plan]
    before = cli_home.counts()
    result = cli_home.run(args)
    assert_clean(result)
    assert result.exit_code in (0, 1, 2, 3), (args, result.output)
    if result.exit_code != 0:
        assert cli_home.counts() == before, args


@pytest.mark.parametrize("args", [
    ["project", "add", "P1", "--name", "长" * 501, "--by", "water", "--year", "2025", "--planned", "1"],
    ["project", "add", "P" * 51, "--name", "x", "--by", "water", "--year", "2025", "--planned", "1"],
    ["case", "add", "--theme", "3", "--by", "qinling", "--title", "长" * 501, "--year", "2025"],
])
def test_values_wider_than_their_column_are_refused(cli_home: Home, args: list[str]) -> None:
    """A project name or code, or a case title, longer than the database keeps: exit 2 (not PostgreSQL's error)."""
    before = cli_home.counts()
    result = cli_home.run(args)
    assert_clean(result)
    assert result.exit_code == 2 and "超过" in result.stderr
    assert cli_home.counts() == before
