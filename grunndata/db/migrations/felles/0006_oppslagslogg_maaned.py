"""The lookup log partitioned by month, so that whole months past retention can be dropped.

``felles.oppslagslogg`` becomes a table partitioned on ``tidspunkt`` (its rows copied in,
ids kept), with one partition per month (``oppslagslogg_yYYYYmMM``, UTC months) and a
default partition that takes a row of any month without one, so an INSERT never fails for
want of a partition. ``felles.oppslagslogg_partisjoner(fra, til)`` makes the months'
partitions, moving any rows the default partition holds for them; it runs here (the
months the log has rows for, and the next twelve) and on every ``grunndata db prune-log``.

Append-only as before: the app role may INSERT into and SELECT from the log (the parent;
it has no privilege on a partition); the row trigger refusing UPDATE and DELETE is on every
partition (PostgreSQL clones it), and each partition gets the TRUNCATE trigger too. Only
the owner can drop a partition: ``grunndata db prune-log`` does, journalled in
``felles.oppslagslogg_sletting``.

Revision ID: felles_0006
Revises: felles_0005
Create Date: 2026-12-07
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "felles_0006"
down_revision = "felles_0005"
branch_labels = None
depends_on = None

COLUMNS = (
    "id, tidspunkt, konsument, scopes, pid, feltgrupper, identifikasjonsnumre, operasjon, "
    "request_id, behandlingsgrunnlag"
)
TABLE = """
    CREATE TABLE felles.oppslagslogg (
        id bigint GENERATED ALWAYS AS IDENTITY,
        tidspunkt timestamptz NOT NULL DEFAULT now(),
        konsument text,
        scopes text[] NOT NULL DEFAULT '{{}}',
        pid text,
        feltgrupper text[] NOT NULL DEFAULT '{{}}',
        identifikasjonsnumre text[] NOT NULL,
        operasjon text,
        request_id text NOT NULL,
        behandlingsgrunnlag text,
        PRIMARY KEY ({key})
    ){partitioned}
"""

#: Makes the partitions of the months from ``fra`` up to ``til`` that are missing. Rows the
#: default partition holds for them go into them: the default is detached, the partitions
#: made, its rows put back through the parent and the old default dropped, all in the
#: caller's transaction (no row is ever deleted).
PARTITIONS = r"""
CREATE FUNCTION felles.oppslagslogg_partisjoner(fra date, til date) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    maaned date;
    mangler date[];
    flytt boolean;
