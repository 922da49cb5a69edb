"""How the Prefect deployments of many plans are named: ``<flow>/<plan id>``, one set per plan.

The reconcile, gate, check-in and review deployments of the plan ``huyi-two-mountains`` are
``reconcile/huyi-two-mountains``, ``gate/huyi-two-mountains`` and so on: one flow per kind in the UI,
one deployment per plan under it, told apart by name and by their ``plan`` parameter.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["FLOW_KINDS", "FlowKind", "deployment_name"]

FlowKind = Literal["reconcile", "gate", "checkin", "review"]
FLOW_KINDS: tuple[FlowKind, ...] = ("reconcile", "gate", "checkin", "review")


def deployment_name(kind: FlowKind, plan_id: str) -> str:
    """``reconcile/huyi-two-mountains``: the flow's name, a slash, the plan's id."""
    return f"{kind}/{plan_id}"
