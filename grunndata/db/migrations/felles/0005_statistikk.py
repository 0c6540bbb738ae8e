"""Loaders may refresh the statistics of the register tables they write.

Only a table's owner may ANALYZE it, and the loaders connect as the app role: their
ANALYZE of a register table was skipped with a warning. ``felles.oppdater_statistikk``
runs as the schema owner (SECURITY DEFINER) and analyzes a table only when it is a
register's own table (owned by the schema owner, outside ``felles`` and the system
schemas) that the caller may write. Without ``alltid`` it analyzes only when the
planner's estimate of the table's rows (``reltuples`` scaled to its present size) is below
half of what this transaction alone has added to it: autovacuum running during a load
counts the load's uncommitted rows as nothing and sets ``reltuples`` to what was there
before (0 after a killed first load), and every plan then takes the growing table for
empty. Either way it takes SHARE UPDATE EXCLUSIVE on the table until the transaction ends,
so autovacuum cannot reset the estimate again while the load runs.

Revision ID: felles_0005
Revises: felles_0004
Create Date: 2026-12-07
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "felles_0005"
down_revision = "felles_0004"
branch_labels = None
depends_on = None

FUNCTION = "felles.oppdater_statistikk(regclass[], boolean)"


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION felles.oppdater_statistikk(
            tabeller regclass[], alltid boolean DEFAULT false
        ) RETURNS regclass[] LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            t regclass;
            c record;
            anslag float8;
            lagt_til float8;
            analysert regclass[] := '{}';
        BEGIN
            FOREACH t IN ARRAY tabeller LOOP
                SELECT k.relkind, k.relowner, k.reltuples, k.relpages, n.nspname INTO c
                FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace WHERE k.oid = t;
                IF c.relkind NOT IN ('r', 'p')
                   OR c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
                   OR c.nspname IN ('felles', 'public', 'information_schema')
                   OR c.nspname LIKE 'pg\\_%'
                   OR NOT has_table_privilege(session_user, t, 'INSERT, UPDATE, DELETE') THEN
                    RAISE EXCEPTION '% is not a register table this role writes', t
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                EXECUTE format('LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE', t);
                IF NOT alltid THEN
                    -- Never analyzed, or no pages: the planner estimates from the size.
                    CONTINUE WHEN c.reltuples < 0 OR c.relpages = 0;
                    anslag := c.reltuples / c.relpages
                        * (pg_relation_size(t) / current_setting('block_size')::float8);
                    lagt_til := pg_stat_get_xact_tuples_inserted(t)
                        - pg_stat_get_xact_tuples_deleted(t);
                    CONTINUE WHEN anslag >= lagt_til / 2;
                END IF;
                EXECUTE format('ANALYZE %s', t);
                analysert := analysert || t;
            END LOOP;
            RETURN analysert;
        END
        $$
        """
    )
    op.execute(
        f"COMMENT ON FUNCTION {FUNCTION} IS 'Fresh statistics for register tables a load "
        "writes (as the owner): always, or when the estimate is below half of what this "
        "transaction added; locks them against autovacuum until the transaction ends'"
    )
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")
    grant_app(f"GRANT EXECUTE ON FUNCTION {FUNCTION} TO {{app}}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {FUNCTION}")
