"""The change feed (``grunndata.feed``): ``felles.hendelse``, one row per entity a load,
followed batch or revert changed, written in that load's transaction.

``sekvensnummer`` is gap-free and in commit order (the writer numbers its events last,
under an advisory lock of its own). ``tidspunkt`` only grows, so a BRIN index serves the
retention's ``DELETE``. The app role writes and prunes it.

Revision ID: felles_0007
Revises: felles_0006
Create Date: 2026-12-07
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "felles_0007"
down_revision = "felles_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE felles.hendelse (
            sekvensnummer bigint PRIMARY KEY,
            last_id       bigint NOT NULL,
            tidspunkt     timestamptz NOT NULL,
            register      text NOT NULL,
            entitet       text NOT NULL,
            noekkel       text NOT NULL,
            hendelsestype text NOT NULL CONSTRAINT hendelse_hendelsestype_check CHECK (
                hendelsestype IN ('opprettet', 'endret', 'opphoert', 'slettet', 'tilbakefoert')),
            feltgrupper   text[] NOT NULL
        );
        CREATE INDEX hendelse_tidspunkt_brin ON felles.hendelse USING brin (tidspunkt);
        COMMENT ON TABLE felles.hendelse IS
            'The change feed: one event per entity a load changed, numbered in commit order';
        COMMENT ON COLUMN felles.hendelse.last_id IS 'The load or followed batch';
        """
    )
    grant_app("GRANT SELECT, INSERT, DELETE ON felles.hendelse TO {app}")


def downgrade() -> None:
    op.execute("DROP TABLE felles.hendelse")
