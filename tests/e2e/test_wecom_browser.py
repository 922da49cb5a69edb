"""WeCom end to end in a real browser at a phone's size (headless chromium, 390x844), against the fake WeCom over
real HTTP: a reminder reaches 张三 as a textcard; its 去报送 button opens the portal's WeCom sign-in, WeCom's
authorisation page sends the browser back, and the portal opens as 张三, who hands in; the history names him."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.people import Person
from core.workdays import WorkdayCalendar
from db.people import import_people
from tasks.notifier import RecordingNotifier
from tasks.notify import run_notifications
from tasks.wecom_api import forget_tokens
from tests.db.conftest import Database
from tests.e2e.chromium import ARGS, ARTIFACTS, CHROMIUM
from tests.e2e.portal import KEY, running_portal
from tests.wecom_fake import fake_wecom

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
STEP = "mobilize.work-plan"  # eco's, open from 2024-04-01 with nothing upstream
ECO = "市生态环境局鄠邑分局"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_textcard_button_signs_the_person_in_and_the_history_names_him(
        database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    forget_tokens()
    plan = load_plan(DEFAULT_PLAN)
    import_people(database.sessions, plan_id=plan.id, actor="test",
                  people=[(2, Person("eco", "张三", "经办人", "zhangsan"))])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with fake_wecom() as fake, running_portal(database.env(), database.sessions, plan.id, tmp_path / "web.log",
                                              extra=fake.env()) as portal:
        for name, value in {**fake.env(), "LIANGSHAN_PORTAL_URL": portal.base, "LIANGSHAN_SECRET_KEY": KEY}.items():
            monkeypatch.setenv(name, value)
        run_notifications(plan, WorkdayCalendar(), [], date(2024, 4, 2), RecordingNotifier(), database.sessions,
                          home=database.home)
        (card,) = [m["textcard"] for m in fake.messages if m.get("touser") == "zhangsan"]
        assert card["btntxt"] == "去报送" and card["url"] == f"{portal.base}/auth/wecom"
        fake.signed_in = "zhangsan"  # who WeCom's authorisation page says the member is
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
            page: Any = phone.new_page()
            page.goto(card["url"])
            # No code and no state left in the address bar (the browser carries the authorize URL's
            # #wechat_redirect through redirects that have no fragment of their own; WeCom's real page does not).
            assert page.url.split("#", 1)[0] == f"{portal.base}/"
            step = page.locator(f"article[id='step-{STEP}']")
            expect(step).to_be_visible()
            expect(page.locator("header .me")).to_have_text("张三·经办人")
            page.screenshot(path=str(ARTIFACTS / "wecom-phone-signed-in.png"), full_page=False)
            # One form per deliverable: 张三 hands in the first (工作方案) with a note.
            form = step.locator(f"form[action='/steps/{STEP}/checkin']").first
            if not form.is_visible():
                step.locator("summary", has_text="报送材料").click()
            form.locator("textarea[name=note]").fill("印发稿")
            form.locator("button[type=submit]").click()
            expect(page.locator("body")).to_contain_text("已报送")
            page.goto(f"{portal.base}/history")
            expect(page.locator("body")).to_contain_text(f"张三（{ECO}·经办人）")
            page.screenshot(path=str(ARTIFACTS / "wecom-phone-history.png"), full_page=True)
            replay = phone.new_page()  # the callback of this sign-in again: its state is spent
            replay.goto(fake.authorize_requests[-1]["redirect_uri"] + "?code=X&state=" + fake.authorize_requests[-1]["state"])
            expect(replay.locator("body")).to_contain_text("登录请求无效或已使用")
            browser.close()
    assert fake.fetches == 2  # one for the run's textcards, one in the portal's process for the sign-in
    forget_tokens()
