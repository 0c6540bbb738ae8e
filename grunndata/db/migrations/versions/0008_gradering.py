"""Graded persons in felles: every identifier of a person with a graded address, and when.

Access control asks, for a person named only by an identifier (a property's owner, a
unit's role holder, a federation reference), whether the person's address is graded now.
Matrikkelen's and Enhetsregisteret's processes do not read Folkeregisteret's tables, so
the answer lives here, in ``felles``, where every process may read it: one row per
identifier the person has ever held (an owner row may carry an old D-nummer), with
``gradert``, the valid times in which the person's current registrations grade the address
(graderingsnivaa neither missing nor ``ugradert``). "Graded now" is ``gradert @> now``, the
rule ``Person.adressebeskyttet`` applied before: a grading that begins or ends later is
seen when it does, without a new load. Persons whose graded times all ended before the
refresh have no rows.

The rule is written once, in ``folkeregister.oppdater_adressebeskyttelse(personer)``, which
brings the rows of the given persons in line with their facts. Folkeregisteret's loader
calls it for the persons of each batch, in the batch's transaction; this migration calls
it for every person with a grading. The application role may only SELECT the table and
EXECUTE the function (which runs as the owner).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE felles.adressebeskyttelse (
            identifikasjonsnummer text PRIMARY KEY,
            person_id bigint NOT NULL,
            gradert tstzmultirange NOT NULL CHECK (NOT isempty(gradert))
        );
        CREATE INDEX adressebeskyttelse_person ON felles.adressebeskyttelse (person_id);
        COMMENT ON TABLE felles.adressebeskyttelse IS
            'Every identifier of a person whose address is graded now or later, by '
            'Folkeregisteret''s current registrations: readable by every register''s process. '
            'Kept by folkeregister.oppdater_adressebeskyttelse';
        COMMENT ON COLUMN felles.adressebeskyttelse.gradert IS
            'Valid times in which the address is graded (fortrolig, strengtFortrolig, ...): '
            'graded now is gradert @> now()';

        CREATE FUNCTION folkeregister.oppdater_adressebeskyttelse(personer bigint[])
        RETURNS void LANGUAGE sql SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp AS $$
            -- The rule: a person is graded at t when the current registration of
            -- adressebeskyttelse valid at t (single-valued: at most one) has a
            -- graderingsnivaa that is neither missing nor ugradert. Rows are kept for
            -- persons graded now or later.
            WITH ny AS (
                SELECT i.identifikasjonsnummer, g.person_id, g.gradert
                FROM (SELECT f.person_id, range_agg(f.gyldig) AS gradert
                      FROM folkeregister.fakta f
                      JOIN folkeregister.versjon v ON v.id = f.versjon_id
                      WHERE f.person_id = ANY (personer) AND f.element = 'adressebeskyttelse'
                        AND upper_inf(f.registrert)
                        AND coalesce(v.data ->> 'graderingsnivaa', 'ugradert') <> 'ugradert'
                      GROUP BY f.person_id) g
                JOIN folkeregister.identifikator i ON i.person_id = g.person_id
                -- a grading that ended before now is of no use to anyone asking later
                WHERE upper_inf(g.gradert) OR upper(g.gradert) > now()
            ), borte AS (
                DELETE FROM felles.adressebeskyttelse a
                WHERE a.person_id = ANY (personer)
                  AND NOT EXISTS (SELECT 1 FROM ny
                                  WHERE ny.identifikasjonsnummer = a.identifikasjonsnummer)
            )
            INSERT INTO felles.adressebeskyttelse AS a (identifikasjonsnummer, person_id, gradert)
            SELECT identifikasjonsnummer, person_id, gradert FROM ny
            ON CONFLICT (identifikasjonsnummer) DO UPDATE
                SET person_id = excluded.person_id, gradert = excluded.gradert
                WHERE (a.person_id, a.gradert)
                      IS DISTINCT FROM (excluded.person_id, excluded.gradert);
        $$;
        COMMENT ON FUNCTION folkeregister.oppdater_adressebeskyttelse(bigint[]) IS
            'Brings felles.adressebeskyttelse in line with the facts of these persons';
        REVOKE ALL ON FUNCTION folkeregister.oppdater_adressebeskyttelse(bigint[]) FROM PUBLIC;
        """
    )
    op.execute(
        """SELECT folkeregister.oppdater_adressebeskyttelse(array(
               SELECT DISTINCT person_id FROM folkeregister.fakta
               WHERE element = 'adressebeskyttelse'))"""
    )
    grant_app("GRANT SELECT ON felles.adressebeskyttelse TO {app}")
    grant_app(
        "GRANT EXECUTE ON FUNCTION folkeregister.oppdater_adressebeskyttelse(bigint[]) TO {app}"
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION folkeregister.oppdater_adressebeskyttelse(bigint[])")
    op.execute("DROP TABLE felles.adressebeskyttelse")
