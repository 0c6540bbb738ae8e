"""Brønnøysund's stand-in: the update lists (HAL), role events (CloudEvents) and units."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from grunndata.kilder.standin.app import StandIn

BASE = "/enhetsregisteret/api"
MAX_SIZE = 10_000


def _int(request: Request, name: str, default: int) -> int:
    try:
        return int(request.query_params.get(name, default))
    except ValueError:
        return default


def _gone(orgnr: str) -> JSONResponse:
    return JSONResponse(
        {"status": 410, "error": "Gone", "message": f"Enhet {orgnr} er fjernet"}, status_code=410
    )


def routes(standin: StandIn) -> list[Route]:
    brreg = standin.world.brreg

    def updates(kind: str, member: str, link: str) -> Any:
        async def endpoint(request: Request) -> Response:
            first = _int(request, "oppdateringsid", 1)
            since = request.query_params.get("dato", "")
            size = min(_int(request, "size", 20), MAX_SIZE)
            page = _int(request, "page", 0)
            found = [
                u for u in brreg.updates[kind]
                if u["oppdateringsid"] >= first and u["dato"] >= since
            ]  # fmt: skip
            shown = found[page * size : (page + 1) * size]
            body: dict[str, Any] = {}
            if shown:
                body["_embedded"] = {member: [
                    {**u, "_links": {link: {"href": f"{request.base_url}{BASE.lstrip('/')}/"
                                                    f"{kind}/{u['organisasjonsnummer']}"}}}
                    for u in shown
                ]}  # fmt: skip
            body["page"] = {"size": size, "totalElements": len(found),
                            "totalPages": -(-len(found) // size), "number": page}  # fmt: skip
            raw = json.dumps(body, ensure_ascii=False).encode()
            if standin.faults.take(request.url.path, ("truncated",)):
                raw = raw[: len(raw) // 2]
            return Response(raw, media_type="application/hal+json")

        return endpoint

    async def roller_events(request: Request) -> Response:
        after = _int(request, "afterId", 0)
        size = min(_int(request, "size", 100), MAX_SIZE)
        events = [e for e in brreg.rolle_events if int(e["id"]) > after][:size]
        return JSONResponse(events, media_type="application/cloudevents-batch+json")

    def units(kind: str) -> Any:
        underenhet = kind == "underenheter"

        async def search(request: Request) -> Response:
            wanted = [
                o for o in request.query_params.get("organisasjonsnummer", "").split(",") if o
            ]
            found = [
                u for o in wanted
                if (u := brreg.visible(o)) is not None and not u.get("slettedato")
                and (o in brreg.underenhet) == underenhet
            ]  # fmt: skip
            body: dict[str, Any] = {"_embedded": {kind: found}} if found else {}
            body["page"] = {"size": len(wanted), "totalElements": len(found),
                            "totalPages": 1, "number": 0}  # fmt: skip
            return JSONResponse(body, media_type="application/hal+json")

        async def one(request: Request) -> Response:
            orgnr = request.path_params["orgnr"]
            if orgnr in brreg.withdrawn:
                return _gone(orgnr)
            unit = brreg.units.get(orgnr)
            if unit is None or (orgnr in brreg.underenhet) != underenhet:
                return JSONResponse({"status": 404, "error": "Not Found"}, status_code=404)
            return JSONResponse(unit, media_type="application/hal+json")

        return [Route(f"{BASE}/{kind}", search), Route(f"{BASE}/{kind}/{{orgnr}}", one)]

    async def roller(request: Request) -> Response:
        orgnr = request.path_params["orgnr"]
        if orgnr in brreg.withdrawn:
            return _gone(orgnr)
        if orgnr not in brreg.units:
            return JSONResponse({"status": 404, "error": "Not Found"}, status_code=404)
        return JSONResponse(brreg.roller.get(orgnr, {"rollegrupper": []}))

    return [
        Route(f"{BASE}/oppdateringer/enheter", updates("enheter", "oppdaterteEnheter", "enhet")),
        Route(
            f"{BASE}/oppdateringer/underenheter",
            updates("underenheter", "oppdaterteUnderenheter", "underenhet"),
        ),
        Route(f"{BASE}/oppdateringer/roller", roller_events),
        Route(f"{BASE}/enheter/{{orgnr}}/roller", roller),
        *units("enheter"),
        *units("underenheter"),
    ]
