"""End to end on a real Prefect server served by `liangshan serve` (one for this module): the Prefect UI in a
real browser (Debian's chromium, headless) showing the plan's steps in Chinese, forms through the API, gates
resumed with input, the board."""

from __future__ import annotations

import json
import re
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterName
from prefect.settings import PREFECT_API_URL, temporary_settings

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from tests.e2e.chromium import ARGS, ARTIFACTS, CHROMIUM
from tests.e2e.conftest import Live

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.slow]

WORK_PLAN = "研究制定工作方案（mobilize.work-plan）"
COMMISSION = "委托技术单位编制实施方案（mobilize.commission）"
ECO = "市生态环境局鄠邑分局（eco）"
UI_WAIT = 90_000  # ms


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


def _client(live: Live) -> Any:
    return temporary_settings({PREFECT_API_URL: live.url})


def _run(live: Live, deployment: str, parameters: dict[str, Any]) -> Any:
    """Start a deployment run with the parameters the UI's form sends, and wait for its end.

    The check-in and review deployments take one parameter, ``form``: the form's fields as one object."""
    from prefect.deployments import run_deployment

    with _client(live):
        return run_deployment(deployment, parameters=parameters, timeout=240, as_subflow=False)


def _gates(live: Live) -> dict[str, Any]:
    """Gate runs by name, newest state."""
    with _client(live), get_client(sync_client=True) as client:
        return {r.name: r for r in client.read_flow_runs() if r.name.startswith("待报送：")}


def _wait_for(live: Live, predicate: Any, seconds: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        gates = _gates(live)
        if predicate(gates):
            return gates
        time.sleep(1)
    raise AssertionError(f"gates never reached the expected state: {[(n, g.state.name) for n, g in _gates(live).items()]}")


def _history(live: Live) -> list[dict[str, Any]]:
    result = live.liangshan("history", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_forms_gates_and_board_on_a_real_server(live: Live) -> None:
    """The office's day: a refused form, a recorded form, gates opened, one resumed, one closed by the CLI."""
    refused = _run(live, "checkin/huyi-two-mountains", {"form": {"step": COMMISSION, "bureau": ECO}})
    assert refused.state.is_failed() and refused.state.name == "未登记" and refused.name == f"报送：{COMMISSION}"
    assert "mobilize.work-plan" in refused.state.message and "退出码 3" in refused.state.message

    done = _run(live, "checkin/huyi-two-mountains", {"form": {"step": WORK_PLAN, "bureau": ECO, "note": "界面报送", "at": "",
                                                   "on_behalf_of": ""}})
    assert done.state.is_completed() and done.state.name == "已登记", done.state.message
    assert [e["entity_id"] for e in _history(live) if e["action"] == "checkin"] == [
        "mobilize.work-plan/work-plan", "mobilize.work-plan/task-breakdown"]

    tick = live.liangshan("tick", "--json")
    assert tick.returncode in (0, 1), tick.stderr
    report = json.loads(tick.stdout)
    assert report["gates"]["kept"] is True
    # Today's gates: the two steps the work plan unblocked, and every meeting whose quarter has begun (the
    # test database has no minutes); values and cases never get a gate.
    plan = load_plan(DEFAULT_PLAN)
    today = date.fromisoformat(report["as_of"])
    meetings = {s for s in plan.steps if s.startswith("meetings.") and plan.steps[s].window.start <= today}
    assert set(report["gates"]["live"]) == {"mobilize.leading-group", "mobilize.commission"} | meetings
    gates = _wait_for(live, lambda g: {n for n, r in g.items() if r.state.type.value == "PAUSED"} >= {
        "待报送：成立“两山”基地建设工作领导小组", "待报送：委托技术单位编制实施方案"})

    from prefect.flow_runs import resume_flow_run

    with _client(live):
        resume_flow_run(gates["待报送：委托技术单位编制实施方案"].id,
                        run_input={"bureau": ECO, "deliverables": [], "note": "合同已签", "evidence": ""})
    _wait_for(live, lambda g: g["待报送：委托技术单位编制实施方案"].state.name == "已登记")
    assert "mobilize.commission/contract" in [e["entity_id"] for e in _history(live)]

    by_cli = live.liangshan("checkin", "mobilize.leading-group", "--by", "gov")
    assert by_cli.returncode == 0, by_cli.stderr
    # The next reconcile closes the gate checked in another way and opens the survey's. Which reconcile
    # does it (this tick, or the one the resumed gate triggered) is a race; the end state is not.
    again = json.loads(live.liangshan("tick", "--json").stdout)
    assert "mobilize.leading-group" not in again["gates"]["live"] and "draft.survey" in again["gates"]["live"]
    gates = _wait_for(live, lambda g: g["待报送：成立“两山”基地建设工作领导小组"].state.type.value == "CANCELLED"
                      and "待报送：开展全面调研与深入研究" in g)
    live_names = [n for n, r in gates.items() if r.state.type.value in ("SCHEDULED", "PENDING", "RUNNING", "PAUSED")]
    assert len(live_names) == len(set(live_names))  # never two live gates for one step

    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    def commission_on_board() -> str:
        with _client(live), get_client(sync_client=True) as client:
            (board,) = client.read_latest_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["huyi-two-mountains-board"])))
        rows = json.loads(board.data) if isinstance(board.data, str) else board.data
        return str({r["步骤"]: r["状态"] for r in rows}["委托技术单位编制实施方案（mobilize.commission）"])

    _quiet(live)  # let the reconciles that check-ins triggered finish, so the last board is the next tick's
    assert live.liangshan("tick").returncode in (0, 1)
    assert commission_on_board() == "已完成"


def _quiet(live: Live, seconds: float = 120) -> None:
    """Wait until no reconcile run is pending or running (the daily scheduled ones lie in the future)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with _client(live), get_client(sync_client=True) as client:
            busy = [r for r in client.read_flow_runs() if r.name.startswith("重算")
                    and r.state.type.value in ("PENDING", "RUNNING")]
        if not busy:
            return
        time.sleep(1)
    raise AssertionError("reconcile runs still running")


def test_a_portal_action_brings_a_reconcile_that_closes_the_gate(live: Live, tmp_path: Any) -> None:
    """The office hands in minutes through the portal (with PREFECT_API_URL set): a reconcile follows by
    itself within a minute or two, and the meeting's gate in the Prefect UI closes."""
    from db.engine import make_engine, make_sessionmaker
    from tests.e2e.portal import running_portal

    plan = load_plan(DEFAULT_PLAN)
    step = "meetings.2024q2"
    gate = f"待报送：{plan.steps[step].title}"
    assert _gates(live)[gate].state.type.value == "PAUSED"  # opened by the ticks of the test above
    _quiet(live)
    engine = make_engine(f"sqlite:///{(live.tmp / 'home' / 'liangshan.db').resolve()}")
    try:
        with running_portal(live.env, make_sessionmaker(engine), plan.id, tmp_path / "web.log", prefect=True) as portal:
            client, csrf = portal.client("office")
            answer = client.post(f"/steps/{step}/checkin", data={"csrf": csrf, "note": "调度会议纪要"},
                                 files={"file": ("纪要.pdf", b"%PDF-1.4\nminutes\n", "application/pdf")})
            assert answer.status_code == 303, answer.text[:300]
            _wait_for(live, lambda g: g[gate].state.type.value == "CANCELLED", seconds=150)
            client.close()
    finally:
        engine.dispose()
    assert "/b/" not in (tmp_path / "web.log").read_text(errors="replace")  # the link never reached the log
