"""The GraphQL surface on the demo fixtures, through a real server."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from grunndata.registers.enhetsregister.types import HAS_PERSON
from grunndata.server import create_app
from tests.conftest import ALL_SCOPES, LiveServer
from tests.enhetsregister.conftest import Api, load, query, write_json

ENHET = """
query ($nr: ID!) {
  enhet(organisasjonsnummer: $nr) {
    organisasjonsnummer navn erUnderenhet mvaNummer
    organisasjonsform { kode beskrivelse }
    naeringskode1 { kode } naeringskoder { kode }
    forretningsadresse { adresse postnummer poststed kommunenummer land landkode }
    postadresse { adresse }
    konkurs konkursdato underAvvikling slettedato stiftelsesdato
    registreringsdatoEnhetsregisteret hjemmeside vedtektsfestetFormaal
  }
}
"""


@pytest.mark.parametrize(
    "given", ["310911410", "310 911 410", "NO310911410MVA", "NO 310911410 MVA"]
)
def test_a_unit_by_any_form_of_its_number(api, given):
    enhet = api(ENHET, nr=given)["enhet"]
    assert enhet["organisasjonsnummer"] == "310911410"
    assert enhet["navn"] == "KORSVIK BYGG AS"
    assert enhet["mvaNummer"] == "NO310911410MVA"
    assert enhet["organisasjonsform"] == {"kode": "AS", "beskrivelse": "Aksjeselskap"}
    assert [k["kode"] for k in enhet["naeringskoder"]] == ["41.200", "43.320"]
    assert enhet["forretningsadresse"] == {
        "adresse": ["Tyrihansveien 38"],
        "postnummer": "4638",
        "poststed": "KRISTIANSAND S",
        "kommunenummer": "4204",
        "land": "Norge",
        "landkode": "NO",
    }
    assert enhet["postadresse"] == {"adresse": ["Postboks 112"]}, "null and '' lines dropped"
    assert enhet["stiftelsesdato"] == "2004-05-12"


def test_an_invalid_number_is_an_invalid_identifier_naming_the_reason(api):
    body = api.raw(ENHET, nr="112233445")
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "INVALID_IDENTIFIER"
    assert "112233445 is never issued: its check digit computes to 10" in error["message"]


def test_an_unknown_unit_is_null(api):
    assert api(ENHET, nr="974760673")["enhet"] is None


def test_a_deleted_unit_answers_with_its_slettedato(api):
    enhet = api(ENHET, nr="317848641")["enhet"]
    assert enhet["slettedato"] == "2021-06-30"
    assert enhet["navn"] == "GAMLE VARDÅS HANDEL AS"
    assert enhet["forretningsadresse"] is None and enhet["vedtektsfestetFormaal"] == []


def test_status_fields(api):
    holm = api(ENHET, nr="312081962")["enhet"]
    assert holm["konkurs"] is True and holm["konkursdato"] == "2024-03-11"
    assert api(ENHET, nr="317273177")["enhet"]["underAvvikling"] is True


def test_roles_with_persons_and_units_as_holders(api):
    data = api(
        """{ enhet(organisasjonsnummer: "310911410") { roller {
            type { kode beskrivelse } rollegruppe { kode } rekkefolge fratraadt sistEndret
            enhet { organisasjonsnummer }
            innehaver { navn foedselsdato erDoed foedselsnummer enhet { navn } } } } }"""
    )
    roller = {(r["type"]["kode"], r["innehaver"]["navn"]): r for r in data["enhet"]["roller"]}
    assert set(roller) == {
        ("DAGL", "Arne Korsvik"),
        ("LEDE", "Camilla Strand"),
        ("MEDL", "David Strand"),
        ("VARA", "Berit Korsvik"),
        ("REVI", "RANDESUND REVISJON AS"),
    }
    leder = roller[("LEDE", "Camilla Strand")]
    assert leder["innehaver"]["foedselsdato"] == "1975-06-21"
    assert leder["innehaver"]["foedselsnummer"] == "21867525758"
    assert leder["rollegruppe"] == {"kode": "STYR"} and leder["sistEndret"] == "2020-06-15"
    assert leder["enhet"] == {"organisasjonsnummer": "310911410"}
    revisor = roller[("REVI", "RANDESUND REVISJON AS")]["innehaver"]
    assert revisor["enhet"] == {"navn": "RANDESUND REVISJON AS"}
    assert revisor["foedselsdato"] is None


def test_a_deceased_holder(api):
    data = api(
        '{ enhet(organisasjonsnummer: "312081962") { roller { fratraadt '
        "innehaver { navn erDoed } } } }"
    )
    oda = next(r for r in data["enhet"]["roller"] if r["innehaver"]["navn"] == "Oda Holm")
    assert oda == {"fratraadt": True, "innehaver": {"navn": "Oda Holm", "erDoed": True}}


def test_underenheter_and_their_parent(api):
    data = api(
        """{ enhet(organisasjonsnummer: "310911410") {
            underenheter(first: 1) { totalCount pageInfo { hasNextPage endCursor }
              edges { node { organisasjonsnummer erUnderenhet beliggenhetsadresse { adresse }
                             overordnetEnhet { navn } } } } } }"""
    )
    page = data["enhet"]["underenheter"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"] is True
    (edge,) = page["edges"]
    assert edge["node"] == {
        "organisasjonsnummer": "314400291",
        "erUnderenhet": True,
        "beliggenhetsadresse": {"adresse": ["Tyrihansveien 36"]},
        "overordnetEnhet": {"navn": "KORSVIK BYGG AS"},
    }
    after = page["pageInfo"]["endCursor"]
    rest = api(
        """query ($after: String) { enhet(organisasjonsnummer: "310911410") {
            underenheter(first: 5, after: $after) { edges { node { organisasjonsnummer } } } } }""",
        after=after,
    )
    assert [e["node"]["organisasjonsnummer"] for e in rest["enhet"]["underenheter"]["edges"]] == [
        "317875347"
    ]


def numbers(api, filter: dict, first: int = 100) -> tuple[list[str], int]:
    data = api(
        """query ($f: EnhetFilter, $first: Int) { enheter(filter: $f, first: $first) {
            totalCount edges { node { organisasjonsnummer } } } }""",
        f=filter,
        first=first,
    )["enheter"]
    return [e["node"]["organisasjonsnummer"] for e in data["edges"]], data["totalCount"]


def test_search_by_name_is_typo_tolerant_and_ranked(api):
    found, total = numbers(api, {"navn": "korsvk bygg"})
    assert found[0] == "310911410"
    assert total == len(found)
    assert numbers(api, {"navn": "Sørlandet IT"})[0][:2] == ["318716897", "317787685"]


def test_filters(api):
    assert numbers(api, {"naeringskode": "62"})[0] == ["317517793", "317787685", "318716897"]
    assert numbers(api, {"organisasjonsform": ["ENK", "FLI"]})[0] == [
        "310283827",
        "315205999",
        "317294050",
        "317880936",
    ]
    assert numbers(api, {"organisasjonsform": ["ANS", "DA", "STI", "NUF"]})[0] == [
        "312294869",
        "312984164",
        "316283608",
        "317283792",
    ]
    assert numbers(api, {"konkurs": True})[0] == ["312081962"]
    assert numbers(api, {"underAvvikling": True})[0] == ["317273177"]
    assert numbers(api, {"erSlettet": True})[0] == ["317848641"]
    assert numbers(api, {"overordnetEnhet": "310 911 410"})[0] == ["314400291", "317875347"]
    everything, total = numbers(api, {})
    assert total == 30 == len(everything)
    assert numbers(api, {"erUnderenhet": True})[1] == 12
    assert numbers(api, {"kommunenummer": "4204"})[1] == 29, "all but the deleted one"
    ansatte = numbers(api, {"fraAntallAnsatte": 5, "tilAntallAnsatte": 14, "erUnderenhet": False})
    assert ansatte == (["310911410", "317075367"], 2)


def test_filters_combine(api):
    both = {"naeringskode": "62", "erUnderenhet": True}
    assert numbers(api, both) == (["317517793", "317787685"], 2)
    assert numbers(api, {"kommunenummer": "0301", "konkurs": False}) == ([], 0)


def test_a_page_beyond_the_end_still_counts(api):
    found, total = numbers(api, {}, first=0)
    assert found == [] and total == 30


def test_bad_arguments_are_invalid_argument(api):
    body = api.raw("{ enheter(first: -1) { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"
    body = api.raw('{ enheter(filter: {navn: "  "}) { totalCount } }')
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"


@pytest.mark.skipif(not HAS_PERSON, reason="the folkeregister room has no GraphQL types here")
def test_a_holder_with_a_known_identifier_links_to_the_person_register(cast_database):
    """Across registers, on the whole test cast: the cast's persons hold the cast's roles."""
    with LiveServer(create_app(cast_database.app_url)) as base:
        data = Api(base)(
            '{ enhet(organisasjonsnummer: "310911410") { roller { type { kode } '
            "innehaver { navn person { identifikasjonsnummer navn { fornavn } } } } } }"
        )
    roller = {r["type"]["kode"]: r["innehaver"] for r in data["enhet"]["roller"]}
    assert roller["LEDE"]["person"] == {
        "identifikasjonsnummer": "21867525758",
        "navn": {"fornavn": "CAMILLA"},  # as Folkeregisteret writes it
    }
    assert roller["REVI"] == {"navn": "RANDESUND REVISJON AS", "person": None}


def test_a_partnership_has_a_cast_person_and_a_cast_unit_as_partners(api):
    data = api(
        '{ enhet(organisasjonsnummer: "312984164") { organisasjonsform { kode } '
        "forretningsadresse { adresse postnummer } roller { type { kode } ansvarsandel "
        "innehaver { navn foedselsdato enhet { organisasjonsnummer } } } } }"
    )["enhet"]
    assert data["organisasjonsform"]["kode"] == "DA"
    assert data["forretningsadresse"] == {"adresse": ["Vardåsveien 115"], "postnummer": "4637"}
    deltakere = [
        (r["innehaver"], r["ansvarsandel"]) for r in data["roller"] if r["type"]["kode"] == "DTPR"
    ]
    assert deltakere == [
        ({"navn": "Jon Vardås", "foedselsdato": "1960-07-04", "enhet": None}, "60%"),
        (
            {
                "navn": "STRAND EIENDOM AS",
                "foedselsdato": None,
                "enhet": {"organisasjonsnummer": "315761697"},
            },
            "40%",
        ),
    ]


DOC = Path(__file__).parents[2] / "docs" / "enhetsregister.md"


@pytest.mark.parametrize("query", re.findall(r"```graphql\n(.*?)```", DOC.read_text(), re.S))
def test_the_documented_queries_answer_on_the_demo(demo_database, query):
    with LiveServer(create_app(demo_database.app_url)) as base:
        data = Api(base)(textwrap.dedent(query))
    assert all(value for value in data.values()), data


def test_history_and_time_arguments(fresh_database, tmp_path):
    from tests.enhetsregister.test_formats import KORSVIK

    load(fresh_database, write_json(tmp_path / "enheter.json", [KORSVIK]))
    (between,) = query(fresh_database, "SELECT clock_timestamp()")[0]
    renamed = {**KORSVIK, "navn": "KORSVIK BYGG OG ANLEGG AS"}
    load(fresh_database, write_json(tmp_path / "enheter.json", [renamed]))
    with LiveServer(create_app(fresh_database.app_url)) as base:
        api = Api(base)
        asked = """query ($g: DateTime, $a: DateTime) {
            enhet(organisasjonsnummer: "310911410", gyldighetstidspunkt: $g,
                  ajourholdstidspunkt: $a) { navn historikk { navn gyldigFra gyldigTil } } }"""
        now = api(asked)["enhet"]
        then = api(asked, g="2010-01-01T12:00:00")["enhet"]
        known_then = api(asked, a=between.isoformat())["enhet"]
        before = api(asked, g="2000-01-01T00:00:00")["enhet"]
    assert now["navn"] == "KORSVIK BYGG OG ANLEGG AS"
    assert then["navn"] == "KORSVIK BYGG AS", "valid in 2010: the old name"
    assert known_then["navn"] == "KORSVIK BYGG AS", "as the register knew it between loads"
    assert before is None, "not registered yet in 2000"
    history = now["historikk"]
    assert [h["navn"] for h in history] == ["KORSVIK BYGG AS", "KORSVIK BYGG OG ANLEGG AS"]
    assert history[0]["gyldigFra"] == "2004-05-12T00:00:00+02:00"
    assert history[0]["gyldigTil"] == history[1]["gyldigFra"] and history[1]["gyldigTil"] is None
    assert [h["navn"] for h in known_then["historikk"]] == ["KORSVIK BYGG AS"]


def test_history_and_its_times_answer_alike_on_both_paths(fresh_database, tmp_path):
    """Two versions, one closed in valid time: the SQL forms (``historikk``, the version
    times) answer as the resolvers, now, at an instant, and as recorded between loads."""
    from tests.enhetsregister.test_formats import KORSVIK
    from tests.sqlforms import BothPaths

    load(fresh_database, write_json(tmp_path / "enheter.json", [KORSVIK]))
    (between,) = query(fresh_database, "SELECT clock_timestamp()")[0]
    renamed = {**KORSVIK, "navn": "KORSVIK BYGG OG ANLEGG AS"}
    load(fresh_database, write_json(tmp_path / "enheter.json", [renamed]))
    asked = """query ($g: DateTime, $a: DateTime) { enhet(organisasjonsnummer: "310911410",
        gyldighetstidspunkt: $g, ajourholdstidspunkt: $a) { navn gyldigFra gyldigTil
        registrertFra registrertTil historikk { navn gyldigFra gyldigTil registrertFra
        registrertTil } } }"""
    both = BothPaths(fresh_database)
    try:
        for variables in ({}, {"g": "2010-01-01T12:00:00"}, {"a": between.isoformat()}):
            fast, resolved = both.ask(asked, ALL_SCOPES, variables)
            assert fast is not None, f"the SQL forms declined {variables}"
            assert resolved["codes"] == [] and fast[0] == resolved["data"], variables
    finally:
        both.close()
    assert len(resolved["data"]["enhet"]["historikk"]) == 1  # as recorded between the loads


def test_other_registers_reach_units_through_the_enhet_entity(demo):
    import asyncio

    from psycopg_pool import AsyncConnectionPool

    from grunndata.graphql.context import Context
    from grunndata.registers.enhetsregister import REGISTER

    async def lookup() -> list:
        async with AsyncConnectionPool(demo[0].app_url, open=False) as pool:
            context = Context(pool=pool, request_id="t", entities=REGISTER.entities)
            return await asyncio.gather(
                context.entity("Enhet", "310911410"),
                context.entity("Enhet", "314400291"),
                context.entity("Enhet", "974760673"),
                context.entity("Enhet", "not a number"),
            )

    korsvik, avdeling, unknown, invalid = asyncio.run(lookup())
    assert korsvik.navn() == "KORSVIK BYGG AS" and avdeling.er_underenhet is True
    assert unknown is None and invalid is None


def test_relations_are_batched_one_statement_per_level(api, monkeypatch):
    """As many SQL statements for 25 units as for 5: DataLoaders, not one query per unit.
    (Both leave out units that others refer to, so both look them up.)"""
    import psycopg

    statements: list[str] = []
    execute = psycopg.AsyncCursor.execute

    async def counted(self, query, params=None, **kwargs):
        statements.append(str(query))
        return await execute(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.AsyncCursor, "execute", counted)

    def run(first: int) -> int:
        statements.clear()
        person = "person { identifikasjonsnummer }" if HAS_PERSON else ""
        asked = """query ($first: Int) { enheter(first: $first) { edges { node {
            navn overordnetEnhet { navn } underenheter { totalCount } historikk { navn }
            roller { enhet { navn } innehaver { navn enhet { navn } PERSON } } } } } }"""
        data = api(asked.replace("PERSON", person), first=first)
        assert len(data["enheter"]["edges"]) == first
        return sum("enhetsregister." in s or "folkeregister." in s for s in statements)

    # One statement per level and loader; a level whose units the page already holds needs
    # none, so five units may take one more than twenty-five, never fewer.
    few, many = run(5), run(25)
    assert 0 < many <= few <= 9, (few, many)


def test_underenheter_are_only_underenheter_not_child_organisasjonsledd(fresh_database, tmp_path):
    """An organisasjonsledd names its parent in overordnetEnhet too, but is a hovedenhet."""
    from tests.enhetsregister.test_formats import AVDELING, KORSVIK

    ledd = {
        "organisasjonsnummer": "317075367",
        "navn": "KORSVIK BYGG AS DIVISJON",
        "organisasjonsform": {"kode": "ORGL", "beskrivelse": "Organisasjonsledd"},
        "overordnetEnhet": "310911410",
    }
    load(fresh_database, write_json(tmp_path / "enheter.json", [KORSVIK, ledd]))
    load(fresh_database, write_json(tmp_path / "underenheter.json", [AVDELING]))
    with LiveServer(create_app(fresh_database.app_url)) as base:
        data = Api(base)(
            '{ enhet(organisasjonsnummer: "310911410") { underenheter { totalCount '
            "edges { node { organisasjonsnummer erUnderenhet } } } } }"
        )
    assert data["enhet"]["underenheter"] == {
        "totalCount": 1,
        "edges": [{"node": {"organisasjonsnummer": "314400291", "erUnderenhet": True}}],
    }


def test_the_real_roller_document_reaches_graphql_once_its_unit_arrives(fresh_database, tmp_path):
    """Roles loaded before their unit are kept and shown when it comes; every field of
    Brønnøysund's document answers."""
    import json

    from tests.enhetsregister.conftest import DATA

    load(fresh_database, DATA / "roller_person_810004622.json")
    unit = json.loads((DATA / "enhet_invalid_orgnr.json").read_text())
    unit["organisasjonsnummer"] = "810004622"  # the sample's own number is never issued
    load(fresh_database, write_json(tmp_path / "enheter.json", unit))
    with LiveServer(create_app(fresh_database.app_url)) as base:
        data = Api(base)(
            """{ enhet(organisasjonsnummer: "810004622") { navn roller {
                type { kode beskrivelse } rollegruppe { kode beskrivelse } sistEndret
                valgtAv { kode beskrivelse } fratraadt rekkefolge ansvarsandel
                enhet { organisasjonsnummer }
                innehaver { navn fornavn etternavn foedselsdato erDoed foedselsnummer
                            enhet { navn } } } } }"""
        )
    assert data["enhet"]["navn"] == "SESAM STASJON"
    assert data["enhet"]["roller"] == [
        {
            "type": {"kode": "LEDE", "beskrivelse": "Styrets leder"},
            "rollegruppe": {"kode": "STYR", "beskrivelse": "Styre"},
            "sistEndret": "2019-01-01",
            "valgtAv": {"kode": "A-AK", "beskrivelse": "Representant for A-aksjonærene"},
            "fratraadt": False,
            "rekkefolge": 0,
            "ansvarsandel": None,
            "enhet": {"organisasjonsnummer": "810004622"},
            "innehaver": {
                "navn": "Ove Olsen",
                "fornavn": "Ove",
                "etternavn": "Olsen",
                "foedselsdato": "1981-01-01",
                "erDoed": False,
                "foedselsnummer": None,
                "enhet": None,
            },
        }
    ]
