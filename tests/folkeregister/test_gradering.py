"""felles.adressebeskyttelse: after any sequence of loads it says, for every identifier a
person ever held, what the person's current registrations say of the grading at any
instant from now on; the loader keeps it, the migration fills it, the app may only read it."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import errors, sql

from grunndata.db import migrate
from grunndata.db.database import Database, bootstrap, connect
from tests.conftest import TEST_ROLES, examples, scratch_name
from tests.folkeregister.helpers import DATA, load, write_json
from tests.folkeregister.idents import tenor_numbers

TODAY = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
DAYS = 8
#: Day 0 is four days ago: versions begin in the past and in the future.
T0 = TODAY - dt.timedelta(days=4)
LEVELS = ("ugradert", "fortrolig", "strengtFortrolig", "strengtFortroligUtland", None)
REAL_PROTECTED = "21860398300"


def _t(day: float) -> dt.datetime:
    return T0 + dt.timedelta(days=day)


def _probes() -> list[dt.datetime]:
    """Now and instants up to past the last version: the table answers for "now" on."""
    later = [_t(d + h) for d in range(DAYS + 2) for h in (0, 0.5)]
    now = dt.datetime.now(dt.UTC)
    return [now, *(t for t in later if t > now)]


#: The rule as the resolvers applied it before the table (``Person.adressebeskyttet``: the
#: newest current version of the fact valid at the instant), against the table's answer,
#: for every identifier in the register.
DISAGREEMENTS = """
    SELECT i.identifikasjonsnummer, p.t, r.rule, a.tabell
    FROM folkeregister.identifikator i CROSS JOIN unnest(%s::timestamptz[]) AS p (t)
    CROSS JOIN LATERAL (SELECT coalesce((
        SELECT v.data ->> 'graderingsnivaa' FROM folkeregister.fakta f
        JOIN folkeregister.versjon v ON v.id = f.versjon_id
        WHERE f.person_id = i.person_id AND f.element = 'adressebeskyttelse'
          AND f.gyldig @> p.t AND upper_inf(f.registrert)
        ORDER BY lower(f.gyldig) DESC NULLS LAST, f.relasjon DESC, v.id DESC LIMIT 1),
        'ugradert') <> 'ugradert' AS rule) r
    CROSS JOIN LATERAL (SELECT EXISTS (
        SELECT 1 FROM felles.adressebeskyttelse a
        WHERE a.identifikasjonsnummer = i.identifikasjonsnummer AND a.gradert @> p.t) AS tabell) a
    WHERE r.rule <> a.tabell
"""

#: Rows that are not one of a person's identifiers, or of a person graded at no time from now.
STRAY_ROWS = """
    SELECT a.identifikasjonsnummer FROM felles.adressebeskyttelse a
    LEFT JOIN folkeregister.identifikator i USING (identifikasjonsnummer)
    WHERE i.person_id IS DISTINCT FROM a.person_id
       OR NOT (upper_inf(a.gradert) OR upper(a.gradert) > now())
