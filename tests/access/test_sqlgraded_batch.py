"""The SQL forms ask once per answer whether any person it names is graded (marks without a
graded flag, ``sql.answers.PROBED_SHAPES``): the same answers as the resolvers, graded persons
included, for a list and, with every root asking after, for each case of test_sqlguard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grunndata.db.database import Database, connect
from grunndata.graphql.access import SCOPES
from grunndata.graphql.sql import answers as sql_answers
from grunndata.registers.folkeregister.access import ADRESSEBESKYTTELSE
from tests.access.conftest import SHARED_UNIT
from tests.access.test_sqlguard import (
    CASES,
    QUERIES,
    SCOPE_SETS,
    _same,
    answered_as_listed,
    principal,
)
from tests.sqlforms import SCHEMA, BothPaths

KOMMUNE, GARD = SHARED_UNIT.split("/")[0].split("-")

#: A page of units holding the unit with a graded co-owner, its owners followed to persons.
LIST = f"""{{ eiendommer(filter: {{kommunenummer: "{KOMMUNE}", gardsnummer: {GARD}}}, first: 100)
  {{ totalCount edges {{ node {{ matrikkelnummer hjemmelshavere {{ navn identifikasjonsnummer
    person {{ identifikasjonsnummer navn {{ fornavn }} }} }} }} }} }} }}"""
#: The same page, the owners' names only: no field group, so no one logged, yet the graded
#: co-owner is named (and must be asked about).
NAMES_ONLY = f"""{{ eiendommer(filter: {{kommunenummer: "{KOMMUNE}", gardsnummer: {GARD}}},
  first: 100) {{ edges {{ node {{ matrikkelnummer hjemmelshavere {{ navn }} }} }} }} }}"""


@pytest.fixture(scope="module")
def paths(access_database: Database) -> Iterator[BothPaths]:
    p = BothPaths(access_database)
    yield p
    p.close()


@pytest.fixture
def every_root_asks_after(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No root probes in its statement (the statements compiled again, before and after)."""
    answers = SCHEMA.sql_answers
    assert answers is not None
    monkeypatch.setattr(sql_answers, "PROBED_SHAPES", frozenset())
    answers._sql.clear()
    yield
    answers._sql.clear()


#: Every scope but the one to see graded persons: no rule refuses a field of the queries.
ALL_BUT_GRADED = tuple(sorted(set(SCOPES) - {ADRESSEBESKYTTELSE}))


@pytest.mark.parametrize(
    "scopes", [ALL_BUT_GRADED, tuple(SCOPES)], ids=["all but adressebeskyttelse", "all"]
)
@pytest.mark.parametrize("query", [LIST, NAMES_ONLY], ids=["owners followed", "names only"])
def test_a_list_naming_a_graded_person(paths, query, scopes):
    fast, resolved = paths.ask(query, principal(scopes))
    _same(fast, resolved)
    assert resolved["data"]["eiendommer"]["edges"]
    if ADRESSEBESKYTTELSE in scopes:
        assert fast is not None, "the SQL forms answer who may see graded persons"
    else:
        assert fast is None, "a graded co-owner in the page: the resolvers answer"


@pytest.fixture(scope="module")
def open_gard(access_database: Database) -> int:
    """A gard of the kommune whose units have person owners, none of them graded ever."""
    with connect(access_database.app_url) as conn:
        row = conn.execute(
            "SELECT m.gardsnummer FROM matrikkel.matrikkelenhet m JOIN matrikkel.eierforhold e "
            "ON e.matrikkelnummer = m.matrikkelnummer WHERE m.kommunenummer = %s "
            "AND e.identifikasjonsnummer IS NOT NULL GROUP BY 1 HAVING bool_and(NOT EXISTS "
            "(SELECT 1 FROM felles.adressebeskyttelse ab "
            "WHERE ab.identifikasjonsnummer = e.identifikasjonsnummer)) ORDER BY 1 LIMIT 1",
            (KOMMUNE,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_list_of_open_owners_is_answered_by_the_sql_forms(paths, open_gard):
    """The one check says no for a page naming persons, none graded: they are logged."""
    query = LIST.replace(f"gardsnummer: {GARD}", f"gardsnummer: {open_gard}")
    fast, resolved = paths.ask(query, principal(ALL_BUT_GRADED))
    assert fast is not None
    assert fast[1], "the owners followed to persons are logged"
    _same(fast, resolved)


@pytest.mark.usefixtures("every_root_asks_after")
@pytest.mark.parametrize("query_name, scopes_name", CASES, ids=[f"{q} | {s}" for q, s in CASES])
def test_each_case_asked_after_gets_the_resolvers_answer(paths, query_name, scopes_name):
    fast, resolved = paths.ask(QUERIES[query_name], principal(SCOPE_SETS[scopes_name]))
    _same(fast, resolved)
    answered_as_listed(query_name, scopes_name, fast)
