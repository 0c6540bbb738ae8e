"""The journal counts the entities a complete extract ended.

``felles.load.ended``: how many entities of its scope a file declared complete
(``--complete``, ``--complete-for``) lacked, whose valid time it ended.

Revision ID: felles_0003
Revises: felles_0002
Create Date: 2026-12-07
"""

from alembic import op

revision = "felles_0003"
down_revision = "felles_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE felles.load ADD COLUMN ended integer NOT NULL DEFAULT 0")
    op.execute(
        "COMMENT ON COLUMN felles.load.ended IS 'Entities a complete extract lacked, whose "
        "valid time it ended'"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE felles.load DROP COLUMN ended")
