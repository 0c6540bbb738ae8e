"""Folkeregisteret: the register's tables in schema `folkeregister`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled in by the register's issue."""


def downgrade() -> None:
    """Filled in by the register's issue."""
