"""Open data on the GIS paths (/ogc, the tiles, /kart): owners appear as names only, and a
graded owner is left out by the current grading, whatever instant is asked and whatever
token is sent, exactly as GraphQL answers without ``matrikkel/hjemmel``."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.access.conftest import OPEN_PERSON, PROTECTED, SHARED_UNIT, SHARED_UNIT_OWNERS, ask
from tests.conftest import test_token

UNIT = f"/ogc/collections/matrikkelenheter/items/{SHARED_UNIT}"
KART_JS = Path(__file__).parents[2] / "grunndata" / "static" / "kart" / "kart.js"


@pytest.mark.parametrize("instant", [None, "2021-06-01", "2020-06-01T12:00:00+02:00"])
@pytest.mark.parametrize("token", [None, "all"])
def test_a_graded_owner_is_left_out_of_a_units_owners(server, instant, token):
    headers = {"Authorization": f"Bearer {test_token()}"} if token else {}
    params = {"datetime": instant} if instant else {}
    response = httpx.get(f"{server}{UNIT}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["hjemmelshavere"] == [SHARED_UNIT_OWNERS[OPEN_PERSON]]
    html = httpx.get(f"{server}{UNIT}", params={**params, "f": "html"}, headers=headers).text
    assert "Arne Korsvik" in html and "Kari Nilsen" not in html


def test_no_identifier_of_an_owner_appears_anywhere(server):
    body = httpx.get(f"{server}/ogc/collections/matrikkelenheter/items?limit=10000").text
    assert "Arne Korsvik" in body
    assert "Kari Nilsen" not in body
    assert not set(re.findall(r"\b\d{11}\b", body)) & {OPEN_PERSON, *PROTECTED}


def test_a_filter_cannot_reach_owners(server):
    response = httpx.get(f"{server}/ogc/collections/matrikkelenheter/items",
                         params={"filter": "hjemmelshavere LIKE '%Kari%'"})  # fmt: skip
    assert response.status_code == 400 and "queryable" in response.json()["description"]


def test_tiles_carry_no_owners(server):
    doc = httpx.get(f"{server}/tiles/WebMercatorQuad/tilejson.json").json()
    fields = {name for layer in doc["vector_layers"] for name in layer["fields"]}
    assert not fields & {"hjemmelshavere", "navn", "identifikasjonsnummer"}


def test_the_map_asks_anonymously_and_shows_no_graded_owner(server):
    script = KART_JS.read_text(encoding="utf-8")
    assert "Authorization" not in script and "identifikasjonsnummer" not in script
    query = re.search(r"const EIENDOM = `(.*?)`;", script, re.S).group(1)
    body = ask(server, query, variables={"m": SHARED_UNIT}).json()
    assert "errors" not in body, body
    assert body["data"]["eiendom"]["hjemmelshavere"] == [{"navn": "Arne Korsvik"}]
    page = httpx.get(f"{server}/kart?matrikkelnummer={SHARED_UNIT}")
    assert page.status_code == 200 and "Kari Nilsen" not in page.text
