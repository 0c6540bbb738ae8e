"""One person's entry as KRR's lookup API answers it (``{"personer": [...]}``), read and
checked into the row the register stores (``tables.CONTENT``).

The field names are KRR's: ``personidentifikator``, ``status``, ``reservasjon`` with
``reservasjonstidspunkt`` and ``reservasjon_oppdatert``, ``kontaktinformasjon`` (e-post
and mobil, each with ``_oppdatert`` and ``_sist_verifisert``), the digital mailbox
(``postkasseadresse``, ``postkasseleverandoeradresse`` and ``sertifikat``, at the top or
nested under ``digital_post``), ``spraak`` and ``spraak_oppdatert``. ``varslingsstatus``
is not stored: it depends on the moment asked about, so it is computed when asked.

"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from grunndata.identifiers import InvalidIdentifier, parse_person_id
from grunndata.registers.kontaktregister.sertifikat import BadCertificate, der_of
from grunndata.registers.kontaktregister.tables import CONTENT, TIMES

OSLO = ZoneInfo("Europe/Oslo")
STATUS = ("AKTIV", "SLETTET", "IKKE_REGISTRERT")
SPRAAK = ("nb", "nn", "en", "se")
#: ``kontaktinformasjon``'s fields.
CONTACT = tuple(c for c in CONTENT if c.startswith(("epostadresse", "mobiltelefonnummer")))
DIGITAL_POST = ("postkasseadresse", "postkasseleverandoeradresse", "sertifikat")
TOP = (
    "personidentifikator", "status", "reservasjon", "reservasjonstidspunkt",
    "reservasjon_oppdatert", "kontaktinformasjon", "digital_post", "varslingsstatus",
    "spraak", "spraak_oppdatert", *DIGITAL_POST,
)  # fmt: skip
#: The channels whose ``_oppdatert`` orders a person's entries (``extract_order``).
ORDERED = ("reservasjon_oppdatert", "epostadresse_oppdatert", "mobiltelefonnummer_oppdatert",
           "spraak_oppdatert")  # fmt: skip
_EPOST = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MOBIL = re.compile(r"^\+?[0-9]{8,15}$")


class BadEntry(ValueError):
    """A person entry that breaks a rule; the message names the field and the rule."""


@dataclass
class Entry:
    personidentifikator: str
    values: dict[str, Any]
    location: str
    warnings: list[str] = field(default_factory=list)

    def row(self) -> tuple[Any, ...]:
        return tuple(self.values.get(c) for c in CONTENT)

    @property
    def newest(self) -> datetime | None:
        """The latest time the entry states: what it shows was so at least from then."""
        return max((self.values[c] for c in TIMES if self.values.get(c)), default=None)

    @property
    def earliest(self) -> datetime | None:
        return min((self.values[c] for c in TIMES if self.values.get(c)), default=None)


def read_entry(raw: Any, location: str) -> Entry:
    """The checked entry of one person record (``BadEntry`` names what is wrong)."""
    if not isinstance(raw, dict):
        raise BadEntry(f"a person entry is an object, not {type(raw).__name__}")
    try:
        number = parse_person_id(str(raw.get("personidentifikator") or "")).value
    except InvalidIdentifier as exc:
        raise BadEntry(
            f"personidentifikator {raw.get('personidentifikator')!r} is not valid: {exc.reason}"
        ) from None
    entry = Entry(number, {}, location)
    values = entry.values
    values["status"] = _one_of(raw, "status", STATUS, required=True)
    values["reservasjon"] = _one_of(raw, "reservasjon", ("JA", "NEI"))
    values["spraak"] = _one_of(raw, "spraak", SPRAAK, lower=True)
    for name in ("reservasjonstidspunkt", "reservasjon_oppdatert", "spraak_oppdatert"):
        values[name] = _time(raw.get(name), name)
    kontakt = raw.get("kontaktinformasjon") or {}
    if not isinstance(kontakt, dict):
        raise BadEntry("kontaktinformasjon is an object")
    for name in CONTACT:
        value = kontakt.get(name, raw.get(name))
        values[name] = _time(value, name) if name in TIMES else _text(value, name)
    _channel(values, "epostadresse", _EPOST, "an e-mail address")
    _channel(values, "mobiltelefonnummer", _MOBIL, "a phone number (digits, + first)")
    _digital_post(raw, values)
    entry.warnings += _odd(raw, kontakt, values)
    return entry


def _one_of(
    raw: Mapping[str, Any], name: str, allowed: tuple[str, ...], *, required: bool = False,
    lower: bool = False,
) -> str | None:  # fmt: skip
    value = raw.get(name)
    if value is None or value == "":
        if required:
            raise BadEntry(f"{name} is missing (one of {', '.join(allowed)})")
        return None
    text = str(value).strip()
    text = text.lower() if lower else text.upper()
    if text not in allowed:
        raise BadEntry(f"{name} {value!r} is not one of {', '.join(allowed)}")
    return text


def _text(value: Any, name: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise BadEntry(f"{name} is a string, not {type(value).__name__}")
    return value.strip()


def _time(value: Any, name: str) -> datetime | None:
    """An ISO 8601 date-time; without an offset, Norwegian local time."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadEntry(f"{name} {value!r} is not an ISO 8601 date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=OSLO)


def _channel(values: dict[str, Any], name: str, pattern: re.Pattern[str], what: str) -> None:
    value = values[name]
    if name == "mobiltelefonnummer" and value:
        value = values[name] = value.replace(" ", "")
    if value is not None and not pattern.match(value):
        raise BadEntry(f"{name} {value!r} is not {what}")


def _digital_post(raw: Mapping[str, Any], values: dict[str, Any]) -> None:
    """The mailbox's fields, flat or nested under ``digital_post`` (both: they agree)."""
    nested = raw.get("digital_post") or {}
    if not isinstance(nested, dict):
        raise BadEntry("digital_post is an object")
    for name in DIGITAL_POST:
        flat, inner = raw.get(name), nested.get(name)
        if flat and inner and flat != inner:
            raise BadEntry(f"{name} is given twice, flat and under digital_post, and differs")
        value = _text(flat or inner, name)
        if name == "sertifikat" and value is not None:
            try:
                values[name] = der_of(value)
            except BadCertificate as exc:
                raise BadEntry(f"sertifikat: {exc}") from None
        else:
            values[name] = value


def _odd(raw: Mapping[str, Any], kontakt: Mapping[str, Any], values: dict[str, Any]) -> list[str]:
    """Warnings: what is stored but looks wrong, and fields KRR does not have."""
    found = []
    unknown = sorted(set(raw) - set(TOP) - set(CONTACT)) + sorted(set(kontakt) - set(CONTACT))
    if unknown:
        found.append(f"fields KRR does not have are not stored: {', '.join(unknown)}")
    details = [c for c in ("epostadresse", "mobiltelefonnummer", "postkasseadresse") if values[c]]
    if values["status"] != "AKTIV" and details:
        found.append(f"status {values['status']} but it has {', '.join(details)}")
    for name in ("epostadresse", "mobiltelefonnummer"):
        if values[name] and values[f"{name}_oppdatert"] is None:
            found.append(f"{name} without {name}_oppdatert: it is never usable for notices")
    return found
