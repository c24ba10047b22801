"""Carbon-neutral events: the ledger of retired credit serial blocks (double-counting check).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 04:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_credit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.String(length=120), nullable=False),
        sa.Column("event_name", sa.String(length=300), nullable=False),
        sa.Column("offset_id", sa.String(length=120), nullable=False),
        sa.Column("offset_type", sa.String(length=20), nullable=False),
        sa.Column("carbon_registry", sa.String(length=300), nullable=False),
        sa.Column("serial_text", sa.String(length=300), nullable=False),
        sa.Column("serial_key", sa.String(length=300), nullable=False),
        sa.Column("serial_start", sa.BigInteger(), nullable=False),
        sa.Column("serial_end", sa.BigInteger(), nullable=False),
        sa.Column("is_range", sa.Boolean(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("vintage", sa.Integer(), nullable=False),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("source_file", sa.String(length=500), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_credit")),
    )
    op.create_index(op.f("ix_event_credit_event_id"), "event_credit", ["event_id"], unique=False)
    op.create_index(
        "ix_event_credit_serial", "event_credit", ["serial_key", "serial_start", "serial_end"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_event_credit_serial", table_name="event_credit")
    op.drop_index(op.f("ix_event_credit_event_id"), table_name="event_credit")
    op.drop_table("event_credit")
