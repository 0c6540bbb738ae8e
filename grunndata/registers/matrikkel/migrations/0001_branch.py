"""The ``matrikkel`` branch starts here, on the shared trunk's last revision.

Nothing to do: the trunk (``0001``..``0014``, applied in deployed databases) made the
schema ``matrikkel`` (revisions 0003, 0006, 0011 and 0012). Every later change to it is a revision
on this branch (``docs/migrations.md``).

Revision ID: matrikkel_0001
Revises: 0014
Create Date: 2026-12-07
"""

revision = "matrikkel_0001"
down_revision = "0014"
branch_labels = ("matrikkel",)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
