"""abuse limits: counted actions of unverified contacts (CA lookups, outage/fraud
reports) for the daily limits, and a flag on complaints (a report naming a CA number that
does not exist is kept but not dispatched).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.platform.types


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('abuse_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('created_at', backend.platform.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_abuse_events_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_abuse_events'))
    )
    with op.batch_alter_table('abuse_events', schema=None) as batch_op:
        batch_op.create_index('ix_abuse_events_contact', ['kind', 'contact_id', 'created_at'], unique=False)
        batch_op.create_index('ix_abuse_events_subject', ['kind', 'subject', 'created_at'], unique=False)
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flag', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_column('flag')
    with op.batch_alter_table('abuse_events', schema=None) as batch_op:
        batch_op.drop_index('ix_abuse_events_subject')
        batch_op.drop_index('ix_abuse_events_contact')
    op.drop_table('abuse_events')
