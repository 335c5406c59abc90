"""manufacturing site kept apart from the manufacturer

Revision ID: 0002_manufacturing_site
Revises: 0001
Create Date: 2026-12-07

Until this revision both parsers wrote ``ProductID@manufacturingSite`` into
``part_version.manufacturer``. IEC 62474 has no manufacturer attribute, so for IEC 62474
declarations the stored value is always the site and is moved. For IPC-1752A the stored value may
be either (the manufacturer attribute won when present) and the two cannot be told apart from the
row, so it is left as it is; re-importing the file fills both columns.

Exemptions stored before this revision carry no ``list`` key in their JSON; the screening derives
it from the stored ``authority`` with the same table the parsers use
(``fmd_parsers/data/exemption_lists.yaml``), so old rows need no rewrite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_manufacturing_site"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("part_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("manufacturing_site", sa.String(length=255), nullable=True))
    op.execute(
        "UPDATE part_version SET manufacturing_site = manufacturer, manufacturer = NULL "
        "WHERE declaration_id IN (SELECT id FROM declaration WHERE format = 'IEC 62474')")


def downgrade() -> None:
    op.execute(
        "UPDATE part_version SET manufacturer = manufacturing_site "
        "WHERE manufacturer IS NULL AND manufacturing_site IS NOT NULL")
    with op.batch_alter_table("part_version", schema=None) as batch_op:
        batch_op.drop_column("manufacturing_site")
