"""Folkeregisteret's stand-in: the feed, the last sequence number, bulk lookups and the
complete extract's jobs, as the 2.2.6 OpenAPI and the live feed have them."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from grunndata.kilder.standin.app import StandIn

PAGE = 1000
BULK_MAX = 1000
BASE = "/folkeregisteret/offentlig-med-hjemmel/api"


@dataclass
class Job:
    identifiers: list[str]
    not_ready: int
    batch: int = 1000
    polls: int = field(default=0)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"kode": f"FREG-{status}", "melding": message}, status_code=status)


def routes(standin: StandIn) -> list[Route]:
    world = standin.world
    jobs: dict[str, Job] = {}

    async def feed(request: Request) -> Response:
        try:
            seq = int(request.query_params["seq"])
        except (KeyError, ValueError):
            return _error(400, "seq er påkrevd og må være et heltall")
        if seq < standin.oldest:
            return _error(406, f"hendelser før sekvensnummer {standin.oldest} er slettet")
        events = world.freg.feed[max(seq, 1) - 1 : max(seq, 1) - 1 + standin.page]
        etag = '"' + hashlib.sha1(f"{seq}/{len(world.freg.feed)}".encode()).hexdigest() + '"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        if standin.faults.take(request.url.path, ("gap",)) and len(events) > 2:
            events = [events[0], *events[2:]]
        if standin.faults.take(request.url.path, ("unknown",)):
            events = [_retyped(e) for e in events]
        body = json.dumps(events, ensure_ascii=False).encode()
        if standin.faults.take(request.url.path, ("truncated",)):
            body = body[: len(body) // 2]
        return Response(body, media_type="application/json", headers={"ETag": etag})

    async def siste(request: Request) -> Response:
        return PlainTextResponse(str(len(world.freg.feed)))

    async def bulkoppslag(request: Request) -> Response:
        try:
            numbers = (await request.json())["foedselsEllerDNummer"]
            assert isinstance(numbers, list)
        except (ValueError, KeyError, TypeError, AssertionError):
            return _error(400, 'forventet {"foedselsEllerDNummer": [...]}')
        if len(numbers) > BULK_MAX:
            return _error(400, f"høyst {BULK_MAX} identifikatorer per kall")
        documents = [d for n in numbers if (d := world.freg.document(str(n))) is not None]
        if documents and standin.faults.take(request.url.path, ("invalid",)):
            bad = {
                **documents[0],
                "navn": [{**documents[0]["navn"][0], "ajourholdstidspunkt": "i går"}],
            }
            documents = [bad, *documents[1:]]
        return _shaped(documents, standin.bulk_shape)

    async def komplett(request: Request) -> Response:
        if standin.faults.take(request.url.path, ("gone",)):
            return JSONResponse({"feilmelding": "for mange jobber"}, status_code=429)
        job_id = str(uuid.uuid4())
        jobs[job_id] = Job(
            sorted(world.freg.people), standin.extract_not_ready, standin.extract_batch
        )
        return JSONResponse({"jobbId": job_id})

    async def batch(request: Request) -> Response:
        job = jobs.get(request.path_params["jobbid"])
        if job is None or standin.faults.take(request.url.path, ("gone",)):
            jobs.pop(request.path_params["jobbid"], None)
            return JSONResponse({"feilmelding": "jobben finnes ikke"}, status_code=410)
        if job.polls < job.not_ready:
            job.polls += 1
            return JSONResponse({"feilmelding": "jobben er ikke ferdig"}, status_code=404)
        number = int(request.path_params["batchnr"])
        chunk = job.identifiers[number * job.batch : (number + 1) * job.batch]
        return JSONResponse({"foedselsEllerDNummer": chunk} if chunk else {})

    return [
        Route(f"{BASE}/v1/hendelser/feed", feed),
        Route(f"{BASE}/v1/hendelser/siste/sekvensnummer", siste),
        Route(f"{BASE}/v1/personer/bulkoppslag", bulkoppslag, methods=["POST"]),
        Route(f"{BASE}/v1/uttrekk/komplett", komplett),
        Route(f"{BASE}/v1/uttrekk/{{jobbid}}/batch/{{batchnr:int}}", batch),
    ]


def _retyped(event: dict[str, Any]) -> dict[str, Any]:
    return {**event, "hendelse": {**event["hendelse"], "hendelsetype": "personErOppdatertPaaNytt"}}


def _shaped(documents: list[dict[str, Any]], shape: str) -> Response:
    """The answer in one of the shapes consumers report (the source has not confirmed which)."""
    if shape == "jsonl":
        lines = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents)
        return Response(lines.encode(), media_type="application/x-ndjson")
    if shape == "object":
        return JSONResponse({"personer": documents})
    if shape == "wrapped":
        return JSONResponse({"personer": [{"person": d} for d in documents]})
    return JSONResponse(documents)
