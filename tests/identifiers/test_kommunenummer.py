"""Tests for grunndata.identifiers.kommunenummer (docs/identifiers.md; grunndata/data)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from importlib import resources
from itertools import pairwise

import pytest

from grunndata.identifiers import (
    InvalidIdentifier,
    Kommune,
    fylke,
    fylker_gyldige,
    kommuner_gyldige,
    parse_kommunenummer,
)
from grunndata.identifiers.kommunenummer import _endringer, _kommuner, is_valid

D = dt.date
PSEUDOKODER = ("2111", "2112", "2115", "2121", "2131", "2199", "2211", "2311", "2321")


def reason_for(value: object, **kwargs: dt.date) -> str:
    with pytest.raises(InvalidIdentifier) as info:
        parse_kommunenummer(value, **kwargs)
    assert info.value.value == value
    return info.value.reason


def successors(code: str) -> list[str]:
    return [k.value for k in parse_kommunenummer(code).erstattet_av]


def read_rows(name: str) -> list[dict[str, str]]:
    text = (resources.files("grunndata") / "data" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


# --- SOURCES.md cross-checks ---------------------------------------------------------


@pytest.mark.parametrize(
    ("dato", "count"),
    [
        (D(2017, 12, 31), 426),
        (D(2019, 12, 31), 422),
        (D(2020, 1, 1), 356),
        (D(2023, 12, 31), 356),
        (D(2024, 1, 1), 357),
        (D(2026, 1, 1), 357),
    ],
)
def test_kommuner_valid_on(dato: dt.date, count: int):
    gyldige = kommuner_gyldige(dato)
    assert len(gyldige) == count
    assert all(isinstance(k, Kommune) and k.gyldig_paa(dato) for k in gyldige)


@pytest.mark.parametrize(
    ("dato", "count"),
    [(D(2017, 12, 31), 19), (D(2018, 1, 1), 18), (D(2020, 1, 1), 11), (D(2024, 1, 1), 15)],
)
def test_fylker_valid_on(dato: dt.date, count: int):
    assert len(fylker_gyldige(dato)) == count


def test_2024_fylker_are_the_ones_in_domain_md():
    assert [f.value for f in fylker_gyldige(D(2024, 1, 1))] == [
        *("03", "11", "15", "18", "31", "32", "33", "34", "39", "40", "42", "46", "50"),
        *("55", "56"),
    ]


def test_every_2017_code_reaches_codes_valid_on_2024():
    codes_2017 = {k.value for k in kommuner_gyldige(D(2017, 1, 1))} | {
        k.value for k in kommuner_gyldige(D(2017, 12, 31))
    }
    assert codes_2017
    for code in codes_2017:
        kommune = parse_kommunenummer(code)
        if kommune.gyldig_paa(D(2024, 1, 1)):
            assert kommune.erstattet_av == []
        else:
            assert kommune.erstattet_av, code
            assert all(s.gyldig_paa(D(2024, 1, 1)) for s in kommune.erstattet_av), code


def test_every_ended_code_has_current_successors():
    for code, kommune in _kommuner().items():
        assert bool(kommune.erstattet_av) == (not kommune.er_gjeldende), code
        assert all(s.er_gjeldende for s in kommune.erstattet_av)


def test_change_rows_match_validity():
    for row in read_rows("kommuneendringer.csv"):
        dato = D.fromisoformat(row["dato"])
        old = parse_kommunenummer(row["gammelt_kommunenummer"])
        new = parse_kommunenummer(row["nytt_kommunenummer"])
        assert old.navn_paa(dato - dt.timedelta(days=1)) == row["gammelt_navn"]
        assert new.navn_paa(dato) == row["nytt_navn"]


def test_periods_have_no_gaps_or_overlaps():
    for code, kommune in _kommuner().items():
        for before, after in pairwise(kommune.perioder):
            assert before.gyldig_til is not None, code
            assert after.gyldig_fra == before.gyldig_til + dt.timedelta(days=1), code


def test_every_kommune_has_its_fylke_on_checkpoint_dates():
    for dato in (D(2017, 12, 31), D(2018, 1, 1), D(2020, 1, 1), D(2024, 1, 1), D(2026, 1, 1)):
        for kommune in kommuner_gyldige(dato):
            assert fylke(kommune.fylkesnummer, dato).gyldig_paa(dato)


#: The reference snapshot's files (grunndata/data/SOURCES.md), as copied: a change to a
#: vendored file must be a new copy of the snapshot, with its checksum updated here.
SNAPSHOT_SHA256 = {
    "kommuner.csv": "e08358fb8d382aa4f560f5d29951b58a019d7b5fbba71825ca46e23f0ccd9461",
    "kommuneendringer.csv": "a8eb811f3747ddfd68e7663c84b943a6797816c2504f18cbed270be52683e01b",
    "fylker.csv": "315e4b2120a1a74eebfe3416a7a5ed4c4c148e1d115061271d9750c59f6f1063",
}


def test_vendored_csvs_are_unchanged_copies():
    for name, digest in SNAPSHOT_SHA256.items():
        vendored = (resources.files("grunndata") / "data" / name).read_bytes()
        assert hashlib.sha256(vendored).hexdigest() == digest, name


# --- examples --------------------------------------------------------------------------


def test_3024_baerum():
    k = parse_kommunenummer("3024")
    assert (k.value, k.navn, k.gyldig_fra, k.gyldig_til) == (
        "3024",
        "Bærum",
        D(2020, 1, 1),
        D(2023, 12, 31),
    )
    assert [(s.value, s.navn) for s in k.erstattet_av] == [("3201", "Bærum")]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("1507", ["1508", "1580"]),
        ("5012", ["5055", "5056", "5059"]),
        ("3001", ["3101"]),
        ("5401", ["5501"]),
        ("1850", ["1806", "1875"]),
        ("0219", ["3201"]),  # Bærum: 0219 → 3024 (2020) → 3201 (2024), two steps
        ("1567", ["5061"]),  # Rindal changed fylke in 2019
    ],
)
def test_chains(code: str, expected: list[str]):
    assert successors(code) == expected


def test_0301_is_current():
    oslo = parse_kommunenummer("0301")
    assert oslo.er_gjeldende
    assert oslo.gyldig_til is None
    assert oslo.erstattet_av == []
    assert oslo.navn == "Oslo - Oslove"
    assert oslo.gyldig_fra == D(1971, 1, 1)
    assert oslo.navn_paa(D(2025, 12, 31)) == "Oslo"
    assert oslo.fylkesnummer == "03"
    assert oslo.fylke is not None
    assert oslo.fylke.navn == "Oslo - Oslove"


@pytest.mark.parametrize("code", PSEUDOKODER)
def test_pseudo_codes_accepted(code: str):
    k = parse_kommunenummer(code)
    assert k.pseudokode
    assert k.navn
    assert k.erstattet_av == []
    assert k.gyldig_til is None
    assert k.fylke is None
    assert k.gyldig_paa(D(2024, 1, 1))
    assert k not in kommuner_gyldige(D(2024, 1, 1))


def test_pseudo_code_names():
    assert "Svalbard" in parse_kommunenummer("2111").navn
    assert parse_kommunenummer("2211").navn == "Jan Mayen"


def test_dato_argument():
    assert parse_kommunenummer("3024", dato=D(2023, 12, 31)).value == "3024"
    reason = reason_for("3024", dato=D(2024, 1, 1))
    assert "not valid on 2024-01-01" in reason
    assert "3201" in [k.value for k in kommuner_gyldige(D(2024, 1, 1))]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("9999", "unknown kommune"),
        ("0000", "unknown kommune"),
        ("301", "wrong length"),
        ("03011", "wrong length"),
        ("03a1", "characters"),
        ("０３０１", "characters"),  # full-width digits
        (301, "expected a string"),
    ],
)
def test_rejections(value: object, words: str):
    assert words in reason_for(value)


def test_surrounding_whitespace_is_ignored():
    assert parse_kommunenummer(" 0301\n").value == "0301"


def test_fylke_lookup():
    assert fylke("03").navn == "Oslo - Oslove"
    assert fylke("03").navn_paa(D(2024, 1, 1)) == "Oslo"
    assert fylke("16").gyldig_til == D(2017, 12, 31)
    assert fylke("50", D(2018, 1, 1)).value == "50"
    with pytest.raises(InvalidIdentifier, match="not valid on 2017-06-01"):
        fylke("50", D(2017, 6, 1))
    with pytest.raises(InvalidIdentifier, match="unknown fylke"):
        fylke("99")
    with pytest.raises(InvalidIdentifier, match="wrong length"):
        fylke("3")


def test_data_is_loaded_once():
    assert _kommuner() is _kommuner()
    assert _endringer() is _endringer()


def test_is_valid():
    assert is_valid("0301")
    assert is_valid("2111")
    assert not is_valid("9999")


def test_an_older_kommune_missing_from_the_list_is_accepted_with_a_warning():
    sandefjord = parse_kommunenummer("0706")  # merged into 0710 on 2017-01-01
    assert (sandefjord.navn, sandefjord.gyldig_fra) == (None, None)
    assert sandefjord.gyldig_til == dt.date(2016, 12, 31)
    assert "not in SSB Klass 131 from 2017 onward" in sandefjord.warnings[0]
    assert parse_kommunenummer("0706", dato=dt.date(1990, 1, 1)) == sandefjord
    with pytest.raises(InvalidIdentifier, match="was not valid on 2020-01-01"):
        parse_kommunenummer("0706", dato=dt.date(2020, 1, 1))
    # Fylker made in 2018 or later: a missing code there never existed.
    for code in ("3099", "5099", "0000", "9999", "2499"):
        with pytest.raises(InvalidIdentifier, match="unknown kommune"):
            parse_kommunenummer(code)
