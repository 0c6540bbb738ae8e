"""Tests for grunndata.identifiers.fodselsnummer (docs/identifiers.md)."""

from __future__ import annotations

import datetime as dt
import pickle
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.no import fodselsnummer as stdnum_fnr

from grunndata.identifiers import InvalidIdentifier, PersonId, parse_person_id
from grunndata.identifiers.fodselsnummer import is_valid
from tests.identifiers.strategies import (
    TODAY,
    W1,
    W2,
    GeneratedPersonId,
    complete_person_id,
    person_ids,
    weighted,
)


def reason_for(value: object, **kwargs: dt.date) -> str:
    with pytest.raises(InvalidIdentifier) as info:
        parse_person_id(value, **kwargs)
    assert info.value.value == value
    assert info.value.reason in str(info.value)
    return info.value.reason


def number_for(first9: str, residue: int = 0) -> str:
    """The first completion of ``first9`` + individnummer that has valid control digits."""
    for individnummer in range(1000):
        value = complete_person_id(f"{first9[:6]}{individnummer:03d}", residue)
        if value is not None and value[6:9].startswith(first9[6:]):
            return value
    raise AssertionError(f"no number for {first9}")


# --- the reference examples --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "synthetic", "birth_date", "rule"),
    [
        ("08871748471", "fnr", True, dt.date(1917, 7, 8), "1964"),
        ("21860398300", "fnr", True, dt.date(2003, 6, 21), "1964"),
        ("41819077302", "dnr", True, dt.date(1990, 1, 1), "1964"),
        ("57912075186", "dnr", True, dt.date(2020, 11, 17), "1964"),
        ("30108299939", "fnr", False, dt.date(1982, 10, 30), "2032"),
    ],
)
def test_domain_examples(value: str, kind: str, synthetic: bool, birth_date: dt.date, rule: str):
    pid = parse_person_id(value)
    assert (pid.value, pid.kind, pid.synthetic, pid.birth_date, pid.rule) == (
        value,
        kind,
        synthetic,
        birth_date,
        rule,
    )


def test_domain_example_checksums_hold_independently():
    for value in ("08871748471", "21860398300", "41819077302", "57912075186"):
        digits = value
        assert (weighted(W1, digits) + int(digits[9])) % 11 == 0
        assert (weighted(W2, digits) + int(digits[10])) % 11 == 0
    # 30108299939 passes K1 only with residue 1 (2032 rule), K2 normally.
    assert (weighted(W1, "30108299939") + 3) % 11 == 1
    assert (weighted(W2, "30108299939") + 9) % 11 == 0


def test_separators_are_stripped():
    for text in ("088717 48471", "088717-48471", "08.87.17.484.71", " 08871748471\n"):
        assert parse_person_id(text).value == "08871748471"
    assert parse_person_id("088717 48471").formatted == "088717 48471"


def test_century_mismatch_is_a_warning_not_an_error():
    pid = parse_person_id("41819077302")
    assert pid.birth_date == dt.date(1990, 1, 1)
    assert len(pid.warnings) == 1
    assert "individnummer 773" in pid.warnings[0]
    assert "century" in pid.warnings[0]


def test_plain_numbers_have_no_warnings():
    assert parse_person_id("08871748471").warnings == ()


def test_2032_rule_takes_latest_century_not_in_future():
    # Same number, seen from a day after its 2000s reading: then 2082 is not in the future.
    assert parse_person_id("30108299939", today=dt.date(2083, 1, 1)).birth_date == dt.date(
        2082, 10, 30
    )
    assert parse_person_id("30108299939").warnings == ()


def test_fhnr_has_no_date():
    pid = parse_person_id(number_for("812345"))
    assert (pid.kind, pid.birth_date, pid.synthetic) == ("fhnr", None, False)
    # Digits that would be an impossible date are fine in an FH-number.
    assert parse_person_id(number_for("999999")).kind == "fhnr"


def test_hnr():
    pid = parse_person_id(number_for("154580123"))
    assert (pid.kind, pid.synthetic, pid.birth_date) == ("hnr", False, dt.date(1980, 5, 15))


