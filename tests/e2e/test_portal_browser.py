"""The portal in a real browser at a phone's size (headless chromium, 390x844), end to end:
the link comes out of a reminder delivered to the local WeCom sink; the bureau uploads a PDF and
sees 已报送; the office accepts it and sees the step done."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from config.events import load_event_rows
from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.events import SHANGHAI, Facts
from core.workdays import WorkdayCalendar
from db import repo
from db.records import ImportItem
from tasks.notifier import AppriseNotifier
from tasks.notify import run_notifications
from tests.db.conftest import Database
from tests.e2e.chromium import ARGS, ARTIFACTS, CHROMIUM
from tests.e2e.portal import KEY, running_portal
from tests.sinks import http_sink

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STEP = "draft.compile"  # led by tech (eco helps), reviewed by the office: tech's hand-in completes it
BOT_KEY = "ECOPORTALBOTKEY00042"
PHONE = {"width": 390, "height": 844}
# Everything before draft.compile happened, as in the example history.
HISTORY = """events:
  - {type: checkin, step: mobilize.work-plan, by: eco, at: "2024-04-17T10:00"}
  - {type: checkin, step: mobilize.leading-group, by: gov, at: "2024-04-18T10:00"}
  - {type: checkin, step: mobilize.commission, by: eco, at: "2024-04-18T10:00"}
  - {type: checkin, step: draft.survey, by: tech, at: "2024-05-07T10:00"}
"""


def _reminder_link(database: Database, tmp_path: Path, portal_base: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run today's notifications with the portal configured; return the link in tech's (the lead's) WeCom message."""
    plan = load_plan(DEFAULT_PLAN)
    with http_sink() as sink:
        monkeypatch.setenv("LIANGSHAN_WECOM_API_BASE", sink.base)
        monkeypatch.setenv("LIANGSHAN_PORTAL_URL", portal_base)
        monkeypatch.setenv("LIANGSHAN_SECRET_KEY", KEY)
        config = tmp_path / "notify.yaml"
        config.write_text(f"urls:\n  - wecom://{BOT_KEY}:\n      - tag: tech\n", encoding="utf-8")
        with database.sessions() as session:
            events = repo.load_all_events(session=session, plan=plan)
        calendar = WorkdayCalendar()
        day = calendar.next_workday(date(2026, 11, 30))
        run_notifications(plan, calendar, events, day, AppriseNotifier(config), database.sessions)
        texts = [m["payload"]["markdown"]["content"] for m in sink.wecom if m["key"] == BOT_KEY]
    assert texts, "tech received no reminder"
    found = re.search(r"\((" + re.escape(portal_base) + r"/b/[A-Za-z0-9_.\-]+)\)", texts[0])
    assert found, f"no portal link in the reminder: {texts[0][:500]}"
    assert "点此报送" in texts[0] and "liangshan checkin" not in texts[0]
    return found.group(1)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bureau_hands_in_from_its_reminder_and_the_office_accepts(
        database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reminder link -> phone page -> upload PDF -> 已报送; office link -> 通过 -> the step is done."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    recorder = database.recorder()
    history = tmp_path / "history.yaml"
    history.write_text(HISTORY, encoding="utf-8")
    recorder.import_events([ImportItem(r.event, r.files, r.line) for r in load_event_rows(history, recorder.plan)])
    pdf = tmp_path / "实施方案初稿.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with running_portal(database.env(), database.sessions, recorder.plan.id, tmp_path / "web.log") as portal:
        link = _reminder_link(database, tmp_path, portal.base, monkeypatch)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            bureau = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
            page: Any = bureau.new_page()
            page.goto(link)
            assert page.url == f"{portal.base}/"  # the token is gone from the address bar
            card = page.locator(f"article[id='step-{STEP}']")
            expect(card).to_contain_text("编制实施方案")
            page.screenshot(path=str(ARTIFACTS / "portal-phone-bureau.png"), full_page=False)
            form = card.locator(f"form[action='/steps/{STEP}/checkin']")
            if not form.is_visible():
                card.locator("summary", has_text="报送材料").click()
            form.locator("input[type=file]").set_input_files(str(pdf))
            form.locator("textarea[name=note]").fill("初稿，请审核")
            form.locator("button[type=submit]").click()
            expect(page.locator("body")).to_contain_text("已报送")
            expect(page.locator(f"article[id='step-{STEP}']")).to_contain_text("实施方案初稿.pdf")
            page.screenshot(path=str(ARTIFACTS / "portal-phone-submitted.png"), full_page=True)
            bureau.close()

            office = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
            page = office.new_page()
            page.goto(portal.link("office"))
            review = page.locator(f"form[action='/steps/{STEP}/review']").filter(
                has=page.locator("input[name=decision][value=accept]"))
            expect(review).to_have_count(1)
            expect(page.locator("body")).to_contain_text("实施方案初稿.pdf")
            page.screenshot(path=str(ARTIFACTS / "portal-phone-office-queue.png"), full_page=True)
            review.locator("button[type=submit]").click()
            expect(page.locator("body")).to_contain_text("没有待审核的报送")
            page.goto(f"{portal.base}/?bureau=tech")
            expect(page.locator(f"article[id='step-{STEP}']")).to_contain_text("已完成")
            page.screenshot(path=str(ARTIFACTS / "portal-phone-office-done.png"), full_page=True)
            office.close()
            browser.close()
    with database.sessions() as session:
        facts = Facts(repo.load_all_events(session=session, plan=recorder.plan))
    st = recorder.engine.board(facts, datetime.now(SHANGHAI).date()).steps[STEP]
    assert st.status == "done"
