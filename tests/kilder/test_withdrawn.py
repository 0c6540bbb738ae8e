"""A unit Brønnøysund withdraws (``Fjernet``, HTTP 410) is hidden from every query; its rows
stay. Also: ``/healthz`` and ``grunndata follow --status`` show the sources' state."""

from __future__ import annotations

from pathlib import Path

import httpx

from grunndata.db.database import Database
from grunndata.server import create_app
from tests.conftest import Api, LiveServer
from tests.kilder.conftest import Sources, load_files, rows, run_follower
from tests.kilder.test_week import _brreg_files


def test_a_withdrawn_unit_is_hidden_and_kept(
    sources_: Sources, fresh_database: Database, tmp_path: Path
) -> None:
    load_files(fresh_database, _brreg_files(sources_, tmp_path / "start"))
    brreg = sources_.world.brreg
    with_roles = sorted(o for o in brreg.roller if o not in brreg.underenhet)
    orgnr, kept = with_roles[0], with_roles[1]
    brreg.withdrawn.add(orgnr)
    brreg.update(orgnr, "Fjernet")
    assert run_follower(fresh_database, "brreg-enheter", sources_.settings) == 0
    navn = brreg.units[orgnr]["navn"]
    query = (
        "query($o: ID!, $n: String!) { enhet(organisasjonsnummer: $o) { navn } "
        'fordi: enhet(organisasjonsnummer: $o, ajourholdstidspunkt: "2000-01-01T00:00:00Z") '
        "{ navn } enheter(filter: {navn: $n}) { edges { node { organisasjonsnummer } } } "
        "kept: enhet(organisasjonsnummer: $k) { navn roller { type { kode } } } }"
    ).replace("$n: String!)", "$n: String!, $k: ID!)")
    with LiveServer(create_app(fresh_database.app_url)) as base:
        data = Api(base)(query, o=orgnr, n=navn, k=kept)
        health = httpx.get(f"{base}/healthz").json()
    assert data["enhet"] is None and data["fordi"] is None
    assert orgnr not in {e["node"]["organisasjonsnummer"] for e in data["enheter"]["edges"]}
    assert data["kept"]["roller"]
    assert rows(
        fresh_database, "SELECT count(*) FROM enhetsregister.enhet WHERE organisasjonsnummer = %s",
        [orgnr],
    ) == [(1,)]  # fmt: skip
    (kilde,) = [k for k in health["kilder"] if k["kilde"] == "brreg-enheter"]
    assert kilde["posisjon"] == str(len(brreg.updates["enheter"])) and kilde["sistOk"]

    brreg.withdrawn.discard(orgnr)  # published again
    brreg.update(orgnr, "Endring")
    assert run_follower(fresh_database, "brreg-enheter", sources_.settings) == 0
    with LiveServer(create_app(fresh_database.app_url)) as base:
        assert Api(base)("query($o: ID!) { enhet(organisasjonsnummer: $o) { navn } }", o=orgnr)[
            "enhet"
        ] == {"navn": navn}
