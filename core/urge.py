"""一键催办: the office urges a step's owners now — what the message says and how often it may be said.

Pure: the board, the day and the note are parameters. A message's dedupe key names the step, the bureau and the
day, so the outbox takes at most one urge per item per bureau per day, whoever presses the button.
"""

from __future__ import annotations

from datetime import date

from core.messages import Draft, gets_portal_link, how_to_close
from core.plan import Plan
from core.status import Board

__all__ = ["URGE_RUNG", "UrgeProblem", "urge_drafts", "urge_key"]

URGE_RUNG = "urge"


class UrgeProblem(ValueError):
    """A step that cannot be urged: ``code`` 2 (no such step) or 3 (done, not open yet, nobody owes)."""

    def __init__(self, code: int, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.code, self.zh, self.en = code, zh, en


def urge_key(plan: Plan, step_id: str, bureau: str, day: date) -> str:
    """The dedupe key of an urge: one per step, bureau and day."""
    return f"{plan.id}|{step_id}|{URGE_RUNG}|{bureau}|{day.isoformat()}"


def urge_drafts(plan: Plan, board: Board, step_id: str, day: date, note: str = "", portal: bool = False) -> list[Draft]:
    """One message to each bureau that still owes the step, from the office, today.

    Raises:
        UrgeProblem: the step is unknown, done, not open yet, or owed by nobody.
    """
    if step_id not in plan.steps:
        raise UrgeProblem(2, f"没有步骤“{step_id}”", f"unknown step {step_id!r}")
    st = board.steps[step_id]
    step = plan.steps[step_id]
    if st.status == "done":
        raise UrgeProblem(3, f"步骤“{step.title}”已完成，无需催办", f"{step_id} is done")
    if st.status == "not_open":
        raise UrgeProblem(3, f"步骤“{step.title}”尚未开放，不能催办", f"{step_id} is not open yet")
    owing = [b for b in (st.owing or step.owners) if b in plan.bureaus]
    if not owing:
        raise UrgeProblem(3, f"步骤“{step.title}”没有尚欠成果的单位", f"nobody owes {step_id}")
    short = plan.short_title or plan.title
    late = f"，已逾期 {st.overdue_workdays} 个工作日" if st.status == "overdue" else ""
    missing = "；".join(st.missing) if st.missing else "全部成果"
    said = f"\n> 办公室说明：{note.strip()}" if note.strip() else ""
    drafts = []
    for bureau in owing:
        urgent = st.status == "overdue"
        subject = f"【{short}】{plan.bureau_name(bureau)}：{'督办/逾期' if urgent else '待办'}提醒（一键催办）{day.isoformat()}"
        body = (f"### 一键催办：{step.title}\n> 领导小组办公室 {day.isoformat()} 催办（{step_id}）："
                f"截止 {st.due.isoformat()}{late}。尚缺：{missing}。{said}\n\n"
                f"{how_to_close(step, portal and gets_portal_link(plan, bureau))}")
        drafts.append(Draft(bureau, subject, body, (urge_key(plan, step_id, bureau, day),), (step_id,), urgent, (URGE_RUNG,)))
    return drafts
