"""The Prefect UI in a real browser (Debian's chromium, headless): the plan's steps in Chinese."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterName
from prefect.settings import PREFECT_API_URL, temporary_settings

from tests.e2e.conftest import Live

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
UI_WAIT = 90_000  # ms
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chromium's own background traffic is refused on this closed network; turn it off.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(name="page")
def fixture_page() -> Any:
    """A headless chromium page, 1400x1000."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: .ci/run installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        yield page
        browser.close()


def _latest_run(live: Live, flow_name: str) -> Any:
    with temporary_settings({PREFECT_API_URL: live.url}), get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])))
        return max(runs, key=lambda r: r.created)


def _deployment_id(live: Live, name: str) -> str:
    with temporary_settings({PREFECT_API_URL: live.url}), get_client(sync_client=True) as client:
        return str(client.read_deployment_by_name(name).id)


def test_reconcile_run_page_shows_the_plan(live: Live, page: Any) -> None:
    """The reconcile run lists a subflow per phase; a phase's page lists its steps by Chinese title."""
    tick = live.liangshan("tick", "--as-of", "2024-04-23")
    assert tick.returncode in (0, 1), tick.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    run = _latest_run(live, "reconcile")
    base = live.url.removesuffix("/api")
    page.goto(f"{base}/runs/flow-run/{run.id}", wait_until="networkidle")
    # The UI shows the tab once it has counted the run's subflows: slow on a loaded 2-core machine.
    page.locator("li.p-tab#subflow-runs").click(timeout=UI_WAIT)
    page.get_by_text("动员部署阶段").first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    for phase in ("动员部署阶段", "实施方案编制阶段", "组织申报阶段", "建设实施阶段", "评估总结阶段"):
        assert phase in body
    assert "重算：截至 2024-04-23" in body
    page.screenshot(path=str(ARTIFACTS / "reconcile-run.png"), full_page=True)

    phase_run = _latest_run(live, "动员部署阶段")
    page.goto(f"{base}/runs/flow-run/{phase_run.id}", wait_until="networkidle")
    page.locator("li.p-tab#task-runs").click(timeout=UI_WAIT)
    page.get_by_text("mobilize.commission 委托技术单位编制实施方案").first.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "phase-run.png"), full_page=True)
    body = page.inner_text("body")
    for name in ("mobilize.work-plan 研究制定工作方案", "mobilize.leading-group 成立“两山”基地建设工作领导小组",
                 "mobilize.commission 委托技术单位编制实施方案"):
        assert name in body
    assert "逾期" in body and "受阻" in body


def test_checkin_form_offers_chinese_step_names(live: Live, page: Any) -> None:
    """The check-in deployment's run form offers the plan's steps and bureaus by their Chinese names, under
    Chinese field labels."""
    ARTIFACTS.mkdir(exist_ok=True)
    base = live.url.removesuffix("/api")
    page.goto(f"{base}/deployments/deployment/{_deployment_id(live, 'checkin/huyi-two-mountains')}/run", wait_until="networkidle")
    # Open the step drop-down (the first field of the one parameter, ``form``): its options are the plan's steps
    # by Chinese title.
    step_field = page.locator(".schema-form-property").first.locator("button.p-select-button__control").first
    step_field.wait_for(timeout=30_000)
    step_field.press("ArrowDown")
    page.get_by_text("研究制定工作方案（mobilize.work-plan）").first.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "checkin-form.png"), full_page=True)
    body = page.inner_text("body")
    for words in ("研究制定工作方案（mobilize.work-plan）", "成立“两山”基地建设工作领导小组（mobilize.leading-group）",
                  "编制实施方案（draft.compile）"):
        assert words in body
    # The fields are labelled in Chinese (the titles of the form model's fields), with no "Property is type None".
    page.keyboard.press("Escape")
    for label in ("步骤", "报送单位", "成果", "说明", "附件链接", "实际报送日期", "被代报单位"):
        page.get_by_text(re.compile(rf"^{label}( \(Optional\))?$")).first.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "checkin-form-fields.png"), full_page=True)
    body = page.inner_text("body")
    assert "on_behalf_of" not in body and "type None" not in body
