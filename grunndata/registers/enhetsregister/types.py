"""GraphQL types of Enhetsregisteret: ``Enhet``, ``Rolle`` and what they hold.

Every field Brønnøysund's formats carry is a field of ``Enhet``, named as in the JSON
(``fields.FIELDS``); relations (``overordnetEnhet``, ``underenheter``, ``roller``,
``historikk``, a role holder's ``person`` and ``enhet``) load through per-request
DataLoaders, one statement per relation and level.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from grunndata.graphql.connection import Connection, connection, page
from grunndata.graphql.context import Context
from grunndata.graphql.tid import Tidspunkt
from grunndata.identifiers import parse_orgnr
from grunndata.registers.enhetsregister import queries
from grunndata.registers.enhetsregister.fields import FIELDS, Field, Kind
from grunndata.registers.lenker import ADRESSE_BY_POSTFORM

Row = dict[str, Any]
#: Matrikkelen's address type, reached lazily (never imported) and through Context.entity.
#: (The lazy name is the class's name there; this room's ``Adresse`` is ``EnhetAdresse``.)
MatrikkelAdresseRef = Annotated["Adresse", strawberry.lazy("grunndata.registers.matrikkel.types")]
#: The person register's GraphQL types, when that register is installed in this build.
PERSON_TYPES = "grunndata.registers.folkeregister.types"
HAS_PERSON = importlib.util.find_spec(PERSON_TYPES) is not None


@strawberry.type(name="EnhetKode", description="A code and its text, as Brønnøysund gives it.")
class Kode:
    kode: str | None
    beskrivelse: str | None


@strawberry.type(
    name="EnhetAdresse",
    description="An address as Brønnøysund has it: `adresse` is the list of address lines.",
)
class Adresse:
    adresse: list[str]
    postnummer: str | None
    poststed: str | None
    kommune: str | None
    kommunenummer: str | None
    land: str | None
    landkode: str | None
    _postform: strawberry.Private[str | None] = None

    @strawberry.field(
        description="This address in Matrikkelen, as it is now: matched by postnummer, "
        "normalised street name, number and letter. Null when there is no such single "
        "address (a P.O. box, a c/o line, no house number, several candidates): never a guess."
    )
    async def adresse_i_matrikkelen(self, info: Info[Context, None]) -> MatrikkelAdresseRef | None:
        if self._postform is None:
            return None
        return await info.context.entity(ADRESSE_BY_POSTFORM, self._postform)


def _kode(kode: str | None, beskrivelse: str | None) -> Kode | None:
    return (
        None if kode is None and beskrivelse is None else Kode(kode=kode, beskrivelse=beskrivelse)
    )


def _adresse(value: dict[str, Any] | None, postform: str | None = None) -> Adresse | None:
    """The address of a jsonb column; ``postform`` is its normalised postal form (the
    column's generated ``<column>_form``, migration 0006)."""
    if not value:
        return None
    parts = {
        k: value.get(k)
        for k in ("postnummer", "poststed", "kommune", "kommunenummer", "land", "landkode")
    }
    return Adresse(adresse=list(value.get("adresse") or []), _postform=postform, **parts)


# -- loaders -------------------------------------------------------------------------------


def _loader(
    info: Info[Context, None],
    name: str,
    tid: Tidspunkt,
    fetch: Callable[[Any, Tidspunkt, list[str]], Awaitable[Sequence[Any]]],
) -> DataLoader[str, Any]:
    async def batch(keys: list[str]) -> Sequence[Any]:
        async with info.context.pool.connection() as conn:
            return await fetch(conn, tid, keys)

    return info.context.loader((name, tid), lambda: DataLoader(batch))


async def load_enhet(info: Info[Context, None], orgnr: str, tid: Tidspunkt) -> Enhet | None:
    row = await _loader(info, "enhetsregister.enhet", tid, queries.enheter).load(orgnr)
    return None if row is None else Enhet.of(row, tid)


async def enhet_batch(context: Context, tid: Tidspunkt, keys: list[str]) -> list[Enhet | None]:
    """The ``"Enhet"`` entity other registers reach through ``Context.entity``."""
    checked = [_checked(key) for key in keys]
    async with context.pool.connection() as conn:
        rows = await queries.enheter(conn, tid, [k for k in checked if k is not None])
    found = {row["organisasjonsnummer"]: row for row in rows if row is not None}
    return [Enhet.of(found[k], tid) if k in found else None for k in checked]


def _checked(key: str) -> str | None:
    try:
        return parse_orgnr(key).value
    except ValueError:
        return None


# -- Enhet ---------------------------------------------------------------------------------

_EXPLICIT = {"navn", "overordnetEnhet"}


class Enhet:
    """A unit; made a GraphQL type below, once a resolver per source field is added."""

    organisasjonsnummer: strawberry.ID
    er_underenhet: bool = strawberry.field(
        description="An underenhet (a business's establishment), not a hovedenhet."
    )
    _row: strawberry.Private[Row]
    _tid: strawberry.Private[Tidspunkt]

    @classmethod
    def of(cls, row: Row, tid: Tidspunkt) -> Enhet:
        unit = cls(
            organisasjonsnummer=strawberry.ID(row["organisasjonsnummer"]),
            er_underenhet=row["er_underenhet"],
            _row=row,
            _tid=tid,
        )
        unit.__dict__.update({column: row[column] for column in _SCALAR_COLUMNS})
        return unit

    @strawberry.field(description="The unit's name; null only for a unit the source names not.")
    def navn(self) -> str | None:
        return self._row["navn"]

    @strawberry.field(
        description="The number in MVA form, NO + orgnr + MVA, when registered "
        "in Merverdiavgiftsregisteret."
    )
    def mva_nummer(self) -> str | None:
        if not self._row["registrert_i_mvaregisteret"]:
            return None
        return f"NO{self._row['organisasjonsnummer']}MVA"

    @strawberry.field(description="naeringskode1–3 that the unit has, in order.")
    def naeringskoder(self) -> list[Kode]:
        codes = (
            _kode(self._row[f"naeringskode{i}_kode"], self._row[f"naeringskode{i}_beskrivelse"])
            for i in (1, 2, 3)
        )
        return [code for code in codes if code is not None]

    @strawberry.field(description="Valid time of this version: from (null: unknown, always).")
    def gyldig_fra(self) -> datetime | None:
        return self._row["gyldig"].lower

    @strawberry.field(description="Valid time of this version: until (null: still valid).")
    def gyldig_til(self) -> datetime | None:
        return self._row["gyldig"].upper

    @strawberry.field(description="When the engine recorded this version.")
    def registrert_fra(self) -> datetime | None:
        return self._row["registrert"].lower

    @strawberry.field(description="When it was superseded in the engine (null: current).")
    def registrert_til(self) -> datetime | None:
        return self._row["registrert"].upper

    @strawberry.field(description="Whether the unit is deleted (it has a slettedato).")
    def er_slettet(self) -> bool:
        return self._row["slettedato"] is not None

    @strawberry.field(
        description="The hovedenhet this unit belongs to: null when none, or when that unit "
        "is not (yet) in the register."
    )
    async def overordnet_enhet(self, info: Info[Context, None]) -> Enhet | None:
        parent = self._row["overordnet_enhet"]
        return None if parent is None else await load_enhet(info, parent, self._tid)

    @strawberry.field(description="The unit's underenheter, by organisasjonsnummer.")
    async def underenheter(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[Enhet]:
        wanted = page(first, after)
        tid = self._tid

        async def fetch(conn: Any, tid: Tidspunkt, keys: list[str]) -> Sequence[Any]:
            return await queries.underenheter(conn, tid, keys, wanted)

        loader = _loader(info, f"enhetsregister.underenheter.{wanted}", tid, fetch)
        rows, total = await loader.load(self._row["organisasjonsnummer"])
        return connection([Enhet.of(row, tid) for row in rows], wanted, total)

    @strawberry.field(description="The unit's roles (daglig leder, styre, revisor, ...).")
    async def roller(self, info: Info[Context, None]) -> list[Rolle]:
        rows = await _loader(info, "enhetsregister.roller", self._tid, queries.roller).load(
            self._row["organisasjonsnummer"]
        )
        return [Rolle.of(row, self._tid) for row in rows]

    @strawberry.field(
        description="Every version of the unit in valid time, oldest first, as the register "
        "knows it now (or at ajourholdstidspunkt)."
    )
    async def historikk(self, info: Info[Context, None]) -> list[Enhet]:
        rows = await _loader(info, "enhetsregister.historikk", self._tid, queries.historikk).load(
            self._row["organisasjonsnummer"]
        )
        return [Enhet.of(row, self._tid) for row in rows]


#: Source fields that are a column as it is (text, dates, numbers, yes/no): plain attributes,
#: set by ``Enhet.of``. graphql-core reads an attribute for a fraction of what a resolver
#: costs, and a unit has about forty of them.
_SCALAR_KINDS = {Kind.TEXT: str, Kind.DATE: date, Kind.BOOL: bool, Kind.INT: int}
_SCALAR_COLUMNS = tuple(
    f.columns[0] for f in FIELDS if f.kind in _SCALAR_KINDS and f.name not in _EXPLICIT
)


def _resolver(f: Field) -> Any:
    """A resolver for a field made of its column(s): a code, an address or a list."""
    columns = f.columns
    resolve: Callable[..., Any]
    if f.kind is Kind.CODE:

        def resolve(self: Enhet) -> Kode | None:
            return _kode(self._row[columns[0]], self._row[columns[1]])
    elif f.kind is Kind.ADDRESS:

        def resolve(self: Enhet) -> Adresse | None:
            return _adresse(self._row[columns[0]], self._row.get(f"{columns[0]}_form"))
    else:

        def resolve(self: Enhet) -> list[str]:
            return list(self._row[columns[0]] or [])

    return strawberry.field(resolver=resolve, name=f.name)


for _field in FIELDS:
    if _field.name in _EXPLICIT:
        continue
    if _field.kind in _SCALAR_KINDS:
        plain = strawberry.field(
            name=_field.name, graphql_type=_SCALAR_KINDS[_field.kind] | None, default=None
        )
        setattr(Enhet, _field.columns[0], plain)
    else:
        setattr(Enhet, _field.name, _resolver(_field))
Enhet = strawberry.type(  # type: ignore[misc]
    description="A unit in Enhetsregisteret: a hovedenhet (enhet) or an underenhet. Every "
    "field Brønnøysund's files carry, named as in its JSON; plus links to the parent unit, "
    "sub-units, roles and the unit's history."
)(Enhet)


# -- Rolle ---------------------------------------------------------------------------------


@strawberry.type(description="Who holds a role: a person or a unit.")
class Rolleinnehaver:
    navn: str = strawberry.field(description="A person's full name, or a unit's name.")
    fornavn: str | None
    mellomnavn: str | None
    etternavn: str | None
    foedselsdato: date | None
    er_doed: bool | None
    foedselsnummer: str | None = strawberry.field(
        description="A person's identifikasjonsnummer, when the source gives it (Brønnøysund's "
        "authorised API does, the open one does not)."
    )
    organisasjonsnummer: str | None = strawberry.field(
        description="The holding unit's organisasjonsnummer, when a unit holds the role."
    )
    _tid: strawberry.Private[Tidspunkt]

    def linked_person(self) -> str | None:
        """Access-control hook (``grunndata.graphql.access``): the person holding it."""
        return self.foedselsnummer

    @strawberry.field(description="The holding unit, when a unit holds the role and is known.")
    async def enhet(self, info: Info[Context, None]) -> Enhet | None:
        if self.organisasjonsnummer is None:
            return None
        return await load_enhet(info, self.organisasjonsnummer, self._tid)

    if HAS_PERSON:

        @strawberry.field(
            description="The person in Folkeregisteret as it is now (an entity reached by "
            "key), when the holder's identifier is known."
        )
        async def person(
            self, info: Info[Context, None]
        ) -> Annotated["Person", strawberry.lazy(PERSON_TYPES)] | None:  # noqa: F821, UP037
            if self.foedselsnummer is None:
                return None
            return await info.context.entity("Person", self.foedselsnummer)


@strawberry.type(description="A role in a unit: its type and group, and who holds it.")
class Rolle:
    type: Kode
    rollegruppe: Kode
    fratraadt: bool | None
    rekkefolge: int | None
    ansvarsandel: str | None
    valgt_av: Kode | None
    sist_endret: date | None = strawberry.field(description="When the role group last changed.")
    innehaver: Rolleinnehaver
    _orgnr: strawberry.Private[str]
    _tid: strawberry.Private[Tidspunkt]

    def linked_person(self) -> str | None:
        """Access-control hook (``grunndata.graphql.access``): the person holding it."""
        return self.innehaver.foedselsnummer

    @classmethod
    def of(cls, row: Row, tid: Tidspunkt) -> Rolle:
        names = [row["person_fornavn"], row["person_mellomnavn"], row["person_etternavn"]]
        full = " ".join(n for n in names if n) or row["enhet_navn"] or ""
        return cls(
            type=Kode(kode=row["rolletype_kode"], beskrivelse=row["rolletype_beskrivelse"]),
            rollegruppe=Kode(
                kode=row["rollegruppe_kode"], beskrivelse=row["rollegruppe_beskrivelse"]
            ),
            fratraadt=row["fratraadt"],
            rekkefolge=row["rekkefolge"],
            ansvarsandel=row["ansvarsandel"],
            valgt_av=_kode(row["valgt_av_kode"], row["valgt_av_beskrivelse"]),
            sist_endret=row["sist_endret"],
            innehaver=Rolleinnehaver(
                navn=full,
                fornavn=row["person_fornavn"],
                mellomnavn=row["person_mellomnavn"],
                etternavn=row["person_etternavn"],
                foedselsdato=row["person_fodselsdato"],
                er_doed=row["person_er_doed"],
                foedselsnummer=row["person_fodselsnummer"],
                organisasjonsnummer=row["enhet_organisasjonsnummer"],
                _tid=tid,
            ),
            _orgnr=row["organisasjonsnummer"],
            _tid=tid,
        )

    @strawberry.field(description="The unit the role belongs to.")
    async def enhet(self, info: Info[Context, None]) -> Enhet:
        found = await load_enhet(info, self._orgnr, self._tid)
        assert found is not None, "roles are reached through their unit"
        return found
