"""The reconcile run as the office sees it in the Prefect UI: the plan's graph, state names, the board."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterParentFlowRunId,
    TaskRunFilter,
    TaskRunFilterFlowRunId,
)
from typer.testing import CliRunner

from cli.main import app
from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.reports import STATE_NAMES, STEP_STATES
from flows.reconcile import phase_run, reconcile
from tasks.artifacts import artifact_keys
from tasks.steps import step_state

BOARD_COLUMNS = ["灯", "状态", "步骤", "截止", "逾期工作日", "预计完成", "责任单位", "阶段", "时间窗口", "原定截止"]
# The state type (the UI's colour) each step name ends in: only done is green, only overdue red, the rest grey.
TYPE_OF_NAME = {"已完成": "COMPLETED", "逾期": "FAILED", "待报送": "CANCELLED", "待审核": "CANCELLED",
                "受阻": "CANCELLED", "未开始": "CANCELLED"}
PHASE_TITLES = ["动员部署阶段", "实施方案编制阶段", "组织申报阶段", "建设实施阶段", "评估总结阶段"]
SAMPLE = Path(DEFAULT_PLAN).parent.parent / "examples" / "huyi-sample-events.yaml"
SAMPLE_VALUES = SAMPLE.with_name("huyi-sample-indicators.yaml")
SAMPLE_CASES = SAMPLE.with_name("huyi-sample-cases.yaml")


def _graph(flow_run_id: Any) -> tuple[list[Any], list[Any]]:
    """The reconcile run's phase subflows and their step task runs."""
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[flow_run_id])))
        tasks = client.read_task_runs(
            task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[c.id for c in children])), limit=200)
    return children, tasks


def _task_states(flow_run_id: Any, count: int) -> dict[str, tuple[str, str]]:
    """The flow run's task runs by name, once ``count`` of them have reached a final state (the server
    records task states from events, a moment after the flow returns)."""
    deadline = time.monotonic() + 30
    while True:
        with get_client(sync_client=True) as client:
            tasks = client.read_task_runs(task_run_filter=TaskRunFilter(
                flow_run_id=TaskRunFilterFlowRunId(any_=[flow_run_id])))
        final = {t.name: (t.state.type.value, t.state.name) for t in tasks if t.state and t.state.is_final()}
        if len(final) >= count or time.monotonic() > deadline:
            return final
        time.sleep(0.2)


def test_reconcile_graph_is_the_plan(home: Path) -> None:
    """A subflow per phase named in Chinese, a task per step named id + title, states named for the status."""
    state = reconcile(as_of=date(2024, 4, 23), return_state=True)
    # a late plan is not a broken run: Completed, named for what is late (only the work plan; the rest wait on it)
    assert state.is_completed() and state.name == "1项逾期"
    assert state.result()["overdue"] == 1
    children, tasks = _graph(state.state_details.flow_run_id)
    # the meetings track shows the one meeting open on 04-23; the collections have not opened
    assert sorted(c.name for c in children) == sorted([*PHASE_TITLES, "调度会议"])
    plan = load_plan(DEFAULT_PLAN)
    steps = [t for t in tasks if t.name.split(" ")[0] in plan.steps]
    assert len(steps) == 22 + 1
    names = {t.name.split(" ")[0]: t for t in steps}
    assert names["meetings.2024q2"].state.name == "待报送"
    assert names["mobilize.work-plan"].name == "mobilize.work-plan 研究制定工作方案"
    assert (names["mobilize.work-plan"].state.type.value, names["mobilize.work-plan"].state.name) == ("FAILED", "逾期")
    assert names["draft.survey"].state.name == "受阻"
    assert names["evaluate.national"].state.name == "未开始"
    assert names["mobilize.leading-group"].state.name == "受阻"
    assert "等待前置步骤" in names["draft.survey"].state.message
    # Every step's task ran to its terminal state, of the type its name reads as: a Cancelled (grey) upstream
    # did not leave the steps after it NotReady, and nothing is Crashed.
    report = state.result(raise_on_failure=False)
    for sid, task in names.items():
        assert (task.state.type.value, task.state.name) == (TYPE_OF_NAME[report["steps"][sid]], report["steps"][sid])
    assert (names["draft.survey"].state.type.value, names["meetings.2024q2"].state.type.value) == ("CANCELLED",) * 2
    phases = {c.name: c.state for c in children}
    assert (phases["动员部署阶段"].type.value, phases["动员部署阶段"].name) == ("FAILED", "1项逾期")
    assert (phases["实施方案编制阶段"].type.value, phases["实施方案编制阶段"].name) == ("COMPLETED", "已完成 0/3")
    assert (phases["调度会议"].type.value, phases["调度会议"].name) == ("COMPLETED", "已完成 0/1")


