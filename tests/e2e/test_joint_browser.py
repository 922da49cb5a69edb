"""A joint step in a real browser at a phone's size (headless chromium, 390x844): a 配合单位 uploads its
material for build.pathways, the step stays open, and the lead sees the card 配合单位材料 with the download."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from core.events import SHANGHAI, Facts
from db import repo
from tests.db.conftest import Database
from tests.db.joint_history import PATHWAYS, record_upstream
from tests.e2e.chromium import ARGS, ARTIFACTS, CHROMIUM
from tests.e2e.portal import running_portal

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_lead_sees_its_helpers_material_on_a_phone(database: Database, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    recorder = database.recorder()
    record_upstream(recorder)
    pdf = tmp_path / "街道转化模式素材.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with running_portal(database.env(), database.sessions, recorder.plan.id, tmp_path / "web.log") as portal, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        helper = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
        page: Any = helper.new_page()
        page.goto(portal.link("streets"))
        card = page.locator(f"article[id='step-{PATHWAYS}']")
        expect(card).to_contain_text("本单位为配合单位")
        form = card.locator(f"form[action='/steps/{PATHWAYS}/checkin']").first  # one form per deliverable
        if not form.is_visible():
            card.locator("summary", has_text="报送材料").click()
        form.locator("input[type=file]").set_input_files(str(pdf))
        form.locator("textarea[name=note]").fill("街道转化模式素材，请汇总")
        form.locator("button[type=submit]").click()
        expect(page.locator("body")).to_contain_text("配合材料已报送牵头单位")
        helper.close()

        lead = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
        page = lead.new_page()
        page.goto(portal.link("eco"))
        section = page.locator("section#contributions")
        expect(section).to_contain_text("配合单位材料")
        expect(section).to_contain_text("配合单位已报 1/12")
        expect(section).to_contain_text("各街道（景区管理局）")
        download = section.locator("a", has_text=pdf.name)
        expect(download).to_have_count(1)
        section.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "portal-phone-lead-contributions.png"), full_page=False)
        with page.expect_download() as fetched:
            download.click()
        assert Path(fetched.value.path()).read_bytes() == pdf.read_bytes()
        lead.close()
        browser.close()
    with database.sessions() as session:
        facts = Facts(repo.load_all_events(session=session, plan=recorder.plan))
    st = recorder.engine.board(facts, datetime.now(SHANGHAI).date()).steps[PATHWAYS]
    assert (st.status, st.contributors) == ("open", ("streets",))
