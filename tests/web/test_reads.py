"""已读 on both databases: the first open of an item after a reminder marks it read (who, when); the office's
page lists, for overdue items, the reminders sent and whether and by whom they were read."""

from __future__ import annotations

from sqlalchemy import select

from core.messages import Draft
from core.people import Person
from db import outbox
from db.models import OutboxItem
from db.people import import_people, issue_person_link
from tasks.notifier import RecordingNotifier
from tests.web.conftest import KEY, Site

STEP = "mobilize.work-plan"
PLAN = "huyi-two-mountains"


def _remind(site: Site, key: str) -> None:
    """A reminder about STEP to eco, sent."""
    from datetime import date

    outbox.enqueue(site.database.sessions, PLAN, date(2026, 12, 1),
                   [Draft("eco", "【两山基地】提醒", "**【逾期】研究制定工作方案**", (f"{PLAN}|{STEP}|overdue|eco|{key}",),
                          (STEP,), True)])
    notifier = RecordingNotifier()
    outbox.deliver(site.database.sessions, notifier.send, lambda r: True, plan_id=PLAN)


def _reads(site: Site) -> list[tuple[str | None, bool]]:
    with site.database.sessions() as session:
        return [(i.read_by, i.read_at is not None) for i in session.scalars(select(OutboxItem).order_by(OutboxItem.id))]


def test_the_first_open_after_a_reminder_marks_it_read_by_the_person(site: Site) -> None:
    import_people(site.database.sessions, plan_id=PLAN, people=[(2, Person("eco", "张三", "经办人"))], actor="t")
    office = site.login("office")
    assert "逾期事项的提醒与已读" not in office.get("/").text  # nothing sent yet
    _remind(site, "1")
    assert "已提醒 1 次，<span class=\"late\">未读</span>" in office.get("/").text
    office.get("/?bureau=eco")  # the office looking at eco's page is not eco reading
    assert _reads(site) == [(None, False)]
    _, link = issue_person_link(site.database.sessions, plan_id=PLAN, person_id=1, days=3, key=KEY,
                                base_url="http://testserver", actor="t")
    zhang = site.client()
    assert zhang.get(f"/b/{link.token}").status_code == 303
    assert zhang.get("/").status_code == 200
    assert _reads(site) == [("张三（市生态环境局鄠邑分局·经办人）", True)]
    site.login("eco").get("/")  # a later open does not change who read it first
    assert _reads(site)[0][0] == "张三（市生态环境局鄠邑分局·经办人）"
    page = office.get("/").text
    assert "已提醒 1 次，<span>已读</span>（张三（市生态环境局鄠邑分局·经办人）" in page
    _remind(site, "2")  # a new reminder is unread until the next open
    assert "已提醒 2 次，<span class=\"late\">未读</span>" in office.get("/").text and _reads(site)[1] == (None, False)
    site.login("eco").get("/")
    assert _reads(site)[1] == ("portal:eco", True)