def test_dnr_with_month_plus_40_is_a_dnr_with_warning():
    pid = parse_person_id(number_for("554580123"))
    assert (pid.kind, pid.birth_date) == ("dnr", dt.date(1980, 5, 15))
    assert any("month + 40" in w for w in pid.warnings)


# --- rejections ----------------------------------------------------------------------


def test_31_april_rejected():
    value = number_for("318490")  # synthetic, 31 April 1990
    assert "impossible date" in reason_for(value)
    assert "31.04.1990" in reason_for(value)


def test_29_february():
    leap_1900 = number_for("2982000")  # individnummer 0xx → 1900, not a leap year
    leap_2000 = number_for("2982005")  # individnummer 5xx → 2000, a leap year
    reason = reason_for(leap_1900)
    assert "impossible date" in reason
    assert "29.02.1900" in reason
    assert parse_person_id(leap_2000).birth_date == dt.date(2000, 2, 29)


def test_future_birth_date_rejected():
    value = number_for("0181305")  # synthetic 1 Jan 2030, individnummer 5xx → 2000s
    reason = reason_for(value, today=dt.date(2026, 1, 1))
    assert "future birth date" in reason
    assert "2030-01-01" in reason
    assert parse_person_id(value, today=dt.date(2030, 1, 1)).birth_date == dt.date(2030, 1, 1)


def test_wrong_second_control_digit():
    reason = reason_for("08871748472")
    assert "second control digit" in reason
    assert "first control digit" not in reason


def test_wrong_first_control_digit():
    base = "088717484"
    for k1 in range(10):
        residue = (weighted(W1, base) + k1) % 11
        if residue in (0, 1, 2, 3):
            continue
        k2 = -weighted(W2, base + str(k1)) % 11
        if k2 == 10:
            continue
        reason = reason_for(f"{base}{k1}{k2}")
        assert "first control digit" in reason
        assert "second control digit" not in reason
        return
    raise AssertionError("no suitable K1")


def test_never_issued_second_control_digit():
    for individnummer in range(1000):
        first9 = f"088717{individnummer:03d}"
        k1 = -weighted(W1, first9) % 11
        if k1 == 10:
            continue
        if -weighted(W2, first9 + str(k1)) % 11 == 10:
            reason = reason_for(f"{first9}{k1}0")
            assert "never issued" in reason
            assert "second control digit" in reason
            return
    raise AssertionError("no never-issued number found")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0887174847", "wrong length"),
        ("088717484710", "wrong length"),
        ("", "wrong length"),
        ("0887174847x", "characters"),
        ("٠٨٨٧١٧٤٨٤٧١", "characters"),  # Arabic-Indic digits are not ASCII digits
        (8871748471, "expected a string"),
        (None, "expected a string"),
    ],
)
def test_length_and_characters(value: object, words: str):
    assert words in reason_for(value)


def test_exception_is_value_error_and_pickles():
    with pytest.raises(ValueError, match="second control digit") as info:
        parse_person_id("08871748472")
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.value, copy.reason) == (info.value.value, info.value.reason)


def test_is_valid():
    assert is_valid("08871748471")
    assert not is_valid("08871748472")


# --- properties ----------------------------------------------------------------------


@given(person_ids())
def test_generated_numbers_round_trip(generated: GeneratedPersonId):
    pid = parse_person_id(generated.value)
    assert isinstance(pid, PersonId)
    assert (pid.value, pid.kind, pid.synthetic, pid.birth_date, pid.rule) == (
        generated.value,
        generated.kind,
        generated.synthetic,
        generated.birth_date,
        generated.rule,
    )
    assert pid.warnings == ()
    assert str(pid) == generated.value


@given(person_ids(kinds=("fnr", "dnr", "hnr"), rules=("1964",), synthetic=(False,)))
def test_stdnum_agrees_on_plain_1964_numbers(generated: GeneratedPersonId):
    assert stdnum_fnr.is_valid(generated.value)
    assert stdnum_fnr.get_birth_date(generated.value) == generated.birth_date


