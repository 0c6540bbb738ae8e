"""Reading the feed over real HTTP: GraphQL's connection and links, the plain feed's JSON
Lines, Link and ETag, retention's 410 / CURSOR_EXPIRED, and every bad argument a coded
error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from grunndata.db.database import Database, connect
from grunndata.feed.retention import prune
from grunndata.server import create_app
from tests.conftest import Clones, LiveServer
from tests.revert.helpers import load
from tests.revert.test_registers import ADRESSE, extract

ADRESSE_ID = "219136687"


@pytest.fixture(scope="module")
def fed(clones: Clones, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, str]]:
    """47 addresses loaded, then their poststed changed: 94 events; served."""
    db = clones.make()
    folder = tmp_path_factory.mktemp("feed")
    load(db, extract(folder / "a.csv", "04.01.2021 05:32:37"))
    load(db, extract(folder / "b.csv", "02.01.2025 06:00:00", poststed="NYSTED"))
    with LiveServer(create_app(db.app_url)) as base:
        yield db, base
    clones.drop(db)


def _graphql(base: str, query: str, **variables) -> dict:
    return httpx.post(f"{base}/graphql", json={"query": query, "variables": variables}).json()


PAGE = """query($after: String, $first: Int, $typer: [Hendelsestype!]) {
  hendelser(after: $after, first: $first, hendelsestyper: $typer) {
    edges { cursor node { sekvensnummer tidspunkt hendelsestype noekkel
                          adresse { poststed } } }
    pageInfo { hasNextPage endCursor } } }"""


def test_graphql_pages_by_sequence_number_and_links_as_of_the_event(fed):
    _, base = fed
    first = _graphql(base, PAGE, first=47)["data"]["hendelser"]
    assert first["pageInfo"] == {"hasNextPage": True, "endCursor": "47"}
    assert [e["cursor"] for e in first["edges"]] == [str(n) for n in range(1, 48)]
    created = {e["node"]["noekkel"]: e["node"] for e in first["edges"]}
    assert created[ADRESSE_ID]["hendelsestype"] == "opprettet"
    assert created[ADRESSE_ID]["adresse"]["poststed"] != "NYSTED", "as of its own time"
    second = _graphql(base, PAGE, after="47", first=100)["data"]["hendelser"]
    changed = {e["node"]["noekkel"]: e["node"] for e in second["edges"]}
    assert len(changed) == 47 and second["pageInfo"]["hasNextPage"] is False
    assert changed[ADRESSE_ID]["adresse"]["poststed"] == "NYSTED"
    only = _graphql(base, PAGE, typer=["endret"], first=1000)["data"]["hendelser"]["edges"]
    assert [e["node"]["sekvensnummer"] for e in only] == [str(n) for n in range(48, 95)]
    last = _graphql(base, "{ sisteHendelse { sekvensnummer tidspunkt } }")["data"]
    assert last["sisteHendelse"]["sekvensnummer"] == "94"
    assert last["sisteHendelse"]["tidspunkt"] == second["edges"][-1]["node"]["tidspunkt"]
    now = _graphql(base, ADRESSE)["data"]["adresse"]["poststed"]
    assert now == "NYSTED"


def test_the_plain_feed_is_json_lines_with_link_next_and_etag(fed):
    _, base = fed
    response = httpx.get(f"{base}/hendelser", params={"etter": 40, "antall": 10})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jsonl")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["sekvensnummer"] for line in lines] == [str(n) for n in range(41, 51)]
    assert {line["hendelsestype"] for line in lines} == {"opprettet", "endret"}
    assert response.headers["link"] == '</hendelser?etter=50&antall=10>; rel="next"'
    assert "immutable" in response.headers["cache-control"], "a full page never changes"
    tag = response.headers["etag"]
    again = httpx.get(f"{base}/hendelser?etter=40&antall=10", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    end = httpx.get(f"{base}/hendelser", params={"etter": 90, "antall": 10})
    assert len(end.text.splitlines()) == 4 and end.headers["cache-control"] == "no-cache"
    assert end.headers["link"] == '</hendelser?etter=94&antall=10>; rel="next"'
    beyond = httpx.get(f"{base}/hendelser", params={"etter": 94})
    assert beyond.status_code == 200 and beyond.text == ""
    filtered = httpx.get(f"{base}/hendelser", params={"hendelsestype": "endret", "antall": 1})
    assert json.loads(filtered.text)["sekvensnummer"] == "48"
    assert "hendelsestype=endret" in filtered.headers["link"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"etter": "-1"}, "etter"),
        ({"etter": "abc"}, "etter"),
        ({"etter": "1e3"}, "etter"),
        ({"etter": str(2**63)}, "etter"),
        ({"antall": "1001"}, "antall"),
        ({"antall": "x"}, "antall"),
        ({"register": "nope"}, "register"),
        ({"entitet": "Hus"}, "entitet"),
        ({"hendelsestype": "flyttet"}, "hendelsestype"),
    ],
)
def test_bad_arguments_to_the_plain_feed_are_coded_400s(fed, params, named):
    _, base = fed
    response = httpx.get(f"{base}/hendelser", params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "INVALID_ARGUMENT" and error["message"].startswith(f"{named}:")


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ('after: "-5"', "INVALID_ARGUMENT"),
        ('after: "ti"', "INVALID_ARGUMENT"),
        ("first: 5000", "QUERY_TOO_COMPLEX"),  # the limits refuse it before the field
        ("first: -1", "INVALID_ARGUMENT"),
        ('registre: ["nope"]', "INVALID_ARGUMENT"),
        ('entiteter: ["Hus"]', "INVALID_ARGUMENT"),
        ("hendelsestyper: [flyttet]", "GRAPHQL_VALIDATION_FAILED"),
    ],
)
def test_bad_arguments_in_graphql_are_coded_errors(fed, arguments, code):
    _, base = fed
    body = _graphql(base, f"{{ hendelser({arguments}) {{ edges {{ cursor }} }} }}")
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert "Traceback" not in json.dumps(body)


def test_the_example_client_in_the_docs_keeps_a_true_copy(fed):
    """docs/feed.md's client, run as written against the server: its copy of the
    addresses is what GraphQL answers now, and it ends at the last event."""
    _, base = fed
    text = (Path(__file__).parents[2] / "docs" / "feed.md").read_text(encoding="utf-8")
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict = {}
    exec(compile(code.replace("http://127.0.0.1:8000", base), "feed.md", "exec"), scope)
    copy: dict[str, dict] = {}
    assert scope["follow"](copy, 0) == 94
    assert len(copy) == 47 and {a["poststed"] for a in copy.values()} == {"NYSTED"}
    assert scope["follow"](copy, 94) == 94, "nothing new"


def test_a_cursor_older_than_what_is_kept_is_expired(fed):
    db, base = fed
    with connect(db.owner_url) as conn:  # as if the retention had pruned the first load
        conn.execute(
            "UPDATE felles.hendelse SET tidspunkt = tidspunkt - interval '500 days' "
            "WHERE sekvensnummer <= 47"
        )
    with connect(db.app_url) as conn:
        assert prune(conn) == 47
    gone = httpx.get(f"{base}/hendelser", params={"etter": 10})
    assert gone.status_code == 410
    assert gone.json()["error"]["code"] == "CURSOR_EXPIRED"
    assert "grunndata export" in gone.json()["error"]["message"]
    body = _graphql(base, '{ hendelser(after: "10") { edges { cursor } } }')
    assert [e["extensions"]["code"] for e in body["errors"]] == ["CURSOR_EXPIRED"]
    kept = httpx.get(f"{base}/hendelser", params={"etter": 47})
    assert kept.status_code == 200 and len(kept.text.splitlines()) == 47
