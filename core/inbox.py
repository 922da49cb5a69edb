"""What a bureau's page in the portal shows: its steps, the values and cases it owes, in Chinese.

Pure: built from the plan, a board and the day (plus which steps have an extension request
pending), so the page, ``/api/owed`` and the tests all read the same view. Who may act on what
(the portal's roles) is decided here too, next to what is shown, so a route never decides it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from core.plan import Indicator, Plan, Step
from core.reports import step_message
from core.serialize import STATUS_ZH
from core.status import Board
from core.workdays import WorkdayCalendar

__all__ = [
    "OFFICE",
    "ORDER",
    "UPCOMING_DAYS",
    "Inbox",
    "InboxItem",
    "IndicatorItem",
    "ThemeItem",
    "Waiting",
    "build_inbox",
    "may_act",
    "may_add_case",
    "may_record_value",
    "owed_items",
    "relevant_steps",
]

OFFICE = "office"
UPCOMING_DAYS = 30  # a step opening within this many days is shown as coming; later ones are not yet
# Most urgent first: what is late, what is due soon, what came back, what is open, then what waits on others.
ORDER: Mapping[str, int] = MappingProxyType({
    "overdue": 0, "due_soon": 1, "returned": 2, "open": 3, "submitted": 4, "blocked": 5, "not_open": 6, "done": 7,
})
_YES_NO = ("achieved", "established")


@dataclass(frozen=True, slots=True)
class Waiting:
    """An unfinished upstream step a blocked step waits for, and who owes it."""

    step: str
    title: str
    owners: str
    status_zh: str


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One step on a bureau's page."""

    step: str
    title: str
    group: str
    start: date
    due: date
    original_due: date | None
    workdays_left: int | None
    late_workdays: int
    light: str
    status: str
    status_zh: str
    message: str
    owed: tuple[tuple[str, str], ...]
    missing: tuple[str, ...]
    waiting: tuple[Waiting, ...]
    awaiting_review: tuple[str, ...]
    returned_reason: str
    resubmit_by: date | None
    acked: bool
    extension_pending: bool
    review: bool
    # 签收 is asked for: opened recently (see :func:`_ack_asked`), not yet handed in, not yet acknowledged.
    ack_asked: bool = False
    # The bureau's part is handed in: the step waits for review or is done, or it is a 配合单位 that sent its material.
    handed_in: bool = False

    @property
    def can_checkin(self) -> bool:
        """Open for a check-in: opened, not waiting on an upstream step and not done."""
        return self.status in ("overdue", "due_soon", "returned", "open", "submitted")

    @property
    def can_ack(self) -> bool:
        """签收 is asked for a step that opened within the plan's window and is not yet handed in."""
        return self.ack_asked and not self.acked

    @property
    def can_extend(self) -> bool:
        """延期申请 is for open or overdue steps, one request at a time."""
        return not self.extension_pending and self.status in ("overdue", "due_soon", "returned", "open", "blocked")


@dataclass(frozen=True, slots=True)
class IndicatorItem:
    """An indicator value the bureau owes for a year (附件1), from an open collecting step."""

    step: str
    indicator: str
    title: str
    unit: str
    yes_no: bool
    year: int
    due: date
    light: str
    status_zh: str
    recorded: bool


@dataclass(frozen=True, slots=True)
class ThemeItem:
    """A case theme (附件2) the bureau contributes to, with this year's collection step if there is one."""

    theme: str
    title: str
    year: int
    step: str | None
    due: date | None
    light: str
    status_zh: str
    has_case: bool


