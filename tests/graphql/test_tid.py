"""The time arguments' rules, the same for every register."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from grunndata.graphql.tid import OSLO, Tidspunkt, aware

NOW = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
instants = st.datetimes(min_value=datetime(1850, 1, 1), max_value=datetime(2100, 1, 1))


def test_no_arguments_mean_valid_now_as_known_now():
    assert Tidspunkt.fra_argumenter(None, None, naa=NOW) == Tidspunkt(gyldig=NOW)


@given(instants)
def test_only_valid_time_asks_the_current_registrations(v):
    assert Tidspunkt.fra_argumenter(v, None, naa=NOW) == Tidspunkt(gyldig=aware(v))


@given(instants)
def test_only_recorded_time_asks_about_that_same_instant(r):
    tid = Tidspunkt.fra_argumenter(None, r, naa=NOW)
    assert tid.gyldig == tid.registrert == aware(r)


@given(instants, instants)
def test_both_are_bitemporal(v, r):
    assert Tidspunkt.fra_argumenter(v, r, naa=NOW) == Tidspunkt(aware(v), aware(r))


def test_naive_times_are_norwegian_local_time_and_offsets_are_kept():
    assert aware(datetime(2022, 7, 1, 12)).utcoffset() == timedelta(hours=2)
    assert aware(datetime(2022, 1, 1, 12)).utcoffset() == timedelta(hours=1)
    given_utc = datetime(2022, 1, 1, 12, tzinfo=UTC)
    assert aware(given_utc) is given_utc
    assert aware(datetime(2022, 1, 1, 13)) == given_utc
    assert aware(datetime(2022, 1, 1)).tzinfo is OSLO


def test_the_sql_condition_uses_the_index_friendly_form_for_current_registrations():
    text, params = Tidspunkt(gyldig=NOW).as_of_sql("v")
    assert text == "v.gyldig @> %(gyldig)s::timestamptz AND upper_inf(v.registrert)"
    assert params == {"gyldig": NOW}
    text, params = Tidspunkt(gyldig=NOW, registrert=NOW).as_of_sql("v")
    assert "v.registrert @> %(registrert)s" in text and params["registrert"] == NOW


def test_the_sql_condition_selects_what_the_rules_say(database):
    """Against PostgreSQL: half-open ranges, unbounded ends, offsets."""
    from grunndata.db.database import connect

    versions = [  # (name, valid from, valid to, recorded from, recorded to)
        ("old", "2020-01-01", "2022-05-01", "2020-01-02", None),
        ("new", "2022-05-01", None, "2022-06-01", None),
        ("wrong", "2022-05-01", None, "2022-05-10", "2022-06-01"),
    ]
    with connect(database.app_url) as conn:
        conn.execute("SET TIME ZONE 'Europe/Oslo'")  # as the server's connections
        conn.execute("CREATE TEMP TABLE v (name text, gyldig tstzrange, registrert tstzrange)")
        for name, vf, vt, rf, rt in versions:
            conn.execute(
                "INSERT INTO v VALUES (%s, tstzrange(%s, %s), tstzrange(%s, %s))",
                [name, vf, vt, rf, rt],
            )

        def names(v: datetime | None, r: datetime | None) -> list[str]:
            text, params = Tidspunkt.fra_argumenter(v, r, naa=NOW).as_of_sql("v")
            rows = conn.execute(f"SELECT name FROM v WHERE {text} ORDER BY 1", params)
            return [row[0] for row in rows]

        assert names(None, None) == ["new"]
        assert names(datetime(2021, 1, 1), None) == ["old"]
        assert names(datetime(2022, 5, 1), None) == ["new"]
        assert names(None, datetime(2022, 5, 20)) == ["wrong"]
        assert names(datetime(2022, 4, 30), datetime(2022, 5, 20)) == ["old"]
        assert names(None, datetime(2020, 1, 1)) == []
