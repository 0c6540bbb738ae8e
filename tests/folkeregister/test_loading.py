"""Loading Freg documents: shapes, spellings, reloads, and bad input through the CLI."""

from __future__ import annotations

import copy
import csv
import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest

from grunndata.db.database import Database, connect
from grunndata.registers.folkeregister.document import read_document
from tests.folkeregister.helpers import DATA, ask, load, write_json

GRUNNDATA = str(Path(sys.executable).parent / "grunndata")
REAL = json.loads((DATA / "person_strengt_fortrolig_21860398300.json").read_text())
OTHER = json.loads((DATA / "person_bostedsadresse_08871748471.json").read_text())


def cli(database: Database | None, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if database is not None:
        env["GRUNNDATA_DATABASE_URL"] = database.app_url
    result = subprocess.run(
        [GRUNNDATA, *args], capture_output=True, text=True, timeout=120, env=env
    )
    assert "Traceback" not in result.stdout + result.stderr
    return result


def rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def persons(database: Database) -> int:
    with connect(database.app_url) as conn:
        return conn.execute("SELECT count(*) FROM folkeregister.person").fetchone()[0]


def with_identifier(document: dict[str, Any], number: str) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["identifikasjonsnummer"][0]["foedselsEllerDNummer"] = number
    return changed


# -- shapes and spellings -------------------------------------------------------------


def test_an_array_json_lines_and_gzip_load_alike(fresh_database, tmp_path):
    array = write_json(tmp_path / "personer.json", [REAL, OTHER])
    lines = tmp_path / "personer.jsonl.gz"
    with gzip.open(lines, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(REAL) + "\n" + json.dumps(OTHER) + "\n")
    first = load(fresh_database, array)
    assert first.exit_code == 0 and first.files[0].records == 2
    again = load(fresh_database, lines)
    assert again.exit_code == 0 and again.files[0].records == 2
    assert again.files[0].counts.inserted == 0, "the same documents again change nothing"
    assert persons(fresh_database) == 2


def test_upper_snake_enums_doedsfall_list_and_numeric_year_are_read(fresh_database, tmp_path):
    document = copy.deepcopy(OTHER)
    document["identifikasjonsnummer"][0] |= {
        "status": "I_BRUK",
        "identifikatortype": "FOEDSELSNUMMER",
    }
    document["sivilstand"][0]["sivilstand"] = "GIFT"
    document["bostedsadresse"][0]["adressegradering"] = "KLIENTADRESSE"
    document["foedsel"][0]["foedselsaar"] = 1917
    document["doedsfall"] = [
        {
            "gyldighetstidspunkt": "2023-01-01T10:00:00Z",
            "erGjeldende": True,
            "ajourholdstidspunkt": "2023-01-02T10:00:00Z",
            "doedsdato": "2023-01-01",
        }
    ]
    document["familierelasjon"][0]["relatertPersonsRolle"] = "EKTEFELLE_ELLER_PARTNER"
    assert load(fresh_database, write_json(tmp_path / "p.json", document)).exit_code == 0
    body = ask(
        fresh_database,
        """{ person(identifikasjonsnummer: "08871748471") {
        identifikatortype sivilstand { sivilstand } foedselsaar doedsdato
        bostedsadresse { adressegradering } familierelasjoner { relatertPersonsRolle } } }""",
    )
    assert body["data"]["person"] == {
        "identifikatortype": "foedselsnummer",
        "sivilstand": {"sivilstand": "gift"},
        "foedselsaar": 1917,
        "doedsdato": "2023-01-01",
        "bostedsadresse": {"adressegradering": "klientadresse"},
        "familierelasjoner": [
            {"relatertPersonsRolle": "barn"},
            {"relatertPersonsRolle": "ektefelleEllerPartner"},
        ],
    }


# -- reloads ------------------------------------------------------------------------------

ADRESSE = """query($a: DateTime, $g: DateTime) {
  person(identifikasjonsnummer: "08871748471", ajourholdstidspunkt: $a, gyldighetstidspunkt: $g) {
    bostedsadresse { vegadresse { adressenavn } } } }"""


def _adressenavn(database: Database, **times: str) -> str | None:
    adresse = ask(database, ADRESSE, **times)["data"]["person"]["bostedsadresse"]
    return adresse and adresse["vegadresse"]["adressenavn"]


def test_a_newer_document_adds_and_supersedes_and_the_older_one_again_changes_nothing(
    fresh_database, tmp_path
):
    older = write_json(tmp_path / "v1.json", OTHER)
    newer_document = copy.deepcopy(OTHER)
    moved = copy.deepcopy(OTHER["bostedsadresse"][0])
    moved |= {
        "ajourholdstidspunkt": "2024-03-02T08:00:00Z",
        "gyldighetstidspunkt": "2024-02-29T23:00:00Z",
        "flyttedato": "2024-03-01",
    }
    moved["vegadresse"] = {**moved["vegadresse"], "adressenavn": "Nyveien"}
    newer_document["bostedsadresse"][0]["erGjeldende"] = False
    newer_document["bostedsadresse"].insert(0, moved)
    newer = write_json(tmp_path / "v2.json", newer_document)
    assert load(fresh_database, older).exit_code == 0
    assert load(fresh_database, newer).files[0].counts.inserted == 1
    assert _adressenavn(fresh_database) == "Nyveien"
    assert _adressenavn(fresh_database, g="2023-06-01T00:00:00") == "Skipavika"
    assert _adressenavn(fresh_database, a="2024-03-01T12:00:00") == "Skipavika"
    assert _adressenavn(fresh_database, a="2024-03-02T12:00:00") == "Nyveien"
    again = load(fresh_database, older)
    assert again.files[0].counts.inserted == 0 and again.files[0].counts.superseded == 0
    assert _adressenavn(fresh_database) == "Nyveien"


def test_a_correction_replaces_a_version_from_when_it_was_recorded(fresh_database, tmp_path):
    corrected = copy.deepcopy(OTHER)
    fixed = copy.deepcopy(OTHER["bostedsadresse"][0])
    fixed["ajourholdstidspunkt"] = "2024-05-01T08:00:00Z"
    fixed["vegadresse"] = {**fixed["vegadresse"], "adressenavn": "Skipavikvegen"}
    corrected["bostedsadresse"] = [fixed]
    assert load(fresh_database, write_json(tmp_path / "v1.json", OTHER)).exit_code == 0
    assert load(fresh_database, write_json(tmp_path / "v2.json", corrected)).exit_code == 0
    assert _adressenavn(fresh_database) == "Skipavikvegen"
    assert (
        _adressenavn(fresh_database, g="2023-01-01T00:00:00", a="2024-04-01T00:00:00")
        == "Skipavika"
    )
    with connect(fresh_database.app_url) as conn:
        kept = conn.execute(
            "SELECT count(*) FROM folkeregister.versjon WHERE element = 'bostedsadresse'"
        ).fetchone()[0]
    assert kept == 2, "nothing is overwritten: both versions are kept"


# -- bad input ----------------------------------------------------------------------------


def test_a_document_without_a_valid_current_identifier_is_rejected(fresh_database, tmp_path):
    bad = with_identifier(OTHER, "08871748472")
    no_ids = {k: v for k, v in OTHER.items() if k != "identifikasjonsnummer"}
    path = write_json(tmp_path / "personer.json", [REAL, bad, no_ids])
    report = tmp_path / "rejects.csv"
    result = cli(fresh_database, "load", "--no-migrate", str(path), "--reject-file", str(report))
    assert result.returncode == 1, result.stdout
    rows = rejects(report)
    assert [(r["location"], r["severity"]) for r in rows] == [
        ("record 2 (08871748472)", "reject"),
        ("record 3", "reject"),
    ]
    assert "current identifier '08871748472' is invalid" in rows[0]["reason"]
    assert "control digit" in rows[0]["reason"]
    assert rows[1]["reason"] == "no identifikasjonsnummer"
    assert all(r["source"] == str(path) for r in rows)
    assert persons(fresh_database) == 1


def test_an_invalid_related_person_drops_the_relation_with_a_warning(fresh_database, tmp_path):
    document = copy.deepcopy(REAL)
    document["familierelasjon"][0]["relatertPerson"] = "25912299922"
    document["sivilstand"][0]["relatertVedSivilstand"] = "123"
    path = write_json(tmp_path / "p.json", document)
    report = tmp_path / "rejects.csv"
    result = cli(fresh_database, "load", "--no-migrate", str(path), "--reject-file", str(report))
    assert result.returncode == 0, result.stdout
    rows = rejects(report)
    assert {r["severity"] for r in rows} == {"warning"}
    assert any("familierelasjon: related person '25912299922' dropped" in r["reason"] for r in rows)
    assert any("sivilstand: related person '123' dropped" in r["reason"] for r in rows)
    person = ask(
        fresh_database,
        """{ person(identifikasjonsnummer: "21860398300") {
        sivilstand { sivilstand relatertVedSivilstand } familierelasjoner { relatertPerson } } }""",
    )
    person = person["data"]["person"]
    assert person["sivilstand"] == {"sivilstand": "gift", "relatertVedSivilstand": None}
    assert "25912299922" not in {r["relatertPerson"] for r in person["familierelasjoner"]}
    assert len(person["familierelasjoner"]) == 4


@pytest.mark.parametrize(
    ("element", "field", "value", "reason"),
    [
        ("foedsel", "foedselsdato", "2003-02-30", "foedselsdato '2003-02-30' is not a date"),
        (
            "navn",
            "gyldighetstidspunkt",
            "yesterday",
            "navn[0]: gyldighetstidspunkt 'yesterday' is not a timestamp",
        ),
    ],
)
def test_an_unparseable_date_rejects_the_record(
    fresh_database, tmp_path, element, field, value, reason
):
    document = copy.deepcopy(REAL)
    document[element][0][field] = value
    path = write_json(tmp_path / "p.json", [document, OTHER])
    report = tmp_path / "rejects.csv"
    result = cli(fresh_database, "load", "--no-migrate", str(path), "--reject-file", str(report))
    assert result.returncode == 1
    [row] = rejects(report)
    assert row["location"] == "record 1 (21860398300)" and reason in row["reason"]
    assert persons(fresh_database) == 1


def test_validate_reports_the_same_problems_without_writing(fresh_database, tmp_path):
    bad = with_identifier(OTHER, "08871748472")
    path = write_json(tmp_path / "personer.json", [REAL, bad])
    validated, loaded = tmp_path / "validated.csv", tmp_path / "loaded.csv"
    result = cli(None, "validate", str(path), "--reject-file", str(validated))
    assert result.returncode == 1 and persons(fresh_database) == 0
    cli(fresh_database, "load", "--no-migrate", str(path), "--reject-file", str(loaded))
    assert rejects(validated) == rejects(loaded) != []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "[" + json.dumps(REAL) + ", " + json.dumps(OTHER)[:200],
            "the file looks truncated: it ends inside record 2",
        ),
        ("[" + json.dumps(REAL) + ", " + json.dumps(OTHER), "it ends after record 2, inside an"),
        ("foedselsEllerDNummer;identifikasjonsnummer\n1;2\n", "not JSON"),
    ],
    ids=["truncated-record", "unclosed-array", "csv"],
)
def test_a_truncated_or_non_json_file_fails_clearly_and_loads_nothing(
    fresh_database, tmp_path, content, message
):
    path = tmp_path / "personer.json"
    path.write_text(content, encoding="utf-8")
    result = cli(fresh_database, "load", "--no-migrate", "--format", "freg-person", str(path))
    assert result.returncode == 2
    assert message in " ".join(result.stdout.split())
    assert persons(fresh_database) == 0, "the file's valid records before the damage are not kept"


