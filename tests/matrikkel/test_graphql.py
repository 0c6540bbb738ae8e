"""Matrikkelen through the real HTTP app, on the demo fixtures (the issue's "Done when")."""

from __future__ import annotations

import math
import shutil
import subprocess
from typing import Any

import httpx
import pytest


def gql(server: str, query: str, **variables: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{server}/graphql", json={"query": query, "variables": variables}, timeout=20
    )
    return response.json()


def data(server: str, query: str, **variables: Any) -> dict[str, Any]:
    body = gql(server, query, **variables)
    assert "errors" not in body, body
    return body["data"]


SOK = """query($sok: String!, $first: Int) { adresser(sok: $sok, first: $first) {
  totalCount edges { node { adresseId adressetekst } } } }"""


def found(server: str, text: str, first: int = 10) -> list[str]:
    result = data(server, SOK, sok=text, first=first)["adresser"]
    return [edge["node"]["adressetekst"] for edge in result["edges"]]


def test_tyrihansveien_38_comes_first(server):
    assert found(server, "Tyrihansveien 38")[0] == "Tyrihansveien 38"


def test_the_vei_veg_variant_finds_tyrihansveien_3x(server):
    hits = found(server, "tyrihansvegen 3")
    assert hits[:5] == [f"Tyrihansveien {n}" for n in (30, 32, 34, 36, 38)]
    assert all(h.startswith("Tyrihansveien 3") for h in hits), "an exact name: no others"


def test_missing_diacritics_find_vardasveien_110_b_first(server):
    assert found(server, "Vardasveien 110 B")[0] == "Vardåsveien 110B"


def test_ostre_finds_oestre_and_gata_finds_gate_forms(server):
    assert found(server, "Ostre Korsvikvei 12")[0] == "Østre Korsvikvei 12"
    assert found(server, "Vardasgate 4")[0] == "Vardåsgata 4"


def test_typos_prefixes_and_wildcards(server):
    assert found(server, "Tyrihansvien 38")[0] == "Tyrihansveien 38"
    assert found(server, "Tyrihan")[0].startswith("Tyrihans")
    assert found(server, "Bjorke*")[0].startswith("Bjørkelia")
    assert set(found(server, "*korsvik* 5")[:2]) == {"Korsvikfjordvegen 5", "Østre Korsvikvei 5"}


def test_search_pages_are_a_relay_connection(server):
    query = """query($after: String) { adresser(sok: "Tyrihansveien", first: 5, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { adresseId } } } }"""
    first = data(server, query)["adresser"]
    second = data(server, query, after=first["pageInfo"]["endCursor"])["adresser"]
    assert first["totalCount"] == second["totalCount"] == 19
    assert first["pageInfo"]["hasNextPage"]
    ids = [e["node"]["adresseId"] for e in first["edges"] + second["edges"]]
    assert len(set(ids)) == 10


def test_filters_by_kommune_and_postnummer(server):
    query = """{ a: adresser(kommunenummer: "1001", postnummer: "4637", first: 1) { totalCount }
                 b: adresser(postnummer: "4637", first: 1) { totalCount }
                 all: adresser(first: 1) { totalCount }
                 oslo: adresser(kommunenummer: "0301", first: 1) { totalCount } }"""
    result = data(server, query)
    assert result["a"]["totalCount"] == result["b"]["totalCount"] > 0
    assert result["b"]["totalCount"] < result["all"]["totalCount"], "postnummer filters"
    assert result["oslo"]["totalCount"] == 0, "kommunenummer filters"


NEAREST = """query($x: Float!, $y: Float!, $epsg: Int) {
  naermesteAdresser(x: $x, y: $y, epsg: $epsg, radiusMeter: 100, first: 3) {
    avstandMeter adresse { adresseId adressetekst representasjonspunkt(epsg: 4326) } } }"""


def test_nearest_at_its_own_coordinates_is_itself_at_zero_metres(server):
    hits = data(server, NEAREST, x=92406.38, y=6466460.67, epsg=25833)["naermesteAdresser"]
    assert hits[0]["adresse"]["adressetekst"] == "Tyrihansveien 38"
    assert hits[0]["avstandMeter"] < 0.001
    distances = [h["avstandMeter"] for h in hits]
    assert distances == sorted(distances) and distances[1] > 10


