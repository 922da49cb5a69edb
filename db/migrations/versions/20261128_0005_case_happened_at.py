"""Cases record when they were contributed (happened_at), apart from when they were entered.

A typical case closes its theme's yearly collection step (cases.<theme>.<year>) on the day it was
contributed; a case entered later from the office's files keeps its real day. Existing rows take
their entry time.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 22:58:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('happened_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE cases SET happened_at = recorded_at")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('happened_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('happened_at')
