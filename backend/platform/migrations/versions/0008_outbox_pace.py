"""outbox pace: per-channel next send slot shared by all workers (rate limits, 429 pauses).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.platform.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_pace',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('next_slot_at', backend.platform.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', name=op.f('pk_outbox_pace'))
    )


def downgrade() -> None:
    op.drop_table('outbox_pace')