def test_a_document_joining_two_stored_persons_is_rejected(fresh_database, tmp_path):
    assert load(fresh_database, write_json(tmp_path / "a.json", [REAL, OTHER])).exit_code == 0
    both = copy.deepcopy(OTHER)
    both["identifikasjonsnummer"].append(
        {"foedselsEllerDNummer": "21860398300", "status": "opphoert", "erGjeldende": False}
    )
    outcome = load(fresh_database, write_json(tmp_path / "b.json", both))
    assert outcome.exit_code == 1
    [finding] = outcome.files[0].findings
    assert finding.location == "record 1 (08871748471, 21860398300)"
    assert "belong to different persons" in finding.reason
    assert persons(fresh_database) == 2


def test_the_database_refuses_overlapping_current_versions_of_one_fact(fresh_database, tmp_path):
    assert load(fresh_database, write_json(tmp_path / "p.json", OTHER)).exit_code == 0
    overlapping = """INSERT INTO folkeregister.fakta
        (versjon_id, person_id, element, relasjon, gyldig, registrert, load_id)
        SELECT versjon_id, person_id, element, relasjon, gyldig,
               tstzrange('2030-01-01', NULL), load_id
        FROM folkeregister.fakta WHERE element = %s LIMIT 1"""
    with connect(fresh_database.app_url) as conn:
        with pytest.raises(psycopg.errors.ExclusionViolation), conn.transaction():
            conn.execute(overlapping, ["navn"])
        # The check sees what others committed only under READ COMMITTED: nothing else.
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        refused = pytest.raises(psycopg.errors.ExclusionViolation, match="READ COMMITTED only")
        with refused, conn.transaction():
            conn.execute(overlapping.replace("'2030-01-01'", "'2031-01-01'"), ["kjoenn"])
        conn.isolation_level = None
        with conn.transaction():  # a multi-valued fact: only per relation
            conn.execute(
                """INSERT INTO folkeregister.fakta
                   (versjon_id, person_id, element, relasjon, gyldig, registrert, load_id)
                   SELECT versjon_id, person_id, element, 'SWE', gyldig, registrert, load_id
                   FROM folkeregister.fakta WHERE element = 'statsborgerskap'"""
            )


