"""Weekly upkeep of Prefect's own database: forget runs older than the kept window, and their artifacts.

Every reconcile adds a run, a subflow per phase and track, some 60 task runs, their states and logs, and
five artifact versions. None of it is a fact (the facts are in our database; the runs can be made again
from them), so runs that ended more than ``keep_days`` ago are deleted, with the artifact versions they
made (never the latest version of a key: the UI keeps showing today's board). Live runs (a gate waiting
for its form) are never touched, however old. Prefect's server deletes old events itself (see README).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from prefect import flow, get_run_logger
from prefect.client.schemas.objects import State
from prefect.states import Completed

__all__ = ["KEEP_DAYS", "WEEKLY_CRON", "maintenance", "prune"]

KEEP_DAYS = 180
WEEKLY_CRON = "30 3 * * 0"  # Sundays 03:30: no office works then, and before Monday's digest
_FINAL = ["COMPLETED", "FAILED", "CRASHED", "CANCELLED"]
_PAGE = 200


def _old_runs(client: Any, cutoff: datetime) -> list[Any]:
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterEndTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    return list(client.read_flow_runs(flow_run_filter=FlowRunFilter(
        end_time=FlowRunFilterEndTime(before_=cutoff),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType(t) for t in _FINAL])),
    ), limit=_PAGE))


def _artifacts_of(client: Any, run_ids: list[Any], latest: set[Any]) -> list[Any]:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    found = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=run_ids)))
    return [a for a in found if a.id not in latest]


def prune(keep_days: int, dry_run: bool = False) -> dict[str, int]:
    """Delete the runs that ended more than ``keep_days`` days ago and their artifact versions (not the latest
    of a key); how many of each were (or, with ``dry_run``, would be) deleted."""
    from prefect.client.orchestration import get_client

    cutoff = datetime.now(UTC) - timedelta(days=keep_days)
    counts = {"flow_runs": 0, "artifacts": 0}
    with get_client(sync_client=True) as client:
        latest = {c.latest_id for c in client.read_latest_artifacts()}
        seen: set[Any] = set()
        while True:
            runs = [r for r in _old_runs(client, cutoff) if r.id not in seen]
            if not runs:
                break
            ids = [r.id for r in runs]
            seen.update(ids)
            artifacts = _artifacts_of(client, ids, latest)
            counts["flow_runs"] += len(runs)
            counts["artifacts"] += len(artifacts)
            if dry_run:
                if len(runs) < _PAGE:
                    break
                continue
            for artifact in artifacts:
                client.delete_artifact(artifact.id)
            for run in runs:
                client.delete_flow_run(run.id)
    return counts


@flow(name="maintenance", flow_run_name="清理：保留最近 {keep_days} 天",
      description="每周清理 Prefect 数据库：删除结束超过保留天数的运行及其工件旧版本（不删待报送闸门，不删任何报送记录）。")
def maintenance(keep_days: int = KEEP_DAYS, dry_run: bool = False) -> State:
    """Forget Prefect runs older than ``keep_days`` and their artifact versions.

    Args:
        keep_days: 保留天数（结束超过这么多天的运行被删除）
        dry_run: 只统计，不删除
    """
    if keep_days < 1:
        raise ValueError(f"保留天数应至少为 1，而不是 {keep_days} / keep_days must be at least 1")
    counts = prune(keep_days, dry_run)
    verb = "将删除" if dry_run else "已删除"
    message = f"{verb} {counts['flow_runs']} 个运行、{counts['artifacts']} 个工件旧版本（结束超过 {keep_days} 天）"
    get_run_logger().info(message)
    return Completed(name="已清理" if not dry_run else "已统计", message=message, data=counts)
