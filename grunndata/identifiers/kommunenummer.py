"""Kommunenummer and fylkesnummer with their history (SSB Klass 131 and 104; docs/identifiers.md).

A kommunenummer is 4 digits; the first two are the fylkesnummer. Every code that was
valid at any time in the bundled SSB data (``grunndata/data/``, see its ``SOURCES.md``)
is accepted, and old codes know their current successors:

>>> k = parse_kommunenummer("3024")
>>> k.navn, k.gyldig_fra, k.gyldig_til
('Bærum', datetime.date(2020, 1, 1), datetime.date(2023, 12, 31))
>>> [(s.value, s.navn) for s in k.erstattet_av]
[('3201', 'Bærum')]
>>> [s.value for s in parse_kommunenummer("1507").erstattet_av]
['1508', '1580']
>>> [s.value for s in parse_kommunenummer("5012").erstattet_av]
['5055', '5056', '5059']

A current code has no successors and no end date; ``navn`` is the latest name:

>>> oslo = parse_kommunenummer("0301")
>>> oslo.navn, oslo.gyldig_til, oslo.erstattet_av
('Oslo - Oslove', None, [])
>>> oslo.navn_paa(datetime.date(2024, 1, 1))
'Oslo'
>>> oslo.fylke.navn
'Oslo - Oslove'

Svalbard, Jan Mayen and continental-shelf pseudo-codes are not in Klass 131 but are used
by other registers, so they are accepted too:

>>> parse_kommunenummer("2211").navn
'Jan Mayen'

Validity on a date, and the fylker:

>>> len(kommuner_gyldige(datetime.date(2024, 1, 1)))
357
>>> fylke("46").navn, len(fylker_gyldige(datetime.date(2024, 1, 1)))
('Vestland', 15)
>>> def reason(code: str) -> str:
...     try:
...         parse_kommunenummer(code)
...     except InvalidIdentifier as exc:
...         return exc.reason
...     return "accepted"
>>> reason("9999")
'unknown kommune: 9999 is not a kommunenummer in SSB Klass 131 (2017 onward)'
>>> reason("301")
'wrong length: must be 4 digits, got 3'
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

from grunndata.identifiers._errors import InvalidIdentifier, _check_digits, _require_str

_IDENTIFIER = "kommunenummer"
_FYLKE_IDENTIFIER = "fylkesnummer"
#: The floor used for "valid since the 1971 Klass version or earlier" (see SOURCES.md).
_FLOOR = datetime.date(1971, 1, 1)
#: Pseudo-codes used by SSB StatBank and other registers, not in Klass 131.
#: 2112, 2115 and 2199 have no well-documented name, so they are labelled "Svalbard".
_PSEUDOKODER = {
    "2111": "Spitsbergen (Svalbard)",
    "2112": "Svalbard",
    "2115": "Svalbard",
    "2121": "Bjørnøya (Svalbard)",
    "2131": "Hopen (Svalbard)",
    "2199": "Svalbard",
    "2211": "Jan Mayen",
    "2311": "Sokkelen sør for 62° N",
    "2321": "Sokkelen nord for 62° N",
}


@dataclass(frozen=True)
class Periode:
    """One name period of a code; dates are inclusive, ``gyldig_til`` None = still valid."""

    navn: str
    gyldig_fra: datetime.date
    gyldig_til: datetime.date | None

    def gyldig_paa(self, dato: datetime.date) -> bool:
        return self.gyldig_fra <= dato and (self.gyldig_til is None or dato <= self.gyldig_til)


def _navn_paa(perioder: Iterable[Periode], dato: datetime.date) -> str | None:
    return next((p.navn for p in perioder if p.gyldig_paa(dato)), None)


@dataclass(frozen=True)
class Fylke:
    """A fylkesnummer over its whole lifetime; ``navn`` is the latest name."""

    value: str
    navn: str
    gyldig_fra: datetime.date
    gyldig_til: datetime.date | None
    perioder: tuple[Periode, ...] = field(default=(), repr=False)

    def __str__(self) -> str:
        return self.value

    def gyldig_paa(self, dato: datetime.date) -> bool:
        return any(p.gyldig_paa(dato) for p in self.perioder)

    def navn_paa(self, dato: datetime.date) -> str | None:
        """The name on ``dato``, or None if the code was not valid then."""
        return _navn_paa(self.perioder, dato)


@dataclass(frozen=True)
class Kommune:
    """A kommunenummer over its whole lifetime.

    ``navn`` is the name of the latest period, ``gyldig_fra`` the start of the first
    period, ``gyldig_til`` the end of the last one (None while the code is current).
    ``pseudokode`` is True for the Svalbard, Jan Mayen and continental-shelf codes.

    A code that SSB's list (periods in force from 2017 on) does not hold, in a fylke that
    existed before 2017, is an older kommune grunndata knows nothing more of: ``navn``
    and ``gyldig_fra`` are None, ``gyldig_til`` is 2016-12-31 at the latest, and
    ``warnings`` says so.
    """

    value: str
    navn: str | None
    gyldig_fra: datetime.date | None
    gyldig_til: datetime.date | None
    perioder: tuple[Periode, ...] = field(default=(), repr=False)
    pseudokode: bool = False
    warnings: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.value

    @property
    def er_gjeldende(self) -> bool:
        """Whether the code is valid in the newest data (Klass version 2026)."""
        return self.gyldig_til is None

    @property
    def fylkesnummer(self) -> str:
        return self.value[:2]

    @property
    def fylke(self) -> Fylke | None:
        """The fylke of the first two digits; None for the pseudo-codes."""
        return _fylker().get(self.fylkesnummer)

    @property
    def erstattet_av(self) -> list[Kommune]:
        """The current codes this code became, following every step; [] when current."""
        kommuner = _kommuner()
        return [kommuner[code] for code in _current_successors(self.value)]

    def gyldig_paa(self, dato: datetime.date) -> bool:
        if self.pseudokode:
            return True
        if self.gyldig_fra is None:  # an older kommune: only its end is known
            return self.gyldig_til is not None and dato <= self.gyldig_til
        return any(p.gyldig_paa(dato) for p in self.perioder)

    def navn_paa(self, dato: datetime.date) -> str | None:
        """The name on ``dato``, or None if the code was not valid then."""
        if self.pseudokode:
            return self.navn
        return _navn_paa(self.perioder, dato)


def _read_csv(name: str) -> list[dict[str, str]]:
    text = (resources.files("grunndata") / "data" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _date_or_none(text: str) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def _group_periods(rows: list[dict[str, str]], code_column: str) -> dict[str, list[Periode]]:
    grouped: dict[str, list[Periode]] = {}
    for row in rows:
        periode = Periode(
            row["navn"],
            datetime.date.fromisoformat(row["gyldig_fra"]),
            _date_or_none(row["gyldig_til"]),
        )
        grouped.setdefault(row[code_column], []).append(periode)
    for perioder in grouped.values():
        perioder.sort(key=lambda p: p.gyldig_fra)
    return grouped


@functools.cache
def _kommuner() -> dict[str, Kommune]:
    table: dict[str, Kommune] = {}
    for code, perioder in _group_periods(_read_csv("kommuner.csv"), "kommunenummer").items():
        first, last = perioder[0], perioder[-1]
        table[code] = Kommune(code, last.navn, first.gyldig_fra, last.gyldig_til, tuple(perioder))
    for code, navn in _PSEUDOKODER.items():
        periode = Periode(navn, _FLOOR, None)
        table[code] = Kommune(code, navn, _FLOOR, None, (periode,), pseudokode=True)
    return table


@functools.cache
def _fylker() -> dict[str, Fylke]:
    table: dict[str, Fylke] = {}
    for code, perioder in _group_periods(_read_csv("fylker.csv"), "fylkesnummer").items():
        first, last = perioder[0], perioder[-1]
        table[code] = Fylke(code, last.navn, first.gyldig_fra, last.gyldig_til, tuple(perioder))
    return table


@dataclass(frozen=True)
class Kommuneendring:
    """One step of a reform: kommune ``gammelt`` (named ``gammelt_navn``) became, wholly or
    in part, kommune ``nytt`` (named ``nytt_navn``) on ``dato``."""

    gammelt: str
    gammelt_navn: str
    nytt: str
    nytt_navn: str
    dato: datetime.date


@functools.cache
def kommuneendringer() -> tuple[Kommuneendring, ...]:
    """Every direct change of code in the bundled data, one step each (a merger is one
    step per merged kommune, a split one per part).

    >>> [(e.gammelt, e.nytt, str(e.dato)) for e in kommuneendringer() if e.nytt == "3005"]
    [('0602', '3005', '2020-01-01'), ('0625', '3005', '2020-01-01'), ('0711', '3005', '2020-01-01')]
    """
    return tuple(
        Kommuneendring(
            row["gammelt_kommunenummer"],
            row["gammelt_navn"],
            row["nytt_kommunenummer"],
            row["nytt_navn"],
            datetime.date.fromisoformat(row["dato"]),
        )
        for row in _read_csv("kommuneendringer.csv")
    )


@functools.cache
def _endringer() -> dict[str, tuple[str, ...]]:
    """Old code → new codes, from kommuneendringer.csv."""
    changes: dict[str, list[str]] = {}
    for endring in kommuneendringer():
        changes.setdefault(endring.gammelt, []).append(endring.nytt)
    return {old: tuple(new) for old, new in changes.items()}


@functools.cache
def _current_successors(code: str) -> tuple[str, ...]:
    """Follow the change chains from ``code`` to codes that are current (cycle-safe)."""
    kommuner, endringer = _kommuner(), _endringer()
    start = kommuner.get(code)
    if start is None or start.er_gjeldende:
        return ()
    found: set[str] = set()
    seen = {code}
    stack = [code]
    while stack:
        for new in endringer.get(stack.pop(), ()):
            if new in seen:
                continue
            seen.add(new)
            kommune = kommuner.get(new)
            if kommune is not None and kommune.er_gjeldende:
                found.add(new)
            else:
                stack.append(new)
    return tuple(sorted(found))


def parse_kommunenummer(value: object, *, dato: datetime.date | None = None) -> Kommune:
    """Parse a 4-digit kommunenummer that was valid at any time (or on ``dato`` if given).

    >>> parse_kommunenummer("3024", dato=datetime.date(2023, 12, 31)).navn
    'Bærum'
    >>> try:
    ...     parse_kommunenummer("3024", dato=datetime.date(2024, 1, 1))
    ... except InvalidIdentifier as exc:
    ...     print(exc.reason)
    kommunenummer 3024 was not valid on 2024-01-01 (valid 2020-01-01 to 2023-12-31)
    """
    code = _require_str(value, _IDENTIFIER)
    _check_digits(code, 4, value, _IDENTIFIER)
    kommune = _kommuner().get(code) or _older_kommune(code)
    if kommune is None:
        reason = f"unknown kommune: {code} is not a kommunenummer in SSB Klass 131 (2017 onward)"
        raise InvalidIdentifier(value, reason, _IDENTIFIER)
    if dato is not None and not kommune.gyldig_paa(dato):
        slutt = kommune.gyldig_til.isoformat() if kommune.gyldig_til else "today"
        start = kommune.gyldig_fra.isoformat() if kommune.gyldig_fra else "an unknown date"
        reason = (
            f"kommunenummer {code} was not valid on {dato.isoformat()} (valid {start} to {slutt})"
        )
        raise InvalidIdentifier(value, reason, _IDENTIFIER)
    return kommune


#: Fylker of the structure before the 2018 and 2020 reforms (13 was Bergen until 1972).
_FYLKER_BEFORE_2017 = frozenset(f"{n:02d}" for n in range(1, 21))
_LIST_STARTS = datetime.date(2017, 1, 1)


def _older_kommune(code: str) -> Kommune | None:
    """A code missing from SSB's list, which covers only periods in force from 2017 on:
    in a fylke of that time it may be an older kommune (0706 Sandefjord ended 2016), and
    rejecting a valid number is worse than accepting an invalid one. Codes of fylker made
    in 2018 or later would be in the list if they had existed.

    >>> k = parse_kommunenummer("0706")
    >>> k.navn, k.gyldig_til, k.erstattet_av
    (None, datetime.date(2016, 12, 31), [])
    >>> k.warnings[0][:62]
    'kommunenummer 0706 is not in SSB Klass 131 from 2017 onward: a'
    """
    if code[:2] not in _FYLKER_BEFORE_2017:
        return None
    warning = (
        f"kommunenummer {code} is not in SSB Klass 131 from 2017 onward: accepted as an older "
        "kommune whose name, dates and successors grunndata does not know"
    )
    last_day = _LIST_STARTS - datetime.timedelta(days=1)
    return Kommune(code, None, None, last_day, warnings=(warning,))


def kommuner_gyldige(dato: datetime.date) -> list[Kommune]:
    """The kommuner valid on ``dato`` (Klass 131 codes only, no pseudo-codes), by code."""
    return [k for _, k in sorted(_kommuner().items()) if not k.pseudokode and k.gyldig_paa(dato)]


def fylke(fylkesnummer: object, dato: datetime.date | None = None) -> Fylke:
    """Look up a 2-digit fylkesnummer that was valid at any time (or on ``dato`` if given).

    >>> fylke("30").navn, fylke("30").gyldig_til
    ('Viken', datetime.date(2023, 12, 31))
    >>> fylke("50").navn_paa(datetime.date(2019, 6, 1))
    'Trøndelag'
    """
    code = _require_str(fylkesnummer, _FYLKE_IDENTIFIER)
    _check_digits(code, 2, fylkesnummer, _FYLKE_IDENTIFIER)
    found = _fylker().get(code)
    if found is None:
        reason = f"unknown fylke: {code} is not a fylkesnummer in SSB Klass 104"
        raise InvalidIdentifier(fylkesnummer, reason, _FYLKE_IDENTIFIER)
    if dato is not None and not found.gyldig_paa(dato):
        reason = f"fylkesnummer {code} was not valid on {dato.isoformat()}"
        raise InvalidIdentifier(fylkesnummer, reason, _FYLKE_IDENTIFIER)
    return found


def fylker_gyldige(dato: datetime.date) -> list[Fylke]:
    """The fylker valid on ``dato``, by code."""
    return [f for _, f in sorted(_fylker().items()) if f.gyldig_paa(dato)]


def is_valid(value: object) -> bool:
    """Whether ``value`` is a kommunenummer valid at any time.

    >>> is_valid("0301"), is_valid("9999")
    (True, False)
    """
    try:
        parse_kommunenummer(value)
    except InvalidIdentifier:
        return False
    return True
