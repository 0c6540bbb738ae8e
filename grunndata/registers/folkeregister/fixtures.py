"""Folkeregisteret's part of ``grunndata fixtures generate``: every generated person's Freg
document, in one JSON array (``folkeregister/personer.json``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grunndata.fixtures.hooks import FixtureFiles, JsonArray


class FolkeregisterFixtures:
    def __init__(self, files: FixtureFiles) -> None:
        self.personer = JsonArray(files.open("folkeregister/personer.json"))

    def person(self, document: Mapping[str, Any]) -> None:
        self.personer.add(document)

    def close(self) -> str:
        self.personer.close()
        return ""


def fixtures(files: FixtureFiles) -> FolkeregisterFixtures:
    """``Register.fixtures``: the factory the generator calls."""
    return FolkeregisterFixtures(files)
