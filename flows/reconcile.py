"""The daily reconcile run: the plan as a graph of phase (and track) subflows and step tasks, the board, the gates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger
from prefect.client.schemas.objects import State, StateDetails
from prefect.states import Completed, Failed

from core.reports import shown_steps, state_name, step_message
from tasks.artifacts import publish_board
from tasks.documents import write_reports
from tasks.gates import sync_gates
from tasks.notify import notify_bureaus
from tasks.portfolio import publish_portfolio
from tasks.snapshot import load_snapshot
from tasks.steps import phase_flow_name, report_step

__all__ = ["phase_run", "reconcile"]


def _ended(future: Any) -> State:
    """An edge to an upstream step that has ended, whatever its type, for ``wait_for``.

    A step that is neither done nor late ends Cancelled (grey, core.reports.STEP_STATES), and Prefect
    leaves a task NotReady after a Cancelled upstream even under ``allow_failure`` (which lets only
    Failed through). The statuses were all computed by the snapshot, so the order is only what the
    graph shows: wait for the upstream here, then hand the task a Completed stand-in that names the
    upstream's task run. The UI draws the same edge, and every step's task runs to its own state.
    """
    future.wait()
    return Completed(data=True, state_details=StateDetails(task_run_id=future.task_run_id))


@flow(name="phase", log_prints=False)
def phase_run(steps: list[dict[str, Any]]) -> State:
    """One phase or track: a task per step, each waiting on the steps it depends on within it."""
    futures: dict[str, Any] = {}
    for step in steps:
        upstream = [_ended(futures[d]) for d in step["depends_on"] if d in futures]
        named: Any = report_step.with_options(task_run_name=f"{step['id']} {step['title']}")
        futures[step["id"]] = named.submit(step["id"], step["status"], step["message"], wait_for=upstream)
    for future in futures.values():
        future.wait()
    overdue = sum(s["status"] == "overdue" for s in steps)
    done = sum(s["status"] == "done" for s in steps)
    message = f"{len(steps)} 个步骤，{done} 个已完成，{overdue} 个逾期"
    if overdue:
        return Failed(name=f"{overdue}项逾期", message=message)  # red in the UI, like its overdue steps
    return Completed(name=f"已完成 {done}/{len(steps)}", message=message)


def _run_name() -> str:
    """``重算 huyi-two-mountains：截至 2024-04-23`` — the run's name in the UI says which plan and day it judged."""
    from prefect.runtime import flow_run

    as_of = flow_run.parameters.get("as_of")
    plan = flow_run.parameters.get("plan")
    return f"重算{' ' + plan if plan else ''}：截至 {as_of or _today()}"


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@flow(name="reconcile", flow_run_name=_run_name,
      description="按计划和报送记录重算每个步骤的状态，发布看板，维护待报送闸门，每周生成台账和报告。")
def reconcile(as_of: date | None = None, plan: str | None = None) -> State:
    """Recompute every step from plan and facts; publish the board; keep one gate per step owed.

    A late plan is not a broken run: the run ends Completed, named ``N项逾期`` (its overdue phases and
    steps are red below it), so that Failed and Crashed mean the run itself failed (an exception, a lost
    database, a killed process) and alerts can aim at them.

    Args:
        as_of: 截至日期（不填即今天，北京时间）
        plan: 计划 id（不填即默认计划）
    """
    logger = get_run_logger()
    day = as_of or _today()
    snap = load_snapshot(day, plan)
    the_plan, board = snap.plan, snap.board
    for notice in snap.calendar_notices:
        logger.warning(notice)
    if not snap.workday:
        logger.info("%s 不是工作日：只更新看板，不发送通知", day)
    for group in the_plan.groups:
        shown = shown_steps(the_plan, board, group.id, day)
        if not shown:
            continue
        steps = [{
            "id": sid,
            "title": the_plan.steps[sid].title,
            "depends_on": list(the_plan.steps[sid].depends_on),
            "status": board.steps[sid].status,
            "message": step_message(the_plan, board.steps[sid]),
        } for sid in shown]
        phase_run.with_options(name=phase_flow_name(group.title), flow_run_name=group.title)(steps, return_state=True)
    publish_board(snap)
    publish_portfolio(day)
    gates = sync_gates(snap)
    documents = write_reports(snap)  # before the notifications: the week's digest attaches the ledger and Gantt
    notified = notify_bureaus(snap)
    overdue = sum(st.status == "overdue" for st in board.steps.values())
    report = {
        "plan": the_plan.id,
        "as_of": day.isoformat(),
        "overdue": overdue,
        "workday": snap.workday,
        "steps": {sid: state_name(st) for sid, st in board.steps.items()},
        "gates": gates,
        "documents": documents,
        "notifications": notified,
    }
    if overdue:
        return Completed(name=f"{overdue}项逾期", message=f"截至 {day}，{overdue} 个步骤逾期", data=report)
    return Completed(name="全部按期", message=f"截至 {day}，没有逾期的步骤", data=report)
