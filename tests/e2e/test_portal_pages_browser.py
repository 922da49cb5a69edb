"""A bureau's page and the office's cards at a phone's size (headless chromium, 390x844), as issue 21 read them:
the page is short enough to use (tabs, folded sections), counts show 逾期, the card lists what was handed in."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from config.events import load_event_rows
from db.records import ImportItem
from tests.db.conftest import Database
from tests.e2e.chromium import ARGS, ARTIFACTS, CHROMIUM
from tests.e2e.portal import running_portal
from tests.e2e.test_portal_browser import HISTORY, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]
MAX_HEIGHT = 6 * PHONE["height"]  # a bureau's first page: a few screens, not 9,600 px


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bureau_page_is_short_and_the_office_cards_count_what_is_late(database: Database, tmp_path: Path) -> None:
    """eco's page at 390x844 is at most six screens high; the office's 各单位 cards show 逾期 N."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    recorder = database.recorder()
    history = tmp_path / "history.yaml"
    history.write_text(HISTORY, encoding="utf-8")
    recorder.import_events([ImportItem(r.event, r.files, r.line) for r in load_event_rows(history, recorder.plan)])
    pdf = tmp_path / "实施方案（征求意见稿）.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    suffix = os.environ.get("LIANGSHAN_SHOT_SUFFIX", "")
    heights: dict[str, int] = {}
    with running_portal(database.env(), database.sessions, recorder.plan.id, tmp_path / "web.log") as portal, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
        page: Any = phone.new_page()
        page.goto(portal.link("eco"))
        heights["eco"] = page.evaluate("document.documentElement.scrollHeight")
        page.screenshot(path=str(ARTIFACTS / f"portal21-eco-landing{suffix}.png"), full_page=False)
        page.screenshot(path=str(ARTIFACTS / f"portal21-eco-full{suffix}.png"), full_page=True)
        card = page.locator("article[id='step-draft.compile']")
        form = card.locator("form[action='/steps/draft.compile/checkin']").first
        if not form.is_visible():
            card.locator("summary", has_text="报送材料").click()
        form.locator("input[type=file]").set_input_files(str(pdf))
        form.locator("button[type=submit]").click()
        expect(page.locator("body")).to_contain_text("已报送")
        if page.locator("nav.tabs").count():
            page.goto(f"{portal.base}/?tab=done#tasks")
            expect(page.locator("article[id='step-draft.compile']")).to_contain_text("实施方案（征求意见稿）.pdf")
        page.locator("article[id='step-draft.compile']").screenshot(
            path=str(ARTIFACTS / f"portal21-eco-handed-in{suffix}.png"))
        phone.close()
        lead = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
        page = lead.new_page()
        page.goto(portal.link("tech"))
        for body in (b"", b"% v2\n"):  # the lead hands in twice: version 2 is the one to review
            pdf.write_bytes(pdf.read_bytes() + body)
            card = page.locator("article[id='step-draft.compile']")
            if not card.locator("input[type=file]").first.is_visible():
                card.locator("summary", has_text="报送材料").click()
            card.locator("input[type=file]").first.set_input_files(str(pdf))
            card.locator("form[action='/steps/draft.compile/checkin'] button[type=submit]").first.click()
            expect(page.locator("body")).to_contain_text("已报送")
            if page.locator("nav.tabs").count():
                page.goto(f"{portal.base}/?tab=done#tasks")
        lead.close()
        office = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
        page = office.new_page()
        page.goto(portal.link("office"))
        heights["office"] = page.evaluate("document.documentElement.scrollHeight")
        (ARTIFACTS / f"portal21-heights{suffix}.json").write_text(json.dumps(heights), encoding="utf-8")
        cards = page.locator("h2", has_text="各单位")
        cards.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"portal21-office-cards{suffix}.png"), full_page=False)
        page.locator("section").filter(has=page.locator("h2", has_text="待审核")).first.screenshot(
            path=str(ARTIFACTS / f"portal21-office-queue{suffix}.png"))
        rural = page.locator("article", has=page.locator("a", has_text="区乡村振兴局"))
        expect(rural).to_contain_text("逾期 3")
        office.close()
        browser.close()
    assert heights["eco"] <= MAX_HEIGHT, heights
