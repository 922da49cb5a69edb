"""From notices to messages: one message per recipient per run, its items most urgent first."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.ladder import RUNG_ORDER, Notice
from core.plan import Plan, Step
from core.reports import progress
from core.status import Board

__all__ = ["BOARD_HINT", "NO_LINK_TEXT", "PORTAL_LINK_DAYS", "PORTAL_LINK_MARK", "WECOM_LIMIT", "Draft", "compose",
           "fill_portal_link", "fit", "gets_portal_link", "how_to_close"]

WECOM_LIMIT = 4096  # bytes of markdown a WeCom group bot accepts
Renderer = Callable[..., str]

# Where a recipient's own portal link goes. A message is stored with this mark, never with a link:
# links are secrets, issued fresh for one recipient at delivery (tasks/notify.py) and kept nowhere.
# The white square brackets (U+27E6, U+27E7) do not occur in plan text, Jinja or markdown syntax.
PORTAL_LINK_MARK = "⟦报送入口链接⟧"
PORTAL_LINK_DAYS = 30  # how long the link in a message is valid
BOARD_HINT = "Prefect 界面 Artifacts 中的 “进展看板”，或命令 liangshan status"
PORTAL_BOARD_HINT = "报送入口（点下方“点此报送”进入，可查看本单位全部待办）"
# What stands in for the link where a recipient gets none (the leading group) or no link can be issued.
NO_LINK_TEXT = "报送入口（链接请向领导小组办公室索取）"
_NO_LINK_RECIPIENTS = frozenset({"leaders"})  # the leading group reads the board; it hands nothing in


@dataclass(frozen=True, slots=True)
class Draft:
    """A message to one recipient, with the dedupe keys of every item it carries."""

    recipient: str
    subject: str
    body: str
    keys: tuple[str, ...]
    steps: tuple[str, ...]
    urgent: bool
    rungs: tuple[str, ...] = ()
    # Files sent with the message, as paths relative to LIANGSHAN_HOME (the office's weekly digest: the
    # ledger and the Gantt chart). Decided where drafts meet the file system (tasks/notify.py), not here.
    attachments: tuple[str, ...] = ()


def gets_portal_link(plan: Plan, recipient: str) -> bool:
    """Whether messages to ``recipient`` carry its own portal link: every bureau of the plan and the office,
    not the leading group."""
    return recipient in plan.bureaus and recipient not in _NO_LINK_RECIPIENTS


def fill_portal_link(body: str, url: str | None) -> str:
    """``body`` with every portal link mark replaced by a "点此报送" markdown link to ``url``
    (or, with no url, by :data:`NO_LINK_TEXT`). Call it only on the way out: the result holds a secret."""
    return body.replace(PORTAL_LINK_MARK, f"[点此报送]({url})" if url else NO_LINK_TEXT)


def compose(plan: Plan, board: Board, notices: list[Notice], day: date, render: Renderer,
            portal: bool = False) -> list[Draft]:
    """Group notices by recipient and render each group as one message.

    With ``portal`` (the portal is configured), a bureau's items say to hand in through the portal at
    :data:`PORTAL_LINK_MARK`, which delivery replaces with the bureau's own fresh link; without it they
    name the CLI command or the Prefect form.
    """
    by_recipient: dict[str, list[Notice]] = defaultdict(list)
    for notice in notices:
        by_recipient[notice.recipient].append(notice)
    drafts = []
    for recipient, items in by_recipient.items():
        items.sort(key=lambda n: (RUNG_ORDER.index(n.rung), n.step or ""))
        linked = portal and gets_portal_link(plan, recipient)
        rendered = [{"rung": n.rung, "fields": _fields(plan, board, n, linked), "step": _step(plan, board, n.step, linked)}
                    for n in items]
        with_link = linked and any(i["step"] and i["rung"] in _HOW_RUNGS for i in rendered)
        context = {
            "plan_title_short": plan.short_title or plan.title,
            "recipient_name": plan.bureau_name(recipient),
            "day": day.isoformat(),
            "board_hint": PORTAL_BOARD_HINT if with_link else BOARD_HINT,
            "items": rendered,
            "urgent": any(n.rung in _URGENT for n in items),
            "portal_link_days": PORTAL_LINK_DAYS if with_link else None,  # the header says how long the link holds
        }
        drafts.append(Draft(recipient, render("subject.txt.j2", **context), render("message.md.j2", **context),
                            tuple(n.dedupe_key for n in items), tuple(dict.fromkeys(n.step for n in items if n.step)),
                            bool(context["urgent"]), tuple(dict.fromkeys(n.rung for n in items))))
    return drafts


def fit(body: str, limit: int = WECOM_LIMIT, tail: str = "\n…（内容较多，完整清单见看板：liangshan status）") -> str:
    """Cut a message cleanly at a line so that it fits ``limit`` bytes, pointing to the board."""
    if len(body.encode()) <= limit:
        return body
    budget = limit - len(tail.encode())
    kept: list[str] = []
    used = 0
    for line in body.split("\n"):
        size = len(line.encode()) + 1
        if used + size > budget:
            break
        kept.append(line)
        used += size
    return "\n".join(kept) + tail


_HOW_RUNGS = ("overdue", "overdue_repeat", "due", "opened", "returned",  # the items that say how to hand in
              "progress_due", "progress_overdue")
_URGENT = ("escalation", "overdue", "overdue_repeat", "progress_overdue", "progress_escalation")


def _step(plan: Plan, board: Board, sid: str | None, portal: bool = False) -> dict[str, Any] | None:
    if sid is None:
        return None
    step, st = plan.steps[sid], board.steps[sid]
    return {
        "id": sid,
        "title": step.title,
        "window": f"{step.window.start} 至 {st.due}",
        "owners_names": "、".join(plan.bureau_name(b) for b in step.owners),
        "deliverables": "；".join(d.title for d in step.deliverables),
        "missing": "；".join(d.title for d in step.deliverables if d.id in st.missing) or "（待审核）",
        "how": how_to_close(step, portal),
    }


def how_to_close(step: Step, portal: bool = False) -> str:
    """The command (or form) that closes the step, in one sentence; with ``portal``, the portal link's mark."""
    if portal:
        if step.collect == "indicators":
            return f"请通过报送入口录入 {step.year} 年指标数值：{PORTAL_LINK_MARK}。"
        if step.collect == "cases":
            return f"请通过报送入口报送典型案例：{PORTAL_LINK_MARK}。"
        return f"请通过报送入口办理：{PORTAL_LINK_MARK}。"
    if step.collect == "indicators":
        return f"请录入数值：liangshan indicator record 编号 --year {step.year} --value 数值 --by 单位。"
    if step.collect == "cases":
        return f"请报送典型案例：liangshan case add --theme {step.theme} --by 单位 --title 标题。"
    return f"请尽快报送（liangshan checkin {step.id} 或界面表单）。"


def _fields(plan: Plan, board: Board, notice: Notice, portal: bool = False) -> dict[str, Any]:
    fields = dict(notice.fields)
    if notice.rung in ("progress_due", "progress_overdue"):
        fields["how"] = (f"请通过报送入口报送：{PORTAL_LINK_MARK}。" if portal else
                         f"请报送：liangshan progress report {notice.step} --by {notice.recipient} "
                         f"--period {fields['period']} --text 工作进展。")
    if notice.rung == "received":
        step = plan.steps[notice.step or ""]
        titles = {d.id: d.title for d in step.deliverables}
        fields["by_name"] = plan.bureau_name(fields["by"])
        fields["deliverable_names"] = "；".join(titles.get(d, d) for d in fields["deliverables"])
    if notice.rung == "digest":
        lights = Counter(st.light for st in board.steps.values())
        fields["lights"] = {k: lights.get(k, 0) for k in ("green", "yellow", "red", "grey")}
        fields["progress"] = progress(board)
        fields["late"] = "、".join(plan.steps[s].title for s, st in board.steps.items() if st.light == "red")
    return fields
