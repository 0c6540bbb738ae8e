"""The README's queries and commands still work."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from typer.main import get_command

from grunndata.cli import app
from grunndata.server import create_app
from tests.conftest import LiveServer

README = (Path(__file__).parent.parent / "README.md").read_text()
QUERIES = re.findall(r"```graphql\n(.*?)```", README, re.S)
COMMANDS = sorted(set(re.findall(r"^(?:\| `)?grunndata ((?:db )?[a-z]+)", README, re.M)))


def test_the_readme_documents_queries_and_commands():
    assert QUERIES and len(COMMANDS) >= 7


@pytest.mark.parametrize("query", QUERIES)
def test_every_documented_query_answers_without_errors(demo_database, query):
    with LiveServer(create_app(demo_database.app_url)) as base:
        body = httpx.post(f"{base}/graphql", json={"query": query}, timeout=10).json()
    assert "errors" not in body, body
    assert body["data"] and all(value is not None for value in body["data"].values())


@pytest.mark.parametrize("command", COMMANDS)
def test_every_documented_command_exists(command):
    group = get_command(app)
    for word in command.split():
        assert word in group.commands, f"README mentions `grunndata {command}`"  # type: ignore[attr-defined]
        group = group.commands[word]  # type: ignore[attr-defined]


def test_the_graphiql_example_answers_on_the_demo_data(demo_database):
    from grunndata.server import EXAMPLE_QUERY

    with LiveServer(create_app(demo_database.app_url)) as base:
        body = httpx.post(f"{base}/graphql", json={"query": EXAMPLE_QUERY}, timeout=10).json()
    assert "errors" not in body, body
    assert all(value for value in body["data"].values())
