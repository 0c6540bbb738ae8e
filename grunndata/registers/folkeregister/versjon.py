"""What every version of a Freg fact carries in GraphQL: its times and its source."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from grunndata.registers.folkeregister.queries import Fakt


@strawberry.type(description="Times and source of one version of a fact.")
class Versjon:
    gyldighetstidspunkt: dt.datetime | None = strawberry.field(
        description="Valid from (null: since always)."
    )
    opphoerstidspunkt: dt.datetime | None = strawberry.field(
        description="Valid to: opphoerstidspunkt, else where the next version begins (null: open)."
    )
    ajourholdstidspunkt: dt.datetime | None = strawberry.field(description="When recorded.")
    er_gjeldende: bool | None
    kilde: str | None
    aarsak: str | None


def meta(fakt: Fakt) -> dict[str, Any]:
    return {
        "gyldighetstidspunkt": fakt.gyldig_fra,
        "opphoerstidspunkt": fakt.gyldig_til,
        "ajourholdstidspunkt": fakt.ajourholdstidspunkt,
        "er_gjeldende": fakt.er_gjeldende,
        "kilde": fakt.kilde,
        "aarsak": fakt.aarsak,
    }


def date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def text(value: Any) -> str | None:
    return None if value is None else str(value)
