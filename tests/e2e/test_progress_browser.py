"""进展报送 in a real browser at a phone's size (headless chromium, 390x844): the bureau opens its link,
finds the card of its owed quarterly report on 加强转化路径探索, fills the form and sees it received."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.events import SHANGHAI
from core.periods import period_of
from db.models import ProgressReportRow
from tests.db.conftest import Database
from tests.e2e.chromium import ARGS, ARTIFACTS, CHROMIUM
from tests.e2e.portal import running_portal

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STEP = "build.pathways"
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bureau_reports_progress_from_its_phone(database: Database, tmp_path: Path) -> None:
    """ndrc's page -> the owed card -> text, percent, problems, a photo -> 已报送工作进展, first version shown."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    plan = database.recorder().plan
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 200)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with running_portal(database.env(), database.sessions, plan.id, tmp_path / "web.log") as portal, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
        page: Any = context.new_page()
        page.goto(portal.link("ndrc"))
        # the quarter the portal is in (the server's today, in Beijing); earlier ones are overdue cards above it
        quarter = period_of(datetime.now(SHANGHAI).date(), "quarter").id
        card = page.locator(f"article[id='progress-{STEP}-{quarter}']")
        if not card.is_visible():  # the section is folded (issue 21: long pages); its summary counts what is owed
            page.locator("#progress > details > summary").click()
        expect(card).to_contain_text("加强转化路径探索")
        expect(card).to_contain_text("工作进展")
        form = card.locator(f"form[action='/steps/{STEP}/progress']")
        if not form.is_visible():
            card.locator("summary").click()
        card.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "portal-phone-progress-card.png"), full_page=False)
        # the form fits the phone: no field wider than the screen
        for field in ("textarea[name=text]", "input[name=percent]", "textarea[name=problems]"):
            box = form.locator(field).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], field
        form.locator("textarea[name=text]").fill("本季度完成转化路径调研，形成工作思路和首批项目清单，已报区政府。")
        form.locator("input[name=percent]").fill("35")
        form.locator("textarea[name=problems]").fill("项目资金缺口较大")
        form.locator("textarea[name=next]").fill("争取省级专项资金")
        form.locator("input[type=file]").set_input_files(str(photo))
        form.locator("button[type=submit]").click()
        expect(page.locator("body")).to_contain_text("已报送工作进展")
        sent = page.locator(f"article[id='progress-{STEP}-{quarter}']")
        expect(sent).to_contain_text("已报送第 1 版，完成进度 35%")
        sent.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "portal-phone-progress-sent.png"), full_page=False)
        context.close()
        browser.close()
    with database.sessions() as session:
        (row,) = session.scalars(select(ProgressReportRow))
    assert (row.bureau, row.step_id, row.period, row.percent, row.problems) == ("ndrc", STEP, quarter, 35, "项目资金缺口较大")
