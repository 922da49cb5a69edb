"""Publish the board as Prefect artifacts with stable keys: table, summary, progress, indicators, meeting pack."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, create_table_artifact

from core.events import Facts
from core.followup import latest_notes
from core.meeting import current_meeting, meeting_pack
from core.reports import board_rows, indicator_rows, library_line, progress, summary_markdown
from tasks.runonce import ONCE
from tasks.snapshot import Snapshot

__all__ = ["artifact_keys", "publish_board"]


def artifact_keys(plan_id: str) -> dict[str, str]:
    """Keys are lowercase letters, digits and dashes, the same every run, so the UI keeps history."""
    return {kind: f"{plan_id}-{kind}" for kind in ("board", "summary", "progress", "indicators", "meeting-pack")}


@task(name="publish_board", task_run_name="发布看板", **ONCE)
def publish_board(snap: Snapshot) -> dict[str, str]:
    """The board table, the markdown summary, the share of steps done, the latest indicator verdicts and the pack
    for the dispatch meeting in preparation."""
    keys = artifact_keys(snap.plan.id)
    as_of = snap.board.as_of
    create_table_artifact(board_rows(snap.plan, snap.board), key=keys["board"], description=f"进展看板（截至 {as_of}）")
    summary = summary_markdown(snap.plan, snap.board, workday=snap.workday)
    if snap.library is not None:  # cases per theme, project investment, indicator verdicts of the year
        summary += "\n\n## 典型案例、项目库与指标\n" + "\n".join(f"- {line}" for line in library_line(snap.library).split("\n"))
    create_markdown_artifact(summary, key=keys["summary"], description=f"进展摘要（截至 {as_of}）")
    create_progress_artifact(progress(snap.board), key=keys["progress"], description=f"完成比例（截至 {as_of}）")
    year, rows = indicator_rows(snap.plan, snap.indicator_values)
    if rows:
        create_table_artifact(rows, key=keys["indicators"], description=f"指标评价（{year} 年度）")
    meeting = current_meeting(snap.plan, snap.board)
    if meeting is not None:
        notes = latest_notes(snap.plan, Facts(snap.events), as_of)
        create_markdown_artifact(meeting_pack(snap.plan, snap.board, meeting, snap.indicator_values, snap.library, notes),
                                 key=keys["meeting-pack"], description=f"{snap.plan.steps[meeting].title}会议材料（截至 {as_of}）")
    return keys
