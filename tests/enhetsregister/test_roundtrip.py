"""A generated ``lastned`` file goes in as JSON.gz and as CSV.gz and every field comes out
through GraphQL as it went in.

The size is ``GRUNNDATA_ROUNDTRIP_N`` enheter (plus a third as many underenheter): the
issue's 100 000 in CI (``CI`` set; a few minutes), 3 000 otherwise (seconds).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from grunndata.registers.enhetsregister.fields import FIELDS, Kind, fields_of
from grunndata.registers.enhetsregister.generate import enheter, write_csv_gz, write_json_gz
from grunndata.server import create_app
from tests.conftest import LiveServer
from tests.enhetsregister.conftest import Api, load

N = int(os.environ.get("GRUNNDATA_ROUNDTRIP_N", "100000" if os.environ.get("CI") else "3000"))
PAGE = 1000


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


@pytest.mark.slow
def test_json_and_csv_lastned_round_trip_every_field(fresh_database, tmp_path):
    hoved = list(enheter(N, seed=11))
    parents = [r["organisasjonsnummer"] for r in hoved[:50]]
    under = list(enheter(N // 3, seed=12, underenhet=True, parents=parents))
    files = [
        write_json_gz(tmp_path / "enheter.json.gz", hoved),
        write_json_gz(tmp_path / "underenheter.json.gz", under),
    ]
    outcome = load(fresh_database, *files)
    assert [(f.exit_code, f.counts.inserted) for f in outcome.files] == [
        (0, len(hoved)),
        (0, len(under)),
    ]
    with LiveServer(create_app(fresh_database.app_url)) as base:
        api = Api(base)
        for records, underenhet in ((hoved, False), (under, True)):
            answers = {a["organisasjonsnummer"]: a for a in everything(api, underenhet)}
            assert len(answers) == len(records)
            for record in records:
                assert answers[record["organisasjonsnummer"]] == expected(record, underenhet)
    # The same units as CSV.gz: every field reads the same, so nothing changes.
    csv_files = [
        write_csv_gz(tmp_path / "enheter.csv.gz", hoved),
        write_csv_gz(tmp_path / "underenheter.csv.gz", under, underenhet=True),
    ]
    outcome = load(fresh_database, *csv_files)
    assert [
        (f.format, f.exit_code, f.counts.inserted, f.counts.unchanged) for f in outcome.files
    ] == [
        ("brreg-enheter-csv", 0, 0, len(hoved)),
        ("brreg-underenheter-csv", 0, 0, len(under)),
    ]