# -- shapes the API reads -------------------------------------------------------------


def _set(path: str, value: Any) -> Any:
    """A change to REAL: ``path`` is element, index and keys, separated by dots."""

    def change(document: dict[str, Any]) -> None:
        *keys, last = [int(k) if k.isdigit() else k for k in path.split(".")]
        target: Any = document
        for key in keys:
            target = target[key]
        target[last] = value

    return change


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_set("bostedsadresse.0.vegadresse", "Mellavegen 6"), "vegadresse 'Mellavegen 6' is not"),
        (_set("bostedsadresse.0.vegadresse.adressenummer", "6"), "adressenummer '6' is not"),
        (_set("bostedsadresse.0.vegadresse.poststed", "6443"), "poststed '6443' is not"),
        (_set("navn.0.fornavn", {"x": 1}), "fornavn {'x': 1} is not"),
        (
            _set("familierelasjon.1.relatertPersonUtenFolkeregisteridentifikator.navn", "GUTT"),
            "navn 'GUTT' is not",
        ),
        (
            _set("postadresse.0.postadresseIFrittFormat", {"adresselinje": "Vika 1"}),
            "adresselinje 'Vika 1' is not",
        ),
        (
            _set(
                "bostedsadresse.0.matrikkeladresse",
                {"matrikkelnummer": {"kommunenummer": "1579", "gaardsnummer": "tolv"}},
            ),
            "gaardsnummer 'tolv' is not",
        ),
        (
            _set("oppholdsadresse", [{"oppholdsadressedato": "2022-13-01", "vegadresse": {}}]),
            "oppholdsadressedato '2022-13-01' is not a date",
        ),
    ],
    ids=[
        "vegadresse",
        "adressenummer",
        "poststed",
        "fornavn",
        "navn-uten-identifikator",
        "adresselinje",
        "gaardsnummer",
        "oppholdsadressedato",
    ],
)
def test_a_wrong_shape_rejects_the_record_with_its_reason(fresh_database, tmp_path, change, reason):
    document = copy.deepcopy(REAL)
    change(document)
    outcome = load(fresh_database, write_json(tmp_path / "p.json", [document, OTHER]))
    assert outcome.exit_code == 1
    [finding] = outcome.files[0].findings
    assert finding.severity == "reject" and finding.location == "record 1 (21860398300)"
    assert reason in finding.reason, finding.reason
    assert persons(fresh_database) == 1


