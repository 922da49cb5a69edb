"""交办事项 in the portal: the office's form records and withdraws tasks; bureaus may do neither, and see theirs as items."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import TaskRow
from tests.web.conftest import PDF, Site, csrf

FORM = {"title": "完善涝峪河道生态修复方案", "lead": "water", "owners": ["eco"], "due": "2027年1月底",
        "source": "meeting", "meeting": "meetings.2026q4", "review": "1"}


def tasks(site: Site) -> int:
    with site.database.sessions() as session:
        return session.scalar(select(func.count()).select_from(TaskRow)) or 0


def test_the_office_assigns_a_task_the_lead_hands_it_in_and_the_office_withdraws_another(site: Site) -> None:
    """The office's form makes task.1; the lead's page lists it like a step and takes its check-in."""
    office = site.login("office")
    page = office.get("/")
    assert "登记交办事项" in page.text and 'action="/tasks"' in page.text
    made = office.post("/tasks", data={"csrf": csrf(office), **FORM})
    assert made.status_code == 303 and made.headers["location"] == "/?ok=task", made.text
    office_page = office.get("/?ok=task").text
    assert "已登记交办事项" in office_page and "task.1" in office_page and "2027-01-31" in office_page
    water = site.login("water")
    assert "完善涝峪河道生态修复方案" in water.get("/").text
    assert "完善涝峪河道生态修复方案" in site.login("eco").get("/").text
    assert "完善涝峪河道生态修复方案" not in site.login("agri").get("/").text
    assert "交办事项" in water.get("/history").text  # the assignment is in the lead's own history
    handed = water.post("/steps/task.1/checkin", data={"csrf": csrf(water), "note": "方案已编制"},
                        files=[("file", ("落实情况.pdf", PDF, "application/pdf"))])
    assert handed.status_code == 303, handed.text
    assert "待审核（1）" in office.get("/").text
    second = office.post("/tasks", data={"csrf": csrf(office), **FORM, "title": "另一事项", "lead": "agri", "owners": []})
    assert second.status_code == 303
    closed = office.post("/tasks/task.2/close", data={"csrf": csrf(office), "reason": "并入年度计划"})
    assert closed.status_code == 303 and closed.headers["location"] == "/?ok=task_closed"
    assert "另一事项" not in site.login("agri").get("/").text


def test_a_bureau_may_neither_assign_nor_withdraw(site: Site) -> None:
    """A bureau posting the task form, or closing a task, gets 403 and nothing is written."""
    office = site.login("office")
    assert office.post("/tasks", data={"csrf": csrf(office), **FORM}).status_code == 303
    water = site.login("water")
    before = site.counts()
    refused = water.post("/tasks", data={"csrf": csrf(water), **FORM})
    assert refused.status_code == 403 and "只有领导小组办公室" in refused.text
    assert water.post("/tasks/task.1/close", data={"csrf": csrf(water), "reason": "不办了"}).status_code == 403
    assert tasks(site) == 1 and site.counts() == before
    assert "完善涝峪河道生态修复方案" in water.get("/").text  # still open


def test_a_wrong_task_form_is_400_and_writes_nothing(site: Site) -> None:
    """An unknown meeting, a due before today, or no csrf: refused, no row."""
    office = site.login("office")
    assert office.post("/tasks", data={"csrf": csrf(office), **FORM, "meeting": "meetings.2031q9"}).status_code == 400
    assert office.post("/tasks", data={"csrf": csrf(office), **FORM, "due": "2020-01-01"}).status_code == 400
    assert office.post("/tasks", data={**FORM}).status_code == 403
    assert tasks(site) == 0
