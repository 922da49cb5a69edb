"""The office's contact list (通讯录): people of each bureau, their WeCom userid, mobile and e-mail; and 已读:
who first opened an item after a reminder about it, and when.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('bureau', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('wecom_userid', sa.String(length=64), nullable=True),
    sa.Column('mobile', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('link_generation', sa.Integer(), nullable=False),
    sa.Column('wecom_problem', sa.String(length=50), nullable=False),
    sa.Column('wecom_problem_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('plan_id', 'bureau', 'name', name=op.f('uq_people_plan_id_bureau_name')),
    sa.UniqueConstraint('plan_id', 'wecom_userid', name=op.f('uq_people_plan_id_wecom_userid'))
    )
    with op.batch_alter_table('outbox_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('read_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('read_by', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_items', schema=None) as batch_op:
        batch_op.drop_column('read_by')
        batch_op.drop_column('read_at')
    op.drop_table('people')
