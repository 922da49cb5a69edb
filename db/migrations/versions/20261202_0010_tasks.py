"""交办事项: the tasks a dispatch meeting (or a leader's 批示) decides, tracked as steps ``task.<n>``.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('owners', sa.JSON(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('due_text', sa.String(length=100), nullable=False),
    sa.Column('deliverable', sa.String(length=200), nullable=False),
    sa.Column('review', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('ref', sa.String(length=200), nullable=False),
    sa.Column('happened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=100), nullable=True),
    sa.Column('close_reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_tasks_plan_id_number'))
    )


def downgrade() -> None:
    op.drop_table('tasks')
