"""The register's root fields: ``enhet`` (one unit by organisasjonsnummer, at a time) and
``enheter`` (search with Brønnøysund's filters, ranked by name, paged)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from grunndata.errors import InvalidArgument
from grunndata.graphql.connection import Connection, connection, page
from grunndata.graphql.context import Context
from grunndata.graphql.tid import Ajourholdstidspunkt, Gyldighetstidspunkt, tidspunkt
from grunndata.identifiers import parse_orgnr
from grunndata.registers.enhetsregister import queries
from grunndata.registers.enhetsregister.types import Enhet, load_enhet


@strawberry.input(description="Conditions on units; all given ones must hold (AND).")
class EnhetFilter:
    navn: str | None = strawberry.field(
        default=None, description="Name, typo-tolerant; results are ranked by how well it fits."
    )
    organisasjonsform: list[str] | None = strawberry.field(
        default=None, description="Any of these organisasjonsform codes (AS, ENK, BEDR, ...)."
    )
    kommunenummer: list[str] | None = strawberry.field(
        default=None,
        description="Any of these kommuner (forretningsadresse, or beliggenhetsadresse of an "
        "underenhet).",
    )
    naeringskode: list[str] | None = strawberry.field(
        default=None,
        description="Næringskode 1, 2 or 3 starts with any of these (e.g. `62` or `62.010`).",
    )
    fra_antall_ansatte: int | None = None
    til_antall_ansatte: int | None = None
    konkurs: bool | None = None
    under_avvikling: bool | None = None
    er_slettet: bool | None = strawberry.field(default=None, description="Has a slettedato.")
    overordnet_enhet: strawberry.ID | None = strawberry.field(
        default=None, description="Underenheter of this unit."
    )
    er_underenhet: bool | None = None


def _search(filter: EnhetFilter | None) -> queries.Search:
    if filter is None:
        return queries.Search()
    navn = (filter.navn or "").strip()
    if filter.navn is not None and not navn:
        raise InvalidArgument("filter.navn: give some letters of the name, or leave it out")
    for name, value in (
        ("fraAntallAnsatte", filter.fra_antall_ansatte),
        ("tilAntallAnsatte", filter.til_antall_ansatte),
    ):
        if value is not None and value < 0:
            raise InvalidArgument(f"filter.{name}: must be 0 or more, was {value}")
    return queries.Search(
        navn=navn or None,
        organisasjonsform=tuple(filter.organisasjonsform or ()),
        kommunenummer=tuple(filter.kommunenummer or ()),
        naeringskode=tuple(k.strip() for k in filter.naeringskode or ()),
        fra_antall_ansatte=filter.fra_antall_ansatte,
        til_antall_ansatte=filter.til_antall_ansatte,
        konkurs=filter.konkurs,
        under_avvikling=filter.under_avvikling,
        er_slettet=filter.er_slettet,
        overordnet_enhet=(
            parse_orgnr(filter.overordnet_enhet).value if filter.overordnet_enhet else None
        ),
        er_underenhet=filter.er_underenhet,
    )


@strawberry.type
class EnhetsregisterQuery:
    @strawberry.field(
        description="A unit (hovedenhet or underenhet) by organisasjonsnummer: spaces and the "
        "MVA form (NO … MVA) are accepted. A deleted unit answers with its slettedato."
    )
    async def enhet(
        self,
        info: Info[Context, None],
        organisasjonsnummer: strawberry.ID,
        gyldighetstidspunkt: Gyldighetstidspunkt = None,
        ajourholdstidspunkt: Ajourholdstidspunkt = None,
    ) -> Enhet | None:
        orgnr = parse_orgnr(str(organisasjonsnummer)).value
        tid = tidspunkt(info, gyldighetstidspunkt, ajourholdstidspunkt)
        return await load_enhet(info, orgnr, tid)

    @strawberry.field(description="Units matching a filter, as they are now; paged.")
    async def enheter(
        self,
        info: Info[Context, None],
        filter: EnhetFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Enhet]:
        wanted = page(first, after)
        tid = tidspunkt(info, None, None)
        async with info.context.pool.connection() as conn:
            rows, total = await queries.search(conn, _search(filter), wanted, tid.gyldig)
        return connection([Enhet.of(row, tid) for row in rows], wanted, total)
