"""An export's request, checked before anything is read or written: every refusal is one
line naming what is wrong (``ExportRefused``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grunndata.errors import GrunndataError
from grunndata.export.declare import Eksport, Features, Layer, Records
from grunndata.identifiers import InvalidIdentifier, parse_kommunenummer, parse_orgnr
from grunndata.ogc.crs import SUPPORTED
from grunndata.registers import REGISTERS

FORMATS = ("jsonl", "csv", "geojson", "gpkg")
GEO = ("geojson", "gpkg")
EPSG = tuple(dict.fromkeys(crs.srid for crs in SUPPORTED))
DEFAULT_EPSG = {"geojson": 4326, "gpkg": 25833}


class ExportRefused(GrunndataError):
    """An export that cannot be made as asked."""


@dataclass(frozen=True)
class Ask:
    """What ``grunndata export`` was asked for, as given."""

    register: str
    out: Path
    format: str
    kommuner: tuple[str, ...] = ()
    epsg: int | None = None
    scopes: tuple[str, ...] = ()
    orgnr: str | None = None
    deler: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """A checked export: the parts to write, and the CRS of a geographic one."""

    ask: Ask
    records: tuple[Records | Features, ...]
    layers: tuple[Layer, ...]
    epsg: int | None
    kommuner: tuple[str, ...]

    @property
    def persons(self) -> bool:
        return any(r.persons for r in self.records)


def eksport_of(name: str) -> Eksport:
    exporting = {r.name: r.eksport for r in REGISTERS if r.eksport is not None}
    if name not in exporting:
        raise ExportRefused(f"unknown register {name!r}; exported are: {', '.join(exporting)}")
    return exporting[name]


def plan(ask: Ask) -> Plan:
    if ask.format not in FORMATS:
        raise ExportRefused(f"unknown format {ask.format!r}; use one of: {', '.join(FORMATS)}")
    eksport = eksport_of(ask.register)
    geo = ask.format in GEO
    parts: dict[str, Records | Features | Layer] = (
        {layer.name: layer for layer in eksport.layers}
        if geo
        else {r.entitet: r for r in eksport.records}
    )
    if not parts:
        gives = [f for f in FORMATS if (eksport.layers if f in GEO else eksport.records)]
        raise ExportRefused(
            f"{ask.register} cannot give {ask.format}; it gives: {', '.join(gives)}"
        )
    chosen = _chosen(ask, parts)
    kommuner = tuple(_kommune(k) for k in ask.kommuner)
    if kommuner and (flat := [n for n, p in chosen.items() if not p.kommune]):
        raise ExportRefused(f"{', '.join(flat)} of {ask.register} cannot be filtered by kommune")
    return Plan(
        ask,
        records=tuple(p for p in chosen.values() if isinstance(p, Records | Features)),
        layers=tuple(p for p in chosen.values() if isinstance(p, Layer)),
        epsg=_epsg(ask),
        kommuner=kommuner,
    )


def _chosen(
    ask: Ask, parts: dict[str, Records | Features | Layer]
) -> dict[str, Records | Features | Layer]:
    unknown = [d for d in ask.deler if d not in parts]
    if unknown:
        raise ExportRefused(
            f"{ask.register} has no {unknown[0]!r} in {ask.format}; choose from: {', '.join(parts)}"
        )
    chosen = {d: parts[d] for d in ask.deler} if ask.deler else dict(parts)
    if ask.format in ("csv", "geojson") and len(chosen) > 1:
        raise ExportRefused(
            f"a {ask.format} file holds one kind of entity: choose one with --del "
            f"({', '.join(chosen)})"
        )
    return chosen


def _kommune(given: str) -> str:
    try:
        return parse_kommunenummer(given.strip()).value
    except InvalidIdentifier as exc:
        raise ExportRefused(f"--kommune {given!r}: {exc.reason}") from None


def _epsg(ask: Ask) -> int | None:
    if ask.format not in GEO:
        if ask.epsg is not None:
            raise ExportRefused("--epsg applies to geojson and gpkg only")
        return None
    if ask.epsg is None:
        return DEFAULT_EPSG[ask.format]
    if ask.epsg not in EPSG:
        raise ExportRefused(
            f"EPSG:{ask.epsg} is not supported; use one of: {', '.join(map(str, EPSG))}"
        )
    return ask.epsg


def persons_allowed(plan: Plan, known_scopes: tuple[str, ...]) -> None:
    """A person export needs the scopes of the token it stands for, and its orgnr."""
    if not plan.persons:
        return
    if not plan.ask.scopes or not plan.ask.orgnr:
        raise ExportRefused(
            f"{plan.ask.register} exports persons: give --scope (the token's scopes) and "
            "--orgnr (the consumer's organisasjonsnummer)"
        )
    if unknown := [s for s in plan.ask.scopes if s not in known_scopes]:
        raise ExportRefused(f"unknown scope {unknown[0]!r}; known: {', '.join(known_scopes)}")
    try:
        parse_orgnr(plan.ask.orgnr)
    except InvalidIdentifier as exc:
        raise ExportRefused(f"--orgnr {plan.ask.orgnr!r}: {exc.reason}") from None
