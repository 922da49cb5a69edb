"""Keep exactly one suspended `gate` run per step awaiting check-in: the office's inbox in the UI."""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.exceptions import ObjectNotFound
from prefect.states import Cancelled

from core.choices import checkin_step_ids, parse_id, step_labels
from core.deployments import deployment_name
from core.plan import Plan
from core.status import Board
from tasks.runonce import ONCE
from tasks.snapshot import Snapshot

__all__ = ["gate_run_name", "live_gates", "sync_gates", "wanted_gates"]

_AWAITING = {"open", "due_soon", "returned", "overdue"}
_LIVE = [StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING, StateType.PAUSED]


def wanted_gates(plan: Plan, board: Board) -> list[str]:
    """Steps that are open, unblocked and still owe a check-in, in plan order (values and cases need no gate)."""
    return [sid for sid in checkin_step_ids(plan) if board.steps[sid].status in _AWAITING]


def gate_run_name(plan: Plan, step_id: str) -> str:
    """The gate run's name in the UI, e.g. ``待报送：编制实施方案``."""
    return f"待报送：{plan.steps[step_id].title}"


def live_gates(client: Any, deployment_id: Any) -> dict[str, list[Any]]:
    """Live gate runs (scheduled, running or suspended) by step id, oldest first."""
    runs = client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
        flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=_LIVE))),
    )
    by_step: dict[str, list[Any]] = {}
    for run in sorted(runs, key=lambda r: r.created):
        by_step.setdefault(parse_id(str(run.parameters.get("step", ""))), []).append(run)
    return by_step


@task(name="sync_gates", task_run_name="维护待报送闸门", **ONCE)
def sync_gates(snap: Snapshot) -> dict[str, Any]:
    """Create missing gates, cancel gates whose step no longer owes anything, and duplicates."""
    from prefect.deployments import run_deployment

    logger = get_run_logger()
    plan = snap.plan
    name = deployment_name("gate", plan.id)
    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(name)
        except ObjectNotFound:
            logger.info("没有服务中的 gate 部署（如在临时 API 上运行）：未保留待报送闸门 / kept no gates")
            return {"kept": False, "created": [], "cancelled": [], "live": []}
        live = live_gates(client, deployment.id)
        wanted = wanted_gates(plan, snap.board)
        labels = dict(zip(checkin_step_ids(plan), step_labels(plan), strict=True))
        created, cancelled = [], []
        for sid, runs in live.items():
            extra = runs if sid not in wanted else runs[1:]  # no step ever keeps two gates
            for stale in extra:
                reason = "已通过其他方式报送或不再待报送" if sid not in wanted else "重复的闸门"
                client.set_flow_run_state(stale.id, Cancelled(name="已关闭", message=reason), force=True)
                cancelled.append(sid)
        for sid in wanted:
            if live.get(sid):
                continue
            run: Any = run_deployment(
                name, parameters={"step": labels[sid], "plan": plan.id}, timeout=0, flow_run_name=gate_run_name(plan, sid),
                idempotency_key=f"{plan.id}:{sid}:{snap.events_per_step.get(sid, 0)}", as_subflow=False,
            )
            created.append(sid)
            logger.info("已创建闸门 %s（%s）", gate_run_name(plan, sid), run.id)
    return {"kept": True, "created": created, "cancelled": cancelled, "live": sorted(set(wanted))}
