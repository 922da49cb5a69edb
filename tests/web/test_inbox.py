"""core.inbox: what a bureau's page shows, as tables over the Huyi plan (no database)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from core.events import SHANGHAI, Ack, CheckIn, Fact, Facts, Review
from core.inbox import ORDER, build_inbox, may_act, may_add_case, may_record_value, owed_items, relevant_steps
from core.plan import Plan
from core.status import Engine
from core.workdays import WorkdayCalendar

CAL = WorkdayCalendar()
TODAY = date(2026, 11, 27)


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00").replace(tzinfo=SHANGHAI)


def inbox(plan: Plan, events: list[Fact], bureau: str, as_of: date = TODAY, pending: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    board = Engine(plan, CAL).board(Facts(events), as_of)
    return build_inbox(plan, board, bureau, CAL, as_of, pending)


@pytest.mark.parametrize(("bureau", "step", "allowed"), [
    ("eco", "mobilize.work-plan", True),
    ("water", "mobilize.work-plan", False),
    ("gov", "mobilize.leading-group", True),
    ("qinling", "indicators.2025", True),       # owes indicator rows of the collection
    ("streets", "indicators.2025", False),
    ("office", "build.leadership", True),
    ("office", "mobilize.work-plan", False),    # the office acts for eco with on_behalf_of, not as itself
    ("eco", "no.such.step", False),
])
def test_may_act(huyi: Plan, bureau: str, step: str, allowed: bool) -> None:
    assert may_act(huyi, bureau, step) is allowed


@pytest.mark.parametrize(("bureau", "indicator", "theme", "value_ok", "case_ok"), [
    ("eco", "1", "1", True, True),
    ("eco", "3a", "3", False, False),
    ("agri", "3a", "4", True, True),
    ("office", "3a", "3", True, True),
    ("eco", "99", "99", False, False),
])
def test_may_record_value_and_add_case(huyi: Plan, bureau: str, indicator: str, theme: str, value_ok: bool,
                                       case_ok: bool) -> None:
    assert may_record_value(huyi, bureau, indicator) is value_ok
    assert may_add_case(huyi, bureau, theme) is case_ok


def test_overdue_first_then_blocked_with_who_is_awaited(huyi: Plan) -> None:
    """With nothing recorded, eco's work plan is overdue and first; the commission waits for it, from eco."""
    page = inbox(huyi, [], "eco")
    assert page.items[0].step == "mobilize.work-plan"
    assert page.items[0].status == "overdue" and page.items[0].late_workdays > 0 and page.items[0].light == "red"
    statuses = [i.status for i in page.items]
    assert statuses == sorted(statuses, key=ORDER.__getitem__)
    commission = next(i for i in page.items if i.step == "mobilize.commission")
    assert commission.status == "blocked"
    (waiting,) = commission.waiting
    assert (waiting.step, waiting.title, waiting.status_zh) == ("mobilize.work-plan", "研究制定工作方案", "逾期")
    assert "生态环境" in waiting.owners
    assert not commission.can_checkin and commission.can_extend


@pytest.mark.parametrize(("as_of", "expected_status", "left"), [
    (date(2024, 4, 2), "open", True),
    (date(2024, 4, 17), "due_soon", True),
    (date(2024, 4, 25), "overdue", False),
])
def test_working_days_left_or_late(huyi: Plan, as_of: date, expected_status: str, left: bool) -> None:
    item = next(i for i in inbox(huyi, [], "eco", as_of).items if i.step == "mobilize.work-plan")
    assert item.status == expected_status
    assert (item.workdays_left is not None) is left
    assert (item.late_workdays > 0) is (not left)
    assert len(item.missing) == 2  # both deliverables, by title


def test_done_this_year_shown_older_done_and_far_future_not(huyi: Plan) -> None:
    """Done steps of earlier years leave the page; steps opening beyond the horizon are not listed yet."""
    events: list[Fact] = [CheckIn("mobilize.work-plan", "eco", at("2024-04-08"), ("work-plan", "task-breakdown"))]
    ids = relevant_steps(huyi, Engine(huyi, CAL).board(Facts(events), TODAY), "eco", TODAY)
    assert "mobilize.work-plan" not in ids            # done in 2024
    assert "evaluate.self-assessment" not in ids      # opens in 2029
    same_year = relevant_steps(huyi, Engine(huyi, CAL).board(Facts(events), date(2024, 6, 1)), "eco", date(2024, 6, 1))
    assert "mobilize.work-plan" in same_year


def test_returned_reason_ack_and_pending_extension(huyi: Plan) -> None:
    """A returned step shows the reason and date; 签收 and a pending request show on the item."""
    events: list[Fact] = [
        CheckIn("mobilize.work-plan", "eco", at("2024-04-08"), ("work-plan", "task-breakdown")),
        CheckIn("mobilize.commission", "eco", at("2024-04-12"), ("contract",)),
        CheckIn("draft.survey", "tech", at("2024-04-30"), ("survey-report",)),
        CheckIn("draft.compile", "tech", at("2026-11-02"), ("implementation-plan-draft",)),
        Review("draft.compile", "office", at("2026-11-03"), "return", ("implementation-plan-draft",), "缺少附图",
               date(2026, 12, 10)),
        Ack("draft.compile", "eco", at("2026-11-04")),
    ]
    page = inbox(huyi, events, "eco", pending=("draft.compile",))
    item = next(i for i in page.items if i.step == "draft.compile")
    assert (item.status, item.returned_reason, item.resubmit_by) == ("returned", "缺少附图", date(2026, 12, 10))
    assert item.acked and not item.can_ack
    assert item.extension_pending and not item.can_extend
    tech = next(i for i in inbox(huyi, events, "tech").items if i.step == "draft.compile")
    assert not tech.acked and not tech.can_ack  # returned: it was handed in, 签收 is not asked again


def test_collecting_steps_are_values_and_themes_not_checkins(huyi: Plan) -> None:
    """qinling owes indicator values (number or yes/no) and case theme 3, not check-in forms."""
    page = inbox(huyi, [], "qinling")
    assert not any(huyi.steps[i.step].collected for i in page.items)
    rows = {(v.indicator, v.year): v for v in page.indicators}
    assert (("4a", 2025) in rows) and rows[("4a", 2025)].unit == "%" and not rows[("4a", 2025)].yes_no
    assert rows[("8a", 2025)].yes_no
    assert ("3a", 2025) not in rows  # agri's
    assert [t.theme for t in page.themes] == ["3"]
    assert page.themes[0].step == "cases.3.2026" and not page.themes[0].has_case


@pytest.mark.parametrize(("bureau", "has_bureau_key"), [("eco", False), ("office", True)])
def test_owed_items_contract(huyi: Plan, bureau: str, has_bureau_key: bool) -> None:
    """One row per owed deliverable, most urgent first; the office's rows say whose."""
    board = Engine(huyi, CAL).board(Facts(), TODAY)
    rows = owed_items(huyi, board, bureau, TODAY)
    keys = {"step", "title", "deliverable", "due", "status", "light"} | ({"bureau"} if has_bureau_key else set())
    assert rows and all(set(r) == keys for r in rows)
    assert [ORDER[r["status"]] for r in rows] == sorted(ORDER[r["status"]] for r in rows)
    assert all(r["status"] not in ("done", "not_open", "submitted") for r in rows)
    if not has_bureau_key:
        assert ("mobilize.work-plan", "work-plan") in {(r["step"], r["deliverable"]) for r in rows}
