"""Complete extracts: a file declared to hold every entity of a scope ends the ones it lacks.

A register's bulk file is usually a set of entities, and an entity missing from it says
nothing. Some files are complete for a scope: Brønnøysund's ``lastned`` totalbestand
(every unit that is not deleted), Kartverket's address file for one kommune. Declared so
on the command line (``--complete``, ``--complete-for kommune=4204``; never inferred from
the content), such a file ends the valid time of every entity in its scope that it does
not hold, at the file's extract time, and records that in recorded time like any change
(nothing is deleted; the entity's history answers as before).

A truncated download looks like a complete extract that lacks most of its scope, so a
file that would end more than ``MAX_SHARE`` of its scope is refused whole unless
``--allow-mass-end``. A format takes part by stating its scope as SQL over the versions of
its table (``scope_condition``); the ending itself is ``merge_snapshot`` covering the
missing keys with no staged versions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from grunndata.errors import SourceError
from grunndata.loaders.versioning import VersionedTable, merge_snapshot

if TYPE_CHECKING:
    from grunndata.loaders.formats import LoadContext

#: The largest share of its scope a complete extract may end without ``--allow-mass-end``.
MAX_SHARE = 0.05


@dataclass(frozen=True)
class Completeness:
    """A file's declaration: complete for everything its format covers (``scope`` empty)
    or for the entities whose ``scope`` facts match, e.g. ``{"kommune": "4204"}``."""

    scope: dict[str, str] = field(default_factory=dict)
    allow_mass_end: bool = False

    @classmethod
    def declared(
        cls, complete: bool, complete_for: list[str], allow_mass_end: bool
    ) -> Completeness | None:
        """From ``--complete`` and ``--complete-for NAME=VALUE`` (either, not both)."""
        if complete and complete_for:
            raise SourceError("--complete and --complete-for: give one of them")
        scope: dict[str, str] = {}
        for item in complete_for:
            name, sep, value = item.partition("=")
            if not sep or not name.strip() or not value.strip():
                raise SourceError(
                    f"--complete-for {item!r}: expected NAME=VALUE, e.g. kommune=4204"
                )
            scope[name.strip()] = value.strip()
        if not (complete or scope):
            if allow_mass_end:
                raise SourceError("--allow-mass-end applies to --complete or --complete-for only")
            return None
        return cls(scope, allow_mass_end)

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.scope.items()) or "everything it covers"


def extract_time(context: LoadContext) -> datetime:
    """The file's extract time: what the file says, else its modification time."""
    if context.extract_date is not None:
        return context.extract_date
    return datetime.fromtimestamp(context.source.path.stat().st_mtime, tz=UTC)


def unsupported(name: str, declared: Completeness) -> SourceError:
    return SourceError(
        f"--complete-for {declared.describe()}: {name} knows no such scope"
        if declared.scope
        else f"--complete: {name} knows no scope to be complete for"
    )


def end_missing(
    conn: psycopg.Connection,
    table: VersionedTable,
    staging: str,
    scope: sql.Composable,
    context: LoadContext,
    *,
    recorded_at: datetime,
) -> int:
    """End the valid time, at the file's extract time, of every entity of ``table`` in
    ``scope`` (a condition on its current versions) whose key is not in ``staging``; the
    number ended. Call it once the file is read and staged, before its own merge: the
    share is of the scope as stored. Raises ``SourceError`` (nothing written) when more
    than ``MAX_SHARE`` would end. A file with rejected records ends nothing (with a
    warning): a rejected record's entity cannot be told from a missing one."""
    declared, source = context.complete, context.source.name
    assert declared is not None and context.load_id is not None
    if context.report.rejected:
        context.report.warn(
            "file",
            f"declared complete, but {context.report.rejected} records were rejected; their "
            "entities cannot be told from missing ones, so nothing was ended",
            "complete extract with rejects: nothing ended",
        )
        return 0
    key = sql.SQL(", ").join(map(sql.Identifier, table.key))
    target = sql.Identifier(*table.name.split("."))
    missing = sql.Identifier(f"{staging}_missing")
    in_scope = sql.SQL(
        "SELECT DISTINCT {key} FROM {target} WHERE upper_inf(registrert) AND upper_inf(gyldig) "
        "AND ({scope})"
    ).format(key=key, target=target, scope=scope)
    conn.execute(
        sql.SQL(
            "CREATE TEMP TABLE {missing} ON COMMIT DROP AS {in_scope} "
            "EXCEPT SELECT {key} FROM {staging}"
        ).format(missing=missing, in_scope=in_scope, key=key, staging=sql.Identifier(staging))
    )
    total = conn.execute(sql.SQL("SELECT count(*) FROM ({}) s").format(in_scope)).fetchone()
    lacking = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(missing)).fetchone()
    total_n, lacking_n = (total[0] if total else 0), (lacking[0] if lacking else 0)
    if lacking_n and lacking_n > MAX_SHARE * total_n and not declared.allow_mass_end:
        raise SourceError(
            f"{source}: declared complete for {declared.describe()}, it lacks {lacking_n} of "
            f"the {total_n} stored entities of that scope ({100 * lacking_n / total_n:.1f} %, "
            f"more than {100 * MAX_SHARE:.0f} %); a truncated download looks like this. "
            "Nothing was written. Load it with --allow-mass-end if they really are gone"
        )
    if lacking_n:
        empty = sql.Identifier(f"{staging}_none")
        conn.execute(
            sql.SQL(
                "CREATE TEMP TABLE {empty} ON COMMIT DROP AS SELECT * FROM {staging} WITH NO DATA"
            ).format(empty=empty, staging=sql.Identifier(staging))
        )
        merge_snapshot(
            conn, table, f"{staging}_none", load_id=context.load_id, recorded_at=recorded_at,
            covered=f"{staging}_missing", valid_from="gyldig_fra",
            ended_at=extract_time(context),
        )  # fmt: skip
        conn.execute(sql.SQL("DROP TABLE {}").format(empty))
    conn.execute(sql.SQL("DROP TABLE {}").format(missing))
    return lacking_n