@dataclass(frozen=True, slots=True)
class Inbox:
    """A bureau's page: its steps, most urgent first, its owed indicator values and its case themes."""

    bureau: str
    name: str
    as_of: date
    items: tuple[InboxItem, ...]
    indicators: tuple[IndicatorItem, ...]
    themes: tuple[ThemeItem, ...]
    # Overdue collecting steps (indicator values, cases) the bureau owes: red on the board, so counted as 逾期.
    late_collections: tuple[str, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        """How many steps are in each status, for the summary line.

        逾期 counts what the board shows red: a step past its due that still waits on an upstream step
        (counted there, not as 受阻) and the late indicator values and cases, so the page agrees with ``status``.
        """
        out: dict[str, int] = {}
        for item in self.items:
            key = "overdue" if item.light == "red" and item.status != "done" else item.status
            out[key] = out.get(key, 0) + 1
        if self.late_collections:
            out["overdue"] = out.get("overdue", 0) + len(self.late_collections)
        return out


def _owes(step: Step, bureau: str) -> bool:
    return bureau in step.owners or any(bureau in d.owed_by(step.owners) for d in step.deliverables)


def may_act(plan: Plan, bureau: str, step_id: str) -> bool:
    """True when ``bureau`` may check in, acknowledge or ask to extend the step: it owns it or owes a deliverable."""
    step = plan.steps.get(step_id)
    return step is not None and _owes(step, bureau)


def may_record_value(plan: Plan, bureau: str, indicator_id: str) -> bool:
    """True when ``bureau`` is responsible for the indicator (the office records for anyone)."""
    indicator = next((i for i in plan.indicators if i.id == indicator_id), None)
    return indicator is not None and (bureau == OFFICE or bureau in indicator.owners)


def may_add_case(plan: Plan, bureau: str, theme_id: str) -> bool:
    """True when ``bureau`` provides cases for the theme (the office adds for anyone)."""
    theme = next((t for t in plan.case_themes if t.id == theme_id), None)
    return theme is not None and (bureau == OFFICE or bureau in theme.owners)


def relevant_steps(plan: Plan, board: Board, bureau: str, as_of: date) -> list[str]:
    """The step ids a bureau's page lists, in plan order: its own, opened or opening soon, not done in earlier years."""
    horizon = as_of + timedelta(days=UPCOMING_DAYS)
    out = []
    for sid in plan.topo_order or tuple(plan.steps):
        step, st = plan.steps[sid], board.steps[sid]
        if not _owes(step, bureau):
            continue
        if st.status == "not_open" and step.window.start > horizon:
            continue
        if st.status == "done" and st.done_on is not None and st.done_on.year < as_of.year:
            continue
        out.append(sid)
    return out


def _group_titles(plan: Plan) -> dict[str, str]:
    return {sid: g.title for g in plan.groups for sid in g.step_ids}


def _item(plan: Plan, board: Board, sid: str, calendar: WorkdayCalendar, as_of: date, bureau: str, group: str,
          pending: Collection[str]) -> InboxItem:
    step, st = plan.steps[sid], board.steps[sid]
    titles = {d.id: d.title for d in step.deliverables}
    owed = tuple((d.id, d.title) for d in step.deliverables if bureau == OFFICE or bureau in d.owed_by(step.owners))
    waiting = tuple(
        Waiting(u, plan.steps[u].title, "、".join(plan.bureau_name(b) for b in plan.steps[u].owners),
                STATUS_ZH[board.steps[u].status])
        for u in st.blocked_by
    )
    left = calendar.workdays_between(as_of, st.due) if st.status not in ("done", "overdue") and as_of <= st.due else None
    acked = bureau in st.acked_by if bureau != OFFICE else bool(st.acked_by)
    return InboxItem(
        step=st.id, title=step.title, group=group, start=step.window.start, due=st.due, original_due=st.original_due,
        workdays_left=left, late_workdays=st.overdue_workdays if st.status != "done" else 0, light=st.light,
        status=st.status, status_zh=STATUS_ZH[st.status], message=step_message(plan, st), owed=owed,
        missing=tuple(titles.get(d, d) for d in st.missing), waiting=waiting,
        awaiting_review=tuple(titles.get(d, d) for d in st.awaiting_review), returned_reason=st.returned_reason,
        resubmit_by=st.resubmit_by, acked=acked, extension_pending=st.id in pending, review=step.review,
        ack_asked=_ack_asked(plan, board, sid, calendar, as_of, bureau),
        handed_in=st.status in ("submitted", "done") or bureau in st.contributors,
    )


def opened_on(plan: Plan, board: Board, sid: str) -> date:
    """The day a step opened: its window's start, or the day its last upstream step was done when later."""
    step = plan.steps[sid]
    done = [board.steps[u].done_on for u in step.depends_on if u in board.steps and board.steps[u].done_on]
    return max([step.window.start, *(d for d in done if d is not None)])


def _ack_asked(plan: Plan, board: Board, sid: str, calendar: WorkdayCalendar, as_of: date, bureau: str) -> bool:
    """签收 is asked for an open step not yet handed in, opened within ``settings.ack_window_workdays`` working days
    and not before the tracking start (a step opened two years ago, or before tracking began, is not asked)."""
    if board.steps[sid].status not in ("overdue", "due_soon", "open"):
        return False  # not open yet, waiting upstream, handed in (submitted), returned, or done
    if bureau in board.steps[sid].contributors:
        return False  # a 配合单位 that has handed in its material
    opened = opened_on(plan, board, sid)
    since = plan.settings.tracking_since
    if opened > as_of or (since is not None and opened < since):
        return False
    return calendar.workdays_between(opened, as_of) <= plan.settings.ack_window_workdays


def _sort_key(item: InboxItem) -> tuple[int, int, date, str]:
    # Within a status: the latest first among overdue steps, then the soonest due.
    return ORDER[item.status], -item.late_workdays, item.due, item.step


def build_inbox(plan: Plan, board: Board, bureau: str, calendar: WorkdayCalendar, as_of: date,
                pending_extensions: Collection[str] = ()) -> Inbox:
    """The bureau's page as of ``as_of`` (``bureau`` may be the office, for its own steps).

    ``pending_extensions`` are the step ids with an extension request awaiting the office.
    Collecting steps (indicator values, cases) are listed apart, as values and themes to fill.
    """
    groups = _group_titles(plan)
    items = []
    late_collections = []
    for sid in relevant_steps(plan, board, bureau, as_of):
        if plan.steps[sid].collected:
            if board.steps[sid].light == "red" and board.steps[sid].status != "done":
                late_collections.append(sid)
            continue
        items.append(_item(plan, board, sid, calendar, as_of, bureau, groups[sid], pending_extensions))
    items.sort(key=_sort_key)
    return Inbox(bureau, plan.bureau_name(bureau), as_of, tuple(items), _indicators(plan, board, bureau),
                 _themes(plan, board, bureau, as_of), tuple(late_collections))


def _indicators(plan: Plan, board: Board, bureau: str) -> tuple[IndicatorItem, ...]:
    """Values owed from opened, unfinished indicator collections (the office sees every indicator)."""
    by_id: dict[str, Indicator] = {i.id: i for i in plan.indicators}
    out = []
    for sid, step in plan.steps.items():
        st = board.steps[sid]
        if step.collect != "indicators" or step.year is None or st.status in ("not_open", "done"):
            continue
        for d in step.deliverables:
            indicator = by_id.get(d.id)
            if indicator is None or not (bureau == OFFICE or bureau in d.owed_by(step.owners)):
                continue
            out.append(IndicatorItem(sid, indicator.id, indicator.title, indicator.unit,
                                     indicator.rule.kind in _YES_NO, step.year, st.due, st.light,
                                     STATUS_ZH[st.status], d.id not in st.missing))
    return tuple(sorted(out, key=lambda i: (i.recorded, i.year, i.indicator)))


def _themes(plan: Plan, board: Board, bureau: str, as_of: date) -> tuple[ThemeItem, ...]:
    """The bureau's case themes, with this year's collection step where the plan has one."""
    steps = {(s.theme, s.year): s for s in plan.steps.values() if s.collect == "cases"}
    out = []
    for theme in plan.case_themes:
        if bureau != OFFICE and bureau not in theme.owners:
            continue
        step = steps.get((theme.id, as_of.year))
        st = board.steps[step.id] if step is not None else None
        out.append(ThemeItem(theme.id, theme.title, as_of.year, step.id if step else None, st.due if st else None,
                             st.light if st else "grey", STATUS_ZH[st.status] if st else "本年度无征集",
                             bool(st and not st.missing)))
    return tuple(out)


def owed_items(plan: Plan, board: Board, bureau: str, as_of: date) -> list[dict[str, Any]]:
    """``/api/owed``: one row per deliverable the bureau still owes on an opened step, most urgent first.

    The office gets every bureau's rows, each with its ``bureau``.
    """
    bureaus = [b for b in plan.bureaus if b != OFFICE] + [OFFICE] if bureau == OFFICE else [bureau]
    rows: list[tuple[tuple[int, date, str], dict[str, Any]]] = []
    for who in bureaus:
        for sid in relevant_steps(plan, board, who, as_of):
            step, st = plan.steps[sid], board.steps[sid]
            if st.status in ("done", "not_open", "submitted"):
                continue
            for d in step.deliverables:
                if d.id not in st.missing or who not in d.owed_by(step.owners):
                    continue
                row: dict[str, Any] = {"step": sid, "title": step.title, "deliverable": d.id, "due": st.due.isoformat(),
                                       "status": st.status, "light": st.light}
                if bureau == OFFICE:
                    row = {"bureau": who, **row}
                rows.append(((ORDER[st.status], st.due, sid), row))
    rows.sort(key=lambda r: r[0])
    return [row for _, row in rows]
