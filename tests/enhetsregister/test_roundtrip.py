"""A generated ``lastned`` file goes in as JSON.gz and as CSV.gz and every field comes out
through GraphQL as it went in.

The size is ``GRUNNDATA_ROUNDTRIP_N`` enheter (plus a third as many underenheter): the
issue's 100 000 in CI (``CI`` set; a few minutes), 3 000 otherwise (seconds).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grunndata.db.database import Database
from grunndata.registers.enhetsregister.fields import FIELDS, Kind, fields_of
from grunndata.registers.enhetsregister.generate import enheter, write_csv_gz, write_json_gz
from grunndata.server import create_app
from tests.conftest import LiveServer
from tests.enhetsregister.conftest import Api, load

N = int(os.environ.get("GRUNNDATA_ROUNDTRIP_N", "100000" if os.environ.get("CI") else "3000"))
PAGE = 1000
#: The hovedenheter the underenheter belong to (the first of the enheter's).
PARENTS = 50
Record = dict[str, Any]


def selection() -> str:
    parts = ["organisasjonsnummer", "erUnderenhet", "mvaNummer", "naeringskoder { kode }"]
    for f in FIELDS:
        if f.kind is Kind.CODE:
            parts.append(f"{f.name} {{ kode beskrivelse }}")
        elif f.kind is Kind.ADDRESS:
            parts.append(
                f"{f.name} {{ adresse postnummer poststed kommune kommunenummer land landkode }}"
            )
        elif f.name == "overordnetEnhet":
            parts.append("overordnetEnhet { organisasjonsnummer }")
        else:
            parts.append(f.name)
    return " ".join(parts)


def expected(record: dict[str, Any], underenhet: bool) -> dict[str, Any]:
    """What GraphQL must answer for a generated (clean) record: the record itself."""
    answer: dict[str, Any] = {
        "organisasjonsnummer": record["organisasjonsnummer"],
        "erUnderenhet": underenhet,
    }
    own = {f.name for f in fields_of(underenhet)}
    for f in FIELDS:
        value = record.get(f.name) if f.name in own else None
        if f.kind is Kind.LIST:
            value = value or []
        elif f.name == "overordnetEnhet" and value is not None:
            value = {"organisasjonsnummer": value}
        answer[f.name] = value
    answer["mvaNummer"] = (
        f"NO{record['organisasjonsnummer']}MVA" if record.get("registrertIMvaregisteret") else None
    )
    answer["naeringskoder"] = [
        {"kode": record[k]["kode"]}
        for k in ("naeringskode1", "naeringskode2", "naeringskode3")
        if record.get(k)
    ]
    return answer


def everything(api: Api, underenhet: bool) -> Iterator[dict[str, Any]]:
    after = None
    while True:
        data = api(
            f"""query ($after: String, $u: Boolean) {{
                enheter(filter: {{erUnderenhet: $u}}, first: {PAGE}, after: $after) {{
                totalCount pageInfo {{ hasNextPage endCursor }}
                edges {{ node {{ {selection()} }} }} }} }}""",
            after=after,
            u=underenhet,
        )["enheter"]
        yield from (edge["node"] for edge in data["edges"])
        if not data["pageInfo"]["hasNextPage"]:
            return
        after = data["pageInfo"]["endCursor"]


def round_trip(database: Database, tmp_path: Path, units: list[Record], underenhet: bool) -> None:
    """``units`` load as JSON.gz, every field reads back through GraphQL as it went in, and
    the same units as CSV.gz change nothing."""
    kind = "underenheter" if underenhet else "enheter"
    outcome = load(database, write_json_gz(tmp_path / f"{kind}.json.gz", units))
    assert [(f.exit_code, f.counts.inserted) for f in outcome.files] == [(0, len(units))]
    with LiveServer(create_app(database.app_url)) as base:
        answers = {a["organisasjonsnummer"]: a for a in everything(Api(base), underenhet)}
    assert len(answers) == len(units)
    for record in units:
        assert answers[record["organisasjonsnummer"]] == expected(record, underenhet)
    # The same units as CSV.gz: every field reads the same, so nothing changes.
    csv_file = write_csv_gz(tmp_path / f"{kind}.csv.gz", units, underenhet=underenhet)
    outcome = load(database, csv_file)
    assert [
        (f.format, f.exit_code, f.counts.inserted, f.counts.unchanged) for f in outcome.files
    ] == [(f"brreg-{kind}-csv", 0, 0, len(units))]


# Two tests, so that the suite's workers share the work.
@pytest.mark.slow
def test_enheter_json_and_csv_round_trip_every_field(fresh_database, tmp_path):
    round_trip(fresh_database, tmp_path, list(enheter(N, seed=11)), underenhet=False)


@pytest.mark.slow
def test_underenheter_json_and_csv_round_trip_every_field(fresh_database, tmp_path):
    parents = list(enheter(PARENTS, seed=11))
    outcome = load(fresh_database, write_json_gz(tmp_path / "parents.json.gz", parents))
    assert [f.exit_code for f in outcome.files] == [0]
    numbers = [r["organisasjonsnummer"] for r in parents]
    under = list(enheter(N // 3, seed=12, underenhet=True, parents=numbers))
    round_trip(fresh_database, tmp_path, under, underenhet=True)
