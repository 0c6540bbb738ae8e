"""Time and history: renumbered kommuner, former numbers, and what was recorded when."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from grunndata.loaders.run import run
from grunndata.registers.matrikkel import REGISTER
from grunndata.server import create_app
from tests.conftest import LiveServer
from tests.matrikkel.test_graphql import gql


def enhet(nummer: str, eier: str) -> str:
    return json.dumps({
        "objekttype": "matrikkelenhet", "matrikkelnummer": nummer,
        "matrikkelenhetstype": "grunneiendom", "gyldigFra": "2024-01-01",
        "eierforhold": [{"eier": {"navn": eier}}],
    })  # fmt: skip


QUERY = """query($m: String!, $r: DateTime) {
  eiendom(matrikkelnummer: $m, ajourholdstidspunkt: $r) {
    matrikkelnummer hjemmelshavere { navn } } }"""


def test_renumbering_alone_keeps_gnr_bnr_and_owners_change_in_recorded_time(
    fresh_database, tmp_path
):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(enhet("3201-10/5", "Første Eier") + "\n", encoding="utf-8")
    second.write_text(enhet("3201-10/5", "Andre Eier") + "\n", encoding="utf-8")
    assert run([first], formats=REGISTER.formats, database=fresh_database).exit_code == 0
    time.sleep(0.05)
    between = datetime.now(UTC).isoformat()
    time.sleep(0.05)
    assert run([second], formats=REGISTER.formats, database=fresh_database).exit_code == 0
    with LiveServer(create_app(fresh_database.app_url)) as server:
        # 3024 Bærum became 3201 Bærum in 2024 with no merger: gnr/bnr stayed.
        now = gql(server, QUERY, m="3024-10/5")["data"]["eiendom"]
        then = gql(server, QUERY, m="3201-10/5", r=between)["data"]["eiendom"]
        # 1001 Kristiansand merged into 4204 in 2020: without recorded history, MOVED.
        moved = gql(server, QUERY, m="1001-10/5")
    assert now == {"matrikkelnummer": "3201-10/5/0/0", "hjemmelshavere": [{"navn": "Andre Eier"}]}
    # As recorded between the loads (and valid then): the first owner.
    assert then == {"matrikkelnummer": "3201-10/5/0/0", "hjemmelshavere": [{"navn": "Første Eier"}]}
    assert moved["errors"][0]["extensions"]["code"] == "MOVED"
