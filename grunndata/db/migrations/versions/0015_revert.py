"""Revert a load: grunndata's own transaction time beside the register's.

Every version row already carries ``load_id``, the load that wrote it. This adds:

- ``ersatt_av`` on every table merged by ``merge_snapshot``: the load that closed the
  row's recorded time (superseded it, or ended it for a complete extract), written by the
  same UPDATE that closes it; and ``tilbakefort``: the recorded time a row had before a
  revert took it out (its ``registrert`` is then empty, so no query sees it; its
  ``ersatt_av`` is the revert). Nothing is deleted.
- Folkeregisteret: ``versjon.tilbakefort_av`` (a reverted version: the rules that derive
  ``fakta`` leave it out), the journals ``versjon_endret`` (what a load overwrote of
  ``er_gjeldende``, ``sist_sett`` and ``fjernet``), ``fakta_endret`` (every ``fakta`` row
  a load rewrote or removed, as it was) and ``identifikator_tilbakefort`` (identifiers a
  reverted load had introduced).
- ``felles.uttak_endret``: what a load overwrote in ``felles.uttak`` (NULL: nothing was
  stored for the entity).
- ``felles.tilbakefort``: the entities each revert touched (the change feed reads it).
- ``felles.load``: ``reverts`` (a revert's load), ``reverted_by``, ``os_user`` and, for a
  followed batch, ``kilde_for`` (its source's cursor row before the batch).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

MERGED = (
    "matrikkel.matrikkelenhet",
    "matrikkel.tidligere_matrikkelnummer",
    "matrikkel.teig",
    "matrikkel.eierforhold",
    "matrikkel.bygning",
    "matrikkel.adresse",
    "enhetsregister.enhet",
    "enhetsregister.rolle",
)


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE felles.load ADD COLUMN reverts bigint REFERENCES felles.load (id),
            ADD COLUMN reverted_by bigint REFERENCES felles.load (id),
            ADD COLUMN os_user text, ADD COLUMN kilde_for jsonb;
        CREATE UNIQUE INDEX load_reverts ON felles.load (reverts);
        COMMENT ON COLUMN felles.load.reverts IS 'For a revert: the load it reverted';
        COMMENT ON COLUMN felles.load.reverted_by IS 'The revert that reverted this load';
        COMMENT ON COLUMN felles.load.os_user IS 'Who ran it (the operating-system user)';
        COMMENT ON COLUMN felles.load.kilde_for IS
            'For a followed batch: its source''s cursor (posisjon, baseline) before it';
        CREATE TABLE felles.uttak_endret (
            load_id   bigint NOT NULL,
            register  text NOT NULL,
            nokkel    text NOT NULL,
            uttatt    timestamptz,
            forrige_load_id bigint
        );
        CREATE INDEX ON felles.uttak_endret (load_id);
        COMMENT ON TABLE felles.uttak_endret IS
            'What each load overwrote in felles.uttak (uttatt NULL: nothing was stored)';
        CREATE TABLE felles.tilbakefort (
            revert_id bigint NOT NULL REFERENCES felles.load (id),
            load_id   bigint NOT NULL REFERENCES felles.load (id),
            register  text NOT NULL,
            tabell    text NOT NULL,
            nokkel    text NOT NULL
        );
        CREATE INDEX ON felles.tilbakefort (revert_id);
        COMMENT ON TABLE felles.tilbakefort IS
            'The entities each revert touched (by table and key)';
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
        CREATE INDEX ON folkeregister.versjon_endret (load_id);
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
        CREATE INDEX ON folkeregister.fakta_endret (endret_av);
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
    for table in MERGED:
        name = table.split(".")[1]
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN ersatt_av bigint, ADD COLUMN tilbakefort tstzrange, "
            f"DROP CONSTRAINT {name}_registrert_check, ADD CONSTRAINT {name}_registrert_check "
            "CHECK (NOT isempty(registrert) OR tilbakefort IS NOT NULL)"
        )
        op.execute(
            f"COMMENT ON COLUMN {table}.ersatt_av IS 'The load that closed its recorded time "
            "(or the revert that took it out)'"
        )
    grant_app("GRANT SELECT, INSERT ON felles.uttak_endret, felles.tilbakefort TO {app}")
    grant_app("GRANT DELETE ON felles.uttak, folkeregister.identifikator TO {app}")
    grant_app(
        "GRANT SELECT, INSERT ON folkeregister.versjon_endret, folkeregister.fakta_endret, "
        "folkeregister.identifikator_tilbakefort TO {app}"
    )


def downgrade() -> None:
    for table in MERGED:
        name = table.split(".")[1]
        op.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT {name}_registrert_check, "
            f"ADD CONSTRAINT {name}_registrert_check CHECK (NOT isempty(registrert)) NOT VALID, "
            "DROP COLUMN ersatt_av, DROP COLUMN tilbakefort"
        )
    op.execute(
        """
        DROP TABLE folkeregister.identifikator_tilbakefort, folkeregister.fakta_endret,
            folkeregister.versjon_endret, felles.tilbakefort, felles.uttak_endret;
        DROP INDEX folkeregister.versjon_person_id_innhold_key;
        ALTER TABLE folkeregister.versjon ADD CONSTRAINT versjon_person_id_innhold_key
            UNIQUE (person_id, innhold);
        ALTER TABLE folkeregister.versjon DROP COLUMN tilbakefort_av;
        ALTER TABLE felles.load DROP COLUMN reverts, DROP COLUMN reverted_by,
            DROP COLUMN os_user, DROP COLUMN kilde_for;
        """
    )
