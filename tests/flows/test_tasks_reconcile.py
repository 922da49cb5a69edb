"""A 交办事项 in the Prefect graph: the reconcile run shows the track 交办事项 as a subflow of its own."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.events import SHANGHAI
from db.engine import make_engine, make_sessionmaker
from db.tasks import TaskRequest, add_task
from flows.reconcile import reconcile
from tests.flows.test_reconcile import _graph


def test_a_task_is_a_subflow_of_its_own_in_the_reconcile_graph(home: Path) -> None:
    """An overdue task makes its own subflow 交办事项 (failed, 1项逾期) with a task run named id + title."""
    engine = make_engine(os.environ["LIANGSHAN_DB_URL"])
    add_task(make_sessionmaker(engine), load_plan(DEFAULT_PLAN), "office", TaskRequest(
        "落实领导小组第一次会议部署", ("eco",), "2024-04-19", meeting="meetings.2024q2",
        at=datetime(2024, 4, 10, 16, tzinfo=SHANGHAI)))
    engine.dispose()
    state = reconcile(as_of=date(2024, 4, 23), return_state=True)
    assert state.is_completed() and state.name == "2项逾期"
    assert state.result()["steps"]["task.1"] == "逾期"
    children, tasks = _graph(state.state_details.flow_run_id)
    subflows = {c.name: c.state for c in children}
    assert (subflows["交办事项"].type.value, subflows["交办事项"].name) == ("FAILED", "1项逾期")
    assert "task.1 落实领导小组第一次会议部署" in {t.name for t in tasks}
