"""The office's alerts on a real Prefect server with basic auth: ``liangshan automations apply`` (idempotent by
name, the webhook never in plain text), a crashed reconcile reaching the office's WeCom bot, a late one not,
an unserved gate deployment reaching it too, and clients without the auth string refused.

One server for the module (SQLite, its own PREFECT_HOME), started with PREFECT_SERVER_API_AUTH_STRING; every
client here carries PREFECT_API_AUTH_STRING. The office's channel is a ``wecom://KEY`` bot on a local sink.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from cli.main import app
from flows.automations import FAILED, GATE, NAMES, SILENT, AlertsError, webhook_from_channels, webhook_from_option
from tests.e2e.conftest import BIN, _free_port, _stop, _wait
from tests.prefect_server import start_prefect_server
from tests.sinks import HttpSink, http_sink

PLAN = "huyi-two-mountains"


@dataclass
class Alerts:
    """The server, the office's sink, and the environments of the clients here."""

    api: str
    auth: str
    key: str  # the office bot's key: the secret that must never be stored or shown in plain text
    env: dict[str, str]  # a client's: PREFECT_API_URL and PREFECT_API_AUTH_STRING, no channels file
    channels: Path
    sink: HttpSink
    prefect_home: Path
    server_log: Path
    tmp: Path

    def liangshan(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / "liangshan"), *args], env=env or self.env, capture_output=True, text=True,
                              timeout=300, check=False)

    def apply(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.liangshan("automations", "apply", *args, env={**self.env, "LIANGSHAN_NOTIFY_CONFIG": str(self.channels)})

    def api_post(self, path: str, body: Any) -> Any:
        answer = httpx.post(f"{self.api}{path}", json=body, auth=tuple(self.auth.split(":", 1)), timeout=10)  # type: ignore[arg-type]
        answer.raise_for_status()
        return answer.json()

    def events(self, event_filter: dict[str, Any]) -> list[dict[str, Any]]:
        """Every event the filter takes, page after page (the API gives 50 at a time)."""
        page = self.api_post("/events/filter", {"filter": event_filter, "limit": 50})
        found = list(page["events"])
        while page.get("next_page"):
            answer = httpx.get(page["next_page"], auth=tuple(self.auth.split(":", 1)), timeout=10)  # type: ignore[arg-type]
            answer.raise_for_status()
            page = answer.json()
            found += page["events"]
        return found

    def ours(self) -> list[dict[str, Any]]:
        return [a for a in self.api_post("/automations/filter", {}) if a["name"] in NAMES]

    def office_alerts(self, marker: str) -> list[str]:
        """The markdown of every message the office's bot received that contains ``marker``."""
        texts = [m["payload"].get("markdown", {}).get("content", "") for m in self.sink.wecom if m["key"] == self.key]
        return [t for t in texts if marker in t]

    def wait_for_alert(self, marker: str, seconds: float = 60) -> list[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if found := self.office_alerts(marker):
                return found
            time.sleep(0.25)
        raise AssertionError(f"no alert with {marker!r} in {seconds} s; the office got: {self.sink.wecom}\n"
                             f"{self.server_log.read_text(errors='replace')[-3000:]}")

    def assert_key_nowhere(self, *texts: str) -> None:
        """The office's key is in no output, and in no file of the server's PREFECT_HOME (its database included)
        nor its log, as UTF-8 or UTF-16."""
        for text in texts:
            assert self.key not in text
        needles = [self.key.encode(), self.key.encode("utf-16-le")]
        seen_block = False  # the scan reaches the database: the block's name is in plain text there
        for path in [*self.prefect_home.rglob("*"), self.server_log]:
            if path.is_file():
                data = path.read_bytes()
                assert not any(n in data for n in needles), f"the office's key is in plain text in {path}"
                seen_block = seen_block or b"liangshan-office-alerts" in data
        assert seen_block, f"no file under {self.prefect_home} names the block: the database was not scanned"


@pytest.fixture(name="anonymous_tick", scope="module")
def fixture_anonymous_tick(alerts: Alerts) -> subprocess.CompletedProcess[str]:
    """`liangshan tick` against the server without PREFECT_API_AUTH_STRING, run once for the tests below."""
    anonymous = {k: v for k, v in alerts.env.items() if k != "PREFECT_API_AUTH_STRING"}
    return alerts.liangshan("tick", "--as-of", "2024-04-23", env=anonymous)


def _timed(name: str, started: float) -> None:
    print(f"{name}: {time.monotonic() - started:.1f} s")  # shown with -rP: where the module's time goes


@pytest.fixture(name="alerts", scope="module")
def fixture_alerts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alerts]:
    """A Prefect server with basic auth on a free port (SQLite under its own PREFECT_HOME; the foreman checks
    every second and takes a deployment unpolled for 5 s as not ready), the liangshan database initialised
    meanwhile, and the office's WeCom bot on a local sink."""
    started = time.monotonic()
    tmp = tmp_path_factory.mktemp("alerts")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    auth = f"office:{secrets.token_urlsafe(18)}"
    key = f"OFFICEKEY{secrets.token_hex(12)}"
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("PREFECT_", "LIANGSHAN_")) or k in ("LIANGSHAN_PLANS", "LIANGSHAN_PLAN")}
    base |= {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "LIANGSHAN_HOME": str(tmp / "home")}
    prefect_home = tmp / "server-prefect"
    server_env = {**base, "PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_API_AUTH_STRING": auth,
                  "PREFECT_SERVER_SERVICES_FOREMAN_LOOP_SECONDS": "1",
                  "PREFECT_SERVER_SERVICES_FOREMAN_DEPLOYMENT_LAST_POLLED_TIMEOUT_SECONDS": "5"}
    with http_sink() as sink:
        channels = tmp / "channels.yaml"
        channels.write_text(f"urls:\n  - wecom://{key}:\n      - tag: office\n", encoding="utf-8")
        env = {**base, "PREFECT_HOME": str(tmp / "client-prefect"), "PREFECT_API_URL": api,
               "PREFECT_API_AUTH_STRING": auth, "PREFECT_LOGGING_LEVEL": "WARNING",
               "LIANGSHAN_WECOM_API_BASE": sink.base}
        server_log = tmp / "server.log"
        server = start_prefect_server(server_env, port, server_log)
        try:
            alerts = Alerts(api, auth, key, env, channels, sink, prefect_home, server_log, tmp)
            init = alerts.liangshan("init")  # the facts database, while the server starts
            assert init.returncode == 0, init.stderr
            _wait("prefect server", lambda: httpx.get(f"{api}/health", timeout=2).status_code == 200, 120, server,
                  server_log)
            _timed("server up", started)
            yield alerts
        finally:
            _stop(server)