def test_nearest_distance_is_true_metres(server):
    # 30 m north of the point in EPSG:25833's plane is not 30 true metres here (UTM scale
    # far west of zone 33's meridian); the geography distance is what is returned.
    hits = data(server, NEAREST, x=92406.38, y=6466490.67, epsg=25833)["naermesteAdresser"]
    assert hits[0]["adresse"]["adressetekst"] == "Tyrihansveien 38"
    assert 29.0 < hits[0]["avstandMeter"] < 30.0


# Computed once with PROJ 9.1.1: echo "92406.38 6466460.67" | cs2cs -f %.10f EPSG:25833 EPSG:4326
TYRIHANSVEIEN_38_4326 = (8.0677832888, 58.1505883065)


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat = math.radians(a[1])
    return math.hypot((a[0] - b[0]) * 111_320 * math.cos(lat), (a[1] - b[1]) * 110_574)


def test_representasjonspunkt_in_4326_agrees_with_proj_within_a_centimetre(server):
    query = """{ adresse(adresseId: "219136687") { representasjonspunkt(epsg: 4326) } }"""
    point = data(server, query)["adresse"]["representasjonspunkt"]
    assert point["type"] == "Point"
    lon, lat = point["coordinates"]
    assert metres_between((lon, lat), TYRIHANSVEIEN_38_4326) < 0.01
    if shutil.which("cs2cs"):  # and against PROJ itself, when the machine has it
        out = subprocess.run(
            ["cs2cs", "-f", "%.10f", "EPSG:25833", "EPSG:4326"],
            input="92406.38 6466460.67\n",
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert metres_between((lon, lat), (float(out[1]), float(out[0]))) < 0.01


POINT = """query($x: Float!, $y: Float!, $epsg: Int) {
  eiendommerVedPunkt(x: $x, y: $y, epsg: $epsg) { matrikkelnummer } }"""


def transformed(server: str, epsg: int) -> tuple[float, float]:
    query = f"""{{ adresse(adresseId: "219136687") {{ representasjonspunkt(epsg: {epsg}) }} }}"""
    x, y = data(server, query)["adresse"]["representasjonspunkt"]["coordinates"]
    return x, y


EPSG_CODES = (4326, 4258, 25832, 25833, 25835)


@pytest.mark.parametrize("epsg", EPSG_CODES)
def test_a_point_inside_a_teig_finds_its_unit_in_every_epsg(server, epsg):
    x, y = transformed(server, epsg)
    units = data(server, POINT, x=x, y=y, epsg=epsg)["eiendommerVedPunkt"]
    assert [u["matrikkelnummer"] for u in units] == ["4204-97/90/0/0"]


def test_a_point_on_a_shared_border_finds_both_units(server, cast_database):
    from grunndata.db.database import connect

    with connect(cast_database.app_url) as conn:
        x, y, a, b = conn.execute(
            "SELECT ST_X(p), ST_Y(p), a.matrikkelnummer, b.matrikkelnummer FROM "
            "matrikkel.teig a JOIN matrikkel.teig b ON a.matrikkelnummer < b.matrikkelnummer "
            "AND ST_Intersects(a.geometri, b.geometri), "
            "LATERAL ST_LineInterpolatePoint(ST_GeometryN(ST_LineMerge(ST_CollectionExtract("
            "ST_Intersection(a.geometri, b.geometri), 2)), 1), 0.5) AS p "
            "WHERE a.matrikkelnummer = '4204-97/90/0/0' LIMIT 1"
        ).fetchone()
        cases = []
        for epsg in EPSG_CODES:
            # Rounded as a client would send it: 9 decimals of a degree, 1 mm in metres.
            px, py = conn.execute(
                "SELECT round(ST_X(g)::numeric, %(d)s)::float8, "
                "round(ST_Y(g)::numeric, %(d)s)::float8 "
                "FROM ST_Transform(ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 25833), %(epsg)s) AS g",
                {"x": x, "y": y, "epsg": epsg, "d": 9 if epsg in (4326, 4258) else 3},
            ).fetchone()
            cases.append({"x": px, "y": py, "epsg": epsg})
    for args in cases:
        units = data(server, POINT, **args)["eiendommerVedPunkt"]
        assert {u["matrikkelnummer"] for u in units} == {a, b}, args


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ({"x": 6466460.67, "y": 92406.38, "epsg": 25833}, "outside Norway"),
        ({"x": 58.15, "y": 8.07, "epsg": 4326}, "outside Norway"),
        ({"x": 8.07, "y": 58.15, "epsg": 999999}, "not an EPSG code PostGIS knows"),
        # Coordinates PROJ cannot transform at all: UTM metres given as degrees, and the like.
        ({"x": 92406.38, "y": 6466460.67, "epsg": 4326}, "cannot be transformed"),
        ({"x": 8.07, "y": 95.0, "epsg": 4326}, "cannot be transformed"),
        ({"x": 1e12, "y": 1e12, "epsg": 25833}, "cannot be transformed"),
    ],
)
def test_swapped_axes_and_unknown_epsg_are_invalid_arguments(server, args, reason):
    body = gql(server, POINT, **args)
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "INVALID_ARGUMENT"
    assert reason in error["message"]


