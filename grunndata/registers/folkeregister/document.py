"""A Freg person document ("Folkeregisterperson") read into versions of facts.

Every element of the document is a list of versions (``doedsfall`` may be one object).
Each version keeps its own times (``gyldighetstidspunkt``, ``opphoerstidspunkt``,
``ajourholdstidspunkt``), ``erGjeldende``, ``kilde``, ``aarsak`` and its fields, with enum
values as on the wire: camelCase (Freg's OpenAPI spells them UPPER_SNAKE; both are read).

Single-valued facts (navn, bostedsadresse, sivilstand, ...) have one sequence of
versions; multi-valued ones (familierelasjon, statsborgerskap, foreldreansvar,
identifikasjonsnummer, ...) one sequence per relation (``relasjon``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from grunndata.identifiers import InvalidIdentifier, parse_kommunenummer, parse_person_id
from grunndata.registers.folkeregister.fields import (
    DATE_FIELDS,
    ENUM_FIELDS,
    INTEGER_FIELDS,
    KOMMUNE_FIELDS,
    OBJECT_FIELDS,
    SCALAR_FIELDS,
    TEXT_LIST_FIELDS,
)

OSLO = ZoneInfo("Europe/Oslo")
META = (
    "gyldighetstidspunkt",
    "opphoerstidspunkt",
    "ajourholdstidspunkt",
    "erGjeldende",
    "kilde",
    "aarsak",
)
GRADERINGER = frozenset(
    {"ugradert", "fortrolig", "strengtFortrolig", "strengtFortroligUtland", "klientadresse"}
)
_UPPER_SNAKE = re.compile(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*")


def camel(value: str) -> str:
    """``STRENGT_FORTROLIG`` → ``strengtFortrolig``; camelCase stays as it is."""
    if not _UPPER_SNAKE.fullmatch(value):
        return value
    first, *rest = value.lower().split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


class BadRecord(ValueError):
    """The document cannot be taken in: the reason goes to the reject report."""


@dataclass(frozen=True)
class Version:
    element: str
    relasjon: str
    gyldighetstidspunkt: dt.datetime | None
    opphoerstidspunkt: dt.datetime | None
    ajourholdstidspunkt: dt.datetime | None
    er_gjeldende: bool | None
    kilde: str | None
    aarsak: str | None
    data: dict[str, Any]

    @cached_property
    def innhold(self) -> str:
        """The version's identity: everything but ``erGjeldende`` (which a newer document
        flips when a newer version arrives)."""
        times = [
            _iso(t)
            for t in (self.gyldighetstidspunkt, self.opphoerstidspunkt, self.ajourholdstidspunkt)
        ]
        # The same text as json.dumps(key + [data], sort_keys=True), with the data
        # serialised once (data_json goes to the database as it is).
        head = json.dumps([self.element, self.relasjon, times, self.kilde, self.aarsak])
        key = f"{head[:-1]}, {self.data_json}]"
        return hashlib.sha256(key.encode()).hexdigest()[:32]

    @cached_property
    def data_json(self) -> str:
        """``data`` as JSON text (keys sorted): what the loader COPYs into jsonb."""
        return json.dumps(self.data, sort_keys=True)


@dataclass
class PersonDocument:
    location: str
    identifikasjonsnummer: str
    """The current identifier (status iBruk)."""
    identifikatorer: list[str]
    versions: list[Version]
    warnings: list[str] = field(default_factory=list)

    @cached_property
    def ajourholdt(self) -> dt.datetime | None:
        """The document's time: its latest ajourholdstidspunkt (read once per batch step)."""
        times = [v.ajourholdstidspunkt for v in self.versions if v.ajourholdstidspunkt]
        return max(times, default=None)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def parse_timestamp(value: object, name: str) -> dt.datetime | None:
    """An ISO 8601 instant; without an offset it is Norwegian local time."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRecord(f"{name} {value!r} is not a timestamp")
    try:
        return _instant(value)
    except ValueError:
        raise BadRecord(f"{name} {value!r} is not a timestamp") from None


@lru_cache(maxsize=65536)
def _instant(value: str) -> dt.datetime:
    """``parse_timestamp``'s reading, once per distinct text (a document's versions share
    their times, and many documents the same ones)."""
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=OSLO)


def _date(value: object, name: str) -> str:
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise BadRecord(f"{name} {value!r} is not a date") from None


def _check_shape(value: Any, name: str) -> None:
    """Objects, lists and single values where Freg has them (the API relies on it)."""
    if name in OBJECT_FIELDS:
        if not isinstance(value, dict):
            raise BadRecord(f"{name} {value!r} is not an object")
    elif name in TEXT_LIST_FIELDS:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise BadRecord(f"{name} {value!r} is not a list of texts")
    elif name in SCALAR_FIELDS and isinstance(value, dict | list):
        raise BadRecord(f"{name} {value!r} is not a single value")


def _whole_number(value: Any, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise BadRecord(f"{name} {value!r} is not a whole number")


def _year(value: Any) -> int:
    """``foedselsaar``: a number, digits in a string, or Freg OpenAPI's year object
    (``{"leap": false, "value": 1917}``)."""
    number = value.get("value") if isinstance(value, dict) else value
    try:
        return _whole_number(number, "foedselsaar")
    except BadRecord:
        raise BadRecord(f"foedselsaar {value!r} is not a year") from None


def _normalise(value: Any, warn: Callable[[str], None], name: str = "") -> Any:
    """Shapes checked, enum codes to camelCase, dates checked, kommunenummer checked
    (any that existed)."""
    if type(value) in _PLAIN and name not in _RULED:  # no rule below applies: as it is
        return value
    _check_shape(value, name)
    if name == "foedselsaar":
        return _year(value)
    if name in INTEGER_FIELDS:
        return _whole_number(value, name)
    if isinstance(value, dict):
        return {key: _normalise(item, warn, key) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_normalise(item, warn, name) for item in value]
    if isinstance(value, str) and name in ENUM_FIELDS:
        return camel(value)
    if name in DATE_FIELDS:
        return _date(value, name)
    if name in KOMMUNE_FIELDS and isinstance(value, str):
        # Any code that ever existed is fine (a version keeps the code of its time).
        try:
            parse_kommunenummer(value)
        except InvalidIdentifier as exc:
            warn(f"{name} {value!r} kept as given: {exc.reason}")
    return value


#: Field names some rule of ``_normalise`` or ``_check_shape`` applies to.
_RULED = (
    OBJECT_FIELDS | TEXT_LIST_FIELDS | SCALAR_FIELDS | INTEGER_FIELDS | ENUM_FIELDS
    | DATE_FIELDS | KOMMUNE_FIELDS | {"foedselsaar"}
)  # fmt: skip
_PLAIN = frozenset({str, int, float, bool})


def _related_person(value: object, what: str, warn: Callable[[str], None]) -> str | None:
    """A related person's identifier, or None (with a warning) when it fails the rules."""
    if value is None:
        return None
    try:
        return parse_person_id(value).value
    except InvalidIdentifier as exc:
        warn(f"{what}: related person {value!r} dropped: {exc.reason}")
        return None


