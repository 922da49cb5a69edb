"""Joint steps: whose hand-in completes a step with several owners (core.joint's rule table)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from core.events import SHANGHAI, CheckIn, Event, Facts, Review
from core.frozen import FrozenMap
from core.plan import Plan
from core.status import Engine
from core.workdays import WorkdayCalendar

CAL = WorkdayCalendar()
STEP = "build.pathways"  # 13 owners, eco leads; two deliverables due 2029-01-02
BOTH = ("conversion-models", "case-collection")
DAY = "2026-12-01"


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), SHANGHAI)


def upstream_done(plan: Plan) -> list[Event]:
    """Everything before the building phase, handed in by each step's lead in 2024."""
    out: list[Event] = []
    for sid in plan.topo_order:
        step = plan.steps[sid]
        if step.phase in ("mobilize", "draft", "apply"):
            out.append(CheckIn(sid, step.lead, at("2024-09-20"), tuple(d.id for d in step.deliverables)))
            if step.review:
                out.append(Review(sid, "office", at("2024-09-21"), "accept", tuple(d.id for d in step.deliverables)))
    return out


def with_completion(plan: Plan, completion: str, review: bool = False) -> Plan:
    steps = dict(plan.steps)
    steps[STEP] = replace(steps[STEP], completion=completion, review=review)  # type: ignore[arg-type]
    return replace(plan, steps=FrozenMap(steps))


def hand_in(by: str, on_behalf_of: str | None = None) -> CheckIn:
    return CheckIn(STEP, by, at(DAY), BOTH, on_behalf_of=on_behalf_of)


def status_after(plan: Plan, *events: Event) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    st = Engine(plan, CAL).board(Facts([*upstream_done(plan), *events]), date.fromisoformat("2026-12-02")).steps[STEP]
    return st.status, st.contributors, st.owing


OTHERS = ("ndrc", "resources", "qinling", "agri", "rural", "tourism", "civil", "health", "water", "rivers",
          "industry", "streets")


@pytest.mark.parametrize(
    ("completion", "hand_ins", "done"),
    [
        # lead: only the lead's hand-in (or the office's on its behalf) completes
        ("lead", [("eco", None)], True),
        ("lead", [("office", "eco")], True),
        ("lead", [("streets", None)], False),
        ("lead", [("office", "streets")], False),
        ("lead", [(b, None) for b in OTHERS], False),
        # each: every owner's own hand-in
        ("each", [("eco", None)], False),
        ("each", [(b, None) for b in OTHERS], False),
        ("each", [("eco", None)] + [(b, None) for b in OTHERS], True),
        ("each", [("office", "eco")] + [("office", b) for b in OTHERS], True),
        # any: anyone's (the rule before joint steps)
        ("any", [("streets", None)], True),
        ("any", [("eco", None)], True),
    ],
)
def test_whose_hand_in_completes(huyi: Plan, completion: str, hand_ins: list[tuple[str, str | None]],
                                 done: bool) -> None:
    plan = with_completion(huyi, completion)
    status, _, _ = status_after(plan, *(hand_in(by, behalf) for by, behalf in hand_ins))
    assert (status == "done") is done


def test_a_contribution_is_listed_and_leaves_the_step_open(huyi: Plan) -> None:
    status, contributors, _ = status_after(huyi, hand_in("streets"), hand_in("water"), hand_in("office", "agri"))
    assert status == "open"
    assert contributors == ("agri", "water", "streets")  # plan order of the owners
    status, contributors, _ = status_after(huyi, hand_in("streets"), hand_in("eco"))
    assert status == "done"
    assert contributors == ("streets",)


def test_each_names_who_still_owes(huyi: Plan) -> None:
    plan = with_completion(huyi, "each")
    _, contributors, owing = status_after(plan, hand_in("eco"), hand_in("streets"))
    assert contributors == ()
    assert owing == tuple(o for o in huyi.steps[STEP].owners if o not in ("eco", "streets"))


def test_each_with_review_is_done_only_when_every_owner_is_accepted(huyi: Plan) -> None:
    plan = with_completion(huyi, "each", review=True)
    everyone = [hand_in(o) for o in huyi.steps[STEP].owners]
    status, _, owing = status_after(plan, *everyone)
    assert status == "submitted"
    assert len(owing) == 13
    accepted = Review(STEP, "office", at(DAY, 16), "accept", BOTH)
    status, _, owing = status_after(plan, *everyone, accepted)
    assert (status, owing) == ("done", ())


def test_an_accepted_contribution_is_impossible_so_the_lead_still_owes(huyi: Plan) -> None:
    plan = with_completion(huyi, "lead", review=True)
    status, _, _ = status_after(plan, hand_in("streets"), Review(STEP, "office", at(DAY, 16), "accept", BOTH))
    assert status == "open"


def test_the_ranking_judges_a_helper_by_its_contribution_and_the_lead_by_the_step(huyi: Plan) -> None:
    from core.performance import bureau_performance

    def scores(*events: Event) -> dict[str, tuple[int, int, int, int]]:
        board = Engine(huyi, CAL).board(Facts([*upstream_done(huyi), *events]), date(2029, 1, 20))
        assert board.steps[STEP].status == "overdue"
        return {s.bureau: (s.on_time, s.late, s.overdue, s.contributions) for s in bureau_performance(huyi, board)}

    before = scores()
    after = scores(CheckIn(STEP, "streets", at("2028-12-20"), BOTH), CheckIn(STEP, "water", at("2029-01-10"), BOTH))
    on_time, late, overdue, sent = before["streets"]
    assert after["streets"] == (on_time + 1, late, overdue - 1, sent + 1)  # sent before the due: on time
    on_time, late, overdue, sent = before["water"]
    assert after["water"] == (on_time, late + 1, overdue - 1, sent + 1)  # sent after it: late
    assert after["agri"] == before["agri"]  # sent nothing: the step's outcome, overdue
    assert after["eco"] == before["eco"]  # the lead answers for the step