def test_svalbard_and_jan_mayen_are_in_norway(server):
    for x, y in ((15.6, 78.2), (-8.3, 71.0)):
        assert data(server, POINT, x=x, y=y, epsg=4326)["eiendommerVedPunkt"] == []


EIENDOM = """query($m: String!) { eiendom(matrikkelnummer: $m) {
  matrikkelnummer kommunenummer gardsnummer bruksnummer type arealM2
  geometri(epsg: 25833) teiger { arealM2 geometri i25833: geometri(epsg: 25833) }
  adresser { adressetekst } bygninger { bygningsnummer representasjonspunkt }
  hjemmelshavere { andel { teller nevner } navn identifikasjonsnummer organisasjonsnummer }
  tidligereMatrikkelnumre } }"""


def test_eiendom_in_both_notations_with_everything_on_it(server):
    short = data(server, EIENDOM, m="4204-97/90")["eiendom"]
    assert data(server, EIENDOM, m="4204-97/90/0/0")["eiendom"] == short
    assert short["matrikkelnummer"] == "4204-97/90/0/0" and short["type"] == "grunneiendom"
    assert [a["adressetekst"] for a in short["adresser"]] == ["Tyrihansveien 38"]
    assert len(short["bygninger"]) == 1 and short["geometri"]["type"] == "MultiPolygon"
    assert 100 < short["arealM2"] == pytest.approx(sum(t["arealM2"] for t in short["teiger"]))
    (teig,) = short["teiger"]
    assert teig["geometri"]["type"] == "MultiPolygon"
    assert teig["i25833"] == short["geometri"], "one teig: the unit's geometry"
    assert 91000 < teig["i25833"]["coordinates"][0][0][0][0] < 93000
    assert {h["identifikasjonsnummer"] for h in short["hjemmelshavere"]} == {
        "14834806046", "02915116372"
    }  # fmt: skip
    assert all(h["andel"] == {"teller": 1, "nevner": 2} for h in short["hjemmelshavere"])
    assert short["tidligereMatrikkelnumre"] == ["1001-97/90/0/0"]


def test_a_pre_2020_number_finds_the_unit_under_todays_through_recorded_history(server):
    assert data(server, EIENDOM, m="1001-97/90")["eiendom"]["matrikkelnummer"] == "4204-97/90/0/0"
    renumbered = data(server, EIENDOM, m="1018-12/3")["eiendom"]
    assert renumbered["matrikkelnummer"] == "4204-103/3/0/0"


def test_an_old_number_with_no_recorded_successor_is_moved_never_guessed(server):
    body = gql(server, EIENDOM, m="1017-97/90")
    assert body["data"] == {"eiendom": None}
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "MOVED"
    assert "4204 Kristiansand" in error["message"]


def test_a_current_number_that_does_not_exist_is_null_without_error(server):
    assert gql(server, EIENDOM, m="4204-1/1") == {"data": {"eiendom": None}}


def test_a_malformed_number_is_an_invalid_identifier(server):
    (error,) = gql(server, EIENDOM, m="4204-x/1")["errors"]
    assert error["extensions"]["code"] == "INVALID_IDENTIFIER"


LIST = """query($filter: EiendomFilter, $after: String) {
  eiendommer(filter: $filter, first: 10, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { matrikkelnummer } } } }"""