def _relasjon(element: str, data: dict[str, Any], warn: Callable[[str], None]) -> str | None:
    """The relation a multi-valued version belongs to; '' for single-valued facts; None to
    drop the version (a relation to an invalid identifier)."""
    if element == "familierelasjon":
        if "relatertPerson" in data:
            person = _related_person(data["relatertPerson"], element, warn)
            if person is None:
                return None
            data["relatertPerson"] = person
        else:
            person = "uten:" + json.dumps(
                data.get("relatertPersonUtenFolkeregisteridentifikator"), sort_keys=True
            )
        return f"{data.get('relatertPersonsRolle')}:{person}"
    if element == "foreldreansvar":
        parts = []
        for key in ("ansvarlig", "ansvarssubjekt"):
            if key in data:
                person = _related_person(data[key], element, warn)
                if person is None:
                    return None
                data[key] = person
            parts.append(str(data.get(key, "")))
        return ":".join(parts)
    if element == "statsborgerskap":
        return str(data.get("statsborgerskap", ""))
    if element == "identifikasjonsnummer":
        number = data.get("foedselsEllerDNummer")
        with suppress(InvalidIdentifier):  # judged with the other identifiers (_identifiers)
            data["foedselsEllerDNummer"] = parse_person_id(number).value
        return str(data.get("foedselsEllerDNummer", ""))
    if element in MULTI_VALUED_BY_CONTENT:
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
    if element == "sivilstand" and "relatertVedSivilstand" in data:
        person = _related_person(data["relatertVedSivilstand"], element, warn)
        if person is None:
            del data["relatertVedSivilstand"]
        else:
            data["relatertVedSivilstand"] = person
    return ""


