"""Followed sources: a cursor per source, a followed batch's cursor range in the journal,
and Brønnøysund's withdrawn units.

``felles.kilde`` holds one row per followed source (``freg``, ``brreg-enheter``, ...): the
cursor (the last sequence number, ``oppdateringsid`` or event id applied), the baseline in
progress, and what ``grunndata follow --status`` and ``/healthz`` show (last success, last
error, lag, rejects). The cursor is written in the same transaction as the data it covers.
A followed batch is a load in ``felles.load``: ``kilde`` names the source and
``kilde_fra``/``kilde_til`` its cursor range. ``enhetsregister.fjernet`` lists the units
Brønnøysund withdrew from open data (``Fjernet``: the unit answers 410): their rows stay,
but no query shows them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE felles.kilde (
            navn        text PRIMARY KEY,
            posisjon    text,
            baseline    jsonb,
            sist_ok     timestamptz,
            sist_feil   timestamptz,
            feil        text,
            etterslep   bigint,
            avvist      bigint NOT NULL DEFAULT 0,
            endret      timestamptz NOT NULL DEFAULT clock_timestamp()
        );
        COMMENT ON TABLE felles.kilde IS
            'One row per followed source: its cursor (committed with the data it covers), '
            'the baseline in progress, last success and error, lag and rejects';
        ALTER TABLE felles.load ADD COLUMN kilde text, ADD COLUMN kilde_fra text,
            ADD COLUMN kilde_til text;
        COMMENT ON COLUMN felles.load.kilde IS
            'For a followed batch: its source (kilde_fra..kilde_til: its cursor range)';
        CREATE TABLE enhetsregister.fjernet (
            organisasjonsnummer text PRIMARY KEY,
            fjernet  timestamptz NOT NULL DEFAULT clock_timestamp(),
            load_id  bigint REFERENCES felles.load (id)
        );
        COMMENT ON TABLE enhetsregister.fjernet IS
            'Units withdrawn from open data (Fjernet: HTTP 410): rows stay, no query shows them'
        """
    )
    grant_app("GRANT SELECT, INSERT, UPDATE ON felles.kilde TO {app}")
    grant_app("GRANT SELECT, INSERT, DELETE ON enhetsregister.fjernet TO {app}")


def downgrade() -> None:
    op.execute("DROP TABLE enhetsregister.fjernet")
    op.execute(
        "ALTER TABLE felles.load DROP COLUMN kilde, DROP COLUMN kilde_fra, DROP COLUMN kilde_til"
    )
    op.execute("DROP TABLE felles.kilde")
