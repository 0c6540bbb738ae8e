"""docs/examples/feed_client.py, the complete consumer docs/feed.md shows, run as written
against a live server: from an export taken between two loads, each of its three paths
(GraphQL pages, plain HTTP, the subscription over WebSocket) ends with the addresses a
new export holds, at its sequence number."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

import pytest

from grunndata.export.check import Ask
from grunndata.export.run import export
from grunndata.server import create_app
from tests.conftest import Clones, LiveServer
from tests.revert.helpers import load
from tests.revert.test_registers import extract

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "feed_client.py"
spec = importlib.util.spec_from_file_location("feed_client", EXAMPLE)
assert spec is not None and spec.loader is not None
client = importlib.util.module_from_spec(spec)
spec.loader.exec_module(client)


@pytest.fixture(scope="module")
def exported(clones: Clones, tmp_path_factory: pytest.TempPathFactory):
    """An export between two loads, the server, and what a new export holds at the end."""
    db = clones.make()
    folder = tmp_path_factory.mktemp("example")
    load(db, extract(folder / "a.csv", "04.01.2021 05:32:37"))
    export(db.app_url, Ask("matrikkel", folder / "baseline.jsonl", "jsonl"))
    load(db, extract(folder / "b.csv", "02.01.2025 06:00:00", poststed="NYSTED"))
    export(db.app_url, Ask("matrikkel", folder / "now.jsonl", "jsonl"))
    with LiveServer(create_app(db.app_url), token=None) as base:
        yield folder / "baseline.jsonl", base, client.baseline(str(folder / "now.jsonl"))
    clones.drop(db)


@pytest.mark.parametrize("how", ["http", "graphql", "websocket"])
def test_each_path_from_the_export_ends_with_the_database(exported, how):
    path, base, (last, truth) = exported
    n, copy = client.baseline(str(path))
    assert n < last and copy != truth, "the export is older than the second load"
    if how == "websocket":
        reached = asyncio.run(
            asyncio.wait_for(client.follow_websocket(copy, n, base, until=last), 60)
        )
    else:
        reached = {"http": client.follow_http, "graphql": client.follow_graphql}[how](copy, n, base)
    assert reached == last
    assert copy == truth
    assert {a["poststed"] for a in copy.values()} == {"NYSTED"}