def test_eiendommer_filters_and_pages(server):
    result = data(server, LIST, filter={"kommunenummer": "1001", "gardsnummer": 97})["eiendommer"]
    assert result["totalCount"] == 19 and result["pageInfo"]["hasNextPage"]
    rest = data(server, LIST, filter={"kommunenummer": "4204", "gardsnummer": 97},
                after=result["pageInfo"]["endCursor"])["eiendommer"]  # fmt: skip
    assert len(result["edges"]) + len(rest["edges"]) == 19
    by_type = data(server, LIST, filter={"type": "festegrunn"})["eiendommer"]
    assert by_type["totalCount"] == 0
    one = data(server, LIST, filter={"kommunenummer": "1001", "gardsnummer": 97,
                                     "bruksnummer": 90})["eiendommer"]  # fmt: skip
    assert [e["node"]["matrikkelnummer"] for e in one["edges"]] == ["4204-97/90/0/0"]
    assert one["totalCount"] == 1 and not one["pageInfo"]["hasNextPage"]


def test_eiendommer_by_geometry_in_geojson_and_wkt(server):
    x, y = transformed(server, 25833)
    corners = [(x - 1, y - 1), (x + 1, y - 1), (x + 1, y + 1), (x - 1, y + 1), (x - 1, y - 1)]
    square = "POLYGON((" + ",".join(f"{a} {b}" for a, b in corners) + "))"
    hits = data(server, LIST, filter={"geometri": {"intersects": square, "epsg": 25833}})
    assert [e["node"]["matrikkelnummer"] for e in hits["eiendommer"]["edges"]] == ["4204-97/90/0/0"]
    partly = data(server, LIST, filter={"geometri": {"within": square, "epsg": 25833}})
    assert partly["eiendommer"]["totalCount"] == 0, "a unit only partly within is not within"
    big = {"type": "Polygon", "coordinates": [[[7.9, 58.0], [8.3, 58.0], [8.3, 58.3],
                                               [7.9, 58.3], [7.9, 58.0]]]}  # fmt: skip
    within = data(server, LIST, filter={"geometri": {"within": big}})["eiendommer"]
    everything = data(server, LIST)["eiendommer"]
    assert within["totalCount"] == everything["totalCount"] > 300


@pytest.mark.parametrize(
    "shape",
    ['{"type": "Polygon", "coordinates": [[[1, 2]]]}', "POLYGON((1 2, 3", "{not json", ""],
)
def test_invalid_shapes_are_invalid_arguments(server, shape):
    (error,) = gql(server, LIST, filter={"geometri": {"intersects": shape}})["errors"]
    assert error["extensions"]["code"] == "INVALID_ARGUMENT"
    assert error["message"].startswith("filter.geometri.intersects:")


def test_kommune_with_history_and_successors(server):
    query = """{ gammel: kommune(kommunenummer: "1001") { navn gyldigTil
                   erstattetAv { kommunenummer navn fylke { fylkesnummer navn } } }
                 ny: kommune(kommunenummer: "4204", gyldighetstidspunkt: "2019-06-01") { navn } }"""
    result = data(server, query)
    assert result["gammel"] == {
        "navn": "Kristiansand", "gyldigTil": "2019-12-31",
        "erstattetAv": [{"kommunenummer": "4204", "navn": "Kristiansand",
                         "fylke": {"fylkesnummer": "42", "navn": "Agder"}}],
    }  # fmt: skip
    assert result["ny"] is None


