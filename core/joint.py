"""Joint steps (牵头/配合): whose hand-in completes a step with several owners, and what the others' amount to.

A step's first owner is its 牵头单位 (lead); the others are 配合单位. The plan's ``completion`` field
says whose hand-in closes the step. A hand-in counts for the bureau the office acted for
(``--on-behalf-of``), else for the bureau that handed it in. The rule table (tests state it as a
table too):

  ==========  ==============================================  =====================================
  completion  a deliverable is in when ...                    any other owner's hand-in is ...
  ==========  ==============================================  =====================================
  lead        the lead's hand-in of it is in (the office's    a contribution (配合材料): recorded with
              on the lead's behalf counts as the lead's)      its evidence, shown to the lead and the
                                                              office, counted in ledger and ranking;
                                                              it never completes the step
  each        every owner's own hand-in of it is in           (none: every owner hands in its own)
  any         any owner's hand-in of it is in (the rule       (none)
              before joint steps existed)
  ==========  ==============================================  =====================================

Where the plan asks for review, "in" means accepted. The office's review names deliverables, not
bureaus: on an ``each`` step an acceptance accepts every owner's hand-in of the deliverable that
waits for review, and a return returns all of them (each owner hands in again).
Collecting steps (indicator values, cases) are always ``any``: their deliverables name their own bureaus.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from core.events import CheckIn
from core.plan import Plan, Step

__all__ = ["contributions", "contributors", "first_contributions", "handed_in_for", "is_contribution", "slot", "slots",
           "waiting_text"]


def handed_in_for(event: CheckIn) -> str:
    """The bureau a hand-in counts for: the one the office acted for, else the one that handed it in."""
    return event.on_behalf_of or event.by


def is_contribution(step: Step, event: CheckIn) -> bool:
    """True when the hand-in is a 配合单位's material on a ``lead`` step: recorded, never completing it."""
    return step.completion == "lead" and not step.collected and handed_in_for(event) != step.lead


def slots(step: Step) -> tuple[str, ...]:
    """The hand-ins a deliverable needs: one per owner on an ``each`` step, else a single shared one ("")."""
    return step.owners if step.completion == "each" and not step.collected else ("",)


def slot(step: Step, event: CheckIn) -> str | None:
    """Which of the step's :func:`slots` the hand-in fills; None for a contribution, which fills none."""
    if step.collected or step.completion == "any":
        return ""
    if step.completion == "each":
        bureau = handed_in_for(event)
        return bureau if bureau in step.owners else None
    return None if is_contribution(step, event) else ""


def contributions(step: Step, events: Iterable[object]) -> tuple[CheckIn, ...]:
    """The step's contributions among ``events``, oldest first."""
    return tuple(e for e in events if isinstance(e, CheckIn) and is_contribution(step, e))


def contributors(step: Step, events: Iterable[object]) -> tuple[str, ...]:
    """The 配合单位 that have handed in material, in plan order of the owners."""
    return tuple(b for b, _ in first_contributions(step, events))


def first_contributions(step: Step, events: Iterable[object]) -> tuple[tuple[str, date], ...]:
    """(配合单位, the day of its first contribution), in plan order of the owners."""
    first: dict[str, date] = {}
    for event in contributions(step, events):
        first.setdefault(handed_in_for(event), event.day)
    return tuple((o, first[o]) for o in step.owners[1:] if o in first)


# Statuses in which a joint step still waits for hand-ins (not before it opens, not once handed in or done).
_WAITING = frozenset({"open", "due_soon", "overdue", "blocked", "returned"})


def waiting_text(plan: Plan, step: Step, status: str, contributors: tuple[str, ...], owing: tuple[str, ...]) -> str:
    """Whom a joint step waits for, in one phrase; empty for a step with one owner or one not waiting.

    ``lead``: 等待牵头单位 X 汇总报送（配合单位已报 7/12）; ``each``: 尚待 N 家单位报送：A、B.
    """
    if len(step.owners) < 2 or step.collected or status not in _WAITING:
        return ""
    if step.completion == "lead":
        return (f"等待牵头单位 {plan.bureau_name(step.lead)} 汇总报送"
                f"（配合单位已报 {len(contributors)}/{len(step.owners) - 1}）")
    if step.completion == "each" and owing:
        return f"尚待 {len(owing)}/{len(step.owners)} 家单位报送：" + "、".join(plan.bureau_name(b) for b in owing)
    return ""