@given(
    st.integers(0, 99),
    st.one_of(st.integers(0, 99), st.integers(1, 12), st.integers(41, 52)),
    st.integers(0, 99),
    st.integers(0, 999),
)
def test_accepts_everything_stdnum_accepts(day: int, month: int, year: int, individ: int):
    value = complete_person_id(f"{day:02d}{month:02d}{year:02d}{individ:03d}")
    if value is None:
        return
    try:
        ours: PersonId | None = parse_person_id(value)
    except InvalidIdentifier:
        ours = None
    if stdnum_fnr.is_valid(value):
        assert ours is not None
        assert ours.birth_date == stdnum_fnr.get_birth_date(value)
    elif ours is not None:
        # Only what stdnum does not know about: synthetic, FH, century mismatch.
        assert ours.synthetic or ours.kind == "fhnr" or ours.warnings


# Why substitutions and transpositions are always caught, under both rules: the K2 check
# is (Σ_{i=1..11} v_i·d_i) mod 11 == 0 with v = 5 4 3 2 7 6 5 4 3 2 1, and the 2032 rule
# leaves K2 unchanged. Changing one digit by δ (1 ≤ |δ| ≤ 9) changes the sum by v_i·δ,
# and swapping adjacent digits a, b changes it by (v_i − v_{i+1})(b − a). 11 is prime, no
# v_i is 0 mod 11 and no two adjacent v_i are equal mod 11, so both changes are nonzero
# mod 11 and K2 fails. (The relaxed 2032 K1 check alone would miss some substitutions:
# it accepts four residues; K2 is what makes the guarantee hold for 2032 numbers too.)
K2_WEIGHTS = (*W2, 1)


def test_k2_weights_detect_substitutions_and_adjacent_swaps():
    assert all(w % 11 for w in K2_WEIGHTS)
    assert all((a - b) % 11 for a, b in pairwise(K2_WEIGHTS))


def test_relaxed_k1_alone_would_miss_a_substitution():
    value = "30108299939"  # residue 1 under K1
    first9 = value[:9]
    # Raise digit 4 (weight 1) by 1: residue 2, still within the 2032 rule's K1.
    changed = first9[:3] + str(int(first9[3]) + 1) + first9[4:]
    assert (weighted(W1, changed) + int(value[9])) % 11 == 2
    # ...but K2 catches it.
    assert "second control digit" in reason_for(changed + value[9:])


@given(person_ids())
def test_every_single_digit_substitution_is_rejected(generated: GeneratedPersonId):
    value = generated.value
    for position in range(11):
        for digit in "0123456789":
            if digit != value[position]:
                changed = value[:position] + digit + value[position + 1 :]
                with pytest.raises(InvalidIdentifier):
                    parse_person_id(changed)


@given(person_ids())
def test_every_adjacent_swap_is_rejected(generated: GeneratedPersonId):
    value = generated.value
    for position in range(10):
        a, b = value[position], value[position + 1]
        if a != b:
            swapped = value[:position] + b + a + value[position + 2 :]
            with pytest.raises(InvalidIdentifier):
                parse_person_id(swapped)


def test_today_is_used_by_default():
    # A synthetic birth today is accepted; the strategy's TODAY matches date.today().
    first9 = f"{TODAY.day:02d}{TODAY.month + 80:02d}{TODAY.year % 100:02d}5"
    assert parse_person_id(number_for(first9)).birth_date == TODAY


def test_from_2032_a_future_1964_century_is_read_as_the_2032_rule():
    # 15033550100 passes both rules; the 1964 rule reads individnummer 501 as 2035.
    with pytest.raises(InvalidIdentifier, match="future birth date: 2035-03-15"):
        parse_person_id("15033550100", today=dt.date(2031, 12, 31))
    pid = parse_person_id("15033550100", today=dt.date(2033, 6, 1))
    assert pid.birth_date == dt.date(1935, 3, 15)
    assert "read as a 2032-rule number, born 1935" in pid.warnings[0]
