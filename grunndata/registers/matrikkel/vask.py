"""Address washing: a typed address to Matrikkelen's, with a category and the corrections.

- **A**: the text names exactly one address, as written (case, spaces and punctuation
  aside), and nothing it says disagrees;
- **B**: one address, certain after the corrections listed;
- **C**: uncertain, a person should look (several as good, or too far from the text).

A postnummer, poststed or kommune that disagrees with the best address is listed as a
correction, never overridden in silence. ``vask_mange`` washes a batch with one statement.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from psycopg import AsyncConnection

from grunndata.identifiers import kommuner_gyldige, parse_kommunenummer
from grunndata.registers.matrikkel.adresseparser import Tolkning, tolk
from grunndata.registers.matrikkel.navneform import bokstavform, kompakt, sokeform
from grunndata.registers.matrikkel.queries import Row
from grunndata.registers.matrikkel.strengavstand import avstand
from grunndata.registers.matrikkel.vask_sql import Sporring, kandidater

MAX_LENGTH = 500
#: Control characters a text may not hold (tab and line breaks are separators).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CANDIDATES = 5
#: A candidate scoring within this of the best makes the best uncertain (category C).
RIVAL = 0.015
#: Corrections and reasons: code → what it means, in Norwegian.
KODER: dict[str, str] = {
    "GATENAVN_STAVET_ANNERLEDES": "gatenavn stavet annerledes",
    "GATENAVN_SKRIVEMAATE": "gatenavn skrevet annerledes (æ/ø/å, vei/veg, gate/gata)",
    "FORKORTELSE_SKREVET_UT": "forkortelse skrevet ut",
    "BOKSTAV_LAGT_TIL": "bokstav lagt til",
    "BOKSTAV_RETTET": "bokstav rettet",
    "BOKSTAV_FJERNET": "bokstav fjernet",
    "HUSNUMMER_FINNES_IKKE": "husnummeret finnes ikke i gaten; nærmeste nummer foreslått",
    "HUSNUMMER_MANGLER": "husnummer mangler",
    "POSTNUMMER_RETTET": "postnummer rettet",
    "POSTSTED_STAVET_ANNERLEDES": "poststed stavet annerledes",
    "POSTSTED_AVVIKER": "poststed avviker",
    "KOMMUNE_AVVIKER": "kommune avviker",
    "BRUKSENHET_IKKE_KONTROLLERT": "bruksenhetsnummer ikke kontrollert",
    "CO_TATT_BORT": "c/o-navn tatt bort",
    # Reasons for no candidates:
    "TOM_TEKST": "teksten er tom",
    "POSTBOKS": "postboksadresse: en postboks er ingen adresse i Matrikkelen",
    "GATENAVN_MANGLER": "teksten har ikke noe gatenavn",
    "INGEN_TREFF": "ingen adresse ligner teksten",
}
#: Corrections that say something about the text, not about which address it is.
_INFORMATION = {"BRUKSENHET_IKKE_KONTROLLERT", "CO_TATT_BORT"}
_LOCALITY = {"POSTNUMMER_RETTET", "POSTSTED_AVVIKER", "KOMMUNE_AVVIKER"}


@dataclass
class Kandidat:
    rad: Row
    score: float
    korreksjoner: list[str] = field(default_factory=list)
    navneavstand: int = 0


@dataclass
class Vask:
    tolkning: Tolkning
    kandidater: list[Kandidat]
    kategori: str | None
    begrunnelse: str | None = None


@functools.cache
def _kommuner_by_name() -> dict[str, str]:
    return {sokeform(k.navn): k.value for k in kommuner_gyldige(dt.date.today()) if k.navn}


@functools.cache
def _kommunenavn(kommunenummer: str) -> str:
    return sokeform(parse_kommunenummer(kommunenummer).navn or "")


@functools.lru_cache(maxsize=65536)
def _exact(a: str, b: str) -> bool:
    return (
        re.sub(r"[\W_]+", " ", a).strip().casefold() == re.sub(r"[\W_]+", " ", b).strip().casefold()
    )


def _sted_score(sted: str, rad: Row) -> tuple[float, str | None]:
    """1 when the typed place is the address's poststed or kommune, with the code of the
    disagreement otherwise."""
    typed = sokeform(sted)
    for official in (sokeform(rad["poststed"] or ""), _kommunenavn(rad["kommunenummer"])):
        if official and (typed == official or official.startswith(typed + " ")
                         or typed.startswith(official + " ")):  # fmt: skip
            return 1.0, None
    near = min(avstand(kompakt(typed), kompakt(rad["poststed"] or ""), 3),
               avstand(kompakt(typed), kompakt(_kommunenavn(rad["kommunenummer"])), 3))  # fmt: skip
    if near <= 2:
        return 0.8, "POSTSTED_STAVET_ANNERLEDES"
    return 0.0, "POSTSTED_AVVIKER"


def _score(s: Sporring, rad: Row, navneavstand: dict[str, int]) -> Kandidat:
    t = s.tolkning
    fixes: list[str] = []
    name, d = 1.0, 0
    if rad["sokenavn"] is not None:
        d = navneavstand[rad["adressenavn"]]
        length = max(len(kompakt(t.gatenavn or "")), len(kompakt(rad["adressenavn"])), 1)
        name = max(0.0, 1.0 - 2 * d / length)
        if d:
            fixes.append("GATENAVN_STAVET_ANNERLEDES")
        elif not _exact(t.gatenavn or "", rad["adressenavn"]):
            fixes.append("GATENAVN_SKRIVEMAATE")
        if t.forkortelser:
            fixes.append("FORKORTELSE_SKREVET_UT")
    number = 1.0 if rad["eksakt"] else 0.2
    if t.gardsnummer is None and t.nummer is None:
        fixes.append("HUSNUMMER_MANGLER")
    elif not rad["eksakt"]:
        fixes.append("HUSNUMMER_FINNES_IKKE")
    elif t.bokstav != rad["bokstav"]:
        number = 0.6
        fixes.append("BOKSTAV_LAGT_TIL" if t.bokstav is None else
                     "BOKSTAV_FJERNET" if rad["bokstav"] is None else "BOKSTAV_RETTET")  # fmt: skip
    place, given = 0.0, 0
    if s.postnummer is not None:
        given += 1
        if s.postnummer == rad["postnummer"]:
            place += 1
        else:
            fixes.append("POSTNUMMER_RETTET")
    if t.sted:
        given += 1
        value, code = _sted_score(t.sted, rad)
        place += value
        if code:
            fixes.append(code)
    if s.kommunenummer is not None and t.gardsnummer is None:
        given += 1
        if s.kommunenummer == rad["kommunenummer"]:
            place += 1
        else:
            fixes.append("KOMMUNE_AVVIKER")
    locality = place / given if given else 0.5
    if t.bruksenhetsnummer:
        fixes.append("BRUKSENHET_IKKE_KONTROLLERT")
    if t.co:
        fixes.append("CO_TATT_BORT")
    as_written = (
        0.02
        if rad["sokenavn"] is not None and not d and _exact(t.gatenavn or "", rad["adressenavn"])
        else 0.0
    )
    score = round(0.58 * name + as_written + 0.25 * number + 0.15 * locality, 4)
    return Kandidat(rad, score, fixes, d)


def _kategori(s: Sporring, ranked: list[Kandidat]) -> str:
    best = ranked[0]
    fixes = set(best.korreksjoner) - _INFORMATION
    rivals = [k for k in ranked[1:] if k.score > best.score - RIVAL]
    # Twins: another street whose name differs only in spelling (Xveien and Xvegen: one
    # search form), or is as near the text, with the same number and letter. The spelling
    # typed is then no proof (a typo in 'veien' may be 'vegen'); only the place is.
    twins = [k for k in ranked[1:] if k.rad["eksakt"] and k.rad["bokstav"] == best.rad["bokstav"]
             and (k.navneavstand == 0 or k.rad["sokenavn"] == best.rad["sokenavn"])]  # fmt: skip
    if not fixes and not rivals and not twins:
        return "A"
    hard = {"HUSNUMMER_FINNES_IKKE", "HUSNUMMER_MANGLER"}
    t = s.tolkning
    if fixes & hard or rivals or len(fixes & _LOCALITY) > 1:
        return "C"
    if twins and (fixes & _LOCALITY or not all(set(k.korreksjoner) & _LOCALITY for k in twins)):
        return "C"
    if "GATENAVN_STAVET_ANNERLEDES" in fixes:
        length = len(kompakt(best.rad["adressenavn"] or ""))
        allowed = 1 if length <= 5 else 2 if length <= 12 else 3
        d = best.navneavstand
        if d > allowed or (not (s.postnummer or t.sted or s.kommunenummer) and d > 1):
            return "C"
        if fixes & _LOCALITY:  # a spelling and a place that disagrees: not certain
            return "C"
    return "B"


def _rank(s: Sporring, rows: list[Row]) -> Vask:
    t = s.tolkning
    q = kompakt(t.gatenavn or "")
    names = {r["adressenavn"] for r in rows if r["sokenavn"] is not None}
    written = bokstavform(t.gatenavn or "")
    distances = {
        name: min(avstand(q, kompakt(name), 8), avstand(written, bokstavform(name), 8))
        for name in names
    }
    # Between equal scores, the name nearer the letters typed (the street type as written:
    # 'veien' is nearer Xveien than Xvegen) comes first; the category says if it is sure.
    as_typed = {name: avstand(written, bokstavform(name), 8) for name in names}
    with_number = {r["sokenavn"] for r in rows if r["eksakt"]}
    by_id: dict[int, Kandidat] = {}
    for rad in rows:
        if not rad["eksakt"] and rad["sokenavn"] in with_number:
            continue  # the number exists on this street: its neighbours are no candidates
        kandidat = _score(s, rad, distances)
        known = by_id.get(rad["adresse_id"])
        if known is None or kandidat.score > known.score:
            by_id[rad["adresse_id"]] = kandidat
    ranked = sorted(by_id.values(), key=lambda k: (
        -k.score, as_typed.get(k.rad["adressenavn"], 0), k.rad["adressetekst"], k.rad["adresse_id"]
    ))  # fmt: skip
    if not ranked:
        return Vask(t, [], None, "INGEN_TREFF")
    return Vask(t, ranked[:CANDIDATES], _kategori(s, ranked))


def _sporring(i: int, tekst: str, kommunenummer: str | None, postnummer: str | None) -> Sporring:
    t = tolk(tekst)
    sted = sokeform(t.sted) if t.sted else None
    kommune = kommunenummer or t.kommunenummer
    if kommune is None and sted is not None:
        kommune = _kommuner_by_name().get(sted)
    return Sporring(i, t, postnummer or t.postnummer, sted, kommune)


def _without_candidates(t: Tolkning, tekst: str) -> str | None:
    if not tekst.strip():
        return "TOM_TEKST"
    if t.postboks is not None:
        return "POSTBOKS"
    if not t.gatenavn and t.gardsnummer is None:
        return "GATENAVN_MANGLER"
    return None


async def vask_mange(
    conn: AsyncConnection,
    tekster: Sequence[str],
    kommunenummer: str | None = None,
    postnummer: str | None = None,
    *,
    punkt: bool = True,
) -> list[Vask]:
    """Wash ``tekster`` (each at most ``MAX_LENGTH`` characters), in order; ``punkt``:
    the candidates with their point in EPSG:4326 (``punkt_4326``, for GraphQL)."""
    sporringer = [_sporring(i, tekst, kommunenummer, postnummer) for i, tekst in enumerate(tekster)]
    reasons = [
        _without_candidates(s.tolkning, tekst) for s, tekst in zip(sporringer, tekster, strict=True)
    ]
    rows = await kandidater(
        conn, [s for s, r in zip(sporringer, reasons, strict=True) if r is None], punkt
    )
    grouped: dict[int, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row["i"], []).append(row)
    return [
        Vask(s.tolkning, [], None, reason) if reason else _rank(s, grouped.get(s.i, []))
        for s, reason in zip(sporringer, reasons, strict=True)
    ]
