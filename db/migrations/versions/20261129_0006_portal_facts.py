"""The portal's facts: acknowledgements (签收), extension requests and decisions (延期), and the link ledger.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('acks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('step_id', sa.String(length=200), nullable=False),
    sa.Column('bureau', sa.String(length=50), nullable=False),
    sa.Column('acted_by', sa.String(length=50), nullable=False),
    sa.Column('happened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acks')),
    sa.UniqueConstraint('plan_id', 'step_id', 'bureau', name=op.f('uq_acks_plan_id_step_id_bureau'))
    )
    op.create_table('extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('step_id', sa.String(length=200), nullable=False),
    sa.Column('bureau', sa.String(length=50), nullable=False),
    sa.Column('requested_to', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_to', sa.Date(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'denied')", name=op.f('ck_extensions_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extensions'))
    )
    with op.batch_alter_table('extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extensions_plan_id_step_id'), ['plan_id', 'step_id'], unique=False)

    op.create_table('portal_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('bureau', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.CheckConstraint("kind IN ('issued', 'revoked')", name=op.f('ck_portal_grants_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_grants'))
    )
    with op.batch_alter_table('portal_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_grants_plan_id_bureau'), ['plan_id', 'bureau'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('portal_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_grants_plan_id_bureau'))
    op.drop_table('portal_grants')
    with op.batch_alter_table('extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extensions_plan_id_step_id'))
    op.drop_table('extensions')
    op.drop_table('acks')
