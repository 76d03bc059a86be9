"""account changes: recent spend and a change value on accounts, named counters.

Backfills every account's recent spend over the 7 days ending at its last charged day (the
shipped `estimate.average_days`; `apply_day` rebuilds if the rules say otherwise) and marks
every account changed once, so the first alert scan after the upgrade looks at all of them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

WINDOW = 7


def upgrade() -> None:
    op.create_table('counters',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_counters'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recent_spend_paise', sa.BigInteger(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('recent_charge_days', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('change_seq', sa.BigInteger(), server_default='0',
                                      nullable=False))
    since = (f"a.last_charged_day - {WINDOW}" if op.get_bind().dialect.name == "postgresql"
             else f"date(a.last_charged_day, '-{WINDOW} days')")
    inside = (f"l.consumer_id = a.consumer_id AND l.kind = 'charge' "
              f"AND l.day > {since} AND l.day <= a.last_charged_day")
    op.execute(
        "UPDATE accounts AS a SET "
        f"recent_spend_paise = (SELECT COALESCE(SUM(-l.amount_paise), 0) "
        f"FROM ledger_entries AS l WHERE {inside}), "
        f"recent_charge_days = (SELECT COUNT(*) FROM ledger_entries AS l WHERE {inside}), "
        "change_seq = 1")
    op.execute("INSERT INTO counters (name, value) VALUES "
               f"('account_changes', 1), ('recent_spend_window', {WINDOW})")


def downgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('change_seq')
        batch_op.drop_column('recent_charge_days')
        batch_op.drop_column('recent_spend_paise')
    op.drop_table('counters')
