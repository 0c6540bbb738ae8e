"""The times and source each version of a written Freg person document carries.

An event of a day is valid from that day's Norwegian midnight (``gyldighetstidspunkt``, as
Freg gives it: 22:00Z or 23:00Z the day before) and recorded that morning
(``ajourholdstidspunkt``); what happened before Freg took over from DSF in 2017 came with
DSF's migration (``kilde`` ``KILDE_DSF``). Used where a document is written from a
person's life events (``persondokument``) and by the stand-in Freg feed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")
#: Freg took over from DSF in 2017: what was recorded before came with DSF's migration.
FREG_START = dt.datetime(2017, 10, 2, 6, 0, tzinfo=dt.UTC)
FREG_START_DAY = "2017-10-02"  # the first day whose morning (recorded()) is after FREG_START


def midnight(day: str) -> dt.datetime:
    """The start of a Norwegian day, as Freg gives valid times (e.g. 22:00Z or 23:00Z)."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), OSLO).astimezone(dt.UTC)


def stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def recorded(day: str, hours: float = 9.5) -> dt.datetime:
    """When an event of ``day`` was recorded: that morning, or at DSF's migration."""
    at = midnight(day) + dt.timedelta(hours=hours)
    return at


def _stamps(day: str) -> tuple[str, str, bool]:
    """``day``'s recorded and valid times as ``stamp(recorded(day))``,
    ``stamp(midnight(day))`` and whether it was recorded under DSF, made from the day's
    UTC offset without time-zone arithmetic per call (the generator makes millions)."""
    date = dt.date.fromisoformat(day)
    hours = OSLO.utcoffset(dt.datetime(date.year, date.month, date.day)) // dt.timedelta(hours=1)
    before = (date - dt.timedelta(days=1)).isoformat()
    return (
        f"{day}T{9 - hours:02d}:30:00.000000Z",
        f"{before}T{24 - hours:02d}:00:00.000000Z",
        day < FREG_START_DAY,
    )


def meta(
    day: str | None, *, current: bool = True, aarsak: str | None = None, ended: str | None = None
) -> dict[str, Any]:
    """The times, ``erGjeldende``, ``kilde`` and ``aarsak`` of a version from ``day``
    (none: from DSF, no times), ended on ``ended`` if it was."""
    out: dict[str, Any] = {}
    dsf = True
    if day is not None:
        out["ajourholdstidspunkt"], out["gyldighetstidspunkt"], dsf = _stamps(day)
    out["erGjeldende"] = current
    out["kilde"] = "KILDE_DSF" if dsf else "Skatteetaten"
    if aarsak:
        out["aarsak"] = aarsak
    if ended:
        out["opphoerstidspunkt"] = _stamps(ended)[1]
    return out
