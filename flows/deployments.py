"""The deployments and their schedules, served from one process by `liangshan serve`."""

from __future__ import annotations

from typing import Any

__all__ = ["DAILY_CRON", "TIMEZONE", "deployments", "serve_all"]

DAILY_CRON = "0 9 * * *"
TIMEZONE = "Asia/Shanghai"


def deployments() -> list[Any]:
    """reconcile every morning at 09:00 Beijing time; gate, checkin and review on demand."""
    from prefect.schedules import Cron

    from flows.forms import checkin, gate, review
    from flows.reconcile import reconcile

    return [
        reconcile.to_deployment(name="reconcile", schedules=[Cron(DAILY_CRON, timezone=TIMEZONE)],
                                description="每天 09:00（北京时间）重算看板、维护待报送闸门"),
        gate.to_deployment(name="gate", description="每个待报送的步骤一个闸门，填写表单即报送"),
        checkin.to_deployment(name="checkin", description="报送成果"),
        review.to_deployment(name="review", description="审核：通过或退回"),
    ]


def serve_all(limit: int | None = None) -> None:
    """Serve every deployment from this process until stopped; schedules survive a restart."""
    from prefect import serve

    serve(*deployments(), pause_on_shutdown=False, limit=limit)
