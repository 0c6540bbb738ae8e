"""Matrikkelnummer as the sources write them: text (``4204-97/90``) or an object of parts."""

from __future__ import annotations

from grunndata.identifiers import InvalidIdentifier, Matrikkelnummer, parse_matrikkelnummer

PARTS = ("kommunenummer", "gardsnummer", "bruksnummer", "festenummer", "seksjonsnummer")


def matrikkelnummer_fra(value: object) -> Matrikkelnummer:
    """``ValueError`` with the reason when ``value`` is neither form or breaks a rule."""
    try:
        if isinstance(value, str):
            return parse_matrikkelnummer(value)
        if isinstance(value, dict):
            unknown = sorted(set(value) - set(PARTS))
            if unknown:
                raise ValueError(f"matrikkelnummer: unknown member(s) {', '.join(unknown)}")
            if not {"kommunenummer", "gardsnummer", "bruksnummer"} <= set(value):
                raise ValueError(
                    "matrikkelnummer: needs kommunenummer, gardsnummer and bruksnummer"
                )
            return Matrikkelnummer.from_parts(
                str(value["kommunenummer"]),
                value["gardsnummer"],
                value["bruksnummer"],
                value.get("festenummer", 0),
                value.get("seksjonsnummer", 0),
            )
    except InvalidIdentifier as exc:
        raise ValueError(f"matrikkelnummer: {exc.reason}") from None
    raise ValueError(f"matrikkelnummer: expected text or an object of parts, got {value!r}")
