"""Tests for grunndata.identifiers.matrikkelnummer (docs/identifiers.md)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grunndata.identifiers import InvalidIdentifier, Matrikkelnummer, parse_matrikkelnummer
from grunndata.identifiers.matrikkelnummer import is_valid


def reason_for(value: object) -> str:
    with pytest.raises(InvalidIdentifier) as info:
        parse_matrikkelnummer(value)
    assert info.value.value == value
    return info.value.reason


@pytest.mark.parametrize(
    "text",
    ["0301-42/1", "0301-42/1/0", "0301-42/1/0/0", "0301 42/1", " 0301 - 42 / 1 ", "0301-042/01"],
)
def test_accepted_forms(text: str):
    m = parse_matrikkelnummer(text)
    assert (m.kommunenummer, m.gardsnummer, m.bruksnummer, m.festenummer, m.seksjonsnummer) == (
        "0301",
        42,
        1,
        0,
        0,
    )
    assert str(m) == "0301-42/1/0/0"
    assert m.short == "0301-42/1"
    assert m.warnings == ()


def test_festenummer_and_seksjonsnummer():
    m = parse_matrikkelnummer("0301-42/1/5/12")
    assert (m.festenummer, m.seksjonsnummer) == (5, 12)
    assert m.short == str(m) == "0301-42/1/5/12"
    assert parse_matrikkelnummer("0301-42/1/5").short == "0301-42/1/5"
    assert parse_matrikkelnummer("0301-42/1/0/3").short == "0301-42/1/0/3"


@pytest.mark.parametrize(
    ("text", "part", "limit"),
    [
        ("0301-0/1", "gårdsnummer (gnr)", "1–99999"),
        ("0301-100000/1", "gårdsnummer (gnr)", "1–99999"),
        ("0301-42/10000", "bruksnummer (bnr)", "0–9999"),
        ("0301-42/1/10000", "festenummer (fnr)", "0–9999"),
        ("0301-42/1/0/1000", "seksjonsnummer (snr)", "0–999"),
        ("0301-42/1/0/" + "9" * 5000, "seksjonsnummer (snr)", "0–999"),
    ],
)
def test_part_out_of_range(text: str, part: str, limit: str):
    reason = reason_for(text)
    assert part in reason
    assert "out of range" in reason
    assert limit in reason


def test_largest_parts_accepted():
    m = parse_matrikkelnummer("0301-99999/9999/9999/999")
    assert str(m) == "0301-99999/9999/9999/999"


def test_unknown_kommune():
    reason = reason_for("9999-42/1")
    assert "kommunenummer part" in reason
    assert "unknown kommune" in reason
    assert "wrong length" in reason_for("301-42/1")


def test_old_kommune_gives_warning():
    m = parse_matrikkelnummer("1507-1/1")
    assert m.kommunenummer == "1507"
    assert "1508, 1580" in m.warnings[0]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0301-42", "notation"),
        ("0301/42/1", "notation"),
        ("0301-42/1/0/0/0", "notation"),
        ("", "notation"),
        ("0301-42/1a", "characters"),
        ("0301-４２/1", "characters"),
        (None, "expected a string"),
    ],
)
def test_malformed(value: object, words: str):
    assert words in reason_for(value)


def test_from_parts():
    m = Matrikkelnummer.from_parts("0301", 42, 1)
    assert m == parse_matrikkelnummer("0301-42/1")
    assert Matrikkelnummer.from_parts("0301", 42, 1, 2, 3).short == "0301-42/1/2/3"
    with pytest.raises(InvalidIdentifier, match="bruksnummer"):
        Matrikkelnummer.from_parts("0301", 42, -1)
    with pytest.raises(InvalidIdentifier, match="must be an integer"):
        Matrikkelnummer.from_parts("0301", "42", 1)  # type: ignore[arg-type]
    with pytest.raises(InvalidIdentifier, match="unknown kommune"):
        Matrikkelnummer.from_parts("9999", 42, 1)


@given(
    st.sampled_from(["0301", "4601", "3201", "5001", "1507", "2111"]),
    st.integers(1, 99999),
    st.integers(0, 9999),
    st.integers(0, 9999),
    st.integers(0, 999),
)
def test_round_trip(knr: str, gnr: int, bnr: int, fnr: int, snr: int):
    m = Matrikkelnummer.from_parts(knr, gnr, bnr, fnr, snr)
    assert parse_matrikkelnummer(str(m)) == m
    assert parse_matrikkelnummer(m.short) == m


def test_is_valid():
    assert is_valid("0301-42/1")
    assert not is_valid("0301-42")
