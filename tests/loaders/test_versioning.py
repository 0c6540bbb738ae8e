"""The versioned merge, against a brute-force model of what it must do."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grunndata.db.database import connect
from grunndata.errors import SourceError
from grunndata.loaders.bulk import copy_rows, create_staging
from grunndata.loaders.versioning import VersionedTable, merge_snapshot

TABLE = VersionedTable("pg_temp.fakta", key=("entitet",), content=("verdi", "gyldig"))

# A snapshot: for some entities, the full set of their current versions (multi-valued).
versions = st.frozensets(
    st.tuples(st.sampled_from(["a", "b", "c", None]), st.sampled_from(["[1,5)", "[5,)", None])),
    max_size=3,
)
snapshots = st.lists(st.dictionaries(st.integers(0, 4), versions, max_size=4), max_size=6)


def current(conn: psycopg.Connection) -> dict[int, set[tuple]]:
    found: dict[int, set[tuple]] = {}
    for entitet, verdi, gyldig in conn.execute(
        "SELECT entitet, verdi, gyldig::text FROM pg_temp.fakta WHERE upper_inf(registrert)"
    ):
        found.setdefault(entitet, set()).add((verdi, gyldig))
    return found


@given(snapshots)
def test_merging_snapshots_matches_the_model_and_loses_nothing(database, history):
    with connect(database.app_url) as conn, conn.transaction() as tx:
        conn.execute(
            "CREATE TEMP TABLE fakta (entitet int, verdi text, gyldig int4range, "
            "registrert tstzrange NOT NULL, load_id bigint NOT NULL) ON COMMIT DROP"
        )
        model: dict[int, set[tuple]] = {}
        rows_before = 0
        for step, snapshot in enumerate(history):
            staging = f"staging_{step}"
            create_staging(conn, staging, "pg_temp.fakta", TABLE.columns)
            copy_rows(conn, staging, TABLE.columns,
                      [(k, v, g) for k, vs in snapshot.items() for v, g in vs])  # fmt: skip
            conn.execute(f"CREATE TEMP TABLE covered_{step} (entitet int) ON COMMIT DROP")
            copy_rows(conn, f"covered_{step}", ["entitet"], [(k,) for k in snapshot])
            counts = merge_snapshot(conn, TABLE, staging, load_id=step, covered=f"covered_{step}")
            expected_unchanged = sum(len(vs & model.get(k, set())) for k, vs in snapshot.items())
            expected_superseded = sum(len(model.get(k, set()) - vs) for k, vs in snapshot.items())
            model.update({k: set(vs) for k, vs in snapshot.items()})
            assert current(conn) == {k: vs for k, vs in model.items() if vs}
            assert (counts.unchanged, counts.superseded) == (
                expected_unchanged,
                expected_superseded,
            )
            rows_now = conn.execute("SELECT count(*) FROM pg_temp.fakta").fetchone()[0]
            assert rows_now == rows_before + counts.inserted, "nothing is ever deleted"
            assert conn.execute(
                "SELECT count(*) FROM pg_temp.fakta WHERE isempty(registrert) "
                "OR lower(registrert) IS NULL OR lower(registrert) >= upper(registrert)"
            ).fetchone() == (0,), "every version keeps when it was recorded, and when superseded"
            rows_before = rows_now
            # Repeating a snapshot changes nothing.
            again = merge_snapshot(conn, TABLE, staging, load_id=-1, covered=f"covered_{step}")
            assert (again.inserted, again.superseded) == (0, 0)
        raise psycopg.Rollback(tx)


def test_superseding_before_a_version_was_recorded_is_refused(database):
    with connect(database.app_url) as conn, conn.transaction() as tx:
        conn.execute(
            "CREATE TEMP TABLE fakta (entitet int, verdi text, gyldig int4range, "
            "registrert tstzrange NOT NULL, load_id bigint NOT NULL) ON COMMIT DROP"
        )
        newer, older = datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
        for name, verdi, at in (("first", "a", newer), ("second", "b", older)):
            create_staging(conn, name, "pg_temp.fakta", TABLE.columns)
            copy_rows(conn, name, TABLE.columns, [(1, verdi, None)])
            if at is older:
                with pytest.raises(
                    SourceError, match=r"recorded after it .* recorded time cannot run backwards"
                ):
                    merge_snapshot(conn, TABLE, name, recorded_at=at, load_id=2)
            else:
                merge_snapshot(conn, TABLE, name, recorded_at=at, load_id=1)
        assert current(conn) == {1: {("a", None)}}
        raise psycopg.Rollback(tx)
