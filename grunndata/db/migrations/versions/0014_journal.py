"""The load journal knows a load whose process died: status ``aborted``, and who loads.

A load holds a session advisory lock, keyed on its journal id, from the moment its row
is visible until it ends (``grunndata.loaders.journal``). A ``running`` row whose lock no
session holds belongs to a process that died; ``grunndata loads repair`` (and every new
load) marks it ``aborted``. ``backend_pid`` is the PostgreSQL backend of the connection
that holds the lock and ``process`` the loader's host and pid, for people reading the
journal; the lock, not these, decides.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

STATUSES = ("running", "loaded", "partial", "failed")


def _statuses(statuses: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{s}'" for s in statuses)
    op.execute("ALTER TABLE felles.load DROP CONSTRAINT IF EXISTS load_status_check")
    op.execute(
        f"ALTER TABLE felles.load ADD CONSTRAINT load_status_check CHECK (status IN ({listed}))"
    )


def upgrade() -> None:
    _statuses((*STATUSES, "aborted"))
    op.execute("ALTER TABLE felles.load ADD COLUMN backend_pid integer")
    op.execute("ALTER TABLE felles.load ADD COLUMN process text")
    op.execute("CREATE INDEX load_running ON felles.load (id) WHERE status = 'running'")
    op.execute(
        "COMMENT ON COLUMN felles.load.backend_pid IS 'The PostgreSQL backend holding the "
        "load''s advisory lock (pg_advisory_lock(1734633068, id)) while it runs'"
    )
    op.execute("COMMENT ON COLUMN felles.load.process IS 'The loading process: host and pid'")


def downgrade() -> None:
    op.execute("UPDATE felles.load SET status = 'failed' WHERE status = 'aborted'")
    op.execute("DROP INDEX felles.load_running")
    op.execute("ALTER TABLE felles.load DROP COLUMN process")
    op.execute("ALTER TABLE felles.load DROP COLUMN backend_pid")
    _statuses(STATUSES)
