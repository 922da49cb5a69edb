"""Typical cases (附件2), the project library (项目库), and evidence attached to either.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 21:18:14.942856
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('theme_id', sa.String(length=20), nullable=False),
    sa.Column('bureau', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_plan_id_theme_id_year'), ['plan_id', 'theme_id', 'year'], unique=False)

    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('bureau', sa.String(length=50), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('planned', sa.Double(), nullable=False),
    sa.Column('actual', sa.Double(), nullable=False),
    sa.Column('funding_source', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'completed', 'cancelled')", name=op.f('ck_projects_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('plan_id', 'code', name=op.f('uq_projects_plan_id_code'))
    )
    op.create_table('record_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['evidence_files.sha256'], name=op.f('fk_record_files_sha256_evidence_files')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_files'))
    )
    with op.batch_alter_table('record_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_files_kind_record_id'), ['kind', 'record_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('record_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_files_kind_record_id'))

    op.drop_table('record_files')
    op.drop_table('projects')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_plan_id_theme_id_year'))

    op.drop_table('cases')
