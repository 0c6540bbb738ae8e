"""The one normalised postal form (``felles.postadresse_form``, migration 0006) that matches
Brønnøysund's address lines to Matrikkelen's addresses: never a wrong address."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grunndata.db.database import Database, connect
from tests.conftest import examples

#: Real Brønnøysund records (tests/enhetsregister/data).
DATA = Path(__file__).parent.parent / "enhetsregister" / "data"


@pytest.fixture(scope="module")
def conn(database: Database) -> Iterator[psycopg.Connection]:
    with connect(database.app_url) as connection:
        yield connection


def brreg(conn: psycopg.Connection, lines: list[Any], postnummer: str = "0150",
          landkode: str | None = "NO") -> str | None:  # fmt: skip
    adresse = {"adresse": lines, "postnummer": postnummer, "landkode": landkode}
    return conn.execute(
        "SELECT felles.postadresse_form(%s::jsonb)", (json.dumps(adresse),)
    ).fetchone()[0]


def matrikkel(conn: psycopg.Connection, postnummer: str, navn: str, nummer: int,
              bokstav: str | None) -> str | None:  # fmt: skip
    return conn.execute(
        "SELECT felles.postadresse_form(%s, %s, %s, %s)", (postnummer, navn, nummer, bokstav)
    ).fetchone()[0]


def gatenavn(conn: psycopg.Connection, navn: str) -> str | None:
    return conn.execute("SELECT felles.gatenavn_form(%s)", (navn,)).fetchone()[0]


@pytest.mark.parametrize(
    ("lines", "navn", "nummer", "bokstav"),
    [
        (["Tyvholmen 1", None, None, ""], "Tyvholmen", 1, None),  # real: nulls and ""
        (["Karl Johans gate 22"], "Karl Johans gate", 22, None),
        (["KARL JOHANS GT. 22"], "Karl Johans gate", 22, None),
        (["Storgata 5 a"], "Storgata", 5, "A"),
        (["Storgt. 5A"], "Storgata", 5, "A"),
        (["Storvegen 10"], "Storveien", 10, None),
        (["ØVRE SLOTTSGATE 3"], "Øvre Slottsgate", 3, None),
        (["St. Olavs plass  4"], "St Olavs plass", 4, None),
        (["Vardåsveien 110 B"], "Vardåsveien", 110, "B"),
    ],
)
def test_brreg_lines_match_the_matrikkel_form(conn, lines, navn, nummer, bokstav):
    found = brreg(conn, lines)
    assert found is not None
    assert found == matrikkel(conn, "0150", navn, nummer, bokstav)


@pytest.mark.parametrize(
    "lines",
    [
        ["c/o reder K. Rusing", "Postboks 1752 Vika", ""],  # real Brreg postadresse
        ["C/O Hansen", "Storgata 5"],
        ["Postboks 112"],
        ["Pb. 45 Sentrum"],
        ["Boks 7"],
        ["Storgata"],  # no number
        ["Storgata 5-7"],  # a range
        ["Bygg 3", "Storgata 1"],  # two candidate lines
        ["5"],
        [],
    ],
)
def test_what_is_not_one_street_address_has_no_form(conn, lines):
    assert brreg(conn, lines) is None


def test_a_foreign_or_unnumbered_postcode_address_has_no_form(conn):
    assert brreg(conn, ["Storgatan 5"], "11122", "SE") is None
    assert brreg(conn, ["Storgata 5"], "") is None
    assert matrikkel(conn, "0150", "Storgata", None, None) is None  # type: ignore[arg-type]


def test_different_letters_numbers_or_postcodes_never_share_a_form(conn):
    forms = [
        matrikkel(conn, "0150", "Storgata", 5, None),
        matrikkel(conn, "0150", "Storgata", 5, "A"),
        matrikkel(conn, "0150", "Storgata", 55, None),
        matrikkel(conn, "0151", "Storgata", 5, None),
        matrikkel(conn, "0150", "Storgata", 51, None),
        matrikkel(conn, "0150", "Lillegata", 5, None),
    ]
    assert len(set(forms)) == len(forms)


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøåéüABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅÉÜ",
               min_size=2, max_size=10)  # fmt: skip
NAME = st.lists(WORD, min_size=1, max_size=3).map(" ".join)
#: A street name as a Brønnøysund line starts it: not one that reads as a P.O. box or c/o
#: ("PB 1", "Boks 3", "Co Hansen 2": those rightly have no form).
NOT_A_STREET = re.compile(r"(?i)(c/o|c\.o\.|co |postboks|pb\.?\s|boks\s|p\.?\s?o\.?\s?box)")
STREET = NAME.filter(lambda name: not NOT_A_STREET.match(name + " "))
SETTINGS = settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@SETTINGS
@given(name=NAME)
def test_case_spacing_and_punctuation_do_not_change_the_name(conn, name):
    form = gatenavn(conn, name)
    assert form is not None and form == form.strip() and "  " not in form
    assert gatenavn(conn, name.upper()) == form
    assert gatenavn(conn, name.lower()) == form
    assert gatenavn(conn, "  " + name.replace(" ", " \t ") + " ") == form
    assert gatenavn(conn, name.replace(" ", ", ")) == form
    assert gatenavn(conn, name.replace(" ", "-")) == form
    assert gatenavn(conn, form) == form  # idempotent


@SETTINGS
@given(
    name=STREET,
    nummer=st.integers(1, 99999),
    bokstav=st.sampled_from([None, "A", "b", "C"]),
    spaced=st.booleans(),
)
def test_a_brreg_line_and_its_matrikkel_parts_share_one_form(conn, name, nummer, bokstav, spaced):
    line = f"{name} {nummer}{' ' if spaced else ''}{bokstav or ''}"
    form = brreg(conn, [line, None, ""], "4638")
    assert form is not None
    assert form == matrikkel(conn, "4638", name, nummer, bokstav)
    assert brreg(conn, ["c/o " + name, line], "4638") is None
    assert form != matrikkel(conn, "4638", name, nummer + 1, bokstav)


def test_the_real_brreg_file_business_address_has_a_form_and_its_po_box_none(conn):
    real = json.loads((DATA / "enhet_invalid_orgnr.json").read_text(encoding="utf-8"))
    forms = [
        conn.execute(
            "SELECT felles.postadresse_form(%s::jsonb)", (json.dumps(real[k]),)
        ).fetchone()[0]
        for k in ("forretningsadresse", "postadresse")
    ]
    assert forms == ["0101 tyvholmen 1", None]


def _old_brreg_form(conn: psycopg.Connection) -> None:
    """Revision 0006's SQL definition, as ``pg_temp.postadresse_form_0006``."""
    old = import_module("grunndata.db.migrations.versions.0006_lenker").POSTADRESSE_FORM_JSON
    old = old.replace(
        "CREATE FUNCTION felles.postadresse_form(adresse jsonb)",
        "CREATE OR REPLACE FUNCTION pg_temp.postadresse_form_0006(adresse jsonb)",
    )
    conn.execute(old)


