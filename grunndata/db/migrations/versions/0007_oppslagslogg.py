"""Lookup log in felles, append-only: one row per person returned per request.

The application role may INSERT and SELECT, nothing else; a trigger refuses UPDATE and
DELETE for everyone (TRUNCATE too), so a row once written stays as written.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE felles.oppslagslogg (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            tidspunkt timestamptz NOT NULL DEFAULT now(),
            konsument text,
            scopes text[] NOT NULL DEFAULT '{}',
            pid text,
            identifikasjonsnummer text NOT NULL,
            feltgrupper text[] NOT NULL DEFAULT '{}',
            operasjon text,
            request_id text NOT NULL,
            behandlingsgrunnlag text
        )
        """
    )
    op.execute(
        "CREATE INDEX oppslagslogg_person ON felles.oppslagslogg (identifikasjonsnummer, tidspunkt)"
    )
    op.execute(
        "COMMENT ON TABLE felles.oppslagslogg IS 'Who looked up which person, when, why "
        "and which field groups they got: append-only'"
    )
    op.execute(
        "COMMENT ON COLUMN felles.oppslagslogg.konsument IS "
        "'The consumer''s organisasjonsnummer (from the token''s consumer.ID 0192:<orgnr>)'"
    )
    op.execute(
        """
        CREATE FUNCTION felles.oppslagslogg_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'felles.oppslagslogg is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER oppslagslogg_append_only BEFORE UPDATE OR DELETE ON "
        "felles.oppslagslogg FOR EACH ROW EXECUTE FUNCTION felles.oppslagslogg_append_only()"
    )
    op.execute(
        "CREATE TRIGGER oppslagslogg_no_truncate BEFORE TRUNCATE ON felles.oppslagslogg "
        "FOR EACH STATEMENT EXECUTE FUNCTION felles.oppslagslogg_append_only()"
    )
    grant_app("GRANT SELECT, INSERT ON felles.oppslagslogg TO {app}")


def downgrade() -> None:
    op.execute("DROP TABLE felles.oppslagslogg")
    op.execute("DROP FUNCTION felles.oppslagslogg_append_only()")
