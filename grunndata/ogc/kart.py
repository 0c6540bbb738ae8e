"""The property map at ``/kart``: one HTML page; MapLibre GL JS and the page's script are
this server's own static files, so nothing leaves the machine unless the deployment sets
a background style (``Settings.basemap_style``, from ``GRUNNDATA_BASEMAP_STYLE``: a
MapLibre style URL)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).parent.parent / "static"

_PAGE = """<!doctype html>
<html lang="no"><head><meta charset="utf-8">
<title>Eiendomskart – grunndata</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/maplibre/maplibre-gl.css">
<link rel="stylesheet" href="/static/kart/kart.css"></head>
<body>
<aside>
<h1>Eiendomskart</h1>
<form role="search" onsubmit="return false">
<label for="sok">Søk etter adresse</label>
<input id="sok" type="search" autocomplete="off" placeholder="F.eks. Tyrihansveien 8"
 aria-controls="forslag" aria-expanded="false" aria-describedby="sokhjelp">
<p id="sokhjelp">Skriv minst tre tegn; bruk piltastene for å velge et forslag.</p>
<ul id="forslag" role="listbox" aria-label="Adresseforslag"></ul>
</form>
<section id="panel" aria-live="polite"><p>Søk etter en adresse, eller klikk på en teig i
kartet (zoom inn til nivå 13 eller mer).</p></section>
</aside>
<main id="kart" role="application" aria-label="Kart over eiendommer"
 data-basemap="{basemap}"></main>
<script src="/static/maplibre/maplibre-gl.js"></script>
<script src="/static/kart/kart.js"></script>
</body></html>"""


def kart_routes(basemap_style: str = "") -> list[BaseRoute]:
    page = _PAGE.replace("{basemap}", escape(basemap_style))

    async def kart(request: Request) -> HTMLResponse:
        return HTMLResponse(page, headers={"Cache-Control": "public, max-age=300"})

    return [
        Route("/kart", kart, methods=["GET"]),
        Mount("/static/maplibre", StaticFiles(directory=STATIC / "maplibre")),
        Mount("/static/kart", StaticFiles(directory=STATIC / "kart")),
    ]
