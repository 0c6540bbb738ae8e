"""Revert a load (``grunndata.loaders.revert``): Folkeregisteret's side.

``versjon.tilbakefort_av``: a reverted version (the rules that derive ``fakta`` leave it
out; the same content may be loaded again). The journals ``versjon_endret`` (what a load
overwrote of ``er_gjeldende``, ``sist_sett`` and ``fjernet``), ``fakta_endret`` (every
``fakta`` row a load rewrote or removed, as it was) and ``identifikator_tilbakefort``
(identifiers a reverted load had introduced).

Revision ID: folkeregister_0002
Revises: folkeregister_0001
Create Date: 2026-12-07
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "folkeregister_0002"
down_revision = "folkeregister_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE folkeregister.versjon ADD COLUMN tilbakefort_av bigint;
        ALTER TABLE folkeregister.versjon DROP CONSTRAINT versjon_person_id_innhold_key;
        CREATE UNIQUE INDEX versjon_person_id_innhold_key
            ON folkeregister.versjon (person_id, innhold) WHERE tilbakefort_av IS NULL;
        COMMENT ON COLUMN folkeregister.versjon.tilbakefort_av IS
            'The revert that took this version out (its load was reverted)';
        CREATE TABLE folkeregister.versjon_endret (
            nr          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            load_id     bigint NOT NULL,
            versjon_id  bigint NOT NULL,
            er_gjeldende boolean,
            sist_sett   timestamptz,
            fjernet     timestamptz
        );
        CREATE INDEX versjon_endret_load_id_idx ON folkeregister.versjon_endret (load_id);
        COMMENT ON TABLE folkeregister.versjon_endret IS
            'What a load overwrote of a version (er_gjeldende, sist_sett, fjernet), as it was';
        CREATE TABLE folkeregister.fakta_endret (
            endret_av   bigint NOT NULL,
            versjon_id  bigint NOT NULL,
            person_id   bigint NOT NULL,
            element     text NOT NULL,
            relasjon    text NOT NULL,
            gyldig      tstzrange NOT NULL,
            registrert  tstzrange NOT NULL,
            load_id     bigint NOT NULL
        );
        CREATE INDEX fakta_endret_endret_av_idx ON folkeregister.fakta_endret (endret_av);
        COMMENT ON TABLE folkeregister.fakta_endret IS
            'Every fakta row a load (endret_av) rewrote or removed, as it was';
        CREATE TABLE folkeregister.identifikator_tilbakefort (
            identifikasjonsnummer text NOT NULL,
            person_id      bigint NOT NULL,
            load_id        bigint NOT NULL,
            tilbakefort_av bigint NOT NULL
        );
        COMMENT ON TABLE folkeregister.identifikator_tilbakefort IS
            'Identifiers a reverted load had introduced, taken out of the lookup by the revert';
        """
    )
    grant_app("GRANT DELETE ON folkeregister.identifikator TO {app}")
    grant_app(
        "GRANT SELECT, INSERT ON folkeregister.versjon_endret, folkeregister.fakta_endret, "
        "folkeregister.identifikator_tilbakefort TO {app}"
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE folkeregister.identifikator_tilbakefort, folkeregister.fakta_endret,
            folkeregister.versjon_endret;
        DROP INDEX folkeregister.versjon_person_id_innhold_key;
        ALTER TABLE folkeregister.versjon ADD CONSTRAINT versjon_person_id_innhold_key
            UNIQUE (person_id, innhold);
        ALTER TABLE folkeregister.versjon DROP COLUMN tilbakefort_av;
        """
    )