"""


def disagreements(database: Database) -> list[Any]:
    with connect(database.app_url) as conn:
        wrong = conn.execute(DISAGREEMENTS, [_probes()]).fetchall()
        stray = conn.execute(STRAY_ROWS).fetchall()
    return wrong + stray


def rows(database: Database, *numbers: str) -> dict[str, bool]:
    """Identifier → graded now, for the rows of ``numbers`` in the table."""
    with connect(database.app_url) as conn:
        found = conn.execute(
            """SELECT identifikasjonsnummer, gradert @> now() FROM felles.adressebeskyttelse
               WHERE identifikasjonsnummer = ANY(%s)""",
            [list(numbers)],
        ).fetchall()
    return dict(found)


def document(
    numbers: list[str], gradings: list[tuple[str | None, int | None]], day: int
) -> dict[str, Any]:
    """A person document recorded on ``day``: its identifiers (the first in use) and its
    adressebeskyttelse versions (level or missing, valid from a day or since always)."""
    recorded = _t(day).isoformat()
    identifiers = [
        {"foedselsEllerDNummer": number, "status": "iBruk" if i == 0 else "opphoert",
         "identifikatortype": "foedselsnummer", "erGjeldende": i == 0,
         "ajourholdstidspunkt": recorded}
        for i, number in enumerate(numbers)
    ]  # fmt: skip
    versions = []
    for level, valid in gradings:
        version: dict[str, Any] = {"ajourholdstidspunkt": recorded, "erGjeldende": True}
        if level is not None:
            version["graderingsnivaa"] = level
        if valid is not None:
            version["gyldighetstidspunkt"] = _t(valid).isoformat()
        versions.append(version)
    return {"identifikasjonsnummer": identifiers, "adressebeskyttelse": versions}


NUMBERS = tenor_numbers(dt.date(1961, 1, 1))


@pytest.fixture(scope="module")
def graded_db(clones) -> Database:
    return clones.make()


gradings = st.lists(
    st.tuples(st.sampled_from(LEVELS), st.one_of(st.none(), st.integers(0, DAYS))),
    max_size=3,
    unique_by=lambda g: g[1],
)
#: Per load: its gradings and whether the document also names the person's second identifier.
loads = st.lists(st.tuples(gradings, st.booleans()), min_size=1, max_size=4)


@pytest.mark.slow
@settings(max_examples=examples(25), deadline=None, suppress_health_check=list(HealthCheck))
@given(loads)
def test_after_any_loads_the_table_says_what_the_facts_say(graded_db, tmp_path_factory, plan):
    first, _ = next(NUMBERS)
    second, _ = next(NUMBERS)
    folder = Path(tmp_path_factory.mktemp("gradering"))
    for day, (versions, both) in enumerate(plan):
        numbers = [first, second] if both else [first]
        path = write_json(folder / f"{day}.json", document(numbers, versions, day))
        assert load(graded_db, path).exit_code == 0
        wrong = disagreements(graded_db)
        assert not wrong, list(itertools.islice(wrong, 5))


def test_ungrading_removes_the_rows_and_a_new_identifier_of_a_graded_person_is_added(
    fresh_database, tmp_path
):
    first, _ = next(NUMBERS)
    second, _ = next(NUMBERS)
    steps = [
        ([first], [("fortrolig", 0)], {first: True}),
        ([first, second], [("fortrolig", 0)], {first: True, second: True}),
        ([first, second], [("fortrolig", 0), ("ugradert", 3)], {}),
    ]
    for day, (numbers, versions, expected) in enumerate(steps):
        path = write_json(tmp_path / f"{day}.json", document(numbers, versions, day))
        assert load(fresh_database, path).exit_code == 0
        assert rows(fresh_database, first, second) == expected
    assert not disagreements(fresh_database)


def test_a_grading_that_begins_tomorrow_is_in_the_table_but_not_graded_now(
    fresh_database, tmp_path
):
    number, _ = next(NUMBERS)
    tomorrow = 5  # day 4 is today
    path = write_json(tmp_path / "p.json", document([number], [("fortrolig", tomorrow)], 0))
    assert load(fresh_database, path).exit_code == 0
    assert rows(fresh_database, number) == {number: False}
    with connect(fresh_database.app_url) as conn:
        later = conn.execute(
            "SELECT gradert @> %s FROM felles.adressebeskyttelse WHERE identifikasjonsnummer = %s",
            [_t(tomorrow + 0.5), number],
        ).fetchone()
    assert later == (True,)
    assert not disagreements(fresh_database)


def test_the_real_sample_is_graded_by_every_identifier_it_held(fresh_database):
    assert load(fresh_database, *sorted(DATA.glob("person_*.json"))).exit_code == 0
    assert rows(fresh_database, REAL_PROTECTED, "08871748471") == {REAL_PROTECTED: True}
    assert not disagreements(fresh_database)


def test_the_app_role_may_only_read_the_table(fresh_database):
    with connect(fresh_database.app_url) as conn:
        for statement in (
            "INSERT INTO felles.adressebeskyttelse VALUES ('01010100000', 1, '{[,)}')",
            "UPDATE felles.adressebeskyttelse SET gradert = '{}'",
            "DELETE FROM felles.adressebeskyttelse",
        ):
            with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
                conn.execute(statement)


def test_the_migration_fills_the_table_from_data_loaded_before_it(admin_url):
    name = scratch_name("gradering")
    database = bootstrap(admin_url, name, TEST_ROLES)
    try:
        # Data loaded before 0008: loaded by today's loader, then every revision from
        # 0008 on taken back (so the table 0008 makes is gone, the persons stay).
        migrate.upgrade(database)
        assert load(database, *sorted(DATA.glob("person_*.json"))).exit_code == 0
        _downgrade(database, "0007")
        with connect(database.app_url) as conn:
            assert conn.execute("SELECT to_regclass('felles.adressebeskyttelse')").fetchone() == (
                None,
            )
        migrate.upgrade(database)
        assert rows(database, REAL_PROTECTED, "08871748471") == {REAL_PROTECTED: True}
        assert not disagreements(database)
    finally:
        with connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _downgrade(database: Database, revision: str) -> None:
    from alembic import command

    config = migrate._config(database)
    engine = migrate.engine_for(database.owner_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
    engine.dispose()
