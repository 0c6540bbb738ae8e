"""What Matrikkelen adds to the other registers' entities, and the ``Adresse`` entity by its
alternative keys (a Freg vegadresse, a Brønnøysund address in normalised postal form).

Each link is one SQL statement per level of a request (per-request DataLoaders).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import strawberry
from strawberry.types import Info

from grunndata.graphql.context import Context
from grunndata.graphql.lenker import key_of, link_tid
from grunndata.graphql.tid import Ajourholdstidspunkt, Gyldighetstidspunkt, Tidspunkt
from grunndata.registers.base import TypeExtension
from grunndata.registers.lenker import FolkeregisterNoekkel
from grunndata.registers.matrikkel import queries
from grunndata.registers.matrikkel.types import Adresse, Eiendom, _loader, grouped


def _only(rows: list[dict[str, Any]], count: int, tid: Tidspunkt) -> list[Adresse | None]:
    """Per key (rows carry its 1-based index ``i``): the address when exactly one matches;
    none or several → None, never a guess."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        found[row["i"]].append(row)
    return [
        Adresse.from_row(found[i][0], tid) if len(found[i]) == 1 else None
        for i in range(1, count + 1)
    ]


def _kode_key(key: Any) -> tuple[str, int, int, str] | None:
    """(kommunenummer, adressekode, nummer, bokstav) checked; None when malformed."""
    if not isinstance(key, tuple | list) or len(key) != 4:
        return None
    kommune, kode, nummer, bokstav = (None if v is None else str(v).strip() for v in key)
    if not (kommune and re.fullmatch(r"[0-9]{4}", kommune)):
        return None
    if not (kode and kode.isascii() and kode.isdigit() and nummer and nummer.isascii()
            and nummer.isdigit()):  # fmt: skip
        return None
    if bokstav and not re.fullmatch(r"[A-Za-zÆØÅæøå]", bokstav):
        return None
    return kommune, int(kode), int(nummer), (bokstav or "").upper()


async def _by_checked_keys(
    context: Context,
    tid: Tidspunkt,
    checked: Sequence[Any],
    query: Callable[[Any, Tidspunkt, list[Any]], Awaitable[list[dict[str, Any]]]],
) -> list[Adresse | None]:
    """The addresses for keys already checked (None: malformed → None), the well-formed
    ones asked in one statement; exactly one match each, else None."""
    valid = [k for k in checked if k is not None]
    if not valid:
        return [None] * len(checked)
    async with context.pool.connection() as conn:
        rows = await query(conn, tid, valid)
    matched = iter(_only(rows, len(valid), tid))
    return [None if k is None else next(matched) for k in checked]


async def adresse_by_kode_batch(context: Context, tid: Tidspunkt, keys: list[Any]) -> list[Any]:
    """``Adresse`` by (kommunenummer, adressekode, nummer, bokstav): one statement."""
    checked = [_kode_key(key) for key in keys]
    return await _by_checked_keys(context, tid, checked, queries.adresser_by_kode)


_BIGINT_MAX = 2**63 - 1


async def adresse_by_folkeregisternoekkel_batch(
    context: Context, tid: Tidspunkt, keys: list[Any]
) -> list[Any]:
    """``Adresse`` as a Folkeregister address names it (``FolkeregisterNoekkel``): by the
    id, else (none, or unknown) by the kode; ambiguous or malformed → None. One statement."""
    checked = [
        None if k is None else
        (int(k.adresse_id) if k.adresse_id and int(k.adresse_id) <= _BIGINT_MAX else None,
         *(k.kode or (None, None, None, "")))
        for k in (FolkeregisterNoekkel.parse(key) for key in keys)
    ]  # fmt: skip
    return await _by_checked_keys(context, tid, checked, queries.adresser_by_folkeregisternoekkel)


async def adresse_by_postform_batch(context: Context, tid: Tidspunkt, keys: list[Any]) -> list[Any]:
    """``Adresse`` by normalised postal form: one statement; ambiguous → None."""
    former = [str(key) for key in keys]
    return await _by_checked_keys(context, tid, former, queries.adresser_by_postform)


async def _eiendommer(
    info: Info[Context, None], column: str, eier: str | None, tid: Tidspunkt
) -> list[Eiendom]:
    if eier is None:
        return []

    async def batch(eiere: Sequence[str]) -> list[list[Eiendom]]:
        async with info.context.pool.connection() as conn:
            rows = await queries.eiendommer_for_eiere(conn, tid, column, eiere)
        return [[Eiendom.from_row(r, tid) for r in rs] for rs in grouped(rows, eiere, "eier")]

    return await _loader(info, ("eiendommer", column, tid), batch).load(eier)


@strawberry.type
class PersonEiendommer:
    """``Person.eiendommer``: reads only ``identifikasjonsnummer`` from the person."""

    @strawberry.field(
        description="The matrikkelenheter the person is a hjemmelshaver of (at the asked "
        "instants; default now), as of those instants."
    )
    async def eiendommer(
        self,
        info: Info[Context, None],
        gyldighetstidspunkt: Gyldighetstidspunkt = None,
        ajourholdstidspunkt: Ajourholdstidspunkt = None,
    ) -> list[Eiendom] | None:
        tid = link_tid(info, gyldighetstidspunkt, ajourholdstidspunkt)
        eier = await key_of(self, "identifikasjonsnummer", info)
        return await _eiendommer(info, "identifikasjonsnummer", eier, tid)


@strawberry.type
class EnhetEiendommer:
    """``Enhet.eiendommer``: reads only ``organisasjonsnummer`` from the unit."""

    @strawberry.field(
        description="The matrikkelenheter the unit is a hjemmelshaver of (at the asked "
        "instants; default now), as of those instants."
    )
    async def eiendommer(
        self,
        info: Info[Context, None],
        gyldighetstidspunkt: Gyldighetstidspunkt = None,
        ajourholdstidspunkt: Ajourholdstidspunkt = None,
    ) -> list[Eiendom] | None:  # as Person.eiendommer, which a scope can hide
        tid = link_tid(info, gyldighetstidspunkt, ajourholdstidspunkt)
        eier = await key_of(self, "organisasjonsnummer", info)
        return await _eiendommer(info, "organisasjonsnummer", eier, tid)


EXTENSIONS = (
    TypeExtension("Person", PersonEiendommer, key="identifikasjonsnummer"),
    TypeExtension("Enhet", EnhetEiendommer, key="organisasjonsnummer"),
)
