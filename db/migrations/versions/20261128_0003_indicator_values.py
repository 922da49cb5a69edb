"""Indicator values by year (附件1) with their evidence files.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 21:09:41.520246
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('indicator_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('indicator_id', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.Column('unit', sa.String(length=50), nullable=False),
    sa.Column('assigned_target', sa.Double(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('bureau', sa.String(length=50), nullable=False),
    sa.Column('happened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_values'))
    )
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_values_plan_id_indicator_id_year'), ['plan_id', 'indicator_id', 'year'], unique=False)

    op.create_table('indicator_value_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['evidence_files.sha256'], name=op.f('fk_indicator_value_files_sha256_evidence_files')),
    sa.ForeignKeyConstraint(['value_id'], ['indicator_values.id'], name=op.f('fk_indicator_value_files_value_id_indicator_values'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_value_files'))
    )
    with op.batch_alter_table('indicator_value_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_value_files_value_id'), ['value_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('indicator_value_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_value_files_value_id'))

    op.drop_table('indicator_value_files')
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_values_plan_id_indicator_id_year'))

    op.drop_table('indicator_values')
