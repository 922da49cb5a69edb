"""Events files carry values and cases: they close the collecting steps in memory, under their commands' rules."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from config.errors import InvalidFile
from config.events import load_event_rows, load_events
from core.collect import Case, Value
from core.events import CheckIn
from core.plan import Plan
from core.workdays import WorkdayCalendar
from tests.config.complete_history import complete_history, events_yaml

runner = CliRunner()


def write(tmp_path: Path, text: str, name: str = "events.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_complete_five_year_file_completes_the_plan(huyi: Plan, tmp_path: Path) -> None:
    """The on-time history, a value per indicator and a case per theme every year: every step done by 2029-12-31."""
    calendar = WorkdayCalendar()
    events, records = complete_history(huyi, calendar)
    path = write(tmp_path, events_yaml(huyi, events, records))
    result = runner.invoke(app, ["status", "--events", str(path), "--as-of", "2029-12-31", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    steps = {s["id"]: s for s in doc["steps"]}
    assert {sid for sid, s in steps.items() if s["phase"] and s["status"] != "done"} == set()
    assert all(s["status"] == "done" for s in steps.values())  # the tracks too: values, cases, meetings
    reported = calendar.next_workday(date(2029, 2, 10)).isoformat()  # the day the 2028 values are reported
    assert steps["indicators.2028"]["done_on"] == reported
    assert steps["cases.3.2024"]["done_on"] == "2024-10-15"
    assert steps["evaluate.self-assessment"]["status"] == "done"
    assert all(p["status"] == "done" for p in doc["phases"])

    # Without the values, the self-assessment waits for indicators.2028, as the issue found.
    without = write(tmp_path, events_yaml(huyi, events, [r for r in records if isinstance(r, Case)]), "no-values.yaml")
    doc = json.loads(runner.invoke(app, ["status", "--events", str(without), "--as-of", "2029-12-31", "--json"]).stdout)
    steps = {s["id"]: s for s in doc["steps"]}
    assert steps["indicators.2028"]["status"] != "done"
    assert "indicators.2028" in steps["evaluate.self-assessment"]["blocked_by"]


def test_values_and_cases_become_the_checkins_they_amount_to(huyi: Plan, tmp_path: Path) -> None:
    """A value closes its deliverable of indicators.<year>; a case (year from at) closes cases.<theme>.<year>;
    a baseline value closes nothing. Numbers written as ids, 是 and 85% are read as the commands read them."""
    path = write(tmp_path, """\
events:
  - {type: value, indicator: 2b, year: 2024, value: 87.5, by: eco, at: 2025-02-10, files: [公报.pdf]}
  - {type: value, indicator: 1, year: 2024, value: "85%", by: eco, at: 2025-02-11, unit: "%"}
  - {type: value, indicator: 8a, year: 2024, value: 是, by: media, at: 2025-02-12}
  - {type: value, indicator: 2b, year: 2023, value: 80, by: eco, at: 2024-03-01}
  - {type: case, theme: 3, title: 秦岭生态保护修复, by: qinling, at: "2024-10-15T09:30", text: 图文, files: [a.docx]}
  - {type: case, theme: "4", title: 往年案例, by: agri, at: 2025-01-05, year: 2024}
""")
    rows = load_event_rows(path, huyi)
    assert [type(r.event) for r in rows] == [Value, Value, Value, Value, Case, Case]
    assert [r.line for r in rows] == [2, 3, 4, 5, 6, 7]
    first = rows[0].event
    assert isinstance(first, Value) and (first.indicator, first.value, first.by) == ("2b", 87.5, "eco")
    assert rows[0].files == (tmp_path / "公报.pdf",) and rows[4].files == (tmp_path / "a.docx",)
    assert [r.event.value for r in rows[1:3] if isinstance(r.event, Value)] == [85.0, 1.0]
    assert [(r.event.theme, r.event.year) for r in rows[4:] if isinstance(r.event, Case)] == [("3", 2024), ("4", 2024)]

    facts = load_events(path, huyi)
    assert all(isinstance(f, CheckIn) and f.note == "collected" for f in facts)
    closed = sorted((f.step, f.deliverables) for f in facts if isinstance(f, CheckIn))
    assert closed == [("cases.3.2024", ("case",)), ("cases.4.2024", ("case",)), ("indicators.2024", ("1",)),
                      ("indicators.2024", ("2b",)), ("indicators.2024", ("8a",))]


def test_every_refusal_at_its_line_at_once(huyi: Plan, tmp_path: Path) -> None:
    """The rules of `indicator record` and `case add`, each problem at its line, all in one answer (exit 2)."""
    path = write(tmp_path, """\
