"""One reconcile per plan per day through the work pool: what `liangshan tick --all [--wait]` does.

For each plan, the reconcile runs of its deployment for the day are looked at first: one Completed
means the day is done (a second tick submits nothing); a live one (scheduled, waiting for its plan's
slot, running) is waited for; none, or only Failed/Crashed/Cancelled ones, means a new run is
submitted. A run that claims to be running but has shown no sign of life (Prefect's flow-run
heartbeat, or its start) for longer than ``stale_after`` is a run whose worker or machine died: it is
set Crashed, saying so, and the plan gets a new run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.deployments import deployment_name
from core.plan import Plan

__all__ = ["FINAL", "PlanTick", "day_runs", "last_sign_of_life", "submit_all", "wait_all"]

FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
_ALIVE = {"SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"}


@dataclass
class PlanTick:
    """What the tick did for one plan, and the run it is about (None when the plan is not deployed)."""

    plan_id: str
    title: str
    action: str  # submitted | done_before | in_progress | not_deployed
    run_id: str | None = None
    state_type: str | None = None
    state_name: str | None = None
    crashed: list[str] = field(default_factory=list)  # dead runs this tick set Crashed

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"plan": self.plan_id, "title": self.title, "action": self.action, "flow_run_id": self.run_id,
                "state_type": self.state_type, "state": self.state_name, "crashed": self.crashed}


def _for_day(run: Any, day: date, zone: ZoneInfo) -> bool:
    """A run judges ``day``: its ``as_of`` parameter says so, or it has none and was due to start that day."""
    as_of = run.parameters.get("as_of")
    if as_of:
        return str(as_of) == day.isoformat()
    start = run.expected_start_time
    return start is not None and start.astimezone(zone).date() == day


def day_runs(client: Any, deployment_id: Any, day: date, zone: ZoneInfo) -> list[Any]:
    """The deployment's runs for ``day``, oldest first: looked for among the runs expected to start within
    three days of that day (scheduled ones) or of now (those submitted by hand, for any day)."""
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterExpectedStartTime,
    )

    found: dict[Any, Any] = {}
    for around in (datetime(day.year, day.month, day.day, tzinfo=zone), datetime.now(UTC)):
        window = FlowRunFilterExpectedStartTime(after_=around - timedelta(days=3), before_=around + timedelta(days=3))
        for run in client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
                                         flow_run_filter=FlowRunFilter(expected_start_time=window), limit=200):
            found[run.id] = run
    return sorted((r for r in found.values() if _for_day(r, day, zone)), key=lambda r: r.created)


def last_sign_of_life(client: Any, run: Any) -> datetime:
    """When the run last showed it was alive: its newest heartbeat event, else its start, else its creation."""
    from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter, EventResourceFilter

    seen = run.start_time or run.created
    page = client.read_events(filter=EventFilter(
        event=EventNameFilter(name=["prefect.flow-run.heartbeat"]),
        resource=EventResourceFilter(id=[f"prefect.flow-run.{run.id}"]),
        occurred=EventOccurredFilter(since=seen - timedelta(minutes=1)),
    ), limit=1)
    beats: list[datetime] = [e.occurred for e in page.events]
    return max([seen, *beats])  # type: ignore[no-any-return]


def _bury_dead(client: Any, runs: list[Any], stale_after: timedelta) -> list[str]:
    """Set Crashed every running (or pending) run silent for longer than ``stale_after``; their ids."""
    from prefect.states import Crashed

    now = datetime.now(UTC)
    buried = []
    for run in runs:
        if run.state_type is None or run.state_type.value not in ("RUNNING", "PENDING"):
            continue
        silent = now - last_sign_of_life(client, run)
        if silent > stale_after:
            message = (f"运行进程已停止：{int(silent.total_seconds())} 秒没有心跳（worker 或其机器可能已被终止），"
                       f"由 liangshan tick 标记 / no heartbeat for {int(silent.total_seconds())} s: its process is gone")
            client.set_flow_run_state(run.id, Crashed(message=message), force=True)
            buried.append(str(run.id))
    return buried


def _tick_plan(client: Any, plan: Plan, day: date, stale_after: timedelta) -> PlanTick:
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    name = deployment_name("reconcile", plan.id)
    try:
        deployment = client.read_deployment_by_name(name)
    except ObjectNotFound:
        return PlanTick(plan.id, plan.title, "not_deployed")
    runs = day_runs(client, deployment.id, day, ZoneInfo(plan.settings.timezone))
    crashed = _bury_dead(client, runs, stale_after)
    if crashed:
        runs = day_runs(client, deployment.id, day, ZoneInfo(plan.settings.timezone))
    for wanted, action in (("COMPLETED", "done_before"), ("ALIVE", "in_progress")):
        found = [r for r in runs if r.state_type and (r.state_type.value == wanted
                                                      or (wanted == "ALIVE" and r.state_type.value in _ALIVE))]
        if found:
            last = found[-1]
            return PlanTick(plan.id, plan.title, action, str(last.id), last.state_type.value, last.state_name, crashed)
    new: Any = run_deployment(name, parameters={"as_of": day.isoformat(), "plan": plan.id}, timeout=0, as_subflow=False)
    return PlanTick(plan.id, plan.title, "submitted", str(new.id), new.state_type.value if new.state_type else None,
                    new.state_name, crashed)


def submit_all(plans: list[Plan], day: date, stale_after: timedelta) -> list[PlanTick]:
    """For every plan, the day's reconcile: found done, found under way, or submitted now."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return [_tick_plan(client, plan, day, stale_after) for plan in plans]


def wait_all(ticks: list[PlanTick], timeout: float, poll: float = 2.0) -> bool:
    """Follow the runs until each has ended, updating ``ticks``; False when ``timeout`` seconds passed first."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            open_ = {t.run_id: t for t in ticks if t.run_id and t.state_type not in FINAL}
            if not open_:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(poll)
            found = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(open_))))
            for run in found:
                tick = open_[str(run.id)]
                tick.state_type = run.state_type.value if run.state_type else None
                tick.state_name = run.state_name
