"""The office's alerts as Prefect automations: what ``liangshan automations apply`` creates, by name.

Three automations, each sending one notification to the office through one notification block:

* ``两山：重算失败或崩溃`` (reactive): a ``reconcile`` flow run enters a Failed or Crashed state (any state
  name: ``Failed``, ``Crashed``, ``TimedOut``, a Crashed set by ``liangshan tick --all``...). A late plan
  does not: its reconcile ends Completed, named ``N项逾期``; its phase subflows are other flows.
* ``两山：重算超过26小时未完成`` (proactive): after a deployment's reconcile completed, none completed again
  within 26 hours; one timer per deployment (plan), started by its first completed run.
* ``两山：闸门部署无人服务`` (reactive): Prefect marked a ``gate`` deployment not ready, i.e. no
  ``liangshan serve`` or worker has polled for it lately (the server's foreman service, after
  ``PREFECT_SERVER_SERVICES_FOREMAN_DEPLOYMENT_LAST_POLLED_TIMEOUT_SECONDS``, default 60 s).

Prefect names a flow run's state-change event after the state's *name*
(``prefect.flow-run.<state name>``): this project's reconcile ends Completed named ``N项逾期`` or
``全部按期``, so no ``prefect.flow-run.Completed`` event ever comes from it. The triggers therefore take every
``prefect.flow-run.*`` event and select on the resource label ``prefect.state-type``.

The office's channel is a ``CustomWebhookNotificationBlock`` named ``liangshan-office-alerts``. Its URL
field holds only the placeholder ``{{webhook_url}}``; the URL itself (and any header or query value,
which may be a key) is in the block's ``secrets``, a SecretDict: obfuscated when the API or the UI
shows the block, and, like all block data, encrypted at rest in Prefect's database.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["BLOCK_NAME", "FAILED", "GATE", "NAMES", "SILENT", "SILENT_WITHIN", "AlertsError", "Applied", "OfficeWebhook",
           "apply_automations", "automation_specs", "webhook_from_channels", "webhook_from_option"]

FAILED = "两山：重算失败或崩溃"
SILENT = "两山：重算超过26小时未完成"
GATE = "两山：闸门部署无人服务"
NAMES = (FAILED, SILENT, GATE)
BLOCK_NAME = "liangshan-office-alerts"
BLOCK_TYPE = "custom-webhook"
SILENT_WITHIN = timedelta(hours=26)
_TAG = "liangshan"


class AlertsError(Exception):
    """Why the alerts could not be set up, in Chinese and English, with no secret in it; ``code`` is the exit code."""

    def __init__(self, zh: str, en: str, code: int = 2) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.code = zh, en, code


@dataclass(frozen=True)
class OfficeWebhook:
    """Where the office's alerts are POSTed. ``url``, ``headers`` and ``params`` are secret; ``shown`` is masked."""

    kind: str  # wecom | json
    url: str
    shown: str
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)  # the JSON body; {{subject}} and {{body}} are filled in

    @property
    def secrets(self) -> list[str]:
        """Every value to mask wherever text about this webhook is printed."""
        found = [self.url, *self.headers.values(), *self.params.values()]
        parts = urlsplit(self.url)
        found += [v for values in parse_qs(parts.query).values() for v in values]
        if parts.password:
            found.append(parts.password)
        return [s for s in found if s and len(s) >= 4]

    def block(self) -> Any:
        """The Prefect notification block: the URL and every header and query value only as secrets."""
        from prefect.blocks.notifications import CustomWebhookNotificationBlock

        secrets = {"webhook_url": self.url}
        headers = {}
        for i, (name, value) in enumerate(sorted(self.headers.items())):
            secrets[f"header_{i}"] = value
            headers[name] = f"{{{{header_{i}}}}}"
        params = {}
        for i, (name, value) in enumerate(sorted(self.params.items())):
            secrets[f"param_{i}"] = value
            params[name] = f"{{{{param_{i}}}}}"
        return CustomWebhookNotificationBlock(
            name="两山：领导小组办公室告警", url="{{webhook_url}}", method=self.method, json_data=self.payload,
            headers=headers or None, params=params or None, secrets=secrets, timeout=15)


_WECOM_PAYLOAD = {"msgtype": "markdown", "markdown": {"content": "### {{subject}}\n{{body}}"}}


