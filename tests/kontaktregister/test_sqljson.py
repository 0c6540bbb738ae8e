"""KRR's SQL forms (``kontaktregister.sqljson``) answer as its resolvers do: the 18-month
rule in SQL against ``varsling.usable`` (itself tested against an independent reference in
test_varsling.py), and whole answers both ways on the test cast, at asked moments, for
every scope set (the same data, errors left to the resolvers, the same lookup log)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grunndata.db.database import Database, connect
from grunndata.graphql.auth import ANONYMOUS, Principal
from grunndata.registers.folkeregister.access import IDENTITET, MED_HJEMMEL
from grunndata.registers.kontaktregister.access import DIGITALPOST, KONTAKTINFORMASJON
from grunndata.registers.kontaktregister.sqljson import usable_sql
from grunndata.registers.kontaktregister.varsling import usable
from tests.conftest import ALL_SCOPES, TEST_CONSUMER, examples
from tests.sqlforms import BothPaths

ARNE, BERIT, CAMILLA, DAVID = "14834806046", "02915116372", "21867525758", "09817748772"
ODA, INGRID, GJEST = "06865829386", "11821555231", "15848610086"
moments = st.datetimes(
    dt.datetime(1999, 1, 1), dt.datetime(2041, 1, 1), timezones=st.just(dt.UTC)
)  # fmt: skip


@pytest.fixture(scope="module")
def conn(cast_database: Database) -> Iterator[Any]:
    with connect(cast_database.app_url) as c:
        yield c


@settings(max_examples=examples(200), deadline=None)
@given(updated=st.none() | moments, verified=st.none() | moments, at=moments)
def test_the_18_month_rule_in_sql_is_the_python_rule(conn, updated, verified, at):
    sql = usable_sql("c").format(t="k", at="%(at)s::timestamptz")
    row = conn.execute(
        f"SELECT {sql} FROM (SELECT %(o)s::timestamptz AS c_oppdatert, "
        "%(v)s::timestamptz AS c_sist_verifisert) k",
        {"o": updated, "v": verified, "at": at},
    ).fetchone()
    assert row[0] is usable(updated, verified, at)


@pytest.mark.parametrize(
    ("updated", "at", "expected"),
    [
        ("2024-08-31T12:00:00+02:00", "2026-02-28T23:59:59+01:00", True),  # to a short February
        ("2024-08-31T12:00:00+02:00", "2026-03-01T00:00:00+01:00", False),
        ("2024-02-29T12:00:00+01:00", "2025-08-29T23:00:00+02:00", True),  # from a leap day
        ("2024-02-29T12:00:00+01:00", "2025-08-30T00:00:00+02:00", False),
        ("2024-01-31T23:30:00+00:00", "2025-08-01T12:00:00+02:00", True),  # 1 Feb in Norway
    ],
)
def test_month_ends_and_norwegian_dates_in_sql(conn, updated, at, expected):
    sql = usable_sql("c").format(t="k", at="%(at)s::timestamptz")
    row = conn.execute(
        f"SELECT {sql} FROM (SELECT %(o)s::timestamptz AS c_oppdatert, "
        "NULL::timestamptz AS c_sist_verifisert) k",
        {"o": dt.datetime.fromisoformat(updated), "at": dt.datetime.fromisoformat(at)},
    ).fetchone()
    assert row[0] is expected
    assert usable(dt.datetime.fromisoformat(updated), None, dt.datetime.fromisoformat(at)) is (
        expected
    )


ENTRY = """personidentifikator status reservasjon reservasjonstidspunkt spraak
  epost { verdi oppdatert sistVerifisert brukbar } mobil { verdi oppdatert sistVerifisert
  brukbar } varslingsstatus { status grunn } digitalPostkasse { postkasseadresse
  leverandoeradresse sertifikat { der } } __typename"""

#: (number, moment) at the cast's edges: the 18-month rule's last day and the day after,
#: a month end into February, before and after a reservation, deleted, not registered.
MOMENTS = [
    (ARNE, "2026-06-01T12:00:00"),
    (ARNE, None),
    (CAMILLA, "2024-12-30T23:00:00"),
    (CAMILLA, "2024-12-31T00:00:00"),
    (DAVID, "2026-02-28T23:59:00"),
    (DAVID, "2026-03-01T00:00:00"),
    (DAVID, "2025-01-01T00:00:00"),
    (BERIT, "2026-10-01T12:00:00"),
    (BERIT, "2024-02-01T12:00:00"),
    (BERIT, "2010-01-01T00:00:00"),
    (ODA, None),
    (INGRID, None),
    (GJEST, None),
    ("16848610015", None),  # no entry: null
]


@pytest.fixture(scope="module")
def paths(cast_database: Database) -> Iterator[BothPaths]:
    p = BothPaths(cast_database)
    yield p
    p.close()


def answered(paths: BothPaths, query: str, who: Principal = ALL_SCOPES) -> Any:
    """The SQL forms' data, which must be the resolvers' (no error, the same log)."""
    fast, resolved = paths.ask(query, who)
    assert fast is not None, "the SQL forms declined"
    data, persons = fast
    assert resolved["codes"] == []
    assert data == resolved["data"]
    assert persons == resolved["logged"]
    return data


@pytest.mark.parametrize(("number", "at"), MOMENTS)
def test_an_entry_at_a_moment_answers_as_the_resolvers(paths, number, at):
    moment = f', gyldighetstidspunkt: "{at}"' if at else ""
    query = f'{{ kontaktinformasjon(identifikasjonsnummer: "{number}"{moment}) {{ {ENTRY} }} }}'
    answered(paths, query)


def test_many_in_input_order_with_repeats_and_unknowns(paths):
    numbers = [ODA, "16848610015", ARNE, ARNE, GJEST, DAVID, CAMILLA, INGRID, BERIT]
    listed = ", ".join(f'"{n}"' for n in numbers)
    query = (
        f"{{ kontaktinformasjoner(identifikasjonsnummer: [{listed}], gyldighetstidspunkt: "
        f'"2026-01-15T12:00:00") {{ {ENTRY} }} b: kontaktinformasjoner(identifikasjonsnummer: '
        "[]) { status } }"
    )
    data = answered(paths, query)
    found = [e and e["personidentifikator"] for e in data["kontaktinformasjoner"]]
    assert found[1:6] == [None, ARNE, ARNE, GJEST, DAVID] and data["b"] == []


def test_a_person_reaches_their_entry(paths):
    query = (
        f'{{ person(identifikasjonsnummer: "{ARNE}") {{ identifikasjonsnummer '
        f"kontaktinformasjon {{ {ENTRY} }} }} }}"
    )
    assert answered(paths, query)["person"]["kontaktinformasjon"]["status"] == "AKTIV"


DECLINED = {
    "a malformed identifier (an error at its index)": (
        f'{{ kontaktinformasjoner(identifikasjonsnummer: ["{ARNE}", "12345678901"]) {{ status }} }}'
    ),
    "a malformed identifier": '{ kontaktinformasjon(identifikasjonsnummer: "1") { status } }',
    "more than 1 000 identifiers": (
        "{ kontaktinformasjoner(identifikasjonsnummer: ["
        + ", ".join([f'"{ARNE}"'] * 1001)
        + "]) { status } }"
    ),
    "the certificate's fields read from its DER": (
        f'{{ kontaktinformasjon(identifikasjonsnummer: "{ARNE}") {{ digitalPostkasse '
        "{ sertifikat { subject gyldig } } } }"
    ),
    "a link's time argument": (
        f'{{ person(identifikasjonsnummer: "{ARNE}") {{ kontaktinformasjon('
        'gyldighetstidspunkt: "2026-06-01T12:00:00") { status } } }'
    ),
}


@pytest.mark.parametrize("query", DECLINED.values(), ids=DECLINED.keys())
def test_what_the_forms_leave_to_the_resolvers(paths, query):
    fast, _ = paths.ask(query, ALL_SCOPES)
    assert fast is None


SCOPE_SETS: dict[str, tuple[str, ...] | None] = {
    "no token": None,
    "identitet": (IDENTITET,),
    "kontaktinformasjon": (KONTAKTINFORMASJON,),
    "digitalpost": (DIGITALPOST,),
    "both": (KONTAKTINFORMASJON, DIGITALPOST),
    "both + med hjemmel": (KONTAKTINFORMASJON, DIGITALPOST, MED_HJEMMEL),
}
SCOPED = {
    "every field": f'{{ kontaktinformasjon(identifikasjonsnummer: "{ARNE}") {{ {ENTRY} }} }}',
    "either scope's fields": (
        f'query Varsling {{ kontaktinformasjoner(identifikasjonsnummer: ["{ARNE}", "{GJEST}"]) '
        "{ personidentifikator status reservasjon reservasjonstidspunkt } }"
    ),
    "a contact's fields": (
        f'{{ kontaktinformasjon(identifikasjonsnummer: "{CAMILLA}") {{ epost {{ verdi }} '
        "spraak varslingsstatus { status } } }"
    ),
    "a mailbox": (
        f'{{ kontaktinformasjon(identifikasjonsnummer: "{CAMILLA}") {{ digitalPostkasse '
        "{ postkasseadresse } } }"
    ),
    "through the person": (
        f'{{ person(identifikasjonsnummer: "{ARNE}") {{ kontaktinformasjon {{ reservasjon }} }} }}'
    ),
}
#: (query, scopes) the SQL forms must answer; every other case is refused in part, and
#: must be left to the resolvers.
ANSWERED = {
    *((name, "both + med hjemmel") for name in SCOPED),
    ("every field", "both"),
    ("either scope's fields", "kontaktinformasjon"),
    ("either scope's fields", "digitalpost"),
    ("either scope's fields", "both"),
    ("a contact's fields", "kontaktinformasjon"),
    ("a contact's fields", "both"),
    ("a mailbox", "digitalpost"),
    ("a mailbox", "both"),
}
CASES = [(q, s) for q in SCOPED for s in SCOPE_SETS]


@pytest.mark.parametrize("query_name, scopes_name", CASES, ids=[f"{q} | {s}" for q, s in CASES])
def test_each_scope_set_gets_the_resolvers_answer_and_log(paths, query_name, scopes_name):
    scopes = SCOPE_SETS[scopes_name]
    who = ANONYMOUS if scopes is None else Principal(
        scopes=frozenset(scopes), orgnr=TEST_CONSUMER, authenticated=True)  # fmt: skip
    fast, resolved = paths.ask(SCOPED[query_name], who)
    if (query_name, scopes_name) in ANSWERED:
        assert fast is not None, "the SQL forms declined"
        assert resolved["codes"] == []
        assert fast == (resolved["data"], resolved["logged"])
        assert resolved["logged"], "nothing logged"
    else:
        assert resolved["codes"], "a case the resolvers answer whole is not listed"
        assert fast is None, "the SQL forms answered what the resolvers refuse"
