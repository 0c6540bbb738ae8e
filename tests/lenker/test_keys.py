"""Matrikkelen's ``Adresse`` by its alternative keys, and Freg's fallback to them: unknown,
malformed or ambiguous keys are null, never an error for the batch, never a guess."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from psycopg_pool import AsyncConnectionPool

from grunndata.graphql.context import Context
from grunndata.graphql.schema import build_schema
from grunndata.registers.folkeregister.adresser import Adressenummer, Bostedsadresse, Vegadresse
from grunndata.registers.lenker import ADRESSE_BY_KODE, ADRESSE_BY_POSTFORM
from grunndata.registers.matrikkel.lenker import _only

TYRIHANSVEIEN_38 = "219136687"


def _with_context(url: str, work: Any) -> Any:
    async def main() -> Any:
        async with AsyncConnectionPool(url, min_size=1, max_size=2, open=False) as pool:
            context = Context(pool=pool, request_id="t", entities=build_schema().entity_batches)
            return await work(context)

    return asyncio.run(main())


def _ids(found: list[Any]) -> list[str | None]:
    return [None if a is None else str(a.adresse_id) for a in found]


def test_addresses_by_kode_and_by_postal_form_in_one_batch_each(cast_database):
    async def work(context: Context) -> tuple[list[Any], list[Any]]:
        by_kode = await asyncio.gather(
            context.entity(ADRESSE_BY_KODE, ("4204", "18981", "38", "")),
            context.entity(ADRESSE_BY_KODE, ("4204", "18981", "9999", "")),  # no such number
            context.entity(ADRESSE_BY_KODE, ("4204", "18981", "38", "Q")),  # no such letter
            context.entity(ADRESSE_BY_KODE, ("42x4", "18981", "38", "")),  # malformed
            context.entity(ADRESSE_BY_KODE, ("4204", "18981", "38")),  # too short
            context.entity(ADRESSE_BY_KODE, ("4204", "²", "38", "")),  # not ASCII digits
        )
        by_form = await asyncio.gather(
            context.entity(ADRESSE_BY_POSTFORM, "4638 tyrihansvei 38"),
            context.entity(ADRESSE_BY_POSTFORM, "4637 tyrihansvei 38"),  # other postnummer
            context.entity(ADRESSE_BY_POSTFORM, "'; DROP TABLE x; --"),
        )
        return list(by_kode), list(by_form)

    by_kode, by_form = _with_context(cast_database.app_url, work)
    assert _ids(by_kode) == [TYRIHANSVEIEN_38, None, None, None, None, None]
    assert _ids(by_form) == [TYRIHANSVEIEN_38, None, None]


def test_several_matches_are_no_match():
    row = {"i": 1, "adresse_id": 1}
    assert _only([row, {**row, "adresse_id": 2}], 2, None) == [None, None]  # type: ignore[arg-type]


def test_a_freg_vegadresse_without_adresse_id_is_found_by_its_kode(cast_database):
    def bosted(husnummer: str, adresse_id: str | None = None) -> Bostedsadresse:
        vei = Vegadresse(
            adressenavn="Tyrihansveien", adressenummer=Adressenummer(husnummer=husnummer,
            husbokstav=None), adressekode="18981", kommunenummer="4204",
            bruksenhetsnummer=None, adressetilleggsnavn=None, co_adressenavn=None, poststed=None,
        )  # fmt: skip
        return Bostedsadresse(
            vegadresse=vei, matrikkeladresse=None, ukjent_bosted=None,
            adresse_identifikator_fra_matrikkelen=adresse_id, adressegradering=None,
            flyttedato=None, gyldighetstidspunkt=None, opphoerstidspunkt=None,
            ajourholdstidspunkt=None, er_gjeldende=None, kilde=None, aarsak=None,
        )  # fmt: skip

    async def work(context: Context) -> list[Any]:
        info = SimpleNamespace(context=context)
        return list(
            await asyncio.gather(
                bosted("38").adresse_i_matrikkelen(info),  # type: ignore[arg-type]
                bosted("38", "1").adresse_i_matrikkelen(info),  # stale id: falls back
                bosted("9999").adresse_i_matrikkelen(info),  # type: ignore[arg-type]
            )
        )

    assert _ids(_with_context(cast_database.app_url, work)) == [
        TYRIHANSVEIEN_38,
        TYRIHANSVEIEN_38,
        None,
    ]