def test_the_openapi_year_object_and_an_element_given_as_one_object_are_read(
    fresh_database, tmp_path
):
    document = copy.deepcopy(OTHER)
    document["foedsel"][0]["foedselsaar"] = {"leap": False, "value": 1917}
    document["navn"] = document["navn"][0]
    document["kjoenn"] = "kvinne"
    outcome = load(fresh_database, write_json(tmp_path / "p.json", document))
    assert outcome.exit_code == 0
    [finding] = outcome.files[0].findings
    assert finding.severity == "warning" and "kjoenn 'kvinne' ignored" in finding.reason
    body = ask(
        fresh_database,
        '{ person(identifikasjonsnummer: "08871748471") { foedselsaar navn { fornavn } } }',
    )
    assert body == {
        "data": {"person": {"foedselsaar": 1917, "navn": {"fornavn": "MINKENDE"}}},
        "errors": [],
    }


def test_concurrent_loads_of_the_same_persons_make_each_person_once(fresh_database, tmp_path):
    files = [
        write_json(tmp_path / f"{i}.json", [REAL, OTHER][:: 1 if i % 2 else -1]) for i in range(4)
    ]
    outcomes = []
    threads = [
        threading.Thread(target=lambda f=f: outcomes.append(load(fresh_database, f))) for f in files
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [o.exit_code for o in outcomes] == [0, 0, 0, 0]
    assert persons(fresh_database) == 2
    assert sum(o.files[0].counts.inserted for o in outcomes) == len(
        {v.innhold for d in (REAL, OTHER) for v in read_document(d, "").versions}
    ), "the first load writes every version, the others nothing"
