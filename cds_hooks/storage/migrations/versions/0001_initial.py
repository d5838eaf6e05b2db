"""Initial schema: JWT replay guard, served cards, feedback.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "seen_jti",
        sa.Column("issuer", sa.String(), primary_key=True),
        sa.Column("jti", sa.String(), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=False), nullable=False),
    )
    op.create_index("ix_seen_jti_expires_at", "seen_jti", ["expires_at"])
    op.create_table(
        "served_card",
        sa.Column("card_uuid", sa.String(64), primary_key=True),
        sa.Column("service_id", sa.String(200), nullable=False),
        sa.Column("recommendation_id", sa.String(200), nullable=True),
        sa.Column("indicator", sa.String(20), nullable=True),
        sa.Column("hook_instance", sa.String(200), nullable=True),
        sa.Column("served_at", sa.DateTime(timezone=False), nullable=False),
    )
    op.create_index("ix_served_card_service_id", "served_card", ["service_id"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("service_id", sa.String(200), nullable=False),
        sa.Column("card_uuid", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("outcome_timestamp", sa.String(40), nullable=False),
        sa.Column("accepted_suggestions", sa.JSON(), nullable=False),
        sa.Column("override_reason_system", sa.String(500), nullable=True),
        sa.Column("override_reason_code", sa.String(200), nullable=True),
        sa.Column("override_reason_display", sa.String(500), nullable=True),
        sa.Column("has_user_comment", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=False), nullable=False),
        sa.UniqueConstraint("card_uuid", "outcome", "outcome_timestamp", name="uq_feedback_entry"),
    )
    op.create_index("ix_feedback_service_id", "feedback", ["service_id"])
    op.create_index("ix_feedback_card_uuid", "feedback", ["card_uuid"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("served_card")
    op.drop_table("seen_jti")
