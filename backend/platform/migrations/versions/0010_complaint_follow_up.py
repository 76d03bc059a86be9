"""complaint follow-up: the recharge a consumer says was not credited (amount, rough time,
UPI/transaction id), how often a ticket was reopened by its consumer, and the "was it
solved?" question asked with the resolution notice and its answer.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.platform.types


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recharge_amount_paise', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('recharge_when', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('recharge_reference', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('reopen_count', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('satisfaction_asked_at',
                                      backend.platform.types.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('satisfied', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('satisfaction_at',
                                      backend.platform.types.UtcDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        for name in ('satisfaction_at', 'satisfied', 'satisfaction_asked_at', 'reopen_count',
                     'recharge_reference', 'recharge_when', 'recharge_amount_paise'):
            batch_op.drop_column(name)
