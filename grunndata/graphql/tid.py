"""Time arguments: which instant of valid time and of recorded time a query asks about.

Every versioned query takes ``gyldighetstidspunkt`` (valid time: when something was so in
the world) and ``ajourholdstidspunkt`` (recorded time: what the register knew at that
moment). The rules, the same for every register:

- neither: what is valid now, as the register knows it now;
- only ``gyldighetstidspunkt`` V: what was valid at V, as the register knows it now;
- only ``ajourholdstidspunkt`` R: what the register said at R about R;
- both: what the register said at R about V.

A ``DateTime`` without an offset means Norwegian local time (Europe/Oslo).

>>> from datetime import datetime
>>> now = datetime(2026, 11, 28, 12, tzinfo=OSLO)
>>> tid = Tidspunkt.fra_argumenter(None, datetime(2022, 12, 1), naa=now)
>>> tid.gyldig.isoformat(), tid.registrert.isoformat()
('2022-12-01T00:00:00+01:00', '2022-12-01T00:00:00+01:00')
>>> Tidspunkt.fra_argumenter(datetime(2022, 5, 1), None, naa=now).registrert is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import strawberry

OSLO = ZoneInfo("Europe/Oslo")

#: The two time arguments, described once for every versioned query.
Gyldighetstidspunkt = Annotated[
    datetime | None,
    strawberry.argument(
        description="The state valid at this instant (default: now). Without an offset: "
        "Norwegian local time (Europe/Oslo)."
    ),
]
Ajourholdstidspunkt = Annotated[
    datetime | None,
    strawberry.argument(
        description="The state as the register knew it at this instant: later "
        "registrations are ignored. Alone, it is the valid instant too."
    ),
]


def aware(value: datetime) -> datetime:
    """``value`` with an offset: naive datetimes are Norwegian local time."""
    return value.replace(tzinfo=OSLO) if value.tzinfo is None else value


@dataclass(frozen=True)
class Tidspunkt:
    """The instant of valid time, and of recorded time (None: the current registrations,
    which is what "as the register knows it now" means and what the indexes serve best)."""

    gyldig: datetime
    registrert: datetime | None = None

    @classmethod
    def fra_argumenter(
        cls,
        gyldighetstidspunkt: datetime | None,
        ajourholdstidspunkt: datetime | None,
        *,
        naa: datetime,
    ) -> Tidspunkt:
        recorded = aware(ajourholdstidspunkt) if ajourholdstidspunkt is not None else None
        if gyldighetstidspunkt is not None:
            return cls(gyldig=aware(gyldighetstidspunkt), registrert=recorded)
        return cls(gyldig=recorded or aware(naa), registrert=recorded)

    def as_of_sql(self, alias: str) -> tuple[str, dict[str, Any]]:
        """A condition selecting the versions of table ``alias`` this instant sees, for
        tables with ``gyldig tstzrange`` (valid time) and ``registrert tstzrange``
        (recorded time), and its parameters (named, for ``%(name)s`` placeholders)."""
        valid = f"{alias}.gyldig @> %(gyldig)s::timestamptz"
        if self.registrert is None:
            return f"{valid} AND upper_inf({alias}.registrert)", {"gyldig": self.gyldig}
        recorded = f"{alias}.registrert @> %(registrert)s::timestamptz"
        return f"{valid} AND {recorded}", {"gyldig": self.gyldig, "registrert": self.registrert}


def tidspunkt(
    info: Any, gyldighetstidspunkt: datetime | None, ajourholdstidspunkt: datetime | None
) -> Tidspunkt:
    """The instants a resolver's time arguments ask for; "now" is the request's instant."""
    return Tidspunkt.fra_argumenter(gyldighetstidspunkt, ajourholdstidspunkt, naa=info.context.now)
