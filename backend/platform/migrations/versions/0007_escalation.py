"""complaint SLA escalation: complaints.escalated_at (+ partial indexes: what is still to
escalate, and each pass's tickets by their stamp) and circle_managers (who gets each circle's overdue digest).

The scheduler's job table (apscheduler_jobs) is not here: APScheduler's SQLAlchemyJobStore
creates it on first start and owns its layout; env.py keeps autogenerate away from it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.platform.types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

WHERE = "status IN ('open', 'in_progress') AND escalated_at IS NULL"
ESCALATED = "escalated_at IS NOT NULL"


def upgrade() -> None:
    op.create_table('circle_managers',
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('mobile_e164', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('updated_at', backend.platform.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['circle_id'], ['circles.id'], name=op.f('fk_circle_managers_circle_id_circles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('circle_id', name=op.f('pk_circle_managers'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_at', backend.platform.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_complaints_escalation_due', ['due_at'], unique=False,
                              postgresql_where=sa.text(WHERE), sqlite_where=sa.text(WHERE))
        batch_op.create_index('ix_complaints_escalated_at', ['escalated_at'], unique=False,
                              postgresql_where=sa.text(ESCALATED),
                              sqlite_where=sa.text(ESCALATED))


def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_escalated_at', postgresql_where=sa.text(ESCALATED),
                            sqlite_where=sa.text(ESCALATED))
        batch_op.drop_index('ix_complaints_escalation_due',
                            postgresql_where=sa.text(WHERE), sqlite_where=sa.text(WHERE))
        batch_op.drop_column('escalated_at')
    op.drop_table('circle_managers')
