"""Whether a person may be notified at a moment (eForvaltningsforskriften § 32).

A channel (e-post, mobil) is usable at moment T when it has a value known at T and its
``oppdatert`` or its ``sist_verifisert`` (whichever is the latest not after T) lies within
18 months before T. The months are calendar months in Norwegian time: a channel updated
on a day D is usable through the same day number 18 months later, or through that
month's last day when it is shorter (31 August → 28 February, 29 February → 29 August).
A person ``KAN_VARSLES`` at T when active, not reserved, and at least one channel is
usable; else ``KAN_IKKE_VARSLES`` with the first reason that holds.

>>> from datetime import datetime
>>> updated = datetime(2024, 8, 31, 10, tzinfo=OSLO)
>>> last_usable_day(updated)
datetime.date(2026, 2, 28)
>>> usable(updated, None, datetime(2026, 2, 28, 23, 59, tzinfo=OSLO))
True
>>> usable(updated, None, datetime(2026, 3, 1, 0, 0, tzinfo=OSLO))
False
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")
MONTHS = 18


def last_usable_day(anchor: datetime) -> date:
    """The last Norwegian calendar day on which a channel dated ``anchor`` is usable."""
    day = anchor.astimezone(OSLO).date()
    months = day.month - 1 + MONTHS
    year, month = day.year + months // 12, months % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def usable(oppdatert: datetime | None, sist_verifisert: datetime | None, at: datetime) -> bool:
    """Whether a channel with these times is usable at ``at`` (its value known then)."""
    if oppdatert is None or oppdatert > at:
        return False
    anchors = [t for t in (oppdatert, sist_verifisert) if t is not None and t <= at]
    return at.astimezone(OSLO).date() <= last_usable_day(max(anchors))


class Varslingsstatus(Enum):
    KAN_VARSLES = "KAN_VARSLES"
    KAN_IKKE_VARSLES = "KAN_IKKE_VARSLES"


class Grunn(Enum):
    """Why a person cannot be notified."""

    RESERVERT = "RESERVERT"
    SLETTET = "SLETTET"
    IKKE_REGISTRERT = "IKKE_REGISTRERT"
    UTDATERT = "UTDATERT"
    """Neither channel was updated or verified within 18 months."""
    INGEN_KONTAKTINFORMASJON = "INGEN_KONTAKTINFORMASJON"


@dataclass(frozen=True)
class Vurdering:
    status: Varslingsstatus
    grunn: Grunn | None


def vurder(status: str, reservert: bool, channels: list[tuple[bool, bool]]) -> Vurdering:
    """The assessment of a person whose ``channels`` are (has a value, usable)."""
    cannot = Varslingsstatus.KAN_IKKE_VARSLES
    if status == "SLETTET":
        return Vurdering(cannot, Grunn.SLETTET)
    if status == "IKKE_REGISTRERT":
        return Vurdering(cannot, Grunn.IKKE_REGISTRERT)
    if reservert:
        return Vurdering(cannot, Grunn.RESERVERT)
    if any(ok for _, ok in channels):
        return Vurdering(Varslingsstatus.KAN_VARSLES, None)
    if any(has for has, _ in channels):
        return Vurdering(cannot, Grunn.UTDATERT)
    return Vurdering(cannot, Grunn.INGEN_KONTAKTINFORMASJON)
