"""Synthetic (Tenor, month + 80) identifiers for tests and benchmarks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _control(digits: str, weights: tuple[int, ...]) -> int | None:
    k = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return None if k == 10 else k % 11


def tenor_number(born: dt.date, individnummer: int) -> str | None:
    """A synthetic fødselsnummer (month + 80), or None when the control digit is 10."""
    base = f"{born.day:02d}{born.month + 80:02d}{born.year % 100:02d}{individnummer:03d}"
    k1 = _control(base, _W1)
    if k1 is None:
        return None
    k2 = _control(base + str(k1), _W2)
    return None if k2 is None else f"{base}{k1}{k2}"


def tenor_numbers(start: dt.date = dt.date(1950, 1, 1)) -> Iterator[tuple[str, dt.date]]:
    """Endless distinct synthetic numbers born in the 20th century (individnummer < 500)."""
    day = start
    while True:
        for individnummer in range(100, 500, 7):
            number = tenor_number(day, individnummer)
            if number:
                yield number, day
        day += dt.timedelta(days=1)
