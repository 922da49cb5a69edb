"""The reminder ladder as the office would state it, on China's calendar."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from core.events import SHANGHAI, CheckIn, Facts, Review
from core.ladder import notices_for_day
from core.messages import compose, fit
from core.plan import Plan
from core.status import Engine
from core.workdays import WorkdayCalendar

CAL = WorkdayCalendar()


def said(plan: Plan, day: str, *events: object) -> set[tuple[str, str, str | None]]:
    notices = notices_for_day(plan, Engine(plan, CAL), Facts(events), date.fromisoformat(day))  # type: ignore[arg-type]
    return {(n.recipient, n.rung, n.step) for n in notices}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2024-04-01", {("eco", "opened", "mobilize.work-plan")}),
        ("2024-04-15", {("eco", "due", "mobilize.work-plan")}),  # 5 working days before 04-22
        ("2024-04-19", {("eco", "due", "mobilize.work-plan")}),  # 1 working day before
        ("2024-04-23", {("eco", "overdue", "mobilize.work-plan"), ("office", "overdue", "mobilize.work-plan")}),
        ("2024-04-26", {("eco", "overdue_repeat", "mobilize.work-plan")}),  # 4th working day late: 1 + 3
        ("2024-04-28", {("leaders", "escalation", "mobilize.work-plan"), ("office", "escalation", "mobilize.work-plan")}),
    ],
)
def test_ladder_rungs(huyi: Plan, day: str, expected: set[tuple[str, str, str | None]]) -> None:
    """Opened, due in 5 and 1, first day overdue to owners and office, repeat every 3, 督办 on the 5th."""
    assert expected <= said(huyi, day)


def test_nothing_on_rest_days(huyi: Plan) -> None:
    """Saturday 04-20 and the National Day holiday say nothing, whatever is due."""
    assert said(huyi, "2024-04-20") == set()
    assert said(huyi, "2024-10-01") == set()


def test_same_fact_same_key_across_days(huyi: Plan) -> None:
    """The first-day-overdue notice has the same key on every later day, so the outbox sends it once."""
    engine = Engine(huyi, CAL)
    keys = [{n.dedupe_key for n in notices_for_day(huyi, engine, Facts(), date(2024, 4, d)) if n.rung == "overdue"}
            for d in (23, 24, 25)]
    assert keys[0] == keys[1] == keys[2] and len(keys[0]) == 2


def test_received_and_returned_go_to_the_right_people(huyi: Plan) -> None:
    """A check-in tells the submitter and the office; a return tells the owners with the reason."""
    at = datetime.combine(date(2024, 4, 8), time(10), SHANGHAI)
    checkin = CheckIn("mobilize.work-plan", "office", at, ("work-plan", "task-breakdown"), on_behalf_of="eco")
    back = Review("mobilize.work-plan", "office", at.replace(hour=16), "return", ("work-plan",), "缺分工表",
                  date(2024, 4, 12))
    got = said(huyi, "2024-04-08", checkin, back)
    assert {("eco", "received", "mobilize.work-plan"), ("office", "received", "mobilize.work-plan"),
            ("eco", "returned", "mobilize.work-plan")} <= got


def test_weekly_digest_on_the_first_working_day(huyi: Plan) -> None:
    """Monday 2024-04-15 carries the office's digest; Tuesday does not; after a holiday Monday, Tuesday does."""
    assert ("office", "digest", None) in said(huyi, "2024-04-15")
    assert ("office", "digest", None) not in said(huyi, "2024-04-16")
    assert ("office", "digest", None) in said(huyi, "2024-10-08")  # 09-30..10-07: National Day


def test_one_message_per_bureau(huyi: Plan) -> None:
    """The office owes nothing but hears several things on 04-29: one message lists them all."""
    from config.templates import render

    engine = Engine(huyi, CAL)
    day = date(2024, 4, 29)
    notices = notices_for_day(huyi, engine, Facts(), day)
    drafts = compose(huyi, engine.board(Facts(), day), notices, day, render)
    assert sorted(d.recipient for d in drafts) == sorted({n.recipient for n in notices})
    office = next(d for d in drafts if d.recipient == "office")
    assert office.body.index("【督办】") < office.body.index("【逾期】")  # the most urgent first
    assert "研究制定工作方案" in office.subject or "督办/逾期" in office.subject


def test_fit_cuts_at_a_line_within_4096_bytes() -> None:
    """A long message is cut at a line break, under WeCom's 4096 bytes, pointing to the board."""
    body = "\n".join(f"第{i}行：逾期事项说明，请尽快报送。" for i in range(400))
    cut = fit(body)
    assert len(cut.encode()) <= 4096
    assert cut.endswith("完整清单见看板：liangshan status）")
    assert cut.split("\n")[-2].startswith("第")


def test_the_ladder_is_the_plans(huyi: Plan) -> None:
    """The plan file carries the ladder; an office that escalates on the 3rd day late gets 督办 then."""
    from dataclasses import replace

    from core.plan import LadderSettings

    assert huyi.settings.ladder == LadderSettings((5, 1), 3, 5, 14, True)
    assert ("leaders", "escalation", "mobilize.work-plan") not in said(huyi, "2024-04-25")
    stricter = replace(huyi, settings=replace(huyi.settings, ladder=replace(huyi.settings.ladder, escalate_after=3)))
    assert ("leaders", "escalation", "mobilize.work-plan") in said(stricter, "2024-04-25")
