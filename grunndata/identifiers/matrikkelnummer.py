"""Matrikkelnummer: the number of a matrikkelenhet in Matrikkelen (docs/identifiers.md).

A matrikkelnummer is kommunenummer, gårdsnummer (gnr), bruksnummer (bnr), festenummer
(fnr) and seksjonsnummer (snr), written ``knr-gnr/bnr/fnr/snr``. Trailing zero parts may
be left out, and a space may stand for the hyphen:

>>> m = parse_matrikkelnummer("0301-42/1")
>>> m.kommunenummer, m.gardsnummer, m.bruksnummer, m.festenummer, m.seksjonsnummer
('0301', 42, 1, 0, 0)
>>> str(m), m.short
('0301-42/1/0/0', '0301-42/1')
>>> parse_matrikkelnummer("0301 42/1/0") == m
True
>>> Matrikkelnummer.from_parts("0301", 42, 1, seksjonsnummer=3).short
'0301-42/1/0/3'

The kommunenummer part is checked like any kommunenummer (a code valid at any time);
an old code is accepted with a warning naming its successors:

>>> parse_matrikkelnummer("3024-1/1").warnings
('kommunenummer 3024 is no longer in use; it became 3201',)

Errors name the part and its limit:

>>> def reason(text: str) -> str:
...     try:
...         parse_matrikkelnummer(text)
...     except InvalidIdentifier as exc:
...         return exc.reason
...     return "accepted"
>>> reason("0301-0/1")
'gårdsnummer (gnr) 0 is out of range: must be 1–99999'
>>> reason("0301-42/1/0/1000")
'seksjonsnummer (snr) 1000 is out of range: must be 0–999'
>>> reason("9999-42/1")
'kommunenummer part: unknown kommune: 9999 is not a kommunenummer in SSB Klass 131 (2017 onward)'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NoReturn

from grunndata.identifiers._errors import InvalidIdentifier, _require_str, _shorten
from grunndata.identifiers.kommunenummer import parse_kommunenummer

_IDENTIFIER = "matrikkelnummer"
_NOTATION = re.compile(
    r"([0-9]+)(?: *- *| +)([0-9]+) */ *([0-9]+)(?: */ *([0-9]+))?(?: */ *([0-9]+))?",
    re.ASCII,
)
_ALLOWED = frozenset("0123456789-/ ")
#: (name, smallest, largest) of gnr, bnr, fnr and snr.
_LIMITS = (
    ("gårdsnummer (gnr)", 1, 99999),
    ("bruksnummer (bnr)", 0, 9999),
    ("festenummer (fnr)", 0, 9999),
    ("seksjonsnummer (snr)", 0, 999),
)


@dataclass(frozen=True, order=True)
class Matrikkelnummer:
    """A checked matrikkelnummer. Build one with :func:`parse_matrikkelnummer` or
    :meth:`from_parts`; the plain constructor does not check anything."""

    kommunenummer: str
    gardsnummer: int
    bruksnummer: int
    festenummer: int = 0
    seksjonsnummer: int = 0
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        return (
            f"{self.kommunenummer}-{self.gardsnummer}/{self.bruksnummer}"
            f"/{self.festenummer}/{self.seksjonsnummer}"
        )

    @property
    def short(self) -> str:
        """The form without trailing zero parts, e.g. ``0301-42/1``."""
        text = f"{self.kommunenummer}-{self.gardsnummer}/{self.bruksnummer}"
        if self.seksjonsnummer:
            return f"{text}/{self.festenummer}/{self.seksjonsnummer}"
        if self.festenummer:
            return f"{text}/{self.festenummer}"
        return text

    @classmethod
    def from_parts(
        cls,
        kommunenummer: str,
        gardsnummer: int,
        bruksnummer: int,
        festenummer: int = 0,
        seksjonsnummer: int = 0,
    ) -> Matrikkelnummer:
        """Check the parts and build a matrikkelnummer from them."""
        parts = (gardsnummer, bruksnummer, festenummer, seksjonsnummer)
        given = (kommunenummer, *parts)
        for (name, _, _), part in zip(_LIMITS, parts, strict=True):
            if not isinstance(part, int) or isinstance(part, bool):
                reason = f"{name} must be an integer, got {type(part).__name__}"
                raise InvalidIdentifier(given, reason, _IDENTIFIER)
        return _build(kommunenummer, parts, given)


def _out_of_range(name: str, lowest: int, highest: int, shown: str, value: object) -> NoReturn:
    reason = f"{name} {_shorten(shown)} is out of range: must be {lowest}–{highest}"
    raise InvalidIdentifier(value, reason, _IDENTIFIER)


def _build(kommunenummer: str, parts: tuple[int, ...], value: object) -> Matrikkelnummer:
    try:
        kommune = parse_kommunenummer(kommunenummer)
    except InvalidIdentifier as exc:
        raise InvalidIdentifier(value, f"kommunenummer part: {exc.reason}", _IDENTIFIER) from exc
    for (name, lowest, highest), part in zip(_LIMITS, parts, strict=True):
        if not lowest <= part <= highest:
            _out_of_range(name, lowest, highest, str(part), value)
    warnings = kommune.warnings
    if not kommune.er_gjeldende and kommune.erstattet_av:
        successors = ", ".join(k.value for k in kommune.erstattet_av)
        warnings += (f"kommunenummer {kommune.value} is no longer in use; it became {successors}",)
    gnr, bnr, fnr, snr = parts
    return Matrikkelnummer(kommune.value, gnr, bnr, fnr, snr, warnings)


def _to_int(name: str, lowest: int, highest: int, digits: str, value: object) -> int:
    """Convert digits, rejecting absurdly long ones before ``int()`` can choke on them."""
    if len(digits.lstrip("0")) > len(str(highest)):
        _out_of_range(name, lowest, highest, digits, value)
    return int(digits)


def parse_matrikkelnummer(value: object) -> Matrikkelnummer:
    """Parse ``knr-gnr/bnr[/fnr[/snr]]`` (a space may replace the hyphen).

    Raises :class:`InvalidIdentifier` naming the failed check.
    """
    text = _require_str(value, _IDENTIFIER)
    match = _NOTATION.fullmatch(text)
    if match is None:
        bad = sorted({c for c in text if c not in _ALLOWED})
        if bad:
            reason = (
                "contains characters other than digits, '-', '/' and spaces: "
                f"{_shorten(''.join(bad))!r}"
            )
        else:
            reason = "does not match the notation knr-gnr/bnr[/fnr[/snr]], e.g. 0301-42/1"
        raise InvalidIdentifier(value, reason, _IDENTIFIER)
    knr, *rest = match.groups()
    parts = tuple(
        _to_int(name, lowest, highest, digits or "0", value)
        for (name, lowest, highest), digits in zip(_LIMITS, rest, strict=True)
    )
    return _build(knr, parts, value)


def is_valid(value: object) -> bool:
    """Whether ``value`` parses as a matrikkelnummer.

    >>> is_valid("0301-42/1"), is_valid("0301-42")
    (True, False)
    """
    try:
        parse_matrikkelnummer(value)
    except InvalidIdentifier:
        return False
    return True