events:
  - {type: value, indicator: 2x, year: 2024, value: 87.5, by: eco, at: 2025-02-10}
  - {type: value, indicator: 2b, year: 2035, value: 187.5, by: agri, at: 2025-02-10}
  - {type: value, indicator: 8a, year: 2024, value: 3, by: eco, at: 2025-02-10}
  - {type: value, indicator: 2b, year: 2024, value: abc, by: eco, at: 2025-02-10}
  - {type: value, indicator: 2b, year: 2024, value: 50, by: eco, at: 2025-02-10, unit: 吨}
  - {type: case, theme: 9, title: 案例, by: qinling, at: 2024-10-15}
  - {type: case, theme: 3, title: " ", by: eco, at: 2024-10-15, year: 2040}
  - {type: case, theme: 3, title: 案例, by: nobody, at: 2024-10-15}
  - {type: value, indicator: 2b, year: 2024, value: 50, by: eco, at: 2025-13-01}
  - {type: checkin, step: indicators.2024, by: eco, at: 2025-02-10}
""")
    result = runner.invoke(app, ["status", "--events", str(path), "--as-of", "2025-03-01"])
    assert result.exit_code == 2, result.output
    expected = [
        (":2:", "附件1中没有指标“2x”；是否想写 / did you mean: 2c, 2b, 2a"),
        (":3:", "年份 2035 不在计划年度 2023-2029 内（含基准年）"),
        (":3:", "“区农业农村局”不是指标 2b"),
        (":3:", "百分比 187.5 不在 0-100 之间"),
        (":4:", "数值“3”应为 是/否（yes/no，1/0）"),
        (":5:", "数值“abc”不是数字"),
        (":6:", "指标 2b 的单位是“%”，不是“吨”"),
        (":7:", "附件2中没有主题“9”；可选：1-8"),
        (":8:", "不是主题 3（"),
        (":8:", "年份 2040 不在计划年度 2023-2029 内"),
        (":8:", "案例必须有标题"),
        (":9:", "未知的单位“nobody”"),
        (":10:", "“2025-13-01”不是日期或时间"),
        (":11:", "步骤“indicators.2024”不需报送或审核"),
    ]
    lines = result.stderr.splitlines()
    for where, words in expected:
        assert any(where in line and words in line for line in lines), (where, words, result.stderr)
    assert "14 处错误" in result.stderr and "未做任何改动" in result.stderr


def test_future_values_and_cases_are_refused_when_importing(huyi: Plan, tmp_path: Path) -> None:
    """`import` passes today: a value or case after it is refused at its line; status and simulate read futures."""
    path = write(tmp_path, """\
events:
  - {type: value, indicator: 2b, year: 2024, value: 87.5, by: eco, at: 2025-02-10}
  - {type: case, theme: 3, title: 案例, by: qinling, at: 2025-06-01}
""")
    assert len(load_event_rows(path, huyi)) == 2
    with pytest.raises(InvalidFile) as caught:
        load_event_rows(path, huyi, today=date(2025, 3, 1))
    assert [(p.line, p.path, p.zh) for p in caught.value.problems] == [
        (3, "events[1].at", "日期 2025-06-01 在未来")]


@pytest.mark.parametrize("text", ["events:\n", "events: []\n", "", "# 尚无进展\n"])
def test_an_empty_history_is_no_error(text: str, tmp_path: Path) -> None:
    """`events:` with nothing under it, `events: []`, an empty file: an empty history, not pydantic's words."""
    result = runner.invoke(app, ["status", "--events", str(write(tmp_path, text)), "--as-of", "2024-04-23", "--json"])
    assert result.exit_code == 0, result.output
    assert all(s["status"] != "done" for s in json.loads(result.stdout)["steps"])


def test_shape_problems_are_chinese_first(tmp_path: Path) -> None:
    """A wrongly shaped file is told in Chinese first, naming the new types, at each line."""
    path = write(tmp_path, """\
events:
  - {type: value, indicator: 2b, year: [1], value: 50, by: eco, at: 2025-02-10, colour: red}
  - {type: case, title: 案例, by: qinling, at: 2024-10-15}
  - {type: meeting}
  - 3
  - {step: mobilize.work-plan}
""")
    result = runner.invoke(app, ["status", "--events", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    for where, words in [(":2:", "events[0].year: 应为整数"), (":2:", "events[0].colour: 未知字段"),
                         (":3:", "events[1].theme: 缺少必填字段"),
                         (":4:", "type 只能是 checkin、review、ack、extension、value、case、progress 或 task"),
                         (":5:", "events[3]: 应为“字段: 值”的映射"), (":6:", "events[4]: 缺少 type")]:
        assert any(where in line and words in line for line in lines), (where, words, result.stderr)
    not_list = runner.invoke(app, ["status", "--events", str(write(tmp_path, "events: {a: 1}\n", "map.yaml"))])
    assert not_list.exit_code == 2 and "events: 应为列表" in not_list.stderr
