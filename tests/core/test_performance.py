"""单位考评: a known history of the first two months, and the ranking the office would draw from it by hand."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.events import SHANGHAI, CheckIn, Extension, Fact, Facts
from core.performance import BureauScore, bureau_performance
from core.plan import Plan
from core.status import Engine
from core.workdays import WorkdayCalendar

AS_OF = date(2024, 6, 3)


def at(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(10), SHANGHAI)


def checkin(plan: Plan, step: str, day: str) -> CheckIn:
    s = plan.steps[step]
    return CheckIn(step, s.lead, at(day), tuple(d.id for d in s.deliverables))


@pytest.fixture(name="scores", scope="module")
def fixture_scores() -> dict[str, BureauScore]:
    """Mobilisation partly late, the survey late, the draft never handed in, the publication extended.

    Dues (rolled to working days): mobilize.* 2024-04-22 (Mon), draft.* and apply.materials
    2024-05-10 (Fri), apply.provincial-review 2024-05-31 (Fri). On 2024-06-03 (Mon):

    * mobilize.work-plan (eco) 04-10 and mobilize.commission (eco) 04-12: on time
    * mobilize.leading-group (gov, eco) 04-25: late, 3 working days
    * draft.survey (tech, eco) 05-14: late, 3 working days (Saturday 05-11 was a 调休 working day)
    * draft.compile (tech, eco), apply.materials (eco, tech): overdue, 17 working days each
    * apply.provincial-review (eco): overdue, 1 working day (blocked upstream, past due all the same)
    * draft.publish (gov, eco): extended to 2024-07-31, so not owed yet
    """
    plan = load_plan(DEFAULT_PLAN)
    facts: list[Fact] = [
        checkin(plan, "mobilize.work-plan", "2024-04-10"),
        checkin(plan, "mobilize.commission", "2024-04-12"),
        checkin(plan, "mobilize.leading-group", "2024-04-25"),
        checkin(plan, "draft.survey", "2024-05-14"),
        Extension("draft.publish", "office", at("2024-05-06"), date(2024, 7, 31), "等待区政府常务会议"),
    ]
    board = Engine(plan, WorkdayCalendar()).board(Facts(facts), AS_OF)
    return {s.bureau: s for s in bureau_performance(plan, board)}


def test_counts_per_bureau(scores: dict[str, BureauScore]) -> None:
    eco, gov, tech = scores["eco"], scores["gov"], scores["tech"]
    assert (eco.owed, eco.on_time, eco.late, eco.overdue) == (7, 2, 2, 3)
    assert (gov.owed, gov.on_time, gov.late, gov.overdue) == (1, 0, 1, 0)
    assert (tech.owed, tech.on_time, tech.late, tech.overdue) == (3, 0, 1, 2)


def test_rates_and_average_lateness(scores: dict[str, BureauScore]) -> None:
    assert scores["eco"].on_time_rate == pytest.approx(2 / 7)
    assert scores["eco"].avg_late_workdays == pytest.approx((3 + 3 + 17 + 17 + 1) / 5)
    assert scores["gov"].on_time_rate == 0.0
    assert scores["gov"].avg_late_workdays == 3.0
    assert scores["tech"].avg_late_workdays == pytest.approx((3 + 17 + 17) / 3)


def test_ranked_by_rate_then_lateness_then_plan_order(scores: dict[str, BureauScore]) -> None:
    # gov and tech both stand at 0%: gov is fewer working days late on average, so it ranks above tech.
    assert [scores[b].rank for b in ("eco", "gov", "tech")] == [1, 2, 3]
    # Nothing owed yet: last, in the plan's order (the office is listed right after eco).
    assert scores["office"].owed == 0
    assert scores["office"].on_time_rate is None
    assert scores["office"].avg_late_workdays == 0.0
    assert scores["office"].rank == 4
    assert scores["water"].rank == 5


def test_every_bureau_but_the_leading_group_once() -> None:
    plan = load_plan(DEFAULT_PLAN)
    board = Engine(plan, WorkdayCalendar()).board(Facts(), AS_OF)
    ranked = bureau_performance(plan, board)
    assert [s.rank for s in ranked] == list(range(1, len(plan.bureaus)))
    assert "leaders" not in {s.bureau for s in ranked}
    assert {s.name for s in ranked} >= {"市生态环境局鄠邑分局", "“两山”基地建设工作领导小组办公室", "技术支撑单位"}
    # Nothing handed in: everyone owing anything stands at 0%, the least late on average first.
    owing = [s for s in ranked if s.owed]
    assert all(s.on_time_rate == 0.0 for s in owing)
    assert [s.avg_late_workdays for s in owing] == sorted(s.avg_late_workdays for s in owing)


def test_a_step_due_today_is_not_yet_overdue() -> None:
    plan = load_plan(DEFAULT_PLAN)
    board = Engine(plan, WorkdayCalendar()).board(Facts(), date(2024, 4, 22))
    eco = next(s for s in bureau_performance(plan, board) if s.bureau == "eco")
    assert (eco.owed, eco.overdue) == (0, 0)
