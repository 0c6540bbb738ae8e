"""Cross-register links: normalised address keys on both sides (filled by the links work).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
