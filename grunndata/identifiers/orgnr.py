"""Organisasjonsnummer and MVA-nummer (Enhetsregisteret; docs/identifiers.md).

An organisasjonsnummer is 9 digits. The check digit is ``11 − (Σ w·d mod 11)`` with
weights ``3 2 7 6 5 4 3 2`` over the first eight digits; 11 becomes 0 and 10 means the
number is never issued. The MVA form ``NO`` + orgnr + ``MVA`` is accepted too:

>>> org = parse_orgnr("NO 974 760 673 MVA")
>>> org.value, org.mva_nummer, org.formatted
('974760673', 'NO974760673MVA', '974 760 673')
>>> parse_orgnr("974760673MVA") == parse_orgnr("974 760 673")
True

Numbers start with 8 or 9 by convention only, so another first digit is a warning, except
2 and 3: Tenor, Skatteetaten's synthetic test population, issues its test units in the
2xx xxx xxx and 3xx xxx xxx ranges (the demo fixtures use 3xx). Those are ``synthetic``,
which is not unusual and not a warning:

>>> parse_orgnr("123456785").warnings
('first digit is 1; organisasjonsnummer normally start with 8 or 9 (2 or 3 in Tenor test data)',)
>>> org = parse_orgnr("310000108")
>>> org.synthetic, org.warnings
(True, ())
>>> parse_orgnr("974760673").synthetic
False

Errors name the check that failed:

>>> def reason(number: str) -> str:
...     try:
...         parse_orgnr(number)
...     except InvalidIdentifier as exc:
...         return exc.reason
...     return "accepted"
>>> reason("112233445")
'112233445 is never issued: its check digit computes to 10'
>>> reason("974760674")
'the check digit is wrong: expected 3, got 4'
>>> reason("97476067")
'wrong length: must be 9 digits, got 8'
>>> parse_mva_nummer("NO974760673MVA").value
'974760673'
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from stdnum.no import orgnr as _stdnum

from grunndata.identifiers._errors import InvalidIdentifier, _check_digits, _compact

_IDENTIFIER = "orgnr"
_MVA_IDENTIFIER = "MVA-nummer"
#: First digits of Tenor's synthetic organisasjonsnummer (its test units: 2xx and 3xx).
TENOR_FIRST_DIGITS = "23"


@dataclass(frozen=True)
class Orgnr:
    """A checked organisasjonsnummer (9 digits) with any warnings about it."""

    value: str
    warnings: tuple[str, ...] = ()
    synthetic: bool = False
    """In Tenor's synthetic test ranges (first digit 2 or 3): test data, not a real unit."""

    def __str__(self) -> str:
        return self.value

    @property
    def mva_nummer(self) -> str:
        """The number in MVA-register form, ``NO`` + orgnr + ``MVA``."""
        return f"NO{self.value}MVA"

    @property
    def formatted(self) -> str:
        """The printed form, ``974 760 673``."""
        return f"{self.value[:3]} {self.value[3:6]} {self.value[6:]}"


def _computed_check_digit(first8: str) -> int:
    """``11 − (Σ w·d mod 11)`` with 11 → 0; 10 means the number is never issued."""
    # stdnum's checksum includes the ninth digit with weight 1; a trailing 0 leaves Σ w·d.
    return (11 - _stdnum.checksum(first8 + "0")) % 11


def orgnumre(rng: random.Random, start: int = 0) -> Iterator[str]:
    """Distinct valid organisasjonsnummer in Tenor's synthetic 3xx range, in order (for
    generated data).

    >>> numbers = orgnumre(random.Random(1))
    >>> [parse_orgnr(next(numbers)).synthetic for _ in range(3)]
    [True, True, True]
    """
    first8 = 31000000 + start
    while True:
        check = _computed_check_digit(str(first8))
        if check != 10:
            yield f"{first8}{check}"
        first8 += rng.randint(1, 3)


def _split_affixes(text: str) -> tuple[str, bool, bool]:
    """Remove an optional ``NO`` prefix and ``MVA`` suffix (any case)."""
    upper = text.upper()
    has_prefix = upper.startswith("NO")
    if has_prefix:
        upper = upper[2:]
    has_suffix = upper.endswith("MVA")
    if has_suffix:
        upper = upper[:-3]
    return upper, has_prefix, has_suffix


def _check_orgnr(number: str, value: object, identifier: str) -> Orgnr:
    """The organisasjonsnummer rule itself, on an already compacted string."""
    _check_digits(number, 9, value, identifier)
    computed = _computed_check_digit(number[:8])
    if computed == 10:
        reason = f"{number} is never issued: its check digit computes to 10"
        raise InvalidIdentifier(value, reason, identifier)
    if int(number[8]) != computed:
        reason = f"the check digit is wrong: expected {computed}, got {number[8]}"
        raise InvalidIdentifier(value, reason, identifier)
    synthetic = number[0] in TENOR_FIRST_DIGITS
    warnings: tuple[str, ...] = ()
    if number[0] not in "89" and not synthetic:
        warnings = (
            f"first digit is {number[0]}; organisasjonsnummer normally start with 8 or 9 "
            "(2 or 3 in Tenor test data)",
        )
    return Orgnr(number, warnings, synthetic)


def parse_orgnr(value: object) -> Orgnr:
    """Parse an organisasjonsnummer, with or without the ``NO … MVA`` affixes.

    Spaces, hyphens and dots are stripped. Raises :class:`InvalidIdentifier`.
    """
    number, _, _ = _split_affixes(_compact(value, _IDENTIFIER))
    return _check_orgnr(number, value, _IDENTIFIER)


def parse_mva_nummer(value: object) -> Orgnr:
    """Parse an MVA-nummer, which must have the form ``NO`` + orgnr + ``MVA``.

    >>> parse_mva_nummer("NO 974 760 673 MVA").mva_nummer
    'NO974760673MVA'
    >>> try:
    ...     parse_mva_nummer("974760673")
    ... except InvalidIdentifier as exc:
    ...     print(exc)
    invalid MVA-nummer '974760673': an MVA-nummer has the form NO + 9 digits + MVA
    """
    number, has_prefix, has_suffix = _split_affixes(_compact(value, _MVA_IDENTIFIER))
    if not (has_prefix and has_suffix):
        reason = "an MVA-nummer has the form NO + 9 digits + MVA"
        raise InvalidIdentifier(value, reason, _MVA_IDENTIFIER)
    return _check_orgnr(number, value, _MVA_IDENTIFIER)


def is_valid(value: object) -> bool:
    """Whether ``value`` parses as an organisasjonsnummer.

    >>> is_valid("974 760 673"), is_valid("112233445")
    (True, False)
    """
    try:
        parse_orgnr(value)
    except InvalidIdentifier:
        return False
    return True
