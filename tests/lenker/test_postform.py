"""The one normalised postal form (``felles.postadresse_form``, migration 0006) that matches
Brønnøysund's address lines to Matrikkelen's addresses: never a wrong address."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
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
