"""``felles.oppdater_statistikk``: the app role's loads refresh the statistics of the
register tables they write (which only the owner may ANALYZE), and nothing else."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict

from grunndata.db.database import Database, connect
from grunndata.db.urls import with_params
from grunndata.loaders import statistics

PERSON = "folkeregister.person"


def _as_admin(admin_url: str, database: Database) -> str:
    return with_params(admin_url, dbname=conninfo_to_dict(database.app_url)["dbname"])


def _estimate(conn: psycopg.Connection, table: str) -> float:
    return conn.execute(f"EXPLAIN (FORMAT JSON) SELECT * FROM {table}").fetchone()[0][0]["Plan"][
        "Plan Rows"
    ]


def test_the_app_role_cannot_analyze_a_register_table_itself(database: Database):
    with connect(database.app_url, autocommit=True) as conn:
        notices: list[str] = []
        conn.add_notice_handler(lambda n: notices.append(n.message_primary or ""))
        conn.execute(f"ANALYZE {PERSON}")
    assert any("only table or database owner can analyze it" in n for n in notices), notices


def test_a_stale_estimate_is_refreshed_inside_the_load_transaction(
    fresh_database: Database, admin_url: str
):
    with connect(fresh_database.app_url) as conn:
        load_id = conn.execute("INSERT INTO felles.load (source) VALUES ('t') RETURNING id")
        conn.execute(
            "INSERT INTO folkeregister.person (load_id) SELECT %s FROM generate_series(1, 20000)",
            [load_id.fetchone()[0]],
        )
        # Autovacuum's view while the load runs: the uncommitted rows are not there.
        with connect(_as_admin(admin_url, fresh_database), autocommit=True) as admin:
            admin.execute(f"VACUUM {PERSON}")
        assert _estimate(conn, PERSON) < 100, "the planner takes the table for empty"
        assert statistics.refresh_if_stale(conn, PERSON) == [PERSON]
        assert _estimate(conn, PERSON) > 10_000
        assert statistics.refresh_if_stale(conn, PERSON) == [], "fresh now: not again"
        conn.rollback()


def test_autovacuum_cannot_touch_a_table_the_load_has_refreshed(
    fresh_database: Database, admin_url: str
):
    with connect(fresh_database.app_url) as conn:
        statistics.refresh_if_stale(conn, PERSON)
        with connect(_as_admin(admin_url, fresh_database), autocommit=True) as admin:
            notices: list[str] = []
            admin.add_notice_handler(lambda n: notices.append(n.message_primary or ""))
            admin.execute(f"VACUUM (SKIP_LOCKED) {PERSON}")  # as autovacuum does
        assert any("skipping vacuum" in n for n in notices), notices
        conn.rollback()


@pytest.mark.parametrize(
    "table",
    ["felles.oppslagslogg", "felles.load", "public.spatial_ref_sys", "pg_catalog.pg_class"],
)
def test_only_register_tables_the_caller_writes(database: Database, table: str):
    with (
        connect(database.app_url) as conn,
        pytest.raises(errors.InsufficientPrivilege, match="not a register table"),
    ):
        statistics.refresh(conn, table)


def test_no_one_else_may_call_it(database: Database):
    with connect(database.app_url) as conn:
        granted = conn.execute(
            "SELECT has_function_privilege('public', "
            "'felles.oppdater_statistikk(regclass[], boolean)', 'EXECUTE')"
        ).fetchone()[0]
    assert granted is False
