"""The journal's reject list: every record a load rejected, for file loads and followed
batches alike.

``felles.load_avvist`` holds, per load, each rejected record's location (as the reject
report names it), the reason and, for a batch of a followed feed, the event's sequence
number in its source (Freg's ``sekvensnummer``, Brønnøysund's ``oppdateringsid`` or the
roles feed's event id). A load keeps at most its first 10 000 rejects here
(``felles.load.rejected`` counts them all; ``--reject-file`` writes every one).

Revision ID: felles_0004
Revises: felles_0003
Create Date: 2026-12-07
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "felles_0004"
down_revision = "felles_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE felles.load_avvist (
            load_id       bigint NOT NULL REFERENCES felles.load (id),
            nr            integer NOT NULL,
            location      text NOT NULL,
            reason        text NOT NULL,
            sekvensnummer bigint,
            PRIMARY KEY (load_id, nr)
        );
        COMMENT ON TABLE felles.load_avvist IS
            'The records each load rejected (at most its first 10 000), in the order found';
        COMMENT ON COLUMN felles.load_avvist.sekvensnummer IS
            'For a followed batch: the rejected event''s sequence number in its source';
        """
    )
    grant_app("GRANT SELECT, INSERT ON felles.load_avvist TO {app}")


def downgrade() -> None:
    op.execute("DROP TABLE felles.load_avvist")
