"""Joint steps (牵头/配合): a contributing bureau's extension request waits for its lead (status ``to_lead``).

Check-in rows are unchanged: whether a hand-in completes a step is the plan's ``completion`` rule,
read by the engine. With this release a step with several owners is ``lead`` unless the plan says
otherwise, so a hand-in recorded earlier by a 配合单位 (not the first owner) on such a step is from
now on a contribution (配合材料): it stays in the history and on the lead's page, and no longer
completes the step. The upgrade counts those rows under each plan's latest loaded file and says
how many changed meaning (printed and logged).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
import yaml
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

_OLD = "status IN ('pending', 'approved', 'denied')"
_NEW = "status IN ('pending', 'approved', 'denied', 'to_lead')"


def upgrade() -> None:
    with op.batch_alter_table('extensions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_extensions_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_extensions_status'), _NEW)
    changed = count_changed_meaning(op.get_bind())
    for plan_id, rows in changed.items():
        message = (f"0008: 计划 {plan_id} 有 {rows} 条配合单位的报送记录改为配合材料（不再使步骤完成，记录保留）/ "
                   f"{rows} check-in row(s) of plan {plan_id} are now contributions")
        log.info(message)
        print(message)


def downgrade() -> None:
    op.execute("UPDATE extensions SET status = 'pending' WHERE status = 'to_lead'")
    with op.batch_alter_table('extensions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_extensions_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_extensions_status'), _OLD)


def count_changed_meaning(bind: Any) -> dict[str, int]:
    """Plan id -> check-in rows by a bureau other than the lead on a step that is now ``lead`` (under the latest file)."""
    latest = bind.execute(sa.text(
        "SELECT plan_id, yaml_text FROM plan_versions WHERE id IN (SELECT max(id) FROM plan_versions GROUP BY plan_id)"
    )).all()
    counts: dict[str, int] = {}
    for plan_id, text in latest:
        leads = _lead_steps(text)
        if not leads:
            continue
        rows = bind.execute(sa.text("SELECT step_id, bureau, on_behalf_of FROM checkins WHERE plan_id = :p"),
                            {"p": plan_id}).all()
        n = sum(1 for step_id, bureau, behalf in rows
                if (lead := _lead_of(leads, step_id)) is not None and (behalf or bureau) != lead)
        if n:
            counts[plan_id] = n
    return counts


def _lead_steps(text: str) -> dict[str, str]:
    """Step id as written in the file -> its lead, for check-in steps with several owners that complete by the lead."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return {}
    found: dict[str, str] = {}
    for group in [*(data.get("phases") or ()), *(data.get("tracks") or ())]:
        for step in (group or {}).get("steps") or ():
            owners: list[Any] = list(step.get("owners") or ())
            collect = step.get("collect", "checkin")
            if len(owners) > 1 and collect == "checkin" and step.get("completion", "lead") == "lead":
                found[str(step["id"])] = str(owners[0])
    return found


def _lead_of(leads: dict[str, str], step_id: str) -> str | None:
    """The lead of a step instance: the plain step's, or its recurring series' (``<id>.<year>``)."""
    if step_id in leads:
        return leads[step_id]
    series = step_id.rsplit(".", 1)[0]
    return leads.get(series) if series != step_id else None
