"""The ``kontaktregister`` branch: Kontakt- og reservasjonsregisteret's schema and table.

``kontaktregister.kontakt``: one version of one person's entry per row (see the room's
``tables.py``), bitemporal and revertible like the other registers' versioned tables; at
most one current version per person at any valid time.

Revision ID: kontaktregister_0001
Revises: 0014
Create Date: 2026-12-07
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "kontaktregister_0001"
down_revision = "0014"
branch_labels = ("kontaktregister",)
depends_on = None

TIME = "timestamptz"


def upgrade() -> None:
    op.execute("CREATE SCHEMA kontaktregister")
    grant_app("GRANT USAGE ON SCHEMA kontaktregister TO {app}")
    op.execute(
        f"""
        CREATE TABLE kontaktregister.kontakt (
            personidentifikator text NOT NULL CHECK (personidentifikator ~ '^[0-9]{{11}}$'),
            reservasjon text CHECK (reservasjon IN ('JA', 'NEI')),
            reservasjonstidspunkt {TIME},
            reservasjon_oppdatert {TIME},
            epostadresse text,
            epostadresse_oppdatert {TIME},
            epostadresse_sist_verifisert {TIME},
            mobiltelefonnummer text,
            mobiltelefonnummer_oppdatert {TIME},
            mobiltelefonnummer_sist_verifisert {TIME},
            postkasseadresse text,
            postkasseleverandoeradresse text,
            spraak text,
            spraak_oppdatert {TIME},
            status text NOT NULL CHECK (status IN ('AKTIV', 'SLETTET', 'IKKE_REGISTRERT')),
            sertifikat bytea,
            gyldig tstzrange NOT NULL CHECK (NOT isempty(gyldig)),
            registrert tstzrange NOT NULL,
            load_id bigint NOT NULL REFERENCES felles.load (id),
            ersatt_av bigint,
            tilbakefort tstzrange,
            CONSTRAINT kontakt_registrert_check
                CHECK (NOT isempty(registrert) OR tilbakefort IS NOT NULL),
            -- on the number as an integer: GiST on text costs more per insert
            EXCLUDE USING gist ((personidentifikator::bigint) WITH =, gyldig WITH &&)
                WHERE (upper_inf(registrert))
        )
        """
    )
    for sql in (
        "COMMENT ON TABLE kontaktregister.kontakt IS 'Each person''s entry in Kontakt- og "
        "reservasjonsregisteret, versioned: valid time (gyldig) and recorded time (registrert); "
        "fields as KRR names them'",
        "COMMENT ON COLUMN kontaktregister.kontakt.sertifikat IS "
        "'The digital mailbox''s X.509 certificate (DER)'",
        "COMMENT ON COLUMN kontaktregister.kontakt.ersatt_av IS "
        "'The load that closed its recorded time (or the revert that took it out)'",
        "COMMENT ON COLUMN kontaktregister.kontakt.tilbakefort IS "
        "'Its recorded time before a revert took it out'",
        "CREATE INDEX kontakt_key ON kontaktregister.kontakt (personidentifikator) "
        "WHERE upper_inf(registrert)",
    ):
        op.execute(sql)
    grant_app("GRANT SELECT, INSERT, UPDATE ON kontaktregister.kontakt TO {app}")


def downgrade() -> None:
    op.execute("DROP SCHEMA kontaktregister CASCADE")
