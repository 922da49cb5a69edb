"""Commands for the portal's people and facts: ``link`` (signed links), ``ack`` (签收), ``extend`` and
``extension`` (延期申请 and the office's decisions)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import fail, out
from cli.context import Context, actor, exit_refused

PlanOpt = Annotated[str | None, typer.Option("--plan", help="计划文件 / plan file (默认 LIANGSHAN_PLAN).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")]

extension_app = typer.Typer(help="延期申请：列出、审批 / extension requests: list and decide.", no_args_is_help=True)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option}“{text}”不是日期，应写成 2026-12-31 / {option} is not a date (YYYY-MM-DD)")


def _secret_key(ctx: Context) -> str:
    key = ctx.settings.portal_key()
    if key is None:
        fail("未设置 LIANGSHAN_SECRET_KEY（至少 32 个字符）。生成一个：python -c \"import secrets; "
             "print(secrets.token_urlsafe(48))\"，保存在服务器上并设置为环境变量 / LIANGSHAN_SECRET_KEY is not set")
    return key


def link(
    bureau: Annotated[str | None, typer.Argument(
        help="单位 id（office 为办公室）；或 revoke、list / a bureau id, or revoke, list.")] = None,
    target: Annotated[str | None, typer.Argument(help="revoke 时：要收回链接的单位 / the bureau to revoke.")] = None,
    person: Annotated[int | None, typer.Option(
        "--person", help="个人链接：通讯录编号（people list）/ a person's own link, by id.")] = None,
    days: Annotated[int, typer.Option("--days", help="有效天数 / days the link is valid.")] = 30,
    as_json: JsonOpt = False,
    plan_file: PlanOpt = None,
) -> None:
    """报送入口链接：为单位（或 --person 为通讯录中的一人）生成签名链接；link revoke 单位（或 --person 编号）立即收回；
    link list 查看各单位链接状态 / issue a bureau's (or a person's) portal link; `link revoke` ends them; `link list`."""
    from db.portal import issue_link, link_states, revoke_links
    from db.records import Refusal

    ctx = Context.ready(plan_file)
    plan = ctx.plan
    if person is not None:
        _person_link(ctx, person, revoking=bureau == "revoke", days=days, as_json=as_json, extra=target or (
            bureau if bureau not in (None, "revoke") else None))
        return
    if bureau is None:
        fail("请写明单位 id（如 liangshan link eco）或 --person 编号 / name a bureau or --person ID")
    if bureau == "list":
        _print_states(ctx, as_json, link_states)
        return
    revoking = bureau == "revoke"
    who = target if revoking else bureau
    if who is None:
        fail("请写明单位 id，如 liangshan link revoke eco / name the bureau")
    if who not in plan.bureaus:
        import difflib

        near = difflib.get_close_matches(who, list(plan.bureaus), n=3, cutoff=0.5)
        hint = f"；是否想写 / did you mean: {', '.join(near)}" if near else ""
        fail(f"未知的单位“{who}”{hint} / unknown bureau {who!r}")
    if revoking:
        generation = revoke_links(ctx.sessions, plan_id=plan.id, bureau=who, actor=actor())
        doc = {"bureau": who, "revoked": True, "generation": generation}
        if as_json:
            typer.echo(json.dumps(doc, ensure_ascii=False))
        else:
            out.print(f"已收回 {plan.bureau_name(who)}（{who}）此前的全部链接和登录 / revoked every earlier link", markup=False)
        return
    base = ctx.settings.portal_url
    if not base:
        fail("未设置 LIANGSHAN_PORTAL_URL（报送入口的网址，如 https://lsbs.example.gov.cn）/ LIANGSHAN_PORTAL_URL is not set")
    key = _secret_key(ctx)
    try:
        issued = issue_link(ctx.sessions, plan_id=plan.id, bureau=who, days=days, key=key, base_url=base, actor=actor())
    except Refusal as exc:
        exit_refused(exc)
    if as_json:
        typer.echo(json.dumps({"bureau": who, "url": issued.url, "expires": issued.expires.isoformat()}, ensure_ascii=False))
    else:
        typer.echo(issued.url)  # the link alone on stdout, so scripts can take it; the rest on stderr
        from cli.common import err

        err.print(f"{plan.bureau_name(who)}（{who}）的报送链接，{issued.expires.astimezone(_beijing()):%Y-%m-%d %H:%M} 前有效，"
                  "请只发给该单位 / valid until then; send it to this bureau only", markup=False)


def _person_link(ctx: Context, person: int, *, revoking: bool, days: int, as_json: bool, extra: str | None) -> None:
    """``link --person ID`` and ``link revoke --person ID``: one person's own link; the bureau's others stay."""
    from db.people import issue_person_link, revoke_person_links
    from db.records import Refusal

    if extra is not None:
        fail("--person 与单位 id 不能同时写 / give --person or a bureau, not both")
    plan = ctx.plan
    try:
        if revoking:
            row = revoke_person_links(ctx.sessions, plan_id=plan.id, person_id=person, actor=actor())
            if as_json:
                typer.echo(json.dumps({"person": person, "revoked": True}, ensure_ascii=False))
            else:
                out.print(f"已收回 {row.name}（{plan.bureau_name(row.bureau)}）的个人链接和登录；本单位其他人和单位链接不受影响 "
                          "/ revoked this person's links only", markup=False)
            return
        base = ctx.settings.portal_url
        if not base:
            fail("未设置 LIANGSHAN_PORTAL_URL（报送入口的网址，如 https://lsbs.example.gov.cn）/ LIANGSHAN_PORTAL_URL is not set")
        row, issued = issue_person_link(ctx.sessions, plan_id=plan.id, person_id=person, days=days, key=_secret_key(ctx),
                                        base_url=base, actor=actor())
    except Refusal as exc:
        exit_refused(exc)
    if as_json:
        typer.echo(json.dumps({"person": person, "bureau": row.bureau, "url": issued.url,
                               "expires": issued.expires.isoformat()}, ensure_ascii=False))
        return
    typer.echo(issued.url)
    from cli.common import err

    err.print(f"{row.name}（{plan.bureau_name(row.bureau)}·{row.role}）的个人报送链接，"
              f"{issued.expires.astimezone(_beijing()):%Y-%m-%d %H:%M} 前有效，请只发给本人 / send it to this person only",
              markup=False)


def _beijing() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


def _print_states(ctx: Context, as_json: bool, link_states: Any) -> None:
    with ctx.sessions() as session:
        states = link_states(session=session, plan=ctx.plan)
    if as_json:
        typer.echo(json.dumps([{k: v.isoformat() if isinstance(v, datetime) else v for k, v in s.items()} for s in states],
                              ensure_ascii=False, indent=2))
        return
    table = Table(title="报送入口链接 portal links（北京时间）")
    for column in ("单位", "状态", "最近生成", "有效至", "最近收回"):
        table.add_column(column)

    def stamp(value: datetime | None) -> str:
        return value.astimezone(_beijing()).strftime("%Y-%m-%d %H:%M") if value else "—"

    for s in states:
        state = "有效" if s["active"] else ("已收回" if s["revoked_at"] and (not s["issued_at"] or s["revoked_at"] > s["issued_at"])
                                          else ("已过期" if s["issued_at"] else "未生成"))
        table.add_row(f"{s['name']}（{s['bureau']}）", state, stamp(s["issued_at"]), stamp(s["expires_at"]), stamp(s["revoked_at"]))
    out.print(table)


def ack(
    step: Annotated[str, typer.Argument(help="步骤 id / step id.")],
    by: Annotated[str, typer.Option("--by", help="签收单位 id / the bureau acknowledging.")],
    on_behalf_of: Annotated[
        str | None, typer.Option("--on-behalf-of", help="办公室代签收的单位 / owner the office acts for.")] = None,
    as_json: JsonOpt = False,
    plan_file: PlanOpt = None,
) -> None:
    """签收：责任单位确认已收到新开放的步骤（此后不再重复“可以开始”提醒）/ acknowledge an opened step."""
    from db.records import AckRequest, Refusal

    ctx = Context(plan_file)
    try:
        outcome = ctx.recorder().acknowledge(AckRequest(step, by, on_behalf_of))
    except Refusal as exc:
        exit_refused(exc)
    if as_json:
        typer.echo(json.dumps({"created": outcome.created, "existing": outcome.existing}, ensure_ascii=False, indent=2))
    elif outcome.created:
        out.print(f"已签收 acknowledged: {step}（{ctx.plan.bureau_name(on_behalf_of or by)}）", markup=False)
    else:
        out.print(f"此前已签收，未重复登记 already acknowledged: {step}", markup=False)


def extend(
    step: Annotated[str, typer.Argument(help="步骤 id / step id.")],
    to: Annotated[str, typer.Option("--to", help="新的截止日期 YYYY-MM-DD / the new due date.")],
    reason: Annotated[str, typer.Option("--reason", help="延期原因 / why.")],
    by: Annotated[str, typer.Option("--by", help="应为 office / the office.")] = "office",
    as_json: JsonOpt = False,
    plan_file: PlanOpt = None,
) -> None:
    """延期：办公室直接把步骤的截止日期改到新的日期（记为已同意的延期，原定截止日期保留）/ the office extends a step."""
    from db.records import Refusal

    new_due = _day(to, "--to")
    ctx = Context(plan_file)
    try:
        row = ctx.recorder().extend(step, new_due, reason, by)
    except Refusal as exc:
        exit_refused(exc)
    if as_json:
        typer.echo(json.dumps(row, ensure_ascii=False, indent=2))
    else:
        out.print(f"已延期 extended: {step} 截止 {row['due_before']} → {row['decided_to']}（第 {row['id']} 号）", markup=False)


@extension_app.command("list")
def extension_list(
    status: Annotated[str | None, typer.Option("--status", help="pending / approved / denied")] = None,
    as_json: JsonOpt = False,
    plan_file: PlanOpt = None,
) -> None:
    """延期申请列表（最新的在前）/ extension requests, newest first."""
    from db.portal import extension_rows

    ctx = Context.ready(plan_file)
    with ctx.sessions() as session:
        rows = extension_rows(session=session, plan_id=ctx.plan.id, status=status)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"延期申请 extension requests（{len(rows)}）")
    for column in ("#", "步骤", "单位", "申请延至", "原因", "状态", "批准延至"):
        table.add_column(column)
    zh = {"pending": "待审批", "approved": "已同意", "denied": "不同意", "to_lead": "已交牵头单位"}
    for r in rows:
        table.add_row(str(r["id"]), r["step_id"], ctx.plan.bureau_name(r["bureau"]), r["requested_to"], r["reason"],
                      zh[r["status"]], r["decided_to"] or "—")
    out.print(table)


@extension_app.command("decide")
def extension_decide(
    request_id: Annotated[int, typer.Argument(help="延期申请编号 / request number.")],
    approve: Annotated[bool, typer.Option("--approve", help="同意 / approve.")] = False,
    deny: Annotated[bool, typer.Option("--deny", help="不同意 / deny.")] = False,
    to: Annotated[str | None, typer.Option("--to", help="同意延至（默认申请的日期）/ approved date.")] = None,
    reason: Annotated[str, typer.Option("--reason", help="意见；不同意时必填 / reason (required to deny).")] = "",
    as_json: JsonOpt = False,
    plan_file: PlanOpt = None,
) -> None:
    """审批延期申请：--approve [--to 日期] 或 --deny --reason 原因（仅办公室）/ decide an extension request."""
    from db.records import ExtensionDecision, Refusal

    if approve == deny:
        fail("请二选一：--approve 或 --deny / give exactly one of --approve and --deny")
    new_due = _day(to, "--to") if to else None
    ctx = Context(plan_file)
    try:
        row = ctx.recorder().decide_extension(
            ExtensionDecision(request_id, "office", "approve" if approve else "deny", new_due, reason,
                              datetime.now(UTC)))
    except Refusal as exc:
        exit_refused(exc)
    if as_json:
        typer.echo(json.dumps(row, ensure_ascii=False, indent=2))
    else:
        verdict = f"同意，延至 {row['decided_to']}" if row["status"] == "approved" else f"不同意：{row['decision_reason']}"
        out.print(f"第 {row['id']} 号延期申请（{row['step_id']}）：{verdict}", markup=False)