LINE = st.one_of(
    st.builds(
        lambda n, x, b: f"{n} {x}{b}",
        STREET,
        st.integers(1, 99999),
        st.sampled_from(["", "A", " b", "-3"]),
    ),
    st.sampled_from(
        [
            "c/o Hansen",
            "C.O. Holm",
            "Postboks 12",
            "PB 4",
            "Boks 7",
            "P.O. Box 3",
            "co Vik 2",
            "Storgata",
            "5",
            "",
            "   ",
            " Tyvholmen 1 ",
            "Bygg 3",
        ]
    ),
    st.none(),
    st.integers(-5, 500),
    st.booleans(),
    st.lists(st.just("Storgata 5"), max_size=1),
    NAME,
)
ADRESSE = st.one_of(
    st.fixed_dictionaries(
        {"adresse": st.one_of(st.lists(LINE, max_size=4), LINE)},
        optional={
            "postnummer": st.sampled_from(["0150", " 4638", "11122", "", "abcd"]),
            "landkode": st.sampled_from(["NO", "SE", None, ""]),
        },
    ),
    st.lists(LINE, max_size=2),
    LINE,
)


@SETTINGS
@given(adresse=st.lists(ADRESSE, min_size=1, max_size=20))
def test_the_plpgsql_brreg_form_answers_as_the_sql_one_of_0006(conn, adresse):
    """Revision felles_0008 made the function four times cheaper; every address, odd ones
    too (lines that are numbers, null, lists; no lines; no object), reads the same."""
    _old_brreg_form(conn)
    values = [json.dumps(a) for a in adresse] + [None]
    rows = conn.execute(
        "SELECT a, felles.postadresse_form(a::jsonb), pg_temp.postadresse_form_0006(a::jsonb) "
        "FROM unnest(%s::text[]) a",
        (values,),
    ).fetchall()
    assert [(a, new) for a, new, _ in rows] == [(a, old) for a, _, old in rows]
    assert all(r[1] is None for r in rows if r[0] is None)
