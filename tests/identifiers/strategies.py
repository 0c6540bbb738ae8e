"""Hypothesis strategies that build valid identifiers from first principles.

The control digits are computed here independently of ``grunndata.identifiers`` so the
tests do not just repeat the implementation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hypothesis import assume
from hypothesis import strategies as st

W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
W_ORG = (3, 2, 7, 6, 5, 4, 3, 2)
TODAY = dt.date.today()


def weighted(weights: tuple[int, ...], digits: str) -> int:
    return sum(w * int(d) for w, d in zip(weights, digits, strict=False))


def complete_person_id(first9: str, k1_residue: int = 0) -> str | None:
    """Append K1 and K2 so that ``(Σ w1·d + K1) mod 11 == k1_residue`` and K2 is right.

    ``k1_residue`` 0 gives a 1964-rule number, 1–3 a number valid only under the 2032
    rule. Returns None when no digit fits (a computed control digit of 10).
    """
    k1 = (k1_residue - weighted(W1, first9)) % 11
    if k1 == 10:
        return None
    first10 = first9 + str(k1)
    k2 = -weighted(W2, first10) % 11
    if k2 == 10:
        return None
    return first10 + str(k2)


def complete_orgnr(first8: str) -> str | None:
    check = -weighted(W_ORG, first8) % 11
    return None if check == 10 else first8 + str(check)


@dataclass(frozen=True)
class GeneratedPersonId:
    value: str
    kind: str
    synthetic: bool
    birth_date: dt.date | None
    rule: str


def _individnummer_1964(draw: st.DrawFn, year: int) -> int:
    """An individnummer that the 1964 rule maps to ``year``'s century."""
    if year < 1900:
        return draw(st.integers(500, 749))
    if year < 1940:
        return draw(st.integers(0, 499))
    if year < 2000:
        return draw(st.one_of(st.integers(0, 499), st.integers(900, 999)))
    return draw(st.integers(500, 999))


@st.composite
def person_ids(
    draw: st.DrawFn,
    kinds: tuple[str, ...] = ("fnr", "dnr", "hnr", "fhnr"),
    rules: tuple[str, ...] = ("1964", "2032"),
    synthetic: tuple[bool, ...] = (False, True),
) -> GeneratedPersonId:
    """A valid person id of one of ``kinds``, under one of ``rules``."""
    kind = draw(st.sampled_from(kinds))
    rule = draw(st.sampled_from(rules))
    residue = 0 if rule == "1964" else draw(st.sampled_from((1, 2, 3)))
    if kind == "fhnr":
        first9 = draw(st.sampled_from("89")) + draw(st.text("0123456789", min_size=8, max_size=8))
        value = complete_person_id(first9, residue)
        assume(value is not None)
        assert value is not None
        return GeneratedPersonId(value, "fhnr", False, None, rule)

    is_synthetic = kind != "hnr" and draw(st.sampled_from(synthetic))
    if rule == "1964":
        born = draw(st.dates(dt.date(1854, 1, 1), TODAY))
        individnummer = _individnummer_1964(draw, born.year)
    else:
        # The 2032 rule does not tell the century; the parser takes the latest century
        # that does not put the date in the future, so only the last 100 years round-trip.
        born = draw(st.dates(dt.date(TODAY.year - 99, 1, 1), TODAY))
        individnummer = draw(st.integers(0, 999))
        year_2000s = 2000 + born.year % 100
        assume((year_2000s == born.year) == (born.replace(year=year_2000s) <= TODAY))
    day = born.day + (40 if kind == "dnr" else 0)
    month = born.month + (80 if is_synthetic else 0) + (40 if kind == "hnr" else 0)
    first9 = f"{day:02d}{month:02d}{born.year % 100:02d}{individnummer:03d}"
    value = complete_person_id(first9, residue)
    assume(value is not None)
    assert value is not None
    return GeneratedPersonId(value, kind, is_synthetic, born, rule)


@st.composite
def orgnrs(draw: st.DrawFn, first_digits: str = "0123456789") -> str:
    first8 = draw(st.sampled_from(first_digits)) + draw(
        st.text("0123456789", min_size=7, max_size=7)
    )
    value = complete_orgnr(first8)
    assume(value is not None)
    assert value is not None
    return value
