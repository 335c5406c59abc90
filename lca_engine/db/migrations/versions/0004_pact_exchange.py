"""PACT exchange: host clients and tokens, published footprints, events, supplier PCFs

Revision ID: 0004_pact
Revises: 0003_supplier_portal
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_pact"
down_revision = "0003_supplier_portal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pact_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("revoked_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_client")),
        sa.UniqueConstraint("client_id", name=op.f("uq_pact_client_client_id")),
    )
    op.create_table(
        "pact_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["pact_client.client_id"],
                                name=op.f("fk_pact_token_client_id_pact_client"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_token")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_pact_token_token_sha256")),
    )
    op.create_table(
        "pact_footprint",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("product_number", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("superseded_by", sa.String(length=36), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_footprint")),
    )
    op.create_index("ix_pact_footprint_product_number", "pact_footprint", ["product_number"])
    op.create_table(
        "pact_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=2048), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("reply", sa.JSON(), nullable=True),
        sa.Column("reply_url", sa.String(length=2048), nullable=True),
        sa.Column("delivered_at", sa.String(length=32), nullable=True),
        sa.Column("delivery_error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_event")),
    )
    op.create_table(
        "supplier_pcf",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("spec_version", sa.String(length=32), nullable=False),
        sa.Column("part_number", sa.String(length=255), nullable=True),
        sa.Column("company_name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("declared_unit", sa.String(length=32), nullable=False),
        sa.Column("declared_amount", sa.Float(), nullable=False),
        sa.Column("kg_co2e", sa.Float(), nullable=False),
        sa.Column("fossil_kg_co2e", sa.Float(), nullable=True),
        sa.Column("land_use_kg_co2e", sa.Float(), nullable=True),
        sa.Column("biogenic_withdrawal_kg_co2", sa.Float(), nullable=True),
        sa.Column("ipcc_bases", sa.JSON(), nullable=False),
        sa.Column("primary_data_share", sa.Float(), nullable=True),
        sa.Column("dqi", sa.JSON(), nullable=True),
        sa.Column("verification", sa.JSON(), nullable=True),
        sa.Column("reference_period_end", sa.String(length=32), nullable=True),
        sa.Column("file_name", sa.String(length=1024), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.String(length=32), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_pcf")),
    )
    op.create_index("ix_supplier_pcf_part_number", "supplier_pcf", ["part_number"])


def downgrade() -> None:
    op.drop_index("ix_supplier_pcf_part_number", table_name="supplier_pcf")
    op.drop_table("supplier_pcf")
    op.drop_table("pact_event")
    op.drop_index("ix_pact_footprint_product_number", table_name="pact_footprint")
    op.drop_table("pact_footprint")
    op.drop_table("pact_token")
    op.drop_table("pact_client")
