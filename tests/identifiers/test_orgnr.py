"""Tests for grunndata.identifiers.orgnr (docs/identifiers.md)."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from stdnum.no import mva as stdnum_mva
from stdnum.no import orgnr as stdnum_orgnr

from grunndata.identifiers import InvalidIdentifier, Orgnr, parse_mva_nummer, parse_orgnr
from grunndata.identifiers.orgnr import is_valid
from tests.identifiers.strategies import W_ORG, orgnrs, weighted


def reason_for(value: object) -> str:
    with pytest.raises(InvalidIdentifier) as info:
        parse_orgnr(value)
    assert info.value.value == value
    assert info.value.reason in str(info.value)
    return info.value.reason


@pytest.mark.parametrize(
    "text", ["NO 974 760 673 MVA", "974760673MVA", "974 760 673", "no974760673mva", "974760673"]
)
def test_accepted_forms(text: str):
    org = parse_orgnr(text)
    assert org.value == "974760673"
    assert org.mva_nummer == "NO974760673MVA"
    assert org.formatted == "974 760 673"
    assert org.warnings == ()


def test_112233445_is_never_issued():
    assert weighted(W_ORG, "11223344") % 11 == 1  # 11 − 1 = 10
    reason = reason_for("112233445")
    assert "never issued" in reason
    assert "computes to 10" in reason


def test_wrong_check_digit():
    reason = reason_for("974760674")
    assert "check digit is wrong" in reason
    assert "expected 3" in reason


def test_first_digit_other_than_8_or_9_is_a_warning():
    org = parse_orgnr("123456785")
    assert org.value == "123456785"
    assert len(org.warnings) == 1
    assert "first digit is 1" in org.warnings[0]


@pytest.mark.parametrize("value", ["310000108", "211111119"])
def test_tenor_synthetic_numbers_are_marked_and_not_unusual(value: str):
    org = parse_orgnr(value)
    assert org.synthetic
    assert org.warnings == ()


def test_real_numbers_are_not_synthetic():
    assert not parse_orgnr("974760673").synthetic
    assert not parse_orgnr("123456785").synthetic


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("97476067", "wrong length"),
        ("9747606733", "wrong length"),
        ("97476067x", "characters"),
        ("NO 974 760 673 VAT", "characters"),
        (974760673, "expected a string"),
    ],
)
def test_length_and_characters(value: object, words: str):
    assert words in reason_for(value)


def test_mva_nummer_requires_both_affixes_and_reuses_the_orgnr_rule():
    assert parse_mva_nummer("NO 974 760 673 MVA") == Orgnr("974760673")
    for text in ("974760673", "NO974760673", "974760673MVA"):
        with pytest.raises(InvalidIdentifier, match="NO \\+ 9 digits \\+ MVA"):
            parse_mva_nummer(text)
    with pytest.raises(InvalidIdentifier, match="never issued") as info:
        parse_mva_nummer("NO112233445MVA")
    assert info.value.value == "NO112233445MVA"


def test_is_valid():
    assert is_valid("974760673")
    assert not is_valid("112233445")


@given(orgnrs())
def test_generated_numbers_round_trip(value: str):
    org = parse_orgnr(value)
    assert org.value == value
    assert parse_orgnr(org.mva_nummer) == org
    assert parse_mva_nummer(org.mva_nummer) == org
    assert bool(org.warnings) == (value[0] not in "8923")
    assert org.synthetic == (value[0] in "23")
    assert stdnum_orgnr.is_valid(value)
    assert stdnum_mva.is_valid(org.mva_nummer)


# Full weights including the check digit: 3 2 7 6 5 4 3 2 1. None is 0 mod 11 and no two
# adjacent ones are equal mod 11, so one changed digit or one adjacent swap always
# changes Σ w·d mod 11, which then either mismatches the check digit or computes to 10.
FULL_WEIGHTS = (*W_ORG, 1)


def test_weights_detect_substitutions_and_adjacent_swaps():
    assert all(w % 11 for w in FULL_WEIGHTS)
    assert all((a - b) % 11 for a, b in pairwise(FULL_WEIGHTS))


@given(orgnrs())
def test_every_single_digit_substitution_is_rejected(value: str):
    for position in range(9):
        for digit in "0123456789":
            if digit != value[position]:
                with pytest.raises(InvalidIdentifier):
                    parse_orgnr(value[:position] + digit + value[position + 1 :])


@given(orgnrs())
def test_every_adjacent_swap_is_rejected(value: str):
    for position in range(8):
        a, b = value[position], value[position + 1]
        if a != b:
            with pytest.raises(InvalidIdentifier):
                parse_orgnr(value[:position] + b + a + value[position + 2 :])
