"""The ``folkeregister`` branch starts here, on the shared trunk's last revision.

Nothing to do: the trunk (``0001``..``0014``, applied in deployed databases) made the
schema ``folkeregister`` (revisions 0002, 0006 and 0008). Every later change to it is a revision
on this branch (``docs/migrations.md``).

Revision ID: folkeregister_0001
Revises: 0014
Create Date: 2026-12-07
"""

revision = "folkeregister_0001"
down_revision = "0014"
branch_labels = ("folkeregister",)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