BEGIN
    SELECT array_agg(m::date ORDER BY m) INTO mangler
    FROM generate_series(date_trunc('month', fra), date_trunc('month', til), '1 month') AS m
    WHERE to_regclass(format('felles.oppslagslogg_y%sm%s', to_char(m, 'YYYY'),
                             to_char(m, 'MM'))) IS NULL;
    IF mangler IS NULL THEN
        RETURN 0;
    END IF;
    LOCK TABLE felles.oppslagslogg IN SHARE ROW EXCLUSIVE MODE;  -- writers wait
    SELECT EXISTS (SELECT 1 FROM felles.oppslagslogg_standard
                   WHERE date_trunc('month', tidspunkt AT TIME ZONE 'UTC')::date = ANY (mangler))
    INTO flytt;
    IF flytt THEN
        ALTER TABLE felles.oppslagslogg DETACH PARTITION felles.oppslagslogg_standard;
        ALTER TABLE felles.oppslagslogg_standard RENAME TO oppslagslogg_standard_flyttes;
    END IF;
    FOREACH maaned IN ARRAY mangler LOOP
        EXECUTE format(
            'CREATE TABLE felles.%I PARTITION OF felles.oppslagslogg '
            'FOR VALUES FROM (%L) TO (%L)',
            format('oppslagslogg_y%sm%s', to_char(maaned, 'YYYY'), to_char(maaned, 'MM')),
            (maaned::timestamp AT TIME ZONE 'UTC'),
            ((maaned + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
        PERFORM felles.oppslagslogg_vern(
            format('felles.oppslagslogg_y%sm%s', to_char(maaned, 'YYYY'), to_char(maaned, 'MM')));
    END LOOP;
    IF flytt THEN
        CREATE TABLE felles.oppslagslogg_standard PARTITION OF felles.oppslagslogg DEFAULT;
        PERFORM felles.oppslagslogg_vern('felles.oppslagslogg_standard');
        INSERT INTO felles.oppslagslogg OVERRIDING SYSTEM VALUE
            SELECT * FROM felles.oppslagslogg_standard_flyttes;
        DROP TABLE felles.oppslagslogg_standard_flyttes;
    END IF;
    RETURN array_length(mangler, 1);
END
$$
"""

#: What every partition gets beside the cloned row trigger: the TRUNCATE trigger (statement
#: triggers are not cloned) and no privilege for anyone but the owner.
PROTECT = r"""
CREATE FUNCTION felles.oppslagslogg_vern(partisjon text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER oppslagslogg_no_truncate BEFORE TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION felles.oppslagslogg_append_only()',
                   partisjon);
    EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', partisjon);
END
$$
"""


def _append_only() -> None:
    op.execute(
        "CREATE TRIGGER oppslagslogg_append_only BEFORE UPDATE OR DELETE ON felles.oppslagslogg "
        "FOR EACH ROW EXECUTE FUNCTION felles.oppslagslogg_append_only()"
    )
    op.execute(
        "CREATE TRIGGER oppslagslogg_no_truncate BEFORE TRUNCATE ON felles.oppslagslogg "
        "FOR EACH STATEMENT EXECUTE FUNCTION felles.oppslagslogg_append_only()"
    )
    grant_app("GRANT SELECT, INSERT ON felles.oppslagslogg TO {app}")
    op.execute(
        "CREATE INDEX oppslagslogg_personer ON felles.oppslagslogg USING gin (identifikasjonsnumre)"
    )
    op.execute(
        "COMMENT ON TABLE felles.oppslagslogg IS 'Who looked up which persons (one row per "
        "request and field-group set), when, why and which field groups they got: append-only'"
    )
    op.execute(
        "COMMENT ON COLUMN felles.oppslagslogg.konsument IS "
        "'The consumer''s organisasjonsnummer (from the token''s consumer.ID 0192:<orgnr>)'"
    )
    op.execute(
        "COMMENT ON COLUMN felles.oppslagslogg.identifikasjonsnumre IS "
        "'The persons returned with these field groups (GIN: identifikasjonsnumre @> ARRAY[x])'"
    )


def _set_aside() -> None:
    op.execute("ALTER TABLE felles.oppslagslogg RENAME TO oppslagslogg_gammel")
    op.execute("ALTER INDEX felles.oppslagslogg_personer RENAME TO oppslagslogg_gammel_personer")
    op.execute("ALTER INDEX felles.oppslagslogg_pkey RENAME TO oppslagslogg_gammel_pkey")
    op.execute("ALTER SEQUENCE felles.oppslagslogg_id_seq RENAME TO oppslagslogg_gammel_id_seq")


def _copy_back() -> None:
    """The set-aside rows into the new table, ids kept; the identity goes on after them."""
    op.execute(
        f"INSERT INTO felles.oppslagslogg ({COLUMNS}) OVERRIDING SYSTEM VALUE "
        f"SELECT {COLUMNS} FROM felles.oppslagslogg_gammel ORDER BY id"
    )
    op.execute(
        "SELECT setval(pg_get_serial_sequence('felles.oppslagslogg', 'id'), "
        "(SELECT coalesce(max(id), 0) + 1 FROM felles.oppslagslogg_gammel), false)"
    )
    op.execute("DROP TABLE felles.oppslagslogg_gammel")


def upgrade() -> None:
    _set_aside()
    op.execute(TABLE.format(key="id, tidspunkt", partitioned=" PARTITION BY RANGE (tidspunkt)"))
    _append_only()
    op.execute(PROTECT)
    op.execute(PARTITIONS)
    op.execute("REVOKE ALL ON FUNCTION felles.oppslagslogg_vern(text) FROM PUBLIC")
    op.execute("REVOKE ALL ON FUNCTION felles.oppslagslogg_partisjoner(date, date) FROM PUBLIC")
    op.execute("CREATE TABLE felles.oppslagslogg_standard PARTITION OF felles.oppslagslogg DEFAULT")
    op.execute("SELECT felles.oppslagslogg_vern('felles.oppslagslogg_standard')")
    # Partitions for the months that have rows, and this month and the next twelve.
    op.execute(
        "SELECT felles.oppslagslogg_partisjoner(m, m) FROM (SELECT DISTINCT "
        "date_trunc('month', tidspunkt AT TIME ZONE 'UTC')::date AS m "
        "FROM felles.oppslagslogg_gammel) AS maaneder"
    )
    op.execute(
        "SELECT felles.oppslagslogg_partisjoner(current_date, "
        "(current_date + interval '12 months')::date)"
    )
    _copy_back()
    op.execute(
        """
        CREATE TABLE felles.oppslagslogg_sletting (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            tidspunkt timestamptz NOT NULL DEFAULT clock_timestamp(),
            utfort_av text NOT NULL DEFAULT session_user,
            partisjon text NOT NULL,
            fra timestamptz NOT NULL,
            til timestamptz NOT NULL,
            rader bigint NOT NULL,
            eldre_enn timestamptz NOT NULL
        )
        """
    )
    op.execute(
        "COMMENT ON TABLE felles.oppslagslogg_sletting IS 'Months of the lookup log dropped "
        "past retention (grunndata db prune-log): when, by whom, how many rows'"
    )
    grant_app("GRANT SELECT ON felles.oppslagslogg_sletting TO {app}")


def downgrade() -> None:
    op.execute("DROP TABLE felles.oppslagslogg_sletting")
    _set_aside()
    op.execute(TABLE.format(key="id", partitioned=""))
    _append_only()
    _copy_back()
    op.execute("DROP FUNCTION felles.oppslagslogg_partisjoner(date, date)")
    op.execute("DROP FUNCTION felles.oppslagslogg_vern(text)")
