"""conversation log: every inbound and outbound message of a contact (codes redacted).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.platform.types


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversation_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('direction', sa.Enum('in', 'out', name='log_direction', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', backend.platform.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('message_id', sa.String(length=128), nullable=True),
    sa.Column('intent', sa.String(length=64), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('reply_key', sa.String(length=64), nullable=True),
    sa.Column('outbox_id', sa.BigInteger(), nullable=True),
    sa.Column('during_handoff', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_conversation_log_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_log'))
    )
    with op.batch_alter_table('conversation_log', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_log_contact', ['contact_id', 'created_at'], unique=False)
        batch_op.create_index('ix_conversation_log_created', ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('conversation_log', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_log_created')
        batch_op.drop_index('ix_conversation_log_contact')
    op.drop_table('conversation_log')
