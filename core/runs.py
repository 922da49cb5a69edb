"""What a `liangshan tick --all` came to, from the state of each plan's reconcile run (pure)."""

from __future__ import annotations

from typing import Any

__all__ = ["tick_outcome"]

_BROKEN = {"FAILED", "CRASHED", "CANCELLED"}


def tick_outcome(rows: list[dict[str, Any]], *, waited: bool, finished: bool) -> tuple[int, str]:
    """The exit code and a one-line verdict (Chinese first).

    4: some run itself failed, crashed or was cancelled; 1: a finding (a plan not deployed, a wait that
    timed out, a plan with overdue steps, named ``N项逾期`` by its run); 0: every run done and on time,
    or, without ``waited``, every plan's run submitted or found.
    """
    broken = [r["plan"] for r in rows if r["state_type"] in _BROKEN]
    missing = [r["plan"] for r in rows if r["action"] == "not_deployed"]
    late = [r["plan"] for r in rows if r["state_type"] == "COMPLETED" and (r["state"] or "").endswith("项逾期")]
    if broken:
        return 4, f"{len(broken)} 个计划的重算运行失败或崩溃：{'、'.join(broken)}（再次运行 tick --all 将重新提交）/ runs failed"
    if missing:
        return 1, f"{len(missing)} 个计划未部署：{'、'.join(missing)} / not deployed"
    if waited and not finished:
        return 1, "等待超时：仍有运行未结束 / timed out waiting for the runs"
    if late:
        return 1, f"全部运行完成；{len(late)} 个计划有逾期步骤：{'、'.join(late)} / done; plans with overdue steps"
    if not waited:
        return 0, f"已为 {len(rows)} 个计划提交或找到今天的重算 / a reconcile submitted or found for every plan"
    return 0, f"全部 {len(rows)} 个计划的重算已完成，没有逾期 / every plan reconciled, nothing overdue"
