"""Outbox messages carry attachments: the office's weekly digest sends the ledger and the Gantt chart.

Paths are relative to LIANGSHAN_HOME (under reports/); existing messages have none.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=True))
    op.execute("UPDATE outbox_messages SET attachments = '[]'")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('attachments', existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('attachments')
