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
            "registrert tstzrange NOT NULL, load_id bigint NOT NULL, ersatt_av bigint) "
            "ON COMMIT DROP"
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
            "registrert tstzrange NOT NULL, load_id bigint NOT NULL, ersatt_av bigint) "
            "ON COMMIT DROP"
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


# Snapshots with valid time: per step, some entities covered, each with a value or gone.
ABSENT = "absent"
valid_time_snapshots = st.lists(
    st.dictionaries(st.integers(0, 3), st.sampled_from(["a", "b", None, ABSENT]), max_size=4),
    max_size=6,
)
DAY = 86_400


def _instant(seconds: float) -> datetime:
    return datetime.fromtimestamp(1_700_000_000 + seconds, tz=UTC)


@given(valid_time_snapshots)
def test_valid_time_merges_answer_every_question_as_the_snapshots_said(database, history):
    """Step i is recorded at day i, its versions valid from an hour before and what it
    no longer has ended 1.5 hours before: what was valid at V as known after step i is
    what the last step j <= i in force by V said (or nothing)."""
    table = VersionedTable("pg_temp.fakta", key=("entitet",), content=("verdi",))
    with connect(database.app_url) as conn, conn.transaction() as tx:
        conn.execute(
            "CREATE TEMP TABLE fakta (entitet int, verdi text, gyldig tstzrange NOT NULL, "
            "registrert tstzrange NOT NULL, load_id bigint NOT NULL, ersatt_av bigint, "
            "EXCLUDE USING gist (entitet WITH =, gyldig WITH &&) "
            "WHERE (upper_inf(registrert))) ON COMMIT DROP"
        )
        for step, snapshot in enumerate(history):
            staging = f"staging_{step}"
            create_staging(conn, staging, "pg_temp.fakta", table.columns,
                           extra=[("gyldig_fra", "timestamptz")])  # fmt: skip
            valid_from = _instant(step * DAY - 3600)
            rows = [(k, v, valid_from) for k, v in snapshot.items() if v != ABSENT]
            copy_rows(conn, staging, [*table.columns, "gyldig_fra"], rows)
            conn.execute(f"CREATE TEMP TABLE covered_{step} (entitet int) ON COMMIT DROP")
            copy_rows(conn, f"covered_{step}", ["entitet"], [(k,) for k in snapshot])
            ended_at = _instant(step * DAY - 5400)  # what vanished, vanished before
            merge = dict(covered=f"covered_{step}", valid_from="gyldig_fra", ended_at=ended_at)
            merge_snapshot(
                conn, table, staging, load_id=step, recorded_at=_instant(step * DAY), **merge
            )
            later = _instant(step * DAY + 60)
            again = merge_snapshot(conn, table, staging, load_id=-1, recorded_at=later, **merge)
            assert (again.inserted, again.superseded) == (0, 0), "repeating changes nothing"

        def said(known_after: int | None, valid_at: float, key: int) -> object:
            steps = range(len(history) if known_after is None else known_after + 1)
            answer: object = ABSENT
            for j in steps:
                start = j * DAY - (5400 if history[j].get(key) == ABSENT else 3600)
                if key in history[j] and start <= valid_at:
                    answer = history[j][key]
            return answer

        for known_after in [*range(len(history)), None]:
            recorded = None if known_after is None else _instant(known_after * DAY + 30)
            for valid_at in [j * DAY + offset for j in range(-1, len(history) + 1)
                             for offset in (-7200, -5400, -3600, 0)]:  # fmt: skip
                found = dict(
                    conn.execute(
                        "SELECT entitet, verdi FROM pg_temp.fakta WHERE gyldig @> %s AND "
                        + ("upper_inf(registrert)" if recorded is None else "registrert @> %s"),
                        [_instant(valid_at)] + ([] if recorded is None else [recorded]),
                    ).fetchall()
                )
                for key in range(4):
                    expected = said(known_after, valid_at, key)
                    assert found.get(key, ABSENT) == expected, (known_after, valid_at, key)
        raise psycopg.Rollback(tx)


def test_a_backdated_version_never_overlaps_the_recorded_past(database):
    """A value comes back valid from before its entity's recorded end: it starts at that
    end instead (the exclusion constraint would refuse an overlap)."""
    table = VersionedTable("pg_temp.fakta", key=("entitet",), content=("verdi",))
    with connect(database.app_url) as conn, conn.transaction() as tx:
        conn.execute(
            "CREATE TEMP TABLE fakta (entitet int, verdi text, gyldig tstzrange NOT NULL, "
            "registrert tstzrange NOT NULL, load_id bigint NOT NULL, ersatt_av bigint, "
            "EXCLUDE USING gist (entitet WITH =, gyldig WITH &&) "
            "WHERE (upper_inf(registrert))) ON COMMIT DROP"
        )
        conn.execute("CREATE TEMP TABLE covered (entitet int) ON COMMIT DROP")
        copy_rows(conn, "covered", ["entitet"], [(1,)])
        steps = [("a", 0), (None, 2 * DAY), ("b", DAY)]  # value, valid from (or end)
        for step, (value, at) in enumerate(steps):
            staging = f"staging_{step}"
            create_staging(conn, staging, "pg_temp.fakta", table.columns,
                           extra=[("gyldig_fra", "timestamptz")])  # fmt: skip
            copy_rows(conn, staging, [*table.columns, "gyldig_fra"],
                      [(1, value, _instant(at))] if value else [])  # fmt: skip
            merge_snapshot(conn, table, staging, load_id=step, covered="covered",
                           recorded_at=_instant((3 + step) * DAY), valid_from="gyldig_fra",
                           ended_at=_instant(at))  # fmt: skip
        rows = conn.execute(
            "SELECT verdi, lower(gyldig), upper(gyldig) FROM pg_temp.fakta "
            "WHERE upper_inf(registrert) ORDER BY lower(gyldig)"
        ).fetchall()
        assert rows == [("a", _instant(0), _instant(2 * DAY)), ("b", _instant(2 * DAY), None)]
        raise psycopg.Rollback(tx)
