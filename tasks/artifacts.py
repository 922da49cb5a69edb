"""Publish the board as Prefect artifacts with stable keys: table, summary and progress."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, create_table_artifact

from core.reports import board_rows, progress, summary_markdown
from tasks.snapshot import Snapshot

__all__ = ["artifact_keys", "publish_board"]


def artifact_keys(plan_id: str) -> dict[str, str]:
    """Keys are lowercase letters, digits and dashes, the same every run, so the UI keeps history."""
    return {kind: f"{plan_id}-{kind}" for kind in ("board", "summary", "progress")}


@task(name="publish_board", task_run_name="发布看板")
def publish_board(snap: Snapshot) -> dict[str, str]:
    """The board table, the markdown summary and the share of steps done."""
    keys = artifact_keys(snap.plan.id)
    as_of = snap.board.as_of
    create_table_artifact(board_rows(snap.plan, snap.board), key=keys["board"], description=f"进展看板（截至 {as_of}）")
    create_markdown_artifact(summary_markdown(snap.plan, snap.board, workday=snap.workday), key=keys["summary"],
                             description=f"进展摘要（截至 {as_of}）")
    create_progress_artifact(progress(snap.board), key=keys["progress"], description=f"完成比例（截至 {as_of}）")
    return keys
