"""上次会议议定事项落实情况: how the tasks a dispatch meeting decided stand when the next meeting's pack is made.

The next meeting's pack opens with every task (交办事项) whose source is the previous meeting: its
owners (lead first), its due date, its state and its latest progress.

==========  ===================================================================
state       when
==========  ===================================================================
已办结      the task's step is done (handed in, and accepted where it is reviewed)
逾期        not done, and the board's day is past its (effective) due date
办理中      everything else (open, due soon, handed in and waiting for review)
==========  ===================================================================

The latest progress is the latest 进展报送 on the task, else the note of its latest check-in
(:func:`latest_notes`); a caller may pass its own (``progress``: step id -> text).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from core.events import CheckIn, Facts
from core.plan import Plan
from core.status import Board
from core.tasks import TRACK_ID, source_of

__all__ = ["FOLLOW_UP_TITLE", "FollowUp", "follow_ups", "latest_notes", "previous_meeting", "state_zh"]

FOLLOW_UP_TITLE = "上次会议议定事项落实情况"


@dataclass(frozen=True, slots=True)
class FollowUp:
    """One task of the previous meeting as the pack shows it."""

    step: str
    title: str
    owners: str
    due: date
    state: str
    progress: str


def previous_meeting(plan: Plan, meeting: str) -> str | None:
    """The meeting held before ``meeting`` (steps with a pack, by window), or None for the first."""
    meetings = sorted((sid for sid, step in plan.steps.items() if step.pack), key=lambda s: plan.steps[s].window.start)
    at = meetings.index(meeting) if meeting in meetings else -1
    return meetings[at - 1] if at > 0 else None


def state_zh(board: Board, step_id: str) -> str:
    """已办结, 逾期 or 办理中 (the table of the module docstring)."""
    st = board.steps[step_id]
    if st.status == "done":
        return "已办结"
    return "逾期" if board.as_of > st.due else "办理中"


def latest_notes(plan: Plan, facts: Facts, as_of: date) -> dict[str, str]:
    """Each task's latest progress on or before ``as_of``: its latest 进展报送, else its latest check-in's note."""
    notes: dict[str, str] = {}
    tasks = {sid for group in plan.tracks if group.id == TRACK_ID for sid in group.step_ids}
    for sid in tasks:
        checkins = [e for e in facts.upto(sid, as_of) if isinstance(e, CheckIn) and e.note.strip()]
        if checkins:
            last = checkins[-1]
            notes[sid] = f"{last.day} {plan.bureau_name(last.on_behalf_of or last.by)}：{last.note.strip()}"
    reports = sorted((r for r in facts.progress if r.step in tasks and r.day <= as_of), key=lambda r: r.at)
    for report in reports:  # the latest report speaks over any note
        percent = f"（{report.percent}%）" if report.percent is not None else ""
        notes[report.step] = f"{report.day} {plan.bureau_name(report.by)}{percent}：{report.text.strip()}"
    return notes


def follow_ups(plan: Plan, board: Board, meeting: str, progress: Mapping[str, str] | None = None) -> list[FollowUp]:
    """Every open task the meeting before ``meeting`` decided, in the order recorded (empty: nothing to report)."""
    before = previous_meeting(plan, meeting)
    if before is None:
        return []
    out = []
    for group in plan.tracks:
        if group.id != TRACK_ID:
            continue
        for sid in group.step_ids:
            step = plan.steps[sid]
            if source_of(step) != before or sid not in board.steps:
                continue
            others = "、".join(plan.bureau_name(o) for o in step.owners[1:])
            owners = f"{plan.bureau_name(step.lead)}（牵头）" + (f"、{others}" if others else "")
            out.append(FollowUp(sid, step.title, owners, board.steps[sid].due, state_zh(board, sid),
                                (progress or {}).get(sid, "")))
    return out