def test_apply_needs_a_prefect_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without PREFECT_API_URL: exit 2, said in Chinese first, before anything is read or sent."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    result = CliRunner().invoke(app, ["automations", "apply", "--office-webhook", "https://example.invalid/hook"])
    assert result.exit_code == 2
    assert result.output.startswith("automations apply 需要 Prefect 服务器：请设置 PREFECT_API_URL")


def test_the_office_webhook_is_read_from_the_channels_file_or_the_option(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The office's first webhook channel (e-mail skipped); a WeCom send URL gets markdown, any other URL
    apprise's JSON body; the URL, its key and any credentials are secrets, shown masked."""
    monkeypatch.setenv("LIANGSHAN_WECOM_API_BASE", "http://127.0.0.1:9")
    channels = tmp_path / "channels.yaml"
    channels.write_text("urls:\n  - mailtos://u:SMTPPASSWORD@smtp.example.gov.cn:465?to=office%40example.gov.cn:\n"
                        "      - tag: office\n  - wecom://BOTKEY0001:\n      - tag: office\n"
                        "  - wecom://BOTKEY0002:\n      - tag: eco\n", encoding="utf-8")
    bot = webhook_from_channels(channels)
    assert (bot.kind, bot.url, bot.shown) == ("wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=BOTKEY0001",
                                              "企业微信群机器人 wecom://****")
    assert bot.payload["msgtype"] == "markdown" and "BOTKEY0001" in bot.secrets

    hook = webhook_from_option("jsons://oa:OAPASSWORD@oa.example.gov.cn/hooks/liangshan")
    assert (hook.kind, hook.url, hook.shown) == ("json", "https://oa.example.gov.cn/hooks/liangshan",
                                                 "JSON webhook https://oa.example.gov.cn/****")
    assert hook.payload["title"] == "{{subject}}" and hook.payload["message"] == "{{body}}"
    block = hook.block()
    assert block.url == "{{webhook_url}}" and block.headers == {"Authorization": "{{header_0}}"}
    assert "OAPASSWORD" not in block.model_dump_json() and "oa.example" not in block.model_dump_json()
    plain = webhook_from_option("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=BOTKEY0003")
    assert plain.kind == "wecom" and plain.shown == "企业微信群机器人 https://qyapi.weixin.qq.com/****"
    assert "BOTKEY0003" in plain.secrets

    only_mail = tmp_path / "mail.yaml"
    only_mail.write_text("urls:\n  - mailtos://u:SMTPPASSWORD@smtp.example.gov.cn:465?to=o%40example.gov.cn:\n"
                         "      - tag: office\n", encoding="utf-8")
    with pytest.raises(AlertsError, match="都不是 webhook") as refused:
        webhook_from_channels(only_mail)
    assert "SMTPPASSWORD" not in str(refused.value)
    with pytest.raises(AlertsError, match="--office-webhook 应为"):
        webhook_from_option("mailto://u:SMTPPASSWORD@smtp.example.gov.cn")


def test_the_messages_render_with_and_without_an_event() -> None:
    """Each message renders in Prefect's sandbox: from its event's labels, and (the 26-hour alert, fired by the
    clock) with no event at all; Chinese first, the link only where the UI's address is known."""
    from prefect.server.events.schemas.events import ReceivedEvent
    from prefect.server.utilities.user_templates import render_user_template_sync

    from flows.automations import automation_specs

    specs = {s["name"]: s["actions"][0] for s in automation_specs("00000000-0000-0000-0000-000000000001",
                                                                   "http://prefect.example:4200")}
    run = ReceivedEvent.model_validate({
        "occurred": "2024-04-23T01:00:00Z", "event": "prefect.flow-run.Crashed", "id": "00000000-0000-0000-0000-000000000002",
        "resource": {"prefect.resource.id": "prefect.flow-run.00000000-0000-0000-0000-000000000003",
                     "prefect.resource.name": "重算：截至 2024-04-23", "prefect.state-name": "Crashed",
                     "prefect.state-type": "CRASHED", "prefect.state-message": ""},
        "related": [{"prefect.resource.id": "prefect.flow.x", "prefect.resource.role": "flow",
                     "prefect.resource.name": "reconcile"}]})
    subject = render_user_template_sync(specs[FAILED]["subject"], {"event": run})
    body = render_user_template_sync(specs[FAILED]["body"], {"event": run})
    assert subject == "【两山基地】告警：重算运行Crashed"
    assert body.splitlines() == [
        "重算运行本身出错（异常、数据库不可用、进程被终止），不是计划逾期：", "运行：**重算：截至 2024-04-23**",
        "状态：Crashed（CRASHED）",
        "查看 / open: http://prefect.example:4200/runs/flow-run/00000000-0000-0000-0000-000000000003",
        "The reconcile run 重算：截至 2024-04-23 ended CRASHED."]
    silent = render_user_template_sync(specs[SILENT]["body"], {"event": None})
    assert silent.startswith("已超过 26 小时没有一次重算（reconcile）完成") and "部署" not in silent
    assert "查看" not in silent and silent.endswith("No reconcile run has completed for 26 hours.")
    gate = run.model_copy(update={"event": "prefect.deployment.not-ready"})
    gate.resource.root.update({"prefect.resource.id": "prefect.deployment.00000000-0000-0000-0000-000000000004",
                               "prefect.resource.name": PLAN})
    assert render_user_template_sync(specs[GATE]["subject"], {"event": gate}) == f"【两山基地】告警：闸门部署 gate/{PLAN} 无人服务"
    assert ("http://prefect.example:4200/deployments/deployment/00000000-0000-0000-0000-000000000004"
            in render_user_template_sync(specs[GATE]["body"], {"event": gate}))
    assert all("查看" not in a["actions"][0]["body"] for a in automation_specs("x", None))


@pytest.mark.server
@pytest.mark.slow
def test_apply_twice_keeps_three_and_stores_the_webhook_only_encrypted(alerts: Alerts) -> None:
    """Two applies make three automations, not six; a copy made by hand is folded back; the webhook is stored
    only encrypted (the block's URL field is a placeholder: Prefect's block-document events copy that field)."""
    started = time.monotonic()
    first = alerts.apply("--json")
    assert first.returncode == 0, first.stderr
    doc = json.loads(first.stdout)
    assert doc["block"] == {"name": "liangshan-office-alerts", "type": "custom-webhook", "status": "created",
                            "channel": "企业微信群机器人 wecom://****"}
    assert [(a["name"], a["status"]) for a in doc["automations"]] == [(n, "created") for n in NAMES]

    second = alerts.apply()
    assert second.returncode == 0, second.stderr
    assert "通知区块 block liangshan-office-alerts（企业微信群机器人 wecom://****）：已更新" in second.stdout
    assert all(name in second.stdout for name in NAMES)
    assert second.stdout.count("已更新") == 4  # the block and the three automations
    ours = alerts.ours()
    assert sorted(a["name"] for a in ours) == sorted(NAMES)
    assert {a["id"] for a in ours} == {a["id"] for a in doc["automations"]}

    # A copy under one of the names (made in the UI, say) is folded back into one.
    copy = next(a for a in ours if a["name"] == FAILED)
    alerts.api_post("/automations/", {k: copy[k] for k in ("name", "description", "enabled", "trigger", "actions")})
    assert len(alerts.ours()) == 4
    third = alerts.apply("--json")
    assert third.returncode == 0, third.stderr
    removed = {a["name"]: a["duplicates_removed"] for a in json.loads(third.stdout)["automations"]}
    assert removed == {FAILED: 1, SILENT: 0, GATE: 0}
    assert sorted(a["name"] for a in alerts.ours()) == sorted(NAMES)

    triggers = {a["name"]: a["trigger"] for a in alerts.ours()}
    assert triggers[FAILED]["posture"] == "Reactive"
    assert triggers[FAILED]["match"]["prefect.state-type"] == ["FAILED", "CRASHED"]
    assert triggers[SILENT]["posture"] == "Proactive" and triggers[SILENT]["within"] == 26 * 3600
    assert triggers[GATE]["expect"] == ["prefect.deployment.not-ready"]

    # The block as the API and the UI show it: the URL field a placeholder, the secrets obfuscated.
    block = alerts.api_post("/block_documents/filter", {"block_documents": {"name": {"any_": ["liangshan-office-alerts"]}},
                                                         "include_secrets": False})
    assert len(block) == 1 and block[0]["data"]["url"] == "{{webhook_url}}"
    assert alerts.key not in json.dumps(block, ensure_ascii=False)
    alerts.assert_key_nowhere(first.stdout, first.stderr, second.stdout, second.stderr, third.stdout, third.stderr)
    _timed("apply x3", started)


@pytest.mark.server
@pytest.mark.slow
def test_clients_without_the_auth_string_are_refused(alerts: Alerts,
                                                     anonymous_tick: subprocess.CompletedProcess[str]) -> None:
    """The API answers 401 without credentials or with wrong ones; tick fails; automations apply says why (exit 3)."""
    started = time.monotonic()
    assert httpx.get(f"{alerts.api}/flows/filter", timeout=10).status_code == 401
    assert httpx.post(f"{alerts.api}/flows/filter", json={}, timeout=10).status_code == 401
    assert httpx.post(f"{alerts.api}/flows/filter", json={}, auth=("office", "wrong"), timeout=10).status_code == 401

    assert anonymous_tick.returncode != 0
    assert "HTTP 401" in anonymous_tick.stderr, anonymous_tick.stderr[-2000:]

    wrong = {**alerts.env, "PREFECT_API_AUTH_STRING": "office:wrong", "LIANGSHAN_NOTIFY_CONFIG": str(alerts.channels)}
    apply = alerts.liangshan("automations", "apply", env=wrong)
    assert apply.returncode == 3, apply.stderr
    assert apply.stderr.startswith("Prefect 服务器拒绝了请求（HTTP 401）：请设置正确的 PREFECT_API_AUTH_STRING")
    assert alerts.auth.split(":", 1)[1] not in apply.stderr + anonymous_tick.stderr
    alerts.assert_key_nowhere(apply.stdout, apply.stderr, anonymous_tick.stdout, anonymous_tick.stderr)
    _timed("refused", started)


@pytest.mark.server
@pytest.mark.slow
def test_tick_without_the_auth_string_says_so_plainly(anonymous_tick: subprocess.CompletedProcess[str]) -> None:
    """A refused tick: one line, Chinese first, naming PREFECT_API_AUTH_STRING; exit 3 (not 1, a late plan)."""
    assert anonymous_tick.returncode == 3
    assert "Traceback" not in anonymous_tick.stderr
    assert anonymous_tick.stderr.startswith("Prefect 服务器拒绝了请求（HTTP 401）")


@pytest.mark.server
@pytest.mark.slow
def test_a_crashed_reconcile_alerts_the_office_and_a_late_one_does_not(alerts: Alerts) -> None:
    """A real reconcile of a late plan (Completed "N项逾期", red phase subflows) sends no alert; set Crashed
    through the API, the office's bot gets one message naming the run, its state and a link to it."""
    from prefect.client.orchestration import get_client
    from prefect.server.events.schemas.automations import EventTrigger
    from prefect.server.events.schemas.events import ReceivedEvent
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings
    from prefect.states import Crashed

    started = time.monotonic()
    if not alerts.ours():
        assert alerts.apply().returncode == 0
    since = httpx.get(f"{alerts.api}/health", timeout=5).headers.get("date")
    tick = alerts.liangshan("tick", "--as-of", "2024-04-23", "--json")
    assert tick.returncode == 1, tick.stderr  # late: a finding, not a failed run
    report = json.loads(tick.stdout)
    assert report["state"].endswith("项逾期"), report["state"]
    run_id = report["flow_run_id"]
    _timed("tick", started)

    with temporary_settings({PREFECT_API_URL: alerts.api, PREFECT_API_AUTH_STRING: alerts.auth}), \
            get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        assert run.state is not None and run.state.is_completed()
        client.set_flow_run_state(run_id, Crashed(message="测试：进程被终止 / test: the process was killed"), force=True)

    texts = alerts.wait_for_alert(run.name)
    _timed("crash alert", started)
    time.sleep(2)  # room for a wrong second alert (the late run's own events all came before the crash)
    texts = alerts.office_alerts("重算运行")
    assert len(texts) == 1, texts
    text = texts[0]
    print(text)  # the message as the office sees it (-rP)
    assert text.startswith("### 【两山基地】告警：重算运行Crashed\n重算运行本身出错"), text
    assert f"运行：**{run.name}**" in text and "状态：Crashed（CRASHED）" in text
    assert "说明：测试：进程被终止" in text
    assert f"查看 / open: {alerts.api.removesuffix('/api')}/runs/flow-run/{run_id}" in text
    assert not alerts.office_alerts("项逾期")

    # Why the triggers select on the state type: the late run's Completed event is named after the state's name.
    crashed = f"prefect.flow-run.{run_id}"
    deadline = time.monotonic() + 30
    while True:  # the server stores events in batches, a few seconds after acting on them
        events = [ReceivedEvent.model_validate(e) for e in alerts.events(
            {"event": {"prefix": ["prefect.flow-run."], "exclude_name": ["prefect.flow-run.heartbeat"]},
             "occurred": {"since": _iso(since)}})]
        if any(e.resource.id == crashed and e.event == "prefect.flow-run.Crashed" for e in events):
            break
        assert time.monotonic() < deadline, "the Crashed event was never stored"
        time.sleep(0.5)
    triggers = {a["name"]: EventTrigger.model_validate(a["trigger"]) for a in alerts.ours()}
    completed = [e for e in events if e.resource.id == crashed
                 and e.resource.get("prefect.state-type") == "COMPLETED"]
    assert [e.event for e in completed] == [f"prefect.flow-run.{report['state']}"]
    assert [e.event for e in events if triggers[FAILED].covers(e)] == ["prefect.flow-run.Crashed"]
    assert any(e.resource.get("prefect.state-type") == "FAILED" for e in events)  # the red phases, not covered
    assert not triggers[SILENT].covers(completed[0])  # a tick outside a deployment starts no 26-hour watch
    as_deployed = completed[0].model_dump(mode="json")  # the same event from a run of reconcile/<plan>
    as_deployed["related"].append({"prefect.resource.id": "prefect.deployment.00000000-0000-0000-0000-000000000000",
                                   "prefect.resource.role": "deployment", "prefect.resource.name": PLAN})
    assert triggers[SILENT].covers(ReceivedEvent.model_validate(as_deployed))
    alerts.assert_key_nowhere()


def _iso(http_date: str | None) -> str:
    """The server's clock, from its Date header, as ISO 8601 (a minute early: whole seconds only)."""
    from datetime import UTC, datetime, timedelta
    from email.utils import parsedate_to_datetime

    when = parsedate_to_datetime(http_date) if http_date else datetime.now(UTC)
    return (when - timedelta(minutes=1)).isoformat()


@pytest.mark.server
@pytest.mark.slow
def test_an_unserved_gate_deployment_alerts_the_office(alerts: Alerts) -> None:
    """`liangshan serve` polls its deployments (READY); once it stops, Prefect marks all four not ready and the
    office hears about the gate deployment only."""
    started = time.monotonic()
    if not alerts.ours():
        assert alerts.apply().returncode == 0
    log = alerts.tmp / "serve.log"
    served = subprocess.Popen([str(BIN / "liangshan"), "serve"], env={**alerts.env, "PREFECT_RUNNER_POLL_FREQUENCY": "1"},
                              stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)

    def gate_ready() -> bool:
        found = alerts.api_post("/deployments/filter", {"deployments": {"name": {"any_": [PLAN]}}})
        flows = {f["id"]: f["name"] for f in alerts.api_post("/flows/filter", {})}
        return any(flows.get(d["flow_id"]) == "gate" and d["status"] == "READY" for d in found)

    try:
        _wait("liangshan serve", gate_ready, 120, served, log)
        _timed("serve ready", started)
    finally:
        _stop(served)
    texts = alerts.wait_for_alert(f"gate/{PLAN}")
    _timed("gate alert", started)
    time.sleep(2)  # room for alerts about the other three deployments, which must not come
    unserved = alerts.office_alerts("无人服务")
    assert unserved and all(t.startswith(f"### 【两山基地】告警：闸门部署 gate/{PLAN} 无人服务\n") for t in unserved), unserved
    assert not any(f"{kind}/{PLAN}" in t for t in unserved for kind in ("reconcile", "checkin", "review"))
    assert f"待报送闸门的部署 gate/{PLAN} 已无人服务" in texts[0] and "/deployments/deployment/" in texts[0]
    alerts.assert_key_nowhere()


@pytest.mark.server
@pytest.mark.slow
def test_the_portal_asks_for_a_reconcile_with_the_auth_string(alerts: Alerts, tmp_path: Path) -> None:
    """The portal is a Prefect client too: with PREFECT_API_AUTH_STRING its hand-in brings a reconcile run of its
    plan; without it the server refuses, the hand-in is still recorded, and the portal's log says so (no key)."""
    from db.engine import make_engine, make_sessionmaker
    from tests.e2e.portal import running_portal

    if not alerts.api_post("/deployments/filter", {"deployments": {"name": {"any_": [PLAN]}}}):
        served = subprocess.Popen([str(BIN / "liangshan"), "serve"], env=alerts.env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait("liangshan serve", lambda: bool(alerts.api_post("/deployments/filter", {})), 120, served,
                  alerts.tmp / "server.log")
        finally:
            _stop(served)
    deployment = alerts.api_post("/deployments/filter", {"deployments": {"name": {"any_": [PLAN]}},
                                                         "flows": {"name": {"any_": ["reconcile"]}}})[0]

    def runs() -> int:  # asked for, not made by the daily schedule
        found = alerts.api_post("/flow_runs/filter", {"deployments": {"id": {"any_": [deployment["id"]]}}, "limit": 200})
        return sum(not r.get("auto_scheduled") for r in found)

    anonymous = {k: v for k, v in alerts.env.items() if k != "PREFECT_API_AUTH_STRING"}
    engine = make_engine(f"sqlite:///{(alerts.tmp / 'home' / 'liangshan.db').resolve()}")
    try:
        for n, (env, brings) in enumerate(((alerts.env, 1), (anonymous, 0))):
            before, log = runs(), tmp_path / f"web{n}.log"
            with running_portal(env, make_sessionmaker(engine), PLAN, log, prefect=True) as portal:
                client, csrf = portal.client("office")
                answer = client.post("/steps/meetings.2024q2/checkin", data={"csrf": csrf, "note": f"纪要 {n}"},
                                     files={"file": (f"纪要{n}.pdf", f"%PDF-1.4\nminutes {n}\n".encode(), "application/pdf")})
                assert answer.status_code == 303, answer.text[:300]
                deadline = time.monotonic() + 30
                while runs() == before and time.monotonic() < deadline:
                    time.sleep(1)
                client.close()
            assert runs() - before == brings
            if not brings:
                assert "未能触发重算" in log.read_text(errors="replace")
            assert alerts.auth.split(":", 1)[1] not in log.read_text(errors="replace")
    finally:
        engine.dispose()
    history = alerts.liangshan("history", "--json")
    assert "纪要 1" in history.stdout, history.stdout[-500:]  # refused by Prefect, still recorded by the portal
