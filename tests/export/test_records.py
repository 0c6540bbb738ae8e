"""Records (JSON Lines, CSV): each entity exactly as the GraphQL API answers a token with
the export's scopes, the persons written to the lookup log."""

from __future__ import annotations

import csv

import httpx
import orjson
import pytest

from grunndata.db.database import connect
from grunndata.registers.folkeregister.eksport import PERSON
from grunndata.registers.kontaktregister.eksport import KONTAKTINFORMASJON as KONTAKT
from grunndata.registers.matrikkel.eksport import ADRESSE
from grunndata.server import create_app
from tests.conftest import Api, LiveServer, test_token
from tests.export.conftest import grunndata

HJEMMEL = "folkeregister/offentligmedhjemmel"
GRADERT = "folkeregister/adressebeskyttelse"
ORGNR = "974760673"
STRENGT_FORTROLIG = "19906311480"  # Kari Nilsen (tests/data/cast/cast.md)
FORTROLIG = "03839228421"  # Maja Eik


def last_sequence(database) -> int:
    with connect(database.app_url) as conn:
        return conn.execute(
            "SELECT coalesce(max(sekvensnummer), 0) FROM felles.hendelse"
        ).fetchone()[0]


def read_jsonl(path) -> tuple[dict, list[dict]]:
    head, *lines = path.read_bytes().splitlines()
    return orjson.loads(head)["grunndata"], [orjson.loads(line) for line in lines]


def api_answers(database, scopes: tuple[str, ...], keys: list[str]) -> dict[str, dict]:
    token = test_token(*scopes, orgnr=ORGNR)
    with LiveServer(create_app(database.app_url), token=token) as base:
        root = "personer(identifikasjonsnummer: $k)"
        body = Api(base).raw(f"query ($k: [ID!]!) {{ {root} {{ {PERSON.selection} }} }}", k=keys)
    return {p["identifikasjonsnummer"]: p for p in body["data"]["personer"]}


@pytest.mark.parametrize("scopes", [(HJEMMEL,), (HJEMMEL, GRADERT)], ids=["ungraded", "graded"])
def test_persons_are_exported_exactly_as_the_api_shows_them_and_logged(cast, tmp_path, scopes):
    out = tmp_path / "personer.jsonl"
    flags = [arg for scope in scopes for arg in ("--scope", scope)]
    done = grunndata(cast, "export", "folkeregister", "--out", str(out), "--format", "jsonl",
                     *flags, "--orgnr", ORGNR)  # fmt: skip
    assert done.returncode == 0, done.stderr
    stamp, records = read_jsonl(out)
    assert stamp["sekvensnummer"] == str(last_sequence(cast))
    assert int(stamp["sekvensnummer"]) > 0  # the cast's loads wrote events
    with connect(cast.app_url) as conn:
        persons = conn.execute("SELECT count(*) FROM folkeregister.person").fetchone()[0]
    assert len(records) == persons
    exported = {r["noekkel"]: r["data"] for r in records}
    assert {STRENGT_FORTROLIG, FORTROLIG} <= exported.keys()
    assert exported == api_answers(cast, scopes, list(exported))
    graded_home = exported[STRENGT_FORTROLIG]["bostedsadresse"]
    assert (graded_home is not None) == (GRADERT in scopes)
    with connect(cast.app_url) as conn:
        logged = conn.execute(
            "SELECT DISTINCT unnest(identifikasjonsnumre) FROM felles.oppslagslogg "
            "WHERE operasjon = 'eksport' AND konsument = %s AND scopes = %s",
            [ORGNR, sorted(scopes)],
        ).fetchall()
    assert {n for (n,) in logged} >= exported.keys()


