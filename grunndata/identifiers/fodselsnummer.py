"""Folkeregisteridentifikator: fødselsnummer, D-, H- and FH-nummer (docs/identifiers.md).

An identifier is 11 digits, ``DDMMYY`` + individnummer (3 digits) + control digits K1
and K2. Spaces, hyphens and dots are stripped. The result says which kind of number it
is, whether it is a synthetic test number, the birth date and which control-digit rule
it satisfies:

>>> pid = parse_person_id("088717 48471")
>>> pid.value, pid.kind, pid.synthetic, pid.rule
('08871748471', 'fnr', True, '1964')
>>> pid.birth_date
datetime.date(1917, 7, 8)

Synthetic (Tenor) numbers add 80 to the month; D-numbers add 40 to the day, and both
offsets can combine:

>>> pid = parse_person_id("57912075186")
>>> pid.kind, pid.synthetic, pid.birth_date
('dnr', True, datetime.date(2020, 11, 17))

H-numbers add 40 to the month. NAV's synthetic test numbers use the same offset, so
they come out as ``kind == "hnr"`` with ``synthetic`` False: the digits cannot tell the
two apart.

Numbers issued from 2032 pass K1 when ``(Σ w1·d + K1) mod 11`` is 0, 1, 2 or 3. Their
individnummer no longer tells the century, so the latest century that does not put the
birth date in the future is taken:

>>> pid = parse_person_id("30108299939")
>>> pid.rule, pid.birth_date
('2032', datetime.date(1982, 10, 30))

An individnummer that matches no century under the 1964 rule is a warning, not an error
(Skatteetaten's own synthetic data has such numbers):

>>> pid = parse_person_id("41819077302")
>>> pid.kind, pid.birth_date
('dnr', datetime.date(1990, 1, 1))
>>> pid.warnings
('individnummer 773 does not match any century for year 90 under the 1964 rule; assumed 1990',)

FH-numbers (first digit 8 or 9) carry no date:

>>> parse_person_id("81234500090").kind, parse_person_id("81234500090").birth_date
('fhnr', None)

Errors name the check that failed:

>>> def reason(number: str) -> str:
...     try:
...         parse_person_id(number)
...     except InvalidIdentifier as exc:
...         return exc.reason
...     return "accepted"
>>> reason("08871748472")
'the second control digit (K2) is wrong: expected 1, got 2'
>>> reason("31849000031")
'impossible date: 31.04.1990 does not exist'
>>> reason("29820000100")
'impossible date: 29.02.1900 does not exist (1900 is not a leap year)'
>>> parse_person_id("29820050043").birth_date
datetime.date(2000, 2, 29)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from stdnum.no import fodselsnummer as _stdnum

from grunndata.identifiers._errors import InvalidIdentifier, _check_digits, _compact

Kind = Literal["fnr", "dnr", "hnr", "fhnr"]
Rule = Literal["1964", "2032"]

_IDENTIFIER = "person id"
#: K1 residues ``(Σ w1·d + K1) mod 11`` accepted by the 2032 rule.
_RESIDUES_2032 = frozenset({0, 1, 2, 3})
#: From this date numbers are issued under the 2032 rule (Skatteetaten).
_RULE_2032_IN_FORCE = dt.date(2032, 1, 1)


@dataclass(frozen=True)
class PersonId:
    """A parsed folkeregisteridentifikator.

    ``birth_date`` is ``None`` for FH-numbers. ``rule`` is ``"1964"`` when the number
    satisfies the 1964 control-digit rule (numbers that satisfy both get ``"1964"``),
    otherwise ``"2032"``.
    """

    value: str
    kind: Kind
    synthetic: bool
    birth_date: dt.date | None
    rule: Rule
    warnings: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.value

    @property
    def individnummer(self) -> str:
        """Digits 7–9."""
        return self.value[6:9]

    @property
    def formatted(self) -> str:
        """The usual printed form, ``DDMMYY NNNNN``.

        >>> parse_person_id("08871748471").formatted
        '088717 48471'
        """
        return f"{self.value[:6]} {self.value[6:]}"


def _control_digit_rule(number: str, value: object) -> Rule:
    """Check K1 and K2; return the rule the number satisfies or raise naming the failure."""
    # stdnum computes (11 - Σ w·d) mod 11, i.e. the 1964-rule digit; 10 means "never issued".
    computed1 = int(_stdnum.calc_check_digit1(number))
    computed2 = int(_stdnum.calc_check_digit2(number))
    k1, k2 = int(number[9]), int(number[10])
    residue1 = (k1 - computed1) % 11  # == (Σ w1·d + K1) mod 11
    problems: list[str] = []
    if residue1 not in _RESIDUES_2032:
        detail = " (the 1964 rule computes it to 10: never issued)" if computed1 == 10 else ""
        problems.append(
            f"the first control digit (K1) is wrong: (Σ w·d + K1) mod 11 is {residue1}, "
            f"the 1964 rule needs 0 and the 2032 rule 0–3{detail}"
        )
    if computed2 == 10:
        problems.append(f"{number} is never issued: its second control digit (K2) computes to 10")
    elif k2 != computed2:
        problems.append(f"the second control digit (K2) is wrong: expected {computed2}, got {k2}")
    if problems:
        raise InvalidIdentifier(value, "; ".join(problems), _IDENTIFIER)
    return "1964" if residue1 == 0 else "2032"


def _century_1964(individnummer: int, yy: int) -> int | None:
    """The century the 1964 rule gives for an individnummer and two-digit year, if any."""
    if individnummer < 500:
        return 1900
    if individnummer < 750 and yy >= 54:
        return 1800
    if yy <= 39:
        return 2000
    if individnummer >= 900:
        return 1900
    return None


def _date(year: int, month: int, day: int, value: object) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        note = ""
        if month == 2 and day == 29:
            note = f" ({year} is not a leap year)"
        reason = f"impossible date: {day:02d}.{month:02d}.{year} does not exist{note}"
        raise InvalidIdentifier(value, reason, _IDENTIFIER) from None


def _birth_date(
    year_digits: int, month: int, day: int, century: int | None, today: dt.date, value: object
) -> dt.date:
    """Resolve the birth date. ``century`` is None when it must be guessed."""
    if century is not None:
        born = _date(century + year_digits, month, day, value)
        if born > today:
            reason = f"future birth date: {born.isoformat()} is after today ({today.isoformat()})"
            raise InvalidIdentifier(value, reason, _IDENTIFIER)
        return born
    # The latest century in which the date is possible and not in the future.
    try:
        recent = dt.date(2000 + year_digits, month, day)
    except ValueError:
        recent = None
    if recent is not None and recent <= today:
        return recent
    return _date(1900 + year_digits, month, day, value)


def parse_person_id(value: object, *, today: dt.date | None = None) -> PersonId:
    """Parse and check a fødselsnummer, D-, H- or FH-nummer.

    ``today`` (default: the current date) is the reference for the future-date check.
    Raises :class:`InvalidIdentifier` naming the failed check.
    """
    number = _compact(value, _IDENTIFIER)
    _check_digits(number, 11, value, _IDENTIFIER)
    rule = _control_digit_rule(number, value)
    if number[0] in "89":
        return PersonId(number, "fhnr", synthetic=False, birth_date=None, rule=rule)

    kind: Kind = "fnr"
    synthetic = False
    warnings: list[str] = []
    day, month, year_digits = int(number[0:2]), int(number[2:4]), int(number[4:6])
    if month > 80:
        synthetic, month = True, month - 80
    elif month > 40:
        kind, month = "hnr", month - 40
    if number[0] in "4567":
        if kind == "hnr":
            warnings.append(
                "D-nummer with month + 40 (the H-nummer offset, also used by NAV's synthetic "
                "numbers); treated as a D-nummer"
            )
        kind, day = "dnr", day - 40

    century = None
    individnummer = int(number[6:9])
    today = today or dt.date.today()
    if rule == "1964":
        century = _century_1964(individnummer, year_digits)
    try:
        born = _birth_date(year_digits, month, day, century, today, value)
    except InvalidIdentifier:
        # From 2032 a number that passes both rules may have been issued under the new one,
        # whose individnummer no longer tells the century: guess it rather than reject.
        if century is None or today < _RULE_2032_IN_FORCE:
            raise
        born = _birth_date(year_digits, month, day, None, today, value)
        warnings.append(
            f"individnummer {individnummer:03d} puts the birth in {century + year_digits} under "
            f"the 1964 rule, which is in the future; read as a 2032-rule number, born {born.year}"
        )
    if rule == "1964" and century is None:
        warnings.append(
            f"individnummer {individnummer:03d} does not match any century for year "
            f"{year_digits:02d} under the 1964 rule; assumed {born.year}"
        )
    return PersonId(number, kind, synthetic, born, rule, tuple(warnings))


def is_valid(value: object) -> bool:
    """Whether ``value`` parses as a person id.

    >>> is_valid("088717-48471"), is_valid("08871748470")
    (True, False)
    """
    try:
        parse_person_id(value)
    except InvalidIdentifier:
        return False
    return True
