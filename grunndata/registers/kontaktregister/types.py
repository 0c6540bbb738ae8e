"""The GraphQL surface of a person's entry: ``Kontaktinformasjon`` with its channels,
its digital mailbox and certificate, and ``varslingsstatus``, all as of the asked moment.

A ``Kontaktinformasjon`` names its person by ``linked_person()``: the lookup log records
whose entry was read, with the field groups read (``grunndata.graphql.access``)."""

from __future__ import annotations

import base64
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from grunndata.graphql.context import Context
from grunndata.graphql.tid import Tidspunkt
from grunndata.registers.kontaktregister import queries, sertifikat, varsling


@strawberry.enum(description="The person's state in KRR.")
class KrrStatus(Enum):
    AKTIV = "AKTIV"
    SLETTET = "SLETTET"
    IKKE_REGISTRERT = "IKKE_REGISTRERT"


@strawberry.enum(description="Reserved against digital communication from the public sector.")
class Reservasjon(Enum):
    JA = "JA"
    NEI = "NEI"


Varslingsstatus = strawberry.enum(
    varsling.Varslingsstatus,
    description="Whether the person may be notified digitally at the asked moment.",
)
VarslingsGrunn = strawberry.enum(
    varsling.Grunn, name="VarslingsGrunn", description="Why the person may not be notified."
)


@strawberry.type(description="An e-mail address or a mobile number, with its times.")
class Kanal:
    verdi: str = strawberry.field(description="The address or number.")
    oppdatert: datetime | None = strawberry.field(description="When the person last set it.")
    sist_verifisert: datetime | None = strawberry.field(
        description="When the person last confirmed it."
    )
    brukbar: bool = strawberry.field(
        description="Usable for a notice at the asked moment: updated or verified within 18 "
        "months before it (eForvaltningsforskriften § 32)."
    )


@strawberry.type(description="The mailbox's X.509 certificate.")
class Sertifikat:
    subject: str
    issuer: str
    serienummer: str = strawberry.field(description="The serial number, hexadecimal.")
    gyldig_fra: datetime
    gyldig_til: datetime
    gyldig: bool = strawberry.field(description="Valid at the asked moment.")
    der: str = strawberry.field(description="The certificate, base64 DER.")


@strawberry.type(description="The person's digital mailbox (Digipost, e-Boks).")
class DigitalPostkasse:
    postkasseadresse: str | None
    leverandoeradresse: str | None = strawberry.field(
        description="The mailbox provider's address (postkasseleverandoeradresse)."
    )
    sertifikat: Sertifikat | None


@strawberry.type(description="Varslingsstatus and its reason, at the asked moment.")
class Varsling:
    status: Varslingsstatus  # type: ignore[valid-type]
    grunn: VarslingsGrunn | None = strawberry.field(  # type: ignore[valid-type]
        description="Why not, when KAN_IKKE_VARSLES."
    )


@strawberry.type(
    description="A person's entry in Kontakt- og reservasjonsregisteret (KRR) at the asked "
    "moment: contact details, reservation, digital mailbox and language."
)
class Kontaktinformasjon:
    _row: strawberry.Private[dict[str, Any]]
    _tid: strawberry.Private[Tidspunkt]

    def linked_person(self) -> str:
        return self._row["personidentifikator"]

    def _known(self, name: str) -> Any:
        """A dated field's value if it was set by the asked moment."""
        stamp = self._row.get(f"{name}_oppdatert")
        return self._row[name] if stamp is None or stamp <= self._tid.gyldig else None

    def _kanal(self, name: str) -> Kanal | None:
        value, stamp = self._known(name), self._row[f"{name}_oppdatert"]
        if value is None:
            return None
        verified = self._row[f"{name}_sist_verifisert"]
        return Kanal(verdi=value, oppdatert=stamp, sist_verifisert=verified,
                     brukbar=varsling.usable(stamp, verified, self._tid.gyldig))  # fmt: skip

    @strawberry.field(description="Fødselsnummer or D-nummer, as KRR keys the person.")
    def personidentifikator(self) -> strawberry.ID | None:
        return strawberry.ID(self._row["personidentifikator"])

    @strawberry.field(description="AKTIV, SLETTET or IKKE_REGISTRERT.")
    def status(self) -> KrrStatus | None:
        return KrrStatus(self._row["status"])

    @strawberry.field(description="JA when reserved at the asked moment.")
    def reservasjon(self) -> Reservasjon | None:
        value, at = self._row["reservasjon"], self._row["reservasjonstidspunkt"]
        if value == "JA" and at is not None and at > self._tid.gyldig:
            return Reservasjon.NEI
        return None if value is None else Reservasjon(value)

    @strawberry.field(description="When the person reserved themselves.")
    def reservasjonstidspunkt(self) -> datetime | None:
        return self._row["reservasjonstidspunkt"]

    @strawberry.field(description="E-mail address (null: none known at the asked moment).")
    def epost(self) -> Kanal | None:
        return self._kanal("epostadresse")

    @strawberry.field(description="Mobile number (null: none known at the asked moment).")
    def mobil(self) -> Kanal | None:
        return self._kanal("mobiltelefonnummer")

    @strawberry.field(description="Preferred language: nb, nn, en or se.")
    def spraak(self) -> str | None:
        return self._known("spraak")

    @strawberry.field(
        description="KAN_VARSLES or KAN_IKKE_VARSLES at the asked moment, and why not: "
        "reserved, deleted, not registered, or no channel updated or verified within 18 "
        "months."
    )
    def varslingsstatus(self) -> Varsling | None:
        channels = [self._kanal("epostadresse"), self._kanal("mobiltelefonnummer")]
        found = varsling.vurder(
            self._row["status"],
            self.reservasjon() is Reservasjon.JA,
            [(c is not None, c is not None and c.brukbar) for c in channels],
        )
        return Varsling(status=found.status, grunn=found.grunn)

    @strawberry.field(description="The digital mailbox and its certificate.")
    def digital_postkasse(self) -> DigitalPostkasse | None:
        row = self._row
        if row["postkasseadresse"] is None and row["sertifikat"] is None:
            return None
        return DigitalPostkasse(
            postkasseadresse=row["postkasseadresse"],
            leverandoeradresse=row["postkasseleverandoeradresse"],
            sertifikat=_sertifikat(row["sertifikat"], self._tid.gyldig),
        )


def _sertifikat(der: bytes | None, at: datetime) -> Sertifikat | None:
    if der is None:
        return None
    read = sertifikat.read(bytes(der))
    return Sertifikat(
        subject=read.subject, issuer=read.issuer, serienummer=read.serienummer,
        gyldig_fra=read.gyldig_fra, gyldig_til=read.gyldig_til, gyldig=read.gyldig(at),
        der=base64.b64encode(bytes(der)).decode(),
    )  # fmt: skip


async def load_kontakter(
    info: Info[Context, None], tid: Tidspunkt, numbers: list[str]
) -> list[Kontaktinformasjon | None]:
    """Each person's entry at ``tid``, batched with the other lookups of the request."""

    async def batch(keys: list[str]) -> list[dict[str, Any] | None]:
        async with info.context.pool.connection() as conn:
            return await queries.kontakter(conn, tid, keys)

    loader = info.context.loader(("kontaktregister.kontakt", tid), lambda: DataLoader(batch))
    rows = await loader.load_many(numbers)
    return [None if row is None else Kontaktinformasjon(_row=row, _tid=tid) for row in rows]
