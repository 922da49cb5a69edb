"""``liangshan automations apply``: the office's alerts as Prefect automations, created or updated by name.

See :mod:`flows.automations` for the three automations, their triggers and the notification block.
"""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer
from rich.table import Table

from cli.common import fail, out, print_problems
from cli.exits import Exit

app = typer.Typer(help="告警：通知领导小组办公室的 Prefect 自动化 / the office's alerts as Prefect automations.",
                  no_args_is_help=True)

_STATUS_ZH = {"created": "已创建", "updated": "已更新"}


@app.command("apply")
def apply(
    office_webhook: Annotated[str | None, typer.Option(
        "--office-webhook", show_default=False,
        help="办公室的 webhook 地址（http(s)://…、wecom://KEY 或 json(s)://…）；不给则取 LIANGSHAN_NOTIFY_CONFIG 中 "
             "tag 为 office 的第一个 webhook 渠道 / the office's webhook; default: its first webhook channel in "
             "LIANGSHAN_NOTIFY_CONFIG.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")] = False,
) -> None:
    """在 Prefect 服务器上建立（按名称创建或更新，不会重复）三条告警，通知领导小组办公室 / create or update the alerts.

    两山：重算失败或崩溃；两山：重算超过26小时未完成；两山：闸门部署无人服务。通知经 Prefect 区块
    liangshan-office-alerts 发送，webhook 地址只存为该区块的密文字段，任何输出中都打码。

    退出码 exit: 0 完成；2 缺少 PREFECT_API_URL、办公室渠道或服务器不可达；3 服务器拒绝（认证）。
    """
    from cli.run import _prefect_env
    from config.errors import InvalidFile
    from config.settings import get_settings
    from flows.automations import AlertsError, apply_automations, webhook_from_channels, webhook_from_option

    if not os.environ.get("PREFECT_API_URL"):
        fail("automations apply 需要 Prefect 服务器：请设置 PREFECT_API_URL（服务器有认证时另设 PREFECT_API_AUTH_STRING）"
             " / automations apply needs a Prefect server: set PREFECT_API_URL (and PREFECT_API_AUTH_STRING)")
    try:
        if office_webhook is not None:
            webhook = webhook_from_option(office_webhook)
        else:
            config = get_settings().notify_config
            if config is None:
                fail("不知道办公室的 webhook：请设置 LIANGSHAN_NOTIFY_CONFIG（含 tag 为 office 的渠道），或用 --office-webhook"
                     " 指定 / no office webhook: set LIANGSHAN_NOTIFY_CONFIG or pass --office-webhook")
            webhook = webhook_from_channels(config)
    except InvalidFile as exc:
        print_problems(exc.problems)
        fail("通知渠道文件（LIANGSHAN_NOTIFY_CONFIG）有错误，未做任何改动 / the channels file is refused; nothing was done")
    except AlertsError as exc:
        fail(str(exc), Exit(exc.code))
    _prefect_env()
    from prefect.settings import get_current_settings

    try:
        applied = apply_automations(webhook, get_current_settings().ui_url)
    except AlertsError as exc:
        fail(str(exc), Exit(exc.code))
    if as_json:
        typer.echo(json.dumps(applied.as_dict(), ensure_ascii=False, indent=2))
        return
    out.print(f"通知区块 block liangshan-office-alerts（{applied.channel}）：{_STATUS_ZH[applied.block]}", markup=False)
    table = Table(title=f"告警 automations（{len(applied.automations)} 条，通知领导小组办公室）")
    for column in ("名称", "结果", "id"):
        table.add_column(column, overflow="fold")
    for a in applied.automations:
        status = _STATUS_ZH[a["status"]] + (f"（删除重复 {a['duplicates_removed']} 条）" if a["duplicates_removed"] else "")
        table.add_row(a["name"], status, a["id"])
    out.print(table)
