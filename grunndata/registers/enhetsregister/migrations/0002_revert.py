"""Revert a load (``grunndata.loaders.revert``): grunndata's transaction time on the
versioned tables.

``ersatt_av``: the load that closed a row's recorded time (superseded it, or ended it for
a complete extract), written by the UPDATE that closes it. ``tilbakefort``: the recorded
time a row had before a revert took it out (its ``registrert`` is then empty, so no query
sees it, and ``ersatt_av`` is the revert). Nothing is deleted.

Revision ID: enhetsregister_0002
Revises: enhetsregister_0001
Create Date: 2026-12-07
"""

from alembic import op

revision = "enhetsregister_0002"
down_revision = "enhetsregister_0001"
branch_labels = None
depends_on = None

TABLES = ("enhet", "rolle")


def upgrade() -> None:
    for name in TABLES:
        op.execute(
            f"ALTER TABLE enhetsregister.{name} ADD COLUMN ersatt_av bigint, "
            "ADD COLUMN tilbakefort tstzrange, "
            f"DROP CONSTRAINT {name}_registrert_check, ADD CONSTRAINT {name}_registrert_check "
            "CHECK (NOT isempty(registrert) OR tilbakefort IS NOT NULL)"
        )
        op.execute(
            f"COMMENT ON COLUMN enhetsregister.{name}.ersatt_av IS "
            "'The load that closed its recorded time (or the revert that took it out)'"
        )
        op.execute(
            f"COMMENT ON COLUMN enhetsregister.{name}.tilbakefort IS 'Its recorded time before a "
            "revert took it out'"
        )


def downgrade() -> None:
    for name in TABLES:
        op.execute(
            f"ALTER TABLE enhetsregister.{name} DROP CONSTRAINT {name}_registrert_check, "
            f"ADD CONSTRAINT {name}_registrert_check CHECK (NOT isempty(registrert)) NOT VALID, "
            "DROP COLUMN ersatt_av, DROP COLUMN tilbakefort"
        )
