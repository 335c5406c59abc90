"""supplier portal: users, tokens, sessions, login attempts, part->supplier assignment,
declaration requests, submissions and the append-only audit log

Revision ID: 0003_supplier_portal
Revises: 0002_manufacturing_site
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_supplier_portal"
down_revision = "0002_manufacturing_site"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "portal_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.CheckConstraint("role IN ('admin', 'engineer', 'supplier')",
                           name=op.f("ck_portal_user_role")),
        sa.CheckConstraint("(role = 'supplier') = (supplier_id IS NOT NULL)",
                           name=op.f("ck_portal_user_supplier_org")),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"],
                                name=op.f("fk_portal_user_supplier_id_supplier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_user")),
        sa.UniqueConstraint("name", name=op.f("uq_portal_user_name")),
    )
    op.create_index(op.f("ix_portal_user_supplier_id"), "portal_user", ["supplier_id"])

    op.create_table(
        "portal_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["portal_user.id"],
                                name=op.f("fk_portal_token_user_id_portal_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_token")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_portal_token_token_sha256")),
    )
    op.create_index(op.f("ix_portal_token_user_id"), "portal_token", ["user_id"])

    op.create_table(
        "portal_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_sha256", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("expires_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["portal_user.id"],
                                name=op.f("fk_portal_session_user_id_portal_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_session")),
        sa.UniqueConstraint("session_sha256", name=op.f("uq_portal_session_session_sha256")),
    )
    op.create_index(op.f("ix_portal_session_user_id"), "portal_session", ["user_id"])

    op.create_table(
        "portal_login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(128), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_login_attempt")),
    )
    op.create_index("ix_portal_login_attempt_user_at", "portal_login_attempt",
                    ["user_name", "at"])
    op.create_index("ix_portal_login_attempt_client_at", "portal_login_attempt",
                    ["client", "at"])

    op.create_table(
        "portal_part_supplier",
        sa.Column("part_number", sa.String(255), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", _TZ, nullable=False),
        sa.Column("assigned_by", sa.String(128), nullable=False),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"],
                                name=op.f("fk_portal_part_supplier_supplier_id_supplier")),
        sa.PrimaryKeyConstraint("part_number", name=op.f("pk_portal_part_supplier")),
    )
    op.create_index(op.f("ix_portal_part_supplier_supplier_id"), "portal_part_supplier",
                    ["supplier_id"])

    op.create_table(
        "portal_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_number", sa.String(255), nullable=False),
        sa.Column("part_number", sa.String(255), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"],
                                name=op.f("fk_portal_request_supplier_id_supplier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_request")),
    )
    op.create_index("ix_portal_request_product_part", "portal_request",
                    ["product_number", "part_number"])
    op.create_index(op.f("ix_portal_request_supplier_id"), "portal_request", ["supplier_id"])

    op.create_table(
        "portal_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["portal_user.id"],
                                name=op.f("fk_portal_submission_user_id_portal_user")),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"],
                                name=op.f("fk_portal_submission_supplier_id_supplier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_submission")),
    )
    op.create_index(op.f("ix_portal_submission_user_id"), "portal_submission", ["user_id"])
    op.create_index(op.f("ix_portal_submission_supplier_id"), "portal_submission",
                    ["supplier_id"])

    op.create_table(
        "portal_submission_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(1024), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("part_numbers", sa.JSON(), nullable=False),
        sa.Column("mass_g", sa.Float(), nullable=True),
        sa.Column("materials", sa.Integer(), nullable=False),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("declaration_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["portal_submission.id"],
            name=op.f("fk_portal_submission_file_submission_id_portal_submission")),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declaration.id"],
            name=op.f("fk_portal_submission_file_declaration_id_declaration")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_submission_file")),
    )
    op.create_index(op.f("ix_portal_submission_file_submission_id"), "portal_submission_file",
                    ["submission_id"])
    op.create_index(op.f("ix_portal_submission_file_sha256"), "portal_submission_file",
                    ["sha256"])

    op.create_table(
        "portal_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("supplier", sa.String(255), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(1024), nullable=True),
        sa.Column("file_sha256", sa.String(64), nullable=True),
        sa.Column("verdict", sa.String(32), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("client", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_audit")),
    )
    op.create_index(op.f("ix_portal_audit_at"), "portal_audit", ["at"])

    # The audit log is append-only for every client of the database, not only for this code.
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER portal_audit_no_{event.lower()} BEFORE {event} ON portal_audit "
                "BEGIN SELECT RAISE(ABORT, 'portal_audit is append-only'); END")
    else:
        op.execute(
            "CREATE FUNCTION portal_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'portal_audit is append-only'; END $$")
        op.execute("CREATE TRIGGER portal_audit_no_change BEFORE UPDATE OR DELETE ON "
                   "portal_audit FOR EACH ROW EXECUTE FUNCTION portal_audit_append_only()")
        op.execute("CREATE TRIGGER portal_audit_no_truncate BEFORE TRUNCATE ON portal_audit "
                   "FOR EACH STATEMENT EXECUTE FUNCTION portal_audit_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS portal_audit_no_truncate ON portal_audit")
        op.execute("DROP TRIGGER IF EXISTS portal_audit_no_change ON portal_audit")
        op.execute("DROP FUNCTION IF EXISTS portal_audit_append_only()")
    for table in ("portal_audit", "portal_submission_file", "portal_submission",
                  "portal_request", "portal_part_supplier", "portal_login_attempt",
                  "portal_session", "portal_token", "portal_user"):
        op.drop_table(table)
