"""OGC API – Features over the test cast, through real HTTP: paging, CRSs, bbox, CQL2, time,
caching and bad input (coded OGC exceptions, never a trace)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest
from pyproj import Geod, Transformer

from grunndata.config import Settings
from grunndata.db.database import connect
from grunndata.server import create_app
from tests.conftest import LiveServer

ITEMS = "/ogc/collections/{}/items"


def get(server: str, path: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{server}{path}", params=params, timeout=30)


def features(server: str, collection: str, **params: Any) -> dict[str, Any]:
    response = get(server, ITEMS.format(collection), **params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    return response.json()


def link(body: dict[str, Any], rel: str) -> str | None:
    return next((x["href"] for x in body["links"] if x["rel"] == rel), None)


def test_the_landing_page_conformance_and_collections(server):
    landing = get(server, "/ogc").json()
    assert {x["rel"] for x in landing["links"]} >= {"self", "service-desc", "conformance", "data"}
    conforms = get(server, "/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conforms
    listed = get(server, "/ogc/collections").json()["collections"]
    assert [c["id"] for c in listed] == ["teiger", "matrikkelenheter", "adresser", "bygninger"]
    assert all(c["storageCrs"].endswith("/25833") for c in listed)
    api = get(server, "/ogc/api")
    assert api.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    assert "/collections/teiger/items" in api.json()["paths"]


def test_keyset_pages_cover_every_address_once_and_prev_goes_back(server, cast_database):
    with connect(cast_database.app_url) as conn:
        wanted = conn.execute(
            "SELECT count(*) FROM matrikkel.adresse WHERE upper_inf(registrert) AND gyldig @> now()"
        ).fetchone()[0]
    seen: list[str] = []
    pages = []
    body = features(server, "adresser", limit=70)
    assert body["numberReturned"] == 70 and "numberMatched" not in body
    while True:
        pages.append(body)
        seen += [f["id"] for f in body["features"]]
        following = link(body, "next")
        if following is None:
            break
        body = httpx.get(following, timeout=30).json()
    assert len(seen) == len(set(seen)) == wanted > 140
    back = httpx.get(link(pages[2], "prev"), timeout=30).json()
    assert [f["id"] for f in back["features"]] == [f["id"] for f in pages[1]["features"]]
    first = httpx.get(link(pages[1], "prev"), timeout=30).json()
    assert [f["id"] for f in first["features"]] == [f["id"] for f in pages[0]["features"]]
    assert link(first, "prev") is None


def test_a_page_in_epsg_25832_is_within_a_centimetre_of_proj(server):
    lonlat = features(server, "adresser", limit=20)
    utm = get(server, ITEMS.format("adresser"), limit=20, crs="EPSG:25832")
    assert utm.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/25832>"
    to_utm = Transformer.from_crs("OGC:CRS84", "EPSG:25832", always_xy=True)
    for a, b in zip(lonlat["features"], utm.json()["features"], strict=True):
        assert a["id"] == b["id"]
        x, y = to_utm.transform(*a["geometry"]["coordinates"])
        bx, by = b["geometry"]["coordinates"]
        assert abs(x - bx) < 0.01 and abs(y - by) < 0.01


def test_epsg_4258_is_latitude_first_and_crs84_longitude_first(server):
    crs84 = features(server, "adresser", limit=3)["features"]
    etrs = features(server, "adresser", limit=3, crs="http://www.opengis.net/def/crs/EPSG/0/4258")
    for a, b in zip(crs84, etrs["features"], strict=True):
        lon, lat = a["geometry"]["coordinates"]
        assert b["geometry"]["coordinates"] == pytest.approx([lat, lon], abs=1e-7)
        assert 57 < lat < 72 and 4 < lon < 32


def test_a_bbox_in_epsg_25832_finds_what_lies_inside(server):
    everything = features(server, "adresser", limit=1000, crs="EPSG:25832")["features"]
    xs = sorted(f["geometry"]["coordinates"][0] for f in everything)
    ys = sorted(f["geometry"]["coordinates"][1] for f in everything)
    n = len(xs)  # edges half way between two addresses: none lies on one

    def between(values: list[float], i: int) -> float:
        return (values[i] + values[i + 1]) / 2

    low, high = n // 4, 3 * n // 4
    box = [between(xs, low), between(ys, low), between(xs, high), between(ys, high)]
    inside = {
        f["id"] for f in everything
        if box[0] <= f["geometry"]["coordinates"][0] <= box[2]
        and box[1] <= f["geometry"]["coordinates"][1] <= box[3]
    }  # fmt: skip
    found = features(server, "adresser", limit=1000, crs="EPSG:25832",
                     bbox=",".join(map(str, box)), **{"bbox-crs": "EPSG:25832"})  # fmt: skip
    assert {f["id"] for f in found["features"]} == inside
    assert found["numberMatched"] == len(inside) > 0


def test_a_bbox_outside_norway_is_an_empty_page_and_the_whole_world_is_fine(server):
    assert features(server, "teiger", bbox="100,0,101,1")["features"] == []
    assert features(server, "teiger", bbox="-180,-90,180,90", limit=5)["numberReturned"] == 5


def test_cql2_filters(server):
    found = features(server, "adresser", limit=1000,
                     filter="adressenavn LIKE 'Tyrihans%' AND nummer BETWEEN 2 AND 6 "
                     "AND NOT bokstav IS NOT NULL AND postnummer IN ('4638', '0000')")  # fmt: skip
    assert found["features"]
    for f in found["features"]:
        p = f["properties"]
        assert p["adressenavn"].startswith("Tyrihans") and 2 <= p["nummer"] <= 6
        assert p["bokstav"] is None and p["postnummer"] == "4638"
    unit = get(server, "/ogc/collections/matrikkelenheter/items/4204-97/90").json()
    lon, lat = unit["geometry"]["coordinates"][0][0][0]
    inner = f"POLYGON(({lon} {lat},{lon + 1e-4} {lat},{lon} {lat - 1e-4},{lon} {lat}))"
    hit = features(server, "teiger", filter=f"S_INTERSECTS(geometry, {inner})")
    assert "4204-97/90/0/0" in {f["properties"]["matrikkelnummer"] for f in hit["features"]}


def test_a_feature_by_id_and_a_unit_by_its_short_matrikkelnummer(server):
    teig = features(server, "teiger", limit=1)["features"][0]
    again = get(server, f"/ogc/collections/teiger/items/{teig['id']}").json()
    assert again["id"] == teig["id"] and again["geometry"] == teig["geometry"]
    unit = get(server, "/ogc/collections/matrikkelenheter/items/4204-97/90").json()
    assert unit["id"] == "4204-97/90/0/0"
    assert unit["geometry"]["type"] == "MultiPolygon" and unit["properties"]["arealM2"] > 0
    assert "Arne Korsvik" in unit["properties"]["hjemmelshavere"]


def test_datetime_is_valid_time(server):
    assert features(server, "adresser", datetime="1900-01-01T00:00:00Z")["features"] == []
    assert features(server, "adresser", datetime="2030-01-01")["numberReturned"] == 100


def test_etag_and_cache_control(server):
    first = get(server, ITEMS.format("teiger"), limit=5)
    assert first.headers["cache-control"].startswith("public")
    again = httpx.get(first.url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    other = get(server, ITEMS.format("teiger"), limit=6)
    assert other.headers["etag"] != first.headers["etag"]


def test_html_pages_without_javascript(server):
    for path in ["/ogc", "/ogc/collections", "/ogc/collections/teiger", ITEMS.format("teiger"),
                 "/ogc/collections/matrikkelenheter/items/4204-97/90"]:  # fmt: skip
        page = httpx.get(f"{server}{path}", headers={"Accept": "text/html"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "<script" not in page.text
    unit = httpx.get(f"{server}/ogc/collections/matrikkelenheter/items/4204-97/90?f=html")
    assert "4204-97/90/0/0" in unit.text and "Arne Korsvik" in unit.text


@pytest.mark.parametrize(
    ("path", "params", "status", "says"),
    [
        ("/ogc/collections/nope", {}, 404, "nope"),
        ("/ogc/collections/nope/items", {}, 404, "nope"),
        ("/ogc/collections/teiger/items/4204-1/1~0000000000", {}, 404, "4204-1/1"),
        ("/ogc/collections/adresser/items/abc", {}, 404, "abc"),
        (ITEMS.format("teiger"), {"crs": "EPSG:4230"}, 400, "EPSG/0/25833"),
        (ITEMS.format("teiger"), {"bbox": "1,2,3"}, 400, "bbox"),
        (ITEMS.format("teiger"), {"bbox": "a,b,c,d"}, 400, "bbox"),
        (ITEMS.format("teiger"), {"limit": "10001"}, 400, "10000"),
        (ITEMS.format("teiger"), {"limit": "-1"}, 400, "limit"),
        (ITEMS.format("teiger"), {"filter": "matrikkelnummer = = 'x'"}, 400, "column 19"),
        (ITEMS.format("teiger"), {"filter": "eier = 'x'"}, 400, "queryable"),
        (ITEMS.format("adresser"), {"filter": "nummer = 'x'"}, 400, "integer"),
        (ITEMS.format("teiger"), {"cursor": "!!"}, 400, "cursor"),
        (ITEMS.format("teiger"), {"datetime": "2020-01-01/.."}, 400, "instant"),
        (ITEMS.format("teiger"), {"f": "xml"}, 400, "html"),
    ],
)
def test_bad_input_is_a_coded_ogc_exception(server, path, params, status, says):
    response = get(server, path, **params)
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "description"} and says in body["description"]
    assert "Traceback" not in response.text


def test_a_hostile_accept_header_is_answered(server):
    for accept in ["*/*;q=;;,,text/html;q=x", "\x7f" * 3000, "application/x-nonsense"]:
        url = f"{server}{ITEMS.format('teiger')}?limit=1"
        response = httpx.get(url, headers={"Accept": accept})
        assert response.status_code == 200
        if response.headers["content-type"].startswith("text/html"):  # it named text/html
            assert "text/html" in accept and "1 objekter" in response.text
        else:
            assert response.json()["numberReturned"] == 1


def test_a_big_page_streams_whole_and_areas_are_true(server, cast_database):
    with connect(cast_database.app_url) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM matrikkel.teig WHERE upper_inf(registrert) AND gyldig @> now()"
        ).fetchone()
    body = features(server, "teiger", limit=10000)  # larger than one piece of the stream
    assert body["numberReturned"] == len(body["features"]) == body["numberMatched"] == count
    assert len({f["id"] for f in body["features"]}) == count
    geod = Geod(ellps="GRS80")
    for feature in body["features"][:25]:
        area = sum(abs(geod.polygon_area_perimeter(*zip(*ring, strict=True))[0])
                   * (1 if n == 0 else -1)
                   for polygon in feature["geometry"]["coordinates"]
                   for n, ring in enumerate(polygon))  # fmt: skip
        assert feature["properties"]["arealM2"] == pytest.approx(area, rel=1e-4)  # 7 decimals


def test_the_ogc_api_has_its_own_rate_limit(cast_database):
    security = replace(Settings.from_env().security, ogc_rate_limit_per_minute=1,
                       ogc_rate_limit_burst=3, rate_limit_per_minute=0,
                       tile_rate_limit_per_minute=0)  # fmt: skip
    with LiveServer(create_app(cast_database.app_url, security=security), token=None) as base:
        statuses = [httpx.get(f"{base}/ogc/collections").status_code for _ in range(3)]
        refused = httpx.get(f"{base}{ITEMS.format('adresser')}")
        tile = httpx.get(f"{base}/tiles/WebMercatorQuad/0/0/0.mvt")  # tiles: their own limit
    assert statuses == [200, 200, 200] and refused.status_code == 429
    assert refused.json()["code"] == "TooManyRequests" and int(refused.headers["retry-after"]) >= 1
    assert tile.status_code == 200
