"""A snapshot of a database's schema from PostgreSQL's catalog: every relation, column,
constraint, index, trigger, function, view, sequence, type, comment and grant in the schemas
grunndata owns, as sorted rows, so two databases compare with ``==``.

``catalog.txt`` records the kinds Alembic's comparison cannot check (``UNCOMPARED``) as a
freshly migrated database has them. After a migration that changes them, rewrite it and
read the difference: ``.venv/bin/python -m tests.db.catalog``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from grunndata.db.database import Database, connect
from grunndata.db.tables import LOG_MONTH
from grunndata.registers import REGISTERS

SCHEMAS = sorted({"felles", *(r.db_schema for r in REGISTERS)})

_IN_SCHEMAS = "n.nspname = ANY(%(schemas)s)"
QUERIES: dict[str, str] = {
    "schemas": "SELECT n.nspname, n.nspacl::text FROM pg_namespace n WHERE " + _IN_SCHEMAS,
    "relations": f"""
        SELECT n.nspname, c.relname, c.relkind, c.relpersistence, c.relacl::text,
               pg_get_partkeydef(c.oid), c.relispartition, pg_get_expr(c.relpartbound, c.oid),
               obj_description(c.oid, 'pg_class')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_IN_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')""",
    "columns": f"""
        SELECT n.nspname, c.relname,
               row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum), a.attname,
               format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
               col_description(c.oid, a.attnum), a.attacl::text
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE {_IN_SCHEMAS} AND a.attnum > 0 AND NOT a.attisdropped
          AND c.relkind IN ('r', 'p', 'v', 'm', 'f')""",
    "constraints": f"""
        SELECT n.nspname, c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_IN_SCHEMAS}""",
    "indexes": f"""
        SELECT n.nspname, i.tablename, i.indexname, i.indexdef
        FROM pg_indexes i JOIN pg_namespace n ON n.nspname = i.schemaname
        WHERE {_IN_SCHEMAS}""",
    "triggers": f"""
        SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_IN_SCHEMAS} AND NOT t.tgisinternal""",
    "functions": f"""
        SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
               pg_get_functiondef(p.oid), p.proacl::text
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE {_IN_SCHEMAS} AND p.prokind IN ('f', 'p')""",
    "views": f"""
        SELECT n.nspname, c.relname, pg_get_viewdef(c.oid)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_IN_SCHEMAS} AND c.relkind IN ('v', 'm')""",
    "sequences": f"""
        SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart,
               s.seqincrement, s.seqmax, s.seqmin, s.seqcycle
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_IN_SCHEMAS}""",
    "types": f"""
        SELECT n.nspname, t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod),
               array_to_string(ARRAY(SELECT e.enumlabel FROM pg_enum e
                                     WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder), ',')
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE {_IN_SCHEMAS} AND t.typtype IN ('e', 'd', 'c')
          AND NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')""",
    "extensions": "SELECT extname FROM pg_extension",
    "column_kinds": f"""
        SELECT n.nspname, c.relname, a.attname, a.attidentity, a.attgenerated,
               pg_get_expr(d.adbin, d.adrelid), a.attacl::text
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE {_IN_SCHEMAS} AND a.attnum > 0 AND NOT a.attisdropped
          AND (a.attidentity <> '' OR a.attgenerated <> '' OR a.attacl IS NOT NULL)""",
}
#: What ``compare_metadata`` does not see: exclusion (and all other) constraints' whole
#: definitions, indexes' methods, operator classes and predicates, triggers, functions,
#: views, sequences, types, identity and generated columns, grants and partitioning.
UNCOMPARED = (
    "schemas",
    "relations",
    "column_kinds",
    "constraints",
    "indexes",
    "triggers",
    "functions",
    "views",
    "sequences",
    "types",
)
RECORD = Path(__file__).with_name("catalog.txt")


def snapshot(database: Database) -> dict[str, list[tuple[object, ...]]]:
    """The schema of ``database`` (as its owner sees it), kind → sorted rows."""
    with connect(database.owner_url) as conn:
        return {
            kind: sorted(
                (r for r in conn.execute(query, {"schemas": SCHEMAS}) if not _monthly(r)),
                key=lambda r: repr(r),
            )
            for kind, query in QUERIES.items()
        }


def _monthly(row: tuple[object, ...]) -> bool:
    """A row of one of the lookup log's monthly partitions, whose names depend on the date
    (the parent and the default partition are recorded)."""
    return any(isinstance(value, str) and LOG_MONTH.search(value) for value in row[:3])


def _lines(rows: dict[str, list[tuple[object, ...]]]) -> str:
    return "".join(
        json.dumps([kind, *row], ensure_ascii=False) + "\n" for kind in rows for row in rows[kind]
    )


def recorded() -> dict[str, list[tuple[object, ...]]]:
    """``catalog.txt``: kind → rows, as ``snapshot`` gives them."""
    rows: dict[str, list[tuple[object, ...]]] = {kind: [] for kind in UNCOMPARED}
    for line in RECORD.read_text().splitlines():
        kind, *row = json.loads(line)
        rows[kind].append(tuple(row))
    return rows


def main() -> None:
    """Migrate a scratch database from nothing and record its ``UNCOMPARED`` kinds."""
    from grunndata.db import migrate
    from grunndata.db.database import bootstrap
    from tests.conftest import TEST_ROLES, _drop, scratch_name, suite_cluster

    cluster = suite_cluster()
    cluster.start()
    admin = cluster.url()
    name = scratch_name("catalog")
    try:
        database = bootstrap(admin, name, TEST_ROLES)
        migrate.upgrade(database)
        now = snapshot(database)
        RECORD.write_text(_lines({kind: now[kind] for kind in UNCOMPARED}))
    finally:
        _drop(admin, name)
    print(f"wrote {RECORD.relative_to(Path.cwd())}", file=sys.stderr)


if __name__ == "__main__":
    main()
