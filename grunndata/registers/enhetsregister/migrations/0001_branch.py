"""The ``enhetsregister`` branch starts here, on the shared trunk's last revision.

Nothing to do: the trunk (``0001``..``0014``, applied in deployed databases) made the
schema ``enhetsregister`` (revisions 0004, 0005, 0006 and 0010). Every later change to
it is a revision on this branch (``docs/migrations.md``).

Revision ID: enhetsregister_0001
Revises: 0014
Create Date: 2026-12-07
"""

revision = "enhetsregister_0001"
down_revision = "0014"
branch_labels = ("enhetsregister",)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
