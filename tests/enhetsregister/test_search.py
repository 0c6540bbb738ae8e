"""``enheter``: any combination of filters answers exactly the units that meet all of them,
page by page, with an exact ``totalCount`` (checked against the generated source)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grunndata.registers.enhetsregister.generate import KOMMUNER, enheter, write_json_gz
from grunndata.server import create_app
from tests.conftest import Clones, LiveServer, examples
from tests.enhetsregister.conftest import Api, load

HOVED = list(enheter(300, seed=21))
PARENTS = [r["organisasjonsnummer"] for r in HOVED[:5]]
UNDER = list(enheter(120, seed=22, underenhet=True, parents=PARENTS))
RECORDS = [(r, False) for r in HOVED] + [(r, True) for r in UNDER]


@pytest.fixture(scope="module")
def search_api(clones: Clones, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    database = clones.make()
    folder = tmp_path_factory.mktemp("search")
    load(
        database,
        write_json_gz(folder / "enheter.json.gz", HOVED),
        write_json_gz(folder / "underenheter.json.gz", UNDER),
    )
    with LiveServer(create_app(database.app_url)) as base:
        yield Api(base)
    clones.drop(database)


def _flag(value: Any) -> bool:
    return value is True


def matches(record: dict[str, Any], underenhet: bool, f: dict[str, Any]) -> bool:
    """The filter's meaning, written out plainly over the source record."""
    kode = (record.get("organisasjonsform") or {}).get("kode")
    adresse = (
        record.get("beliggenhetsadresse") if underenhet else record.get("forretningsadresse")
    ) or {}
    koder = [
        (record.get(k) or {}).get("kode")
        for k in ("naeringskode1", "naeringskode2", "naeringskode3")
    ]
    ansatte = record.get("antallAnsatte")
    checks = {
        "organisasjonsform": lambda v: kode in v,
        "kommunenummer": lambda v: adresse.get("kommunenummer") in v,
        "naeringskode": lambda v: any(k and k.startswith(p) for k in koder for p in v),
        "fraAntallAnsatte": lambda v: ansatte is not None and ansatte >= v,
        "tilAntallAnsatte": lambda v: ansatte is not None and ansatte <= v,
        "konkurs": lambda v: _flag(record.get("konkurs")) == v,
        "underAvvikling": lambda v: _flag(record.get("underAvvikling")) == v,
        "erSlettet": lambda v: (record.get("slettedato") is not None) == v,
        "overordnetEnhet": lambda v: record.get("overordnetEnhet") == v,
        "erUnderenhet": lambda v: underenhet == v,
    }
    return all(checks[name](value) for name, value in f.items())


FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "organisasjonsform": st.lists(
            st.sampled_from(["AS", "ENK", "ANS", "BEDR", "STI"]), min_size=1, max_size=3
        ),
        "kommunenummer": st.lists(
            st.sampled_from([k[0] for k in KOMMUNER]), min_size=1, max_size=2
        ),
        "naeringskode": st.lists(
            st.sampled_from(["6", "62", "62.0", "62.010", "41.200", "5"]), min_size=1, max_size=2
        ),
        "fraAntallAnsatte": st.integers(0, 500),
        "tilAntallAnsatte": st.integers(0, 500),
        "konkurs": st.booleans(),
        "underAvvikling": st.booleans(),
        "erSlettet": st.booleans(),
        "overordnetEnhet": st.sampled_from(PARENTS),
        "erUnderenhet": st.booleans(),
    },
)


@settings(max_examples=examples(40))
@given(filter=FILTERS, first=st.integers(20, 150))
def test_filters_combine_and_page_exactly(search_api, filter, first):
    wanted = sorted(r["organisasjonsnummer"] for r, u in RECORDS if matches(r, u, filter))
    found: list[str] = []
    after = None
    while True:
        data = search_api(
            """query ($f: EnhetFilter, $first: Int, $after: String) {
                enheter(filter: $f, first: $first, after: $after) {
                totalCount pageInfo { hasNextPage endCursor }
                edges { node { organisasjonsnummer } } } }""",
            f=filter,
            first=first,
            after=after,
        )["enheter"]
        assert data["totalCount"] == len(wanted)
        found += [e["node"]["organisasjonsnummer"] for e in data["edges"]]
        assert len(data["edges"]) <= first
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert found == wanted


LONG_WORDS = [r["navn"] for r in HOVED if max(map(len, r["navn"].split())) >= 8][:40]


@given(navn=st.sampled_from(LONG_WORDS), typo=st.integers(0, 100))
def test_a_name_with_a_typo_still_finds_the_unit(search_api, navn, typo):
    """One letter dropped from a word of eight or more letters."""
    word = max(navn.split(), key=len)
    position = 1 + typo % (len(word) - 2)
    misspelt = navn.replace(word, word[:position] + word[position + 1 :], 1)
    data = search_api(
        """query ($navn: String) { enheter(filter: {navn: $navn}, first: 1000) {
            totalCount edges { node { navn } } } }""",
        navn=misspelt,
    )["enheter"]
    names = [e["node"]["navn"] for e in data["edges"]]
    assert data["totalCount"] == len(names)
    assert navn in names


def test_names_with_norwegian_letters_rank_exact_then_prefix_then_the_rest(
    fresh_database, tmp_path
):
    """The database's lower() may leave Æ, Ø, Å and É as they are (a C locale): names are
    compared case-folded all the same."""
    from tests.enhetsregister.conftest import write_json

    names = ["NYE VARDÅS KAFÉ AS", "VARDÅS KAFÉ OG BAKERI AS", "VARDÅS KAFÉ"]
    records = [
        {"organisasjonsnummer": nummer, "navn": navn}
        for nummer, navn in zip(("310911410", "317075367", "317294050"), names, strict=True)
    ]
    load(fresh_database, write_json(tmp_path / "enheter.json", records))
    with LiveServer(create_app(fresh_database.app_url)) as base:
        data = Api(base)(
            '{ enheter(filter: {navn: "Vardås kafé"}) { totalCount edges { node { navn } } } }'
        )["enheter"]
    assert [e["node"]["navn"] for e in data["edges"]] == [
        "VARDÅS KAFÉ",
        "VARDÅS KAFÉ OG BAKERI AS",
        "NYE VARDÅS KAFÉ AS",
    ]