def test_step_states_read_like_the_lights() -> None:
    """One table: done is Completed (green), overdue Failed (red), every other status Cancelled (grey) under
    its Chinese name; never Crashed."""
    assert {k: name for k, (_, name) in STEP_STATES.items()} == STATE_NAMES
    expected = {"done": ("COMPLETED", "已完成"), "overdue": ("FAILED", "逾期"), "open": ("CANCELLED", "待报送"),
                "due_soon": ("CANCELLED", "待报送"), "returned": ("CANCELLED", "待报送"),
                "submitted": ("CANCELLED", "待审核"), "blocked": ("CANCELLED", "受阻"), "not_open": ("CANCELLED", "未开始")}
    for status, (kind, name) in expected.items():
        state = step_state(status, "m")
        assert (state.type.value, state.name, state.message) == (kind, name, "m"), status
        assert state.is_final() and not state.is_crashed()


def test_a_grey_upstream_does_not_skip_the_steps_after_it(home: Path) -> None:
    """wait_for with allow_failure: steps after a blocked (Cancelled) or overdue (Failed) one still run and end in
    their own state; the phase ends Completed ``已完成 d/n`` without overdue steps, else Failed ``N项逾期``."""
    chain = [("a", "blocked", []), ("b", "done", ["a"]), ("c", "submitted", ["b"]), ("d", "done", ["c", "a"])]
    steps = [{"id": i, "title": i, "depends_on": d, "status": st, "message": st} for i, st, d in chain]
    state = phase_run.with_options(flow_run_name="阶段")(steps, return_state=True)
    assert (state.type.value, state.name) == ("COMPLETED", "已完成 2/4")
    assert _task_states(state.state_details.flow_run_id, 4) == {
        "a a": ("CANCELLED", "受阻"), "b b": ("COMPLETED", "已完成"), "c c": ("CANCELLED", "待审核"),
        "d d": ("COMPLETED", "已完成")}
    with get_client(sync_client=True) as client:  # the graph keeps its edges: d waits on c and a
        runs = {t.name: t for t in client.read_task_runs(task_run_filter=TaskRunFilter(
            flow_run_id=TaskRunFilterFlowRunId(any_=[state.state_details.flow_run_id])))}
    assert {i.id for i in runs["d d"].task_inputs["wait_for"]} == {runs["c c"].id, runs["a a"].id}
    steps[0]["status"] = "overdue"
    late = phase_run.with_options(flow_run_name="阶段")(steps, return_state=True)
    assert (late.type.value, late.name) == ("FAILED", "1项逾期")


