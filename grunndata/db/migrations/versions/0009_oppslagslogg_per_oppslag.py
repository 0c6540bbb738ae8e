"""Lookup log: one row per request and field-group set, the persons as an array.

0007 wrote one row per person; a list of 200 persons cost 200 index entries per request.
Now a request writes one row per distinct set of field groups it returned (usually one),
its persons' identifiers in ``identifikasjonsnumre`` with a GIN index: "who looked up
this person" is ``identifikasjonsnumre @> ARRAY[nummer]``. The rows 0007 wrote are kept,
grouped by request. Append-only as before: the application role may INSERT and SELECT,
and the trigger refuses UPDATE, DELETE and TRUNCATE for everyone.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: The columns both shapes share, in order.
SHARED = (
    "tidspunkt, konsument, scopes, pid, feltgrupper, operasjon, request_id, behandlingsgrunnlag"
)


def _append_only(table: str) -> None:
    """The 0007 guarantees on ``table``: triggers refuse changes; the app may only append."""
    op.execute(
        f"CREATE TRIGGER oppslagslogg_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION felles.oppslagslogg_append_only()"
    )
    op.execute(
        f"CREATE TRIGGER oppslagslogg_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION felles.oppslagslogg_append_only()"
    )
    grant_app(f"GRANT SELECT, INSERT ON {table} TO {{app}}")


def _set_aside(name: str) -> None:
    """Rename the log table (and its key and sequence, whose names the new one takes)."""
    op.execute(f"ALTER TABLE felles.oppslagslogg RENAME TO {name}")
    op.execute(f"ALTER TABLE felles.{name} RENAME CONSTRAINT oppslagslogg_pkey TO {name}_pkey")
    op.execute(f"ALTER SEQUENCE felles.oppslagslogg_id_seq RENAME TO {name}_id_seq")


def _comment(what: str) -> None:
    op.execute(
        f"COMMENT ON TABLE felles.oppslagslogg IS 'Who looked up which {what}, when, why "
        "and which field groups they got: append-only'"
    )
    op.execute(
        "COMMENT ON COLUMN felles.oppslagslogg.konsument IS "
        "'The consumer''s organisasjonsnummer (from the token''s consumer.ID 0192:<orgnr>)'"
    )


def upgrade() -> None:
    _set_aside("oppslagslogg_per_person")
    op.execute(
        """
        CREATE TABLE felles.oppslagslogg (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            tidspunkt timestamptz NOT NULL DEFAULT now(),
            konsument text,
            scopes text[] NOT NULL DEFAULT '{}',
            pid text,
            feltgrupper text[] NOT NULL DEFAULT '{}',
            identifikasjonsnumre text[] NOT NULL,
            operasjon text,
            request_id text NOT NULL,
            behandlingsgrunnlag text
        )
        """
    )
    op.execute(
        f"""
        INSERT INTO felles.oppslagslogg ({SHARED}, identifikasjonsnumre)
        SELECT {SHARED}, array_agg(identifikasjonsnummer ORDER BY id)
        FROM felles.oppslagslogg_per_person
        GROUP BY {SHARED}
        ORDER BY min(id)
        """
    )
    op.execute("DROP TABLE felles.oppslagslogg_per_person")
    op.execute(
        "CREATE INDEX oppslagslogg_personer ON felles.oppslagslogg USING gin (identifikasjonsnumre)"
    )
    _comment("persons (one row per request and field-group set)")
    op.execute(
        "COMMENT ON COLUMN felles.oppslagslogg.identifikasjonsnumre IS "
        "'The persons returned with these field groups (GIN: identifikasjonsnumre @> ARRAY[x])'"
    )
    _append_only("felles.oppslagslogg")


def downgrade() -> None:
    _set_aside("oppslagslogg_per_oppslag")
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
        f"""
        INSERT INTO felles.oppslagslogg ({SHARED}, identifikasjonsnummer)
        SELECT {SHARED}, nummer
        FROM felles.oppslagslogg_per_oppslag,
            unnest(identifikasjonsnumre) WITH ORDINALITY AS p(nummer, i)
        ORDER BY id, i
        """
    )
    op.execute("DROP TABLE felles.oppslagslogg_per_oppslag")
    op.execute(
        "CREATE INDEX oppslagslogg_person ON felles.oppslagslogg (identifikasjonsnummer, tidspunkt)"
    )
    _comment("person")
    _append_only("felles.oppslagslogg")
