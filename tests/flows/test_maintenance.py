"""The weekly maintenance forgets old Prefect runs and the artifact versions they made, never the latest
version of a key (the UI keeps today's board) and never a run that has not ended."""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.client.orchestration import get_client

from flows.maintenance import maintenance, prune


@flow(name="maintenance-probe")
def _probe(text: str) -> str:
    create_markdown_artifact(text, key="maintenance-probe")
    return text


def _runs_of(name: str) -> list[object]:
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        return list(client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[name]))))


def _probe_versions() -> list[str]:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["maintenance-probe"])))
        return sorted(str(a.data) for a in found)


def test_prune_forgets_ended_runs_and_old_artifact_versions_but_keeps_the_latest(home: Path) -> None:
    for text in ("第一版", "第二版", "第三版"):
        _probe(text)
    assert len(_runs_of("maintenance-probe")) == 3
    kept = prune(keep_days=1)  # everything here ended minutes ago: inside the window
    assert kept == {"flow_runs": 0, "artifacts": 0}
    counted = prune(keep_days=0, dry_run=True)
    assert counted["flow_runs"] >= 3 and counted["artifacts"] >= 2
    assert len(_runs_of("maintenance-probe")) == 3  # a dry run deletes nothing
    done = prune(keep_days=0)
    assert done["flow_runs"] == counted["flow_runs"]
    assert _runs_of("maintenance-probe") == []
    assert _probe_versions() == ["第三版"]  # the latest version of a key stays for the UI


def test_maintenance_refuses_a_window_under_a_day(prefect_server: None) -> None:
    state = maintenance(keep_days=0, return_state=True)
    assert state.is_failed() and "保留天数应至少为 1" in state.message
    week = maintenance(keep_days=7, dry_run=True, return_state=True)
    assert week.is_completed() and week.name == "已统计"