def test_an_address_links_to_its_unit_and_the_unit_back(server):
    query = """{ adresse(adresseId: "219137287") { adressetekst postnummer
      representasjonspunkt(epsg: 25833)
      eiendom { matrikkelnummer hjemmelshavere { navn } adresser { adresseId } } } }"""
    result = data(server, query)["adresse"]
    assert result["representasjonspunkt"]["coordinates"] == [91746.67, 6466294.26]
    assert result["eiendom"]["matrikkelnummer"] == "4204-58/48/0/0"
    assert {h["navn"] for h in result["eiendom"]["hjemmelshavere"]} == {
        "Camilla Strand", "David Strand"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('{ adresse(adresseId: "abc") { adresseId } }', "adresseId: 'abc' is not a number"),
        ('{ adresse(adresseId: "12²") { adresseId } }', "adresseId: '12²' is not a number"),
        ('{ adresser(sok: "Tyri\\u0000") { totalCount } }', "sok: holds a NUL character"),
        ('{ adresser(postnummer: "46\\u000038") { totalCount } }', "postnummer: holds a NUL"),
        ("{ naermesteAdresser(x: 8.07, y: 58.15, radiusMeter: 1e7) { avstandMeter } }",
         "radiusMeter"),
        ("{ naermesteAdresser(x: 8.07, y: 58.15, first: -1) { avstandMeter } }", "first"),
        ('{ adresser(first: -1) { totalCount } }', "first"),
        ('{ adresser(after: "nonsense") { totalCount } }', "after"),
        ('{ eiendom(matrikkelnummer: "4204-97/90") { geometri(epsg: 1) } }',
         "not an EPSG code PostGIS knows"),
        ('{ eiendommer(filter: {geometri: {epsg: 4326}}) { totalCount } }', "exactly one"),
    ],
)  # fmt: skip
def test_bad_arguments_are_invalid_arguments_with_a_reason(server, query, message):
    (error,) = gql(server, query)["errors"]
    assert error["extensions"]["code"] == "INVALID_ARGUMENT", error
    assert message in error["message"]


def test_an_unknown_address_is_null(server):
    assert gql(server, '{ adresse(adresseId: "1") { adresseId } }') == {"data": {"adresse": None}}


def test_matrikkeladresser_are_found_by_their_text_and_point(server):
    result = data(server, '{ adresse(adresseId: "900900001") { adressetype adressetekst '
                          "undernummer eiendom { matrikkelnummer } } }")["adresse"]  # fmt: skip
    assert result == {
        "adressetype": "matrikkeladresse", "adressetekst": "104/1-1", "undernummer": 1,
        "eiendom": {"matrikkelnummer": "4204-104/1/0/0"},
    }  # fmt: skip


def test_one_query_loads_each_relation_once_per_level(cast_database, monkeypatch):
    import asyncio

    from psycopg import AsyncCursor
    from psycopg_pool import AsyncConnectionPool

    from grunndata.graphql.context import Context
    from grunndata.graphql.schema import build_schema

    statements: list[str] = []
    execute = AsyncCursor.execute

    async def counted(self, query, *args, **kwargs):
        statements.append(str(query)[:60])
        return await execute(self, query, *args, **kwargs)

    monkeypatch.setattr(AsyncCursor, "execute", counted)
    schema = build_schema()
    query = """{ eiendommer(first: 50) { edges { node { matrikkelnummer arealM2
      adresser { adressetekst eiendom { matrikkelnummer } }
      bygninger { bygningsnummer } hjemmelshavere { navn } } } } }"""

    async def run() -> object:
        async with AsyncConnectionPool(cast_database.app_url, open=False,
                                       kwargs={"autocommit": True}) as pool:  # fmt: skip
            context = Context(pool=pool, request_id="t", entities=schema.entity_batches)
            return await schema.execute(query, context_value=context)

    result = asyncio.run(run())
    assert result.errors is None, result.errors
    assert len(result.data["eiendommer"]["edges"]) == 50
    # units; teiger (area); addresses; their units (entity batch); buildings; owners; and,
    # asked without a token, whether the owners are graded now (felles.adressebeskyttelse)
    assert len(statements) == 7, statements


def test_matrikkeladresser_are_found_by_search_too(server):
    assert found(server, "104/2-1") == ["104/2-1"]
    assert found(server, "104/") == ["104/1-1", "104/2-1", "104/3-1"]


def test_eiendom_at_a_valid_time_before_the_unit_began_is_null_not_moved(server):
    query = """query($m: String!) { eiendom(matrikkelnummer: $m,
      gyldighetstidspunkt: "2019-06-01T12:00:00") { matrikkelnummer } }"""
    assert gql(server, query, m="4204-97/90") == {"data": {"eiendom": None}}
    assert gql(server, query, m="1001-97/90") == {"data": {"eiendom": None}}
    later = query.replace("2019-06-01", "2021-06-01")
    assert data(server, later, m="1001-97/90")["eiendom"] == {"matrikkelnummer": "4204-97/90/0/0"}
