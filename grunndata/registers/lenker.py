"""What the rooms agree on to link to each other: the names of ``Adresse``'s extra keys
(``Register.entities`` names of the register that owns it) and the one key value both
sides of a Folkeregister address link compute (``FolkeregisterNoekkel``). A room never
imports another room; it imports this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: ``Adresse`` by the key a Folkeregister vegadresse carries (values: a tuple in this order).
ADRESSE_BY_KODE = "Adresse:kommunenummer adressekode nummer bokstav"
#: ``Adresse`` by the key a Folkeregister address names it by (``FolkeregisterNoekkel``).
ADRESSE_BY_FOLKEREGISTERNOEKKEL = "Adresse:folkeregisternoekkel"
#: ``Adresse`` by normalised postal form (``felles.postadresse_form``; Enhetsregisteret's).
ADRESSE_BY_POSTFORM = "Adresse:normalisertPostadresse"


_NOEKKEL = re.compile(r"([0-9]*)\|([0-9]{4})?\|([0-9]*)\|([0-9]*)\|([A-Za-zÆØÅæøå]?)")

_KODE_PARTS = (r"[0-9]{4}", r"[0-9]+", r"[0-9]+", r"[A-Za-zÆØÅæøå]?")


@dataclass(frozen=True)
class FolkeregisterNoekkel:
    """How a Folkeregister address names a Matrikkel ``Adresse``: its
    adresseIdentifikatorFraMatrikkelen when it has one, and its vegadresse's kommunenummer,
    adressekode, husnummer and husbokstav. Matched by the id, else (no id, or one Matrikkelen
    does not know) by the kode fields; no single match → none.

    One value (``text``: ``"adresseId|kommunenummer|adressekode|nummer|bokstav"``, empty
    parts for what is not known) because it is also the federation key
    ``Adresse @key(fields: "folkeregisternoekkel")``: a key of several fields could not
    leave the id out (key fields are answered from the reference, so null would be wrong
    answers, and composition would make ``adresseId`` nullable)."""

    adresse_id: str | None
    kommunenummer: str | None
    adressekode: int | None
    nummer: int | None
    bokstav: str  # upper case, "" for none

    @classmethod
    def of(
        cls, adresse_id: Any, kommunenummer: Any, adressekode: Any, nummer: Any, bokstav: Any
    ) -> FolkeregisterNoekkel | None:
        """From a register's values (text or numbers, None when missing); None when they
        name no address (neither a well-formed id nor all kode fields)."""
        parts = ["" if v is None else str(v).strip() for v in (adresse_id, kommunenummer,
                 adressekode, nummer, bokstav)]  # fmt: skip
        if not re.fullmatch(r"[0-9]*", parts[0]):
            parts[0] = ""  # not a Matrikkel id: the kode may still name the address
        if not all(re.fullmatch(p, v) for p, v in zip(_KODE_PARTS, parts[1:], strict=True)):
            parts[1:] = ["", "", "", ""]  # an incomplete or malformed kode names nothing
        return cls.parse("|".join(parts))

    @classmethod
    def of_matrikkeladresse(
        cls, adresse_id: Any, kommunenummer: Any, adressekode: Any, nummer: Any, bokstav: Any,
        undernummer: Any,
    ) -> FolkeregisterNoekkel | None:  # fmt: skip
        """A Matrikkel address's own key: its id, and its kode unless it has an undernummer
        (a Freg vegadresse names only addresses without one)."""
        if undernummer is not None:
            kommunenummer = adressekode = nummer = bokstav = None
        return cls.of(adresse_id, kommunenummer, adressekode, nummer, bokstav)

    @classmethod
    def parse(cls, text: Any) -> FolkeregisterNoekkel | None:
        """The key ``text`` spells, or None when it is malformed or names no address."""
        match = _NOEKKEL.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            return None
        adresse_id, kommune, kode, nummer, bokstav = match.groups()
        has_kode = bool(kommune and kode and nummer)
        if not (adresse_id or has_kode):
            return None
        return cls(
            adresse_id=str(int(adresse_id)) if adresse_id else None,
            kommunenummer=kommune if has_kode else None,
            adressekode=int(kode) if has_kode else None,
            nummer=int(nummer) if has_kode else None,
            bokstav=bokstav.upper() if has_kode else "",
        )

    @property
    def kode(self) -> tuple[str, int, int, str] | None:
        """(kommunenummer, adressekode, nummer, bokstav), or None without them."""
        if self.kommunenummer is None or self.adressekode is None or self.nummer is None:
            return None
        return self.kommunenummer, self.adressekode, self.nummer, self.bokstav

    @property
    def text(self) -> str:
        parts = (self.adresse_id, self.kommunenummer, self.adressekode, self.nummer)
        return "|".join("" if v is None else str(v) for v in parts) + f"|{self.bokstav}"