def test_reconcile_with_history_is_green_and_publishes_the_board(home: Path) -> None:
    """With the example history (steps, values, cases), 2026-11-28 has nothing overdue; the artifacts carry the
    board, the verdicts, the year's cases and the meeting pack."""
    runner = CliRunner()
    for command in (["import", str(SAMPLE)], ["indicator", "import", str(SAMPLE_VALUES)],
                    ["case", "import", str(SAMPLE_CASES)]):
        assert runner.invoke(app, command).exit_code == 0
    assert runner.invoke(app, ["indicator", "record", "2b", "--year", "2025", "--value", "92", "--by", "eco",
                               "--at", "2026-02-11"]).exit_code == 0
    state = reconcile(as_of=date(2026, 11, 28), return_state=True)
    assert state.is_completed() and state.name == "全部按期"
    report = state.result()
    assert report["steps"]["indicators.2025"] == "已完成" and report["steps"]["meetings.2026q3"] == "已完成"
    assert report["steps"]["cases.8.2025"] == "已完成" and report["steps"]["cases.8.2026"] == "待报送"
    assert report["steps"]["build.annual-plan.2026"] == "已完成"
    assert report["steps"]["build.annual-summary.2026"] == "未开始"
    assert report["steps"]["build.leadership"] == "待报送"
    assert report["gates"]["kept"] is False  # no served gate deployment under the test harness
    keys = artifact_keys("huyi-two-mountains")
    with get_client(sync_client=True) as client:
        # Earlier runs in this session published under the same keys: the latest version is this run's.
        found = {a.key: a for a in client.read_latest_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=list(keys.values()))))}
    assert set(found) == set(keys.values())
    table = found[keys["board"]].data
    rows = json.loads(table) if isinstance(table, str) else table
    assert any(r["步骤"] == "制定2026年度工作计划（build.annual-plan.2026）" and r["状态"] == "已完成" for r in rows)
    assert all(list(r) == BOARD_COLUMNS for r in rows)  # 灯 and 状态 first, the wide columns last
    assert {"灯": "🟢", "状态": "已完成"}.items() <= rows[0].items()
    assert "截至 **2026-11-28**" in str(found[keys["summary"]].data)
    assert "典型案例（2026年）：共 6 个，🟡 主题 7、8 尚无案例" in str(found[keys["summary"]].data)
    assert 0 < float(found[keys["progress"]].data) < 100
    verdicts = found[keys["indicators"]].data
    verdict_rows = json.loads(verdicts) if isinstance(verdicts, str) else verdicts
    assert {"编号": "2b", "评价": "达标"}.items() <= next(r for r in verdict_rows if r["编号"] == "2b").items()
    pack = str(found[keys["meeting-pack"]].data)
    assert pack.startswith("# 2026年第四季度调度会议：会议材料") and "## 二、逾期事项\n\n- 无" in pack
    assert "2026-11-30：征集2026年典型案例：生态惠民富民（cases.8.2026），即将到期" in pack
    # The week had no documents yet: the run wrote them, and points the UI to them (no portal here: a listing).
    documents = report["documents"]
    assert documents["written"] is True and documents["folder"] == "reports/huyi-two-mountains/2026-11-28"
    assert {"台账.xlsx", "甘特图.png", "情况通报.docx", "调度会议材料.docx"} <= set(documents["files"])
    assert (home / "reports" / "huyi-two-mountains" / "2026-11-28" / "台账.xlsx").stat().st_size > 5000
    with get_client(sync_client=True) as client:
        (listing,) = client.read_latest_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["huyi-two-mountains-reports"])))
    assert "台账.xlsx" in str(listing.data)


def test_grey_steps_are_not_logged_as_errors(home: Path, caplog: Any) -> None:
    """待报送, 受阻 and 未开始 end grey in the UI, but an ERROR line in the log keeps meaning an error."""
    import logging

    with caplog.at_level(logging.INFO, logger="prefect.task_runs"):
        state = reconcile(as_of=date(2024, 4, 10), return_state=True)
    assert state.is_completed()
    finished = [r for r in caplog.records if r.getMessage().startswith("Finished in state")]
    assert any("待报送" in r.getMessage() for r in finished)
    assert [r.getMessage() for r in finished if r.levelno >= logging.ERROR] == []


def test_tick_reports_every_step(home: Path) -> None:
    """`liangshan tick --json` names the flow run and every step's state."""
    result = CliRunner().invoke(app, ["tick", "--as-of", "2024-04-10", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["state"] == "全部按期" and len(doc["flow_run_id"]) == 36
    assert doc["steps"]["mobilize.work-plan"] == "待报送"
    assert doc["gates"]["kept"] is False


def test_non_working_day_still_records_the_board(home: Path) -> None:
    """On Sunday 2024-04-21 the board is updated and marked a non-working day."""
    state = reconcile(as_of=date(2024, 4, 21), return_state=True)
    assert state.result(raise_on_failure=False)["workday"] is False


def test_state_lines_stay_in_the_graph_not_in_prefects_log(home: Path, caplog: Any) -> None:
    """Each step's and phase's "Finished in state …" line is shown on the console but not stored as a log of
    the run (the graph shows those states by name); the reconcile's own lines are stored."""
    import logging

    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    with caplog.at_level(logging.INFO):
        state = reconcile(as_of=date(2024, 4, 23), return_state=True)
    assert state.name == "1项逾期"
    shown = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("Finished in state 逾期") for m in shown)  # the overdue work plan, on the console
    assert any(m.startswith("Task run failed with state: 逾期") for m in shown)
    run_id = state.state_details.flow_run_id
    children, _ = _graph(run_id)
    ids = [run_id, *(c.id for c in children)]
    deadline = time.monotonic() + 30
    while True:
        with get_client(sync_client=True) as client:
            stored = [log.message for log in client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)), limit=200)]
        if any("1项逾期" in m for m in stored) or time.monotonic() > deadline:  # sent in order, in batches
            break
        time.sleep(0.2)
    assert any(m.startswith("Finished in state 1项逾期") for m in stored)  # the reconcile's own end
    assert not [m for m in stored if m.startswith(("Finished in state 逾期", "Finished in state 待报送",
                                                   "Finished in state 已完成 0/3", "Task run failed with state"))]
