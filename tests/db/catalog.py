"""A snapshot of a database's schema from PostgreSQL's catalog: every relation, column,
constraint, index, trigger, function, view, sequence, type, comment and grant in the schemas
grunndata owns, as sorted rows, so two databases compare with ``==``."""

from __future__ import annotations

from grunndata.db.database import Database, connect
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
}


def snapshot(database: Database) -> dict[str, list[tuple[object, ...]]]:
    """The schema of ``database`` (as its owner sees it), kind → sorted rows."""
    with connect(database.owner_url) as conn:
        return {
            kind: sorted(
                conn.execute(query, {"schemas": SCHEMAS}).fetchall(), key=lambda r: repr(r)
            )
            for kind, query in QUERIES.items()
        }