#: Multi-valued elements without a natural relation key: each content is its own relation.
MULTI_VALUED_BY_CONTENT = frozenset(
    {
        "deltBosted",
        "vergemaalEllerFremtidsfullmakt",
        "utenlandskPersonidentifikasjon",
        "utlendingsmyndighetenesIdentifikasjonsnummer",
        "kontaktinformasjonForDoedsbo",
        "legitimasjonsdokument",
        "identitetsgrunnlag",
        "opphold",
        "bibehold",
    }
)


def _version(element: str, raw: object, where: str, warn: Callable[[str], None]) -> Version | None:
    if not isinstance(raw, dict):
        raise BadRecord(f"{where} is not an object")
    data = {k: v for k, v in raw.items() if k not in META}
    data = _normalise(data, warn)
    relasjon = _relasjon(element, data, warn)
    if relasjon is None:
        return None
    gjeldende = raw.get("erGjeldende")
    kilde, aarsak = raw.get("kilde"), raw.get("aarsak")
    return Version(
        element=element,
        relasjon=relasjon,
        gyldighetstidspunkt=parse_timestamp(
            raw.get("gyldighetstidspunkt"), f"{where}: gyldighetstidspunkt"
        ),
        opphoerstidspunkt=parse_timestamp(
            raw.get("opphoerstidspunkt"), f"{where}: opphoerstidspunkt"
        ),
        ajourholdstidspunkt=parse_timestamp(
            raw.get("ajourholdstidspunkt"), f"{where}: ajourholdstidspunkt"
        ),
        er_gjeldende=gjeldende if isinstance(gjeldende, bool) else None,
        kilde=None if kilde is None else str(kilde),
        aarsak=None if aarsak is None else str(aarsak),
        data=data,
    )


def _identifiers(versions: list[Version], warn: Callable[[str], None]) -> tuple[str, list[str]]:
    """The current identifier and all valid ones; invalid non-current ones are dropped."""
    valid: list[str] = []
    current: list[tuple[Version, str]] = []
    for version in versions:
        number = version.data.get("foedselsEllerDNummer")
        in_use = version.data.get("status") == "iBruk" and version.er_gjeldende is not False
        try:
            parsed = parse_person_id(number).value
        except InvalidIdentifier as exc:
            if in_use:
                raise BadRecord(f"current identifier {number!r} is invalid: {exc.reason}") from None
            warn(f"identifier {number!r} dropped: {exc.reason}")
            continue
        valid.append(parsed)
        if in_use:
            current.append((version, parsed))
    if not current:
        raise BadRecord("no current identifier (identifikasjonsnummer with status iBruk)")
    far_past = dt.datetime.min.replace(tzinfo=dt.UTC)
    current.sort(
        key=lambda vp: (
            vp[0].data.get("identifikatortype") == "foedselsnummer",
            vp[0].gyldighetstidspunkt or far_past,
        )
    )
    return current[-1][1], sorted(set(valid))


def read_document(raw: object, location: str) -> PersonDocument:
    """Read one document; raises :class:`BadRecord` with the reason it cannot be taken."""
    if not isinstance(raw, dict):
        raise BadRecord("a person document must be a JSON object")
    warnings: list[str] = []
    versions: list[Version] = []
    identity: list[Version] = []
    for element, value in raw.items():
        if isinstance(value, dict):  # doedsfall and falskIdentitet are one object
            value = [value]
        if value is None:
            continue
        if not isinstance(value, list):
            warnings.append(f"{element} {value!r} ignored: not a list of versions")
            continue
        for index, item in enumerate(value):
            version = _version(element, item, f"{element}[{index}]", warnings.append)
            if version is None:
                continue
            if element == "identifikasjonsnummer":
                identity.append(version)
            versions.append(version)
    if not identity:
        raise BadRecord("no identifikasjonsnummer")
    current, all_ids = _identifiers(identity, warnings.append)
    versions = [
        v for v in versions if v.element != "identifikasjonsnummer" or v.relasjon in all_ids
    ]
    for version in versions:
        gradering = version.data.get("graderingsnivaa") or version.data.get("adressegradering")
        if gradering is not None and gradering not in GRADERINGER:
            warnings.append(f"{version.element}: unknown gradering {gradering!r} kept as given")
    unique = list({v.innhold: v for v in versions}.values())
    return PersonDocument(location, current, all_ids, unique, warnings)