def _json_payload(extras: dict[str, str]) -> dict[str, Any]:
    """apprise's ``json://`` body (version, title, message, attachments, type), with the channel's own
    renames and additions (``:key=value`` in apprise's URL) applied as apprise applies them."""
    payload: dict[str, Any] = {"version": "1.0", "title": "{{subject}}", "message": "{{body}}", "attachments": [],
                               "type": "failure"}
    for key, value in extras.items():
        if key in payload:
            moved = payload.pop(key)
            if value:
                payload[value] = moved
        else:
            payload[key] = value
    return payload


def _masked(url: str) -> str:
    """Scheme and host only: a webhook's path and query may hold its key."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/****"


def _from_service(service: Any) -> OfficeWebhook | None:
    """The webhook behind an apprise channel, or None for a channel that is not a plain HTTP POST (e-mail...)."""
    from apprise.plugins.custom_json import NotifyJSON
    from apprise.plugins.wecombot import NotifyWeComBot

    if isinstance(service, NotifyWeComBot):  # our wecom:// and apprise's wecombot://: the bot's send URL
        return OfficeWebhook("wecom", service.api_url, f"企业微信群机器人 {service.secure_protocol}://****",
                             payload=_WECOM_PAYLOAD)
    if isinstance(service, NotifyJSON):
        url = f"{'https' if service.secure else 'http'}://{service.host}"
        url += f":{service.port}" if isinstance(service.port, int) else ""
        url += service.fullpath or "/"
        headers = dict(service.headers)
        if service.user:
            token = base64.b64encode(f"{service.user}:{service.password or ''}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        return OfficeWebhook("json", url, f"JSON webhook {_masked(url)}", method=str(service.method), headers=headers,
                             params={str(k): str(v) for k, v in service.params.items()},
                             payload=_json_payload(dict(service.payload_extras)))
    return None


def webhook_from_option(url: str) -> OfficeWebhook:
    """The office's webhook given on the command line: an http(s) URL (a WeCom bot's send URL is recognised
    and sent markdown; any other URL gets apprise's JSON body), or an apprise URL (``wecom://KEY``, ``json://``).

    Raises:
        AlertsError: not a URL this can POST to.
    """
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.hostname:
        if parts.path.endswith("/cgi-bin/webhook/send") and parse_qs(parts.query).get("key"):
            return OfficeWebhook("wecom", url, f"企业微信群机器人 {_masked(url)}", payload=_WECOM_PAYLOAD)
        return OfficeWebhook("json", url, f"JSON webhook {_masked(url)}", payload=_json_payload({}))
    import apprise

    from tasks.notifier import _guard_apprise_logs
    from tasks.wecom import register

    register()
    _guard_apprise_logs([url, *(s for s in (parts.password, parts.username) if s)])  # apprise may log the URL
    service = apprise.Apprise.instantiate(url) if "://" in url else None
    found = _from_service(service) if service else None
    if found is None:
        raise AlertsError("--office-webhook 应为 http(s) 地址、wecom://KEY 或 json(s):// 地址",
                          "--office-webhook takes an http(s) URL, wecom://KEY or json(s)://")
    return found


def webhook_from_channels(config: Path) -> OfficeWebhook:
    """The office's first webhook channel in the apprise YAML ``config`` (tag ``office``): a ``wecom://`` bot
    (markdown to its send URL, ``LIANGSHAN_WECOM_API_BASE`` honoured) or a ``json(s)://`` hook. E-mail
    channels are skipped: Prefect's send-notification action posts to a URL.

    Raises:
        InvalidFile: the channels file is refused (see ``tasks.notifier.check_channels``).
        AlertsError: the office has no webhook channel.
    """
    import apprise

    from tasks.notifier import _guard_apprise_logs, _secrets_in, check_channels
    from tasks.wecom import register

    register()
    check_channels(config)  # before apprise reads it
    _guard_apprise_logs(_secrets_in(config))
    app = apprise.Apprise()
    channels = apprise.AppriseConfig()
    channels.add(str(config))
    app.add(channels)
    services = list(app.find(tag="office"))
    for service in services:
        found = _from_service(service)
        if found is not None:
            return found
    if services:
        raise AlertsError(f"通知渠道文件中办公室（office）的 {len(services)} 个渠道都不是 webhook（wecom:// 或 json(s)://），"
                          "Prefect 的告警只能 POST 到一个地址；请加一个 webhook 渠道，或用 --office-webhook 指定",
                          "the office has no webhook channel (wecom:// or json(s)://); add one or pass --office-webhook")
    raise AlertsError("通知渠道文件中没有办公室（tag: office）的渠道；请添加，或用 --office-webhook 指定",
                      "the channels file has no channel tagged office; add one or pass --office-webhook")


def _link(ui_url: str | None, path: str) -> str:
    """A line linking to ``path`` in Prefect's UI, or nothing when the UI's address is not known."""
    return f"查看 / open: {ui_url.rstrip('/')}/{path}\n" if ui_url else ""


def automation_specs(block_id: Any, ui_url: str | None) -> list[dict[str, Any]]:
    """The three automations as the API takes them (every field given, so that an update replaces all).

    ``ui_url`` (Prefect's UI, e.g. ``http://127.0.0.1:4200``) gives each message a link to the run or the
    deployment; None leaves the link out. The templates are Prefect's (Jinja, rendered by the server).
    """
    flow_run = "{{ event.resource.id | replace('prefect.flow-run.', '') }}"
    failed_body = (
        "重算运行本身出错（异常、数据库不可用、进程被终止），不是计划逾期：\n"
        "运行：**{{ event.resource.name }}**\n"
        "状态：{{ event.resource['prefect.state-name'] }}（{{ event.resource['prefect.state-type'] }}）\n"
        "{% if event.resource['prefect.state-message'] %}说明：{{ event.resource['prefect.state-message'] | truncate(300) }}\n"
        "{% endif %}"
        + _link(ui_url, f"runs/flow-run/{flow_run}")
        + "The reconcile run {{ event.resource.name }} ended {{ event.resource['prefect.state-type'] }}."
    )
    silent_body = (
        "已超过 26 小时没有一次重算（reconcile）完成：每日 09:00 的定时可能没有运行"
        "（liangshan serve 或 worker 停止，或运行一直排队、失败）。\n"
        "{% if deployment %}部署：reconcile/{{ deployment.name }}\n{% endif %}"
        "{% if flow_run %}最近一次完成的运行：{{ flow_run.name }}\n{% endif %}"
        "请检查 liangshan serve（或 worker）是否在运行，可用 liangshan tick --all --wait 补跑当天。\n"
        + ("{% if deployment %}" + _link(ui_url, "deployments/deployment/{{ deployment.id }}") + "{% endif %}"
           if ui_url else "")
        + "No reconcile run has completed for 26 hours."
    )
    deployment = "{{ event.resource.id | replace('prefect.deployment.', '') }}"
    gate_body = (
        "待报送闸门的部署 gate/{{ event.resource.name }} 已无人服务：liangshan serve 或 worker 已停止轮询，"
        "界面中 Resume 闸门不会再登记报送，重算也不会保留闸门。\n"
        "请检查 liangshan serve（systemd 单元 liangshan.service）或 worker 是否在运行。\n"
        + _link(ui_url, f"deployments/deployment/{deployment}")
        + "The gate deployment gate/{{ event.resource.name }} is not served (not ready)."
    )
    reconcile = {"prefect.resource.role": "flow", "prefect.resource.name": "reconcile"}

    def notify(subject: str, body: str) -> list[dict[str, Any]]:
        return [{"type": "send-notification", "block_document_id": str(block_id), "subject": subject, "body": body}]

    def automation(name: str, description: str, trigger: dict[str, Any], subject: str, body: str) -> dict[str, Any]:
        return {"name": name, "description": description, "enabled": True, "tags": [_TAG], "trigger": trigger,
                "actions": notify(subject, body), "actions_on_trigger": [], "actions_on_resolve": []}

    return [
        automation(FAILED, "重算（reconcile）运行失败或崩溃时通知领导小组办公室；计划逾期（Completed “N项逾期”）不触发。",
                   {"type": "event", "posture": "Reactive", "expect": ["prefect.flow-run.*"], "after": [],
                    "match": {"prefect.resource.id": "prefect.flow-run.*", "prefect.state-type": ["FAILED", "CRASHED"]},
                    "match_related": [reconcile], "for_each": ["prefect.resource.id"], "threshold": 1, "within": 0},
                   "【两山基地】告警：重算运行{{ event.resource['prefect.state-name'] }}", failed_body),
        automation(SILENT, "每个计划的重算完成后，26 小时内没有再完成一次时通知办公室（从该计划第一次完成的重算起计时）。",
                   {"type": "event", "posture": "Proactive", "expect": ["prefect.flow-run.*"],
                    "after": ["prefect.flow-run.*"],
                    "match": {"prefect.resource.id": "prefect.flow-run.*", "prefect.state-type": "COMPLETED"},
                    "match_related": [reconcile, {"prefect.resource.role": "deployment"}],
                    "for_each": ["related:deployment:prefect.resource.id"], "threshold": 1,
                    "within": SILENT_WITHIN.total_seconds()},
                   "【两山基地】告警：超过26小时没有完成重算", silent_body),
        automation(GATE, "闸门（gate）部署无人服务（liangshan serve 或 worker 停止）时通知办公室。",
                   {"type": "event", "posture": "Reactive", "expect": ["prefect.deployment.not-ready"], "after": [],
                    "match": {"prefect.resource.id": "prefect.deployment.*"},
                    "match_related": [{"prefect.resource.role": "flow", "prefect.resource.name": "gate"}],
                    "for_each": ["prefect.resource.id"], "threshold": 1, "within": 0},
                   "【两山基地】告警：闸门部署 gate/{{ event.resource.name }} 无人服务", gate_body),
    ]


@dataclass
class Applied:
    """What ``apply_automations`` did: the block's and each automation's outcome (created | updated)."""

    block: str
    channel: str
    automations: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (no secret in it)."""
        return {"block": {"name": BLOCK_NAME, "type": BLOCK_TYPE, "status": self.block, "channel": self.channel},
                "automations": self.automations}


def apply_automations(webhook: OfficeWebhook, ui_url: str | None = None) -> Applied:
    """Create or update, by name, the office's notification block and the three automations; an automation
    found more than once under one of these names is updated once and its copies deleted.

    Raises:
        AlertsError: the server refused or could not be reached; the message holds no secret.
    """
    from prefect.client.orchestration import get_client
    from prefect.events.schemas.automations import AutomationCore
    from prefect.exceptions import ObjectNotFound

    from tasks.notifier import redact

    try:
        with get_client(sync_client=True) as client:
            try:
                client.read_block_document_by_name(BLOCK_NAME, BLOCK_TYPE, include_secrets=False)
                block_status = "updated"
            except ObjectNotFound:
                block_status = "created"
            block_id = webhook.block().save(BLOCK_NAME, overwrite=True)
            done = []
            for spec in automation_specs(block_id, ui_url):
                automation = AutomationCore.model_validate(spec)
                found = sorted(client.read_automations_by_name(spec["name"]), key=lambda a: str(a.id))
                if found:
                    client.update_automation(found[0].id, automation)
                    for extra in found[1:]:
                        client.delete_automation(extra.id)
                    done.append({"name": spec["name"], "status": "updated", "id": str(found[0].id),
                                 "duplicates_removed": len(found) - 1})
                else:
                    done.append({"name": spec["name"], "status": "created",
                                 "id": str(client.create_automation(automation)), "duplicates_removed": 0})
    except AlertsError:
        raise
    except Exception as exc:
        raise _api_error(exc, webhook.secrets, redact) from None
    return Applied(block_status, webhook.shown, done)


def _api_error(exc: Exception, secrets: list[str], redact: Any) -> AlertsError:
    """A refusal or an unreachable server, said plainly; the server's own words masked (they may echo the block)."""
    import httpx

    status = getattr(getattr(exc, "response", None), "status_code", None)
    if status in (401, 403):
        return AlertsError(f"Prefect 服务器拒绝了请求（HTTP {status}）：请设置正确的 PREFECT_API_AUTH_STRING（用户名:密码）",
                           f"the Prefect server refused the request (HTTP {status}): set PREFECT_API_AUTH_STRING", 3)
    if isinstance(exc, httpx.TransportError | OSError):
        return AlertsError(f"无法连接 Prefect 服务器（PREFECT_API_URL）：{type(exc).__name__}",
                           f"cannot reach the Prefect server (PREFECT_API_URL): {type(exc).__name__}")
    detail = redact(str(exc), secrets)[:300]
    return AlertsError(f"Prefect 服务器未接受告警设置（可能只完成了一部分；改正后重新运行即可，按名称更新不会重复）：{detail}",
                       f"the Prefect server did not take the alerts (rerun once fixed; nothing is duplicated): {detail}")