@pytest.mark.parametrize(
    "args",
    [(), ("--orgnr", ORGNR), ("--scope", HJEMMEL), ("--scope", "nope", "--orgnr", ORGNR),
     ("--scope", HJEMMEL, "--orgnr", "123")],
    ids=["nothing", "no-scope", "no-orgnr", "unknown-scope", "bad-orgnr"],
)  # fmt: skip
def test_a_person_export_without_a_consumer_and_its_scopes_is_refused(cast, tmp_path, args):
    out = tmp_path / "personer.jsonl"
    done = grunndata(cast, "export", "folkeregister", "--out", str(out), "--format", "jsonl",
                     *args)  # fmt: skip
    assert done.returncode != 0
    assert done.stderr.startswith("error:") and len(done.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_matrikkel_as_json_lines_and_one_kommune_as_csv(loaded, tmp_path):
    out = tmp_path / "matrikkel.jsonl"
    done = grunndata(loaded, "export", "matrikkel", "--out", str(out), "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    stamp, records = read_jsonl(out)
    assert stamp["sekvensnummer"] == str(last_sequence(loaded))
    with connect(loaded.app_url) as conn:
        units, addresses = conn.execute(
            "SELECT (SELECT count(DISTINCT matrikkelnummer) FROM matrikkel.teig "
            "        WHERE upper_inf(registrert) AND gyldig @> now()), "
            "(SELECT count(*) FROM matrikkel.adresse WHERE upper_inf(registrert) "
            "        AND gyldig @> now())"
        ).fetchone()
    kinds = [r["entitet"] for r in records]
    assert kinds.count("Adresse") == addresses and kinds.count("Eiendom") >= units
    first = next(r for r in records if r["entitet"] == "Adresse")
    with LiveServer(create_app(loaded.app_url), token=None) as base:
        answer = Api(base)(
            f'{{ adresse(adresseId: "{first["noekkel"]}") {{ {ADRESSE.selection} }} }}'
        )
    assert first["data"] == answer["adresse"]

    table = tmp_path / "adresser.csv"
    done = grunndata(loaded, "export", "matrikkel", "--out", str(table), "--format", "csv",
                     "--del", "Adresse", "--kommune", "0301")  # fmt: skip
    assert done.returncode == 0, done.stderr
    comment, *lines = table.read_text(encoding="utf-8").splitlines()
    assert (
        comment.startswith("# grunndata ") and f"sekvensnummer={stamp['sekvensnummer']}" in comment
    )
    rows = list(csv.DictReader(lines))
    expected = [
        r["data"]
        for r in records
        if r["entitet"] == "Adresse" and r["data"]["kommunenummer"] == "0301"
    ]
    assert [row["adresseId"] for row in rows] == [a["adresseId"] for a in expected]
    assert rows[0]["adressetekst"] == expected[0]["adressetekst"]


KRR = "kontaktregister/kontaktinformasjon"
DIGITALPOST = "kontaktregister/digitalpost"


@pytest.mark.parametrize("scope", [KRR, DIGITALPOST])
def test_contact_entries_are_exported_as_the_api_shows_them_and_logged(cast, tmp_path, scope):
    """Kontakt- og reservasjonsregisteret's entries are persons: the export stands for a
    token (refused without one), shows each field as the API answers that token, and
    writes every person to the lookup log."""
    out = tmp_path / "krr.jsonl"
    refused = grunndata(cast, "export", "kontaktregister", "--out", str(out), "--format", "jsonl")
    assert refused.returncode != 0 and refused.stderr.startswith("error:")
    done = grunndata(cast, "export", "kontaktregister", "--out", str(out), "--format", "jsonl",
                     "--scope", scope, "--orgnr", ORGNR)  # fmt: skip
    assert done.returncode == 0, done.stderr
    stamp, records = read_jsonl(out)
    assert stamp["sekvensnummer"] == str(last_sequence(cast))
    with connect(cast.app_url) as conn:
        entries = conn.execute(
            "SELECT count(*) FROM kontaktregister.kontakt "
            "WHERE upper_inf(registrert) AND gyldig @> now()"
        ).fetchone()[0]
    assert len(records) == entries >= 5
    exported = {r["noekkel"]: r["data"] for r in records}
    token = test_token(scope, orgnr=ORGNR)
    with LiveServer(create_app(cast.app_url), token=token) as base:
        root = "kontaktinformasjoner(identifikasjonsnummer: $k)"
        query = f"query ($k: [ID!]!) {{ {root} {{ {KONTAKT.selection} }} }}"
        body = Api(base).raw(query, k=list(exported))
    assert exported == {e["personidentifikator"]: e for e in body["data"]["kontaktinformasjoner"]}
    assert any(e["epost"] for e in exported.values()) == (scope == KRR)
    assert any(e["digitalPostkasse"] for e in exported.values()) == (scope == DIGITALPOST)
    with connect(cast.app_url) as conn:
        logged = conn.execute(
            "SELECT DISTINCT unnest(identifikasjonsnumre) FROM felles.oppslagslogg "
            "WHERE operasjon = 'eksport' AND konsument = %s AND scopes = %s",
            [ORGNR, [scope]],
        ).fetchall()
    assert {n for (n,) in logged} >= exported.keys()


def test_buildings_are_exported_as_the_ogc_api_shows_them(loaded, tmp_path):
    """The API has no root field for a building: the Bygning records are the OGC
    collection's features, each as ``GET /ogc/collections/bygninger/items/{id}`` answers."""
    out = tmp_path / "bygninger.jsonl"
    done = grunndata(loaded, "export", "matrikkel", "--out", str(out), "--format", "jsonl",
                     "--del", "Bygning")  # fmt: skip
    assert done.returncode == 0, done.stderr
    _, records = read_jsonl(out)
    with connect(loaded.app_url) as conn:
        buildings = conn.execute(
            "SELECT count(*) FROM matrikkel.bygning WHERE upper_inf(registrert) AND gyldig @> now()"
        ).fetchone()[0]
    assert len(records) == buildings > 0
    assert {r["entitet"] for r in records} == {"Bygning"}
    with LiveServer(create_app(loaded.app_url), token=None) as base:
        for record in records[:3]:
            item = httpx.get(f"{base}/ogc/collections/bygninger/items/{record['noekkel']}").json()
            assert record["data"] == {
                "geometry": item["geometry"],
                "properties": item["properties"],
            }
    table = tmp_path / "bygninger.csv"
    done = grunndata(loaded, "export", "matrikkel", "--out", str(table), "--format", "csv",
                     "--del", "Bygning")  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(table.read_text(encoding="utf-8").splitlines()[1:]))
    assert [row["bygningsnummer"] for row in rows] == [r["noekkel"] for r in records]
    assert orjson.loads(rows[0]["geometry"]) == records[0]["data"]["geometry"]
