"""Brønnøysund's files as they come: real samples, quirks, bad input, versions."""

from __future__ import annotations

import gzip
import json
from datetime import date

import pytest

from grunndata.loaders.sources import SourceFile
from grunndata.registers.enhetsregister.formats import FORMATS
from grunndata.registers.enhetsregister.generate import csv_row, enheter, write_csv_gz
from grunndata.server import create_app
from tests.conftest import LiveServer
from tests.enhetsregister.conftest import DATA, Api, load, query, write_json

KORSVIK = {
    "organisasjonsnummer": "310911410",
    "navn": "KORSVIK BYGG AS",
    "organisasjonsform": {"kode": "AS", "beskrivelse": "Aksjeselskap"},
    "forretningsadresse": {
        "adresse": ["Tyrihansveien 38", None, ""],
        "postnummer": "4638",
        "kommunenummer": "4204",
    },
    "registreringsdatoEnhetsregisteret": "2004-05-12",
    "konkursdato": "",
    "vedtektsfestetFormaal": [""],
}
AVDELING = {
    "organisasjonsnummer": "314400291",
    "navn": "KORSVIK BYGG AVD",
    "overordnetEnhet": "310911410",
    "beliggenhetsadresse": {"adresse": ["X 1"]},
}


def current(db, column: str = "navn") -> dict[str, object]:
    rows = query(
        db,
        f"SELECT organisasjonsnummer, {column} FROM enhetsregister.enhet "
        "WHERE upper_inf(registrert) AND upper_inf(gyldig)",
    )
    return dict(rows)  # type: ignore[arg-type]


def detected(tmp_path, name: str, content: bytes) -> str | None:
    path = tmp_path / name
    path.write_bytes(content)
    source = SourceFile(path)
    found = [f.name for f in FORMATS if f.matches(source.inner_name, source.head())]
    assert len(found) <= 1, found
    return found[0] if found else None


def test_every_format_is_found_by_name_and_content(tmp_path):
    unit = json.dumps([KORSVIK]).encode()
    assert detected(tmp_path, "enheter_alle.json", unit) == "brreg-enheter-json"
    assert detected(tmp_path, "underenheter_alle.json", unit) == "brreg-underenheter-json"
    assert detected(tmp_path, "x.json", json.dumps(AVDELING).encode()) == "brreg-underenheter-json"
    assert detected(tmp_path, "x.json.gz", gzip.compress(unit)) == "brreg-enheter-json"
    roller = (DATA / "roller_person_810004622.json").read_bytes()
    assert detected(tmp_path, "roller.json", roller) == "brreg-roller-json"
    csv_text = write_csv_gz(tmp_path / "e.csv.gz", enheter(2)).read_bytes()
    assert detected(tmp_path, "enheter_alle.csv.gz", csv_text) == "brreg-enheter-csv"
    u_csv = write_csv_gz(tmp_path / "u.csv.gz", enheter(2, underenhet=True), underenhet=True)
    assert detected(tmp_path, "x.csv.gz", u_csv.read_bytes()) == "brreg-underenheter-csv"
    assert detected(tmp_path, "README.md", b"# Demo data") is None


def test_the_real_samples(db):
    outcome = load(db, DATA)
    by_format = {f.format: f for f in outcome.files}
    invalid = by_format["brreg-enheter-json"]
    assert invalid.status == "partial" and invalid.exit_code == 1
    assert [str(f.reason) for f in invalid.findings] == [
        "organisasjonsnummer '112233445' is not valid: 112233445 is never issued: its check "
        "digit computes to 10"
    ]
    roller = by_format["brreg-roller-json"]
    assert roller.status == "loaded" and roller.counts.inserted == 1
    assert "810004622" in roller.findings[0].reason  # an enhet not loaded yet: a warning
    rows = query(
        db,
        "SELECT organisasjonsnummer, rolletype_kode, person_fornavn, "
        "person_etternavn, person_fodselsdato, valgt_av_kode, rekkefolge "
        "FROM enhetsregister.rolle",
    )
    assert rows == [("810004622", "LEDE", "Ove", "Olsen", date(1981, 1, 1), "A-AK", 0)]


def test_quirks_are_cleaned(db, tmp_path):
    load(db, write_json(tmp_path / "enheter.json", KORSVIK))  # a single object
    (row,) = query(
        db,
        "SELECT forretningsadresse, konkursdato, vedtektsfestet_formaal, "
        "lower(gyldig) FROM enhetsregister.enhet",
    )
    assert row[0]["adresse"] == ["Tyrihansveien 38"] and row[0]["postnummer"] == "4638"
    assert row[1] is None and row[2] is None
    assert row[3].date() == date(2004, 5, 12), "a new unit is valid from its registreringsdato"


def test_json_lines_gzip_and_a_deleted_unit_with_few_fields(db, tmp_path):
    deleted = {
        "organisasjonsnummer": "317848641",
        "navn": "GAMLE VARDÅS HANDEL AS",
        "organisasjonsform": {"kode": "AS"},
        "slettedato": "2021-06-30",
    }
    lines = "\n".join(json.dumps(r) for r in (KORSVIK, deleted)) + "\n"
    path = tmp_path / "enheter.jsonl.gz"
    path.write_bytes(gzip.compress(lines.encode()))
    assert load(db, path).exit_code == 0
    assert current(db, "slettedato") == {"310911410": None, "317848641": date(2021, 6, 30)}


def test_an_unknown_parent_warns_and_resolves_later(db, tmp_path):
    outcome = load(db, write_json(tmp_path / "underenheter.json", [AVDELING]))
    (file,) = outcome.files
    assert file.status == "loaded" and file.exit_code == 0
    assert any(
        "overordnetEnhet 310911410 is not in the register" in f.reason for f in file.findings
    )
    assert current(db, "overordnet_enhet") == {"314400291": "310911410"}
    asked = '{ enhet(organisasjonsnummer: "314400291") { overordnetEnhet { navn } } }'
    with LiveServer(create_app(db.app_url)) as base:
        assert Api(base)(asked)["enhet"] == {"overordnetEnhet": None}, "null until it arrives"
        load(db, write_json(tmp_path / "enheter.json", [KORSVIK]))
        assert Api(base)(asked)["enhet"] == {"overordnetEnhet": {"navn": "KORSVIK BYGG AS"}}


def test_a_bad_field_rejects_its_record_only(db, tmp_path):
    bad = {**KORSVIK, "organisasjonsnummer": "317075367", "stiftelsesdato": "i fjor"}
    (file,) = load(db, write_json(tmp_path / "enheter.json", [KORSVIK, bad])).files
    assert file.exit_code == 1 and file.rejected == 1
    assert "stiftelsesdato: 'i fjor' is not a date" in file.findings[-1].reason
    assert list(current(db)) == ["310911410"]


def test_a_number_twice_in_a_file_keeps_the_last(db, tmp_path):
    renamed = {**KORSVIK, "navn": "KORSVIK BYGG OG ANLEGG AS"}
    (file,) = load(db, write_json(tmp_path / "enheter.json", [KORSVIK, renamed])).files
    assert file.exit_code == 0 and file.warnings >= 1
    assert current(db) == {"310911410": "KORSVIK BYGG OG ANLEGG AS"}


def test_malformed_json_writes_nothing(db, tmp_path):
    path = tmp_path / "enheter.json"
    path.write_text(json.dumps([KORSVIK, AVDELING])[:-30])
    (file,) = load(db, path).files
    assert file.exit_code == 2 and "the file looks truncated: it ends inside record 2" in (
        file.message
    )
    assert current(db) == {}


def test_a_csv_with_a_wrong_header_names_the_missing_columns(db, tmp_path):
    path = tmp_path / "enheter.csv"
    path.write_text('"organisasjonsnummer","navn","organisasjonsform.kode"\n"310911410","X","AS"\n')
    (file,) = load(db, path).files
    assert file.exit_code == 2
    assert "the header lacks the column(s) organisasjonsform.beskrivelse, naeringskode1.kode" in (
        file.message
    )
    assert current(db) == {}


def test_a_csv_line_with_the_wrong_number_of_cells_is_rejected(db, tmp_path):
    records = list(enheter(3, seed=4))
    path = write_csv_gz(tmp_path / "enheter.csv.gz", records)
    text = gzip.decompress(path.read_bytes()).decode()
    path.write_bytes(gzip.compress((text + '"310911410","kort"\n').encode()))
    (file,) = load(db, path).files
    assert file.exit_code == 1 and "columns, expected" in file.findings[-1].reason
    assert len(current(db)) == 3


def test_a_change_adds_a_version_and_keeps_the_old_one(db, tmp_path):
    load(db, write_json(tmp_path / "enheter.json", [KORSVIK]))
    (again,) = load(db, write_json(tmp_path / "enheter.json", [KORSVIK])).files
    assert again.counts.inserted == 0 and again.counts.unchanged == 1
    renamed = {**KORSVIK, "navn": "KORSVIK BYGG OG ANLEGG AS"}
    (changed,) = load(db, write_json(tmp_path / "enheter.json", [renamed])).files
    assert changed.counts.superseded == 1
    rows = query(
        db,
        "SELECT navn, lower(gyldig)::date, upper(gyldig) IS NULL FROM "
        "enhetsregister.enhet WHERE upper_inf(registrert) ORDER BY lower(gyldig)",
    )
    assert [(r[0], r[2]) for r in rows] == [
        ("KORSVIK BYGG AS", False),
        ("KORSVIK BYGG OG ANLEGG AS", True),
    ]
    assert rows[0][1] == date(2004, 5, 12)


def test_roles_of_a_unit_are_replaced_by_its_next_document(db, tmp_path):
    document = json.loads((DATA / "roller_person_810004622.json").read_text())
    load(db, write_json(tmp_path / "roller.json", document))
    document["rollegrupper"][0]["roller"][0]["person"]["navn"]["etternavn"] = "Olsen-Berg"
    document["rollegrupper"][0]["sistEndret"] = "2024-02-01"
    del document["_links"]  # the number comes from the file name then
    (file,) = load(db, write_json(tmp_path / "roller_810004622.json", document)).files
    assert file.exit_code == 0, file.findings
    rows = query(
        db,
        "SELECT person_etternavn, lower(gyldig)::date, upper(gyldig)::date FROM "
        "enhetsregister.rolle WHERE upper_inf(registrert) ORDER BY lower(gyldig)",
    )
    assert rows == [
        ("Olsen", date(2019, 1, 1), date(2024, 2, 1)),
        ("Olsen-Berg", date(2024, 2, 1), None),
    ]
    document["rollegrupper"] = []
    load(db, write_json(tmp_path / "roller_810004622.json", document))
    assert query(
        db,
        "SELECT count(*) FROM enhetsregister.rolle WHERE upper_inf(registrert) "
        "AND upper_inf(gyldig)",
    ) == [(0,)], "an empty document ends the roles"


def test_a_roller_document_without_a_number_is_rejected(db, tmp_path):
    document = json.loads((DATA / "roller_person_810004622.json").read_text())
    del document["_links"]
    (file,) = load(db, write_json(tmp_path / "roller.json", document)).files
    assert file.exit_code == 1 and "no organisasjonsnummer" in file.findings[0].reason


def test_totalbestand_with_fodselsnummer_and_unit_holders(db, tmp_path):
    from tests.enhetsregister.conftest import FIXTURES

    (file,) = load(db, FIXTURES / "roller_totalbestand.json").files
    assert file.exit_code == 0
    rows = query(
        db,
        "SELECT rolletype_kode, person_fodselsnummer, enhet_organisasjonsnummer "
        "FROM enhetsregister.rolle WHERE organisasjonsnummer = '310911410' "
        "ORDER BY rollegruppe_kode, rekkefolge",
    )
    assert ("DAGL", "14834806046", None) in rows and ("REVI", None, "317075367") in rows


@pytest.mark.parametrize("underenhet", [False, True])
def test_csv_cells_read_back_as_the_json_does(underenhet):
    from grunndata.registers.enhetsregister import fields

    for record in enheter(50, seed=7, underenhet=underenhet):
        cells = csv_row(record, underenhet)
        cells.setdefault("slettedato", record.get("slettedato") or "")
        assert fields.row_from_csv(cells, underenhet) == fields.row_from_json(record, underenhet)


def test_the_table_has_a_column_for_every_field(db):
    from grunndata.registers.enhetsregister.tables import ENHET

    columns = {
        r[0]
        for r in query(
            db,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'enhetsregister' AND table_name = 'enhet'",
        )
    }
    assert set(ENHET.columns) <= columns


def test_each_role_group_keeps_its_own_valid_time(db, tmp_path):
    """A new board from 2024 does not rewrite the daglig leder of 2004, nor start in 2004."""
    from tests.enhetsregister.conftest import FIXTURES

    documents = json.loads((FIXTURES / "roller_totalbestand.json").read_text())
    korsvik = next(d for d in documents if d["organisasjonsnummer"] == "310911410")
    load(db, write_json(tmp_path / "roller.json", [korsvik]))
    styre = next(g for g in korsvik["rollegrupper"] if g["type"]["kode"] == "STYR")
    styre["sistEndret"] = "2024-06-01"
    styre["roller"] = styre["roller"][:1]
    korsvik["rollegrupper"] = [g for g in korsvik["rollegrupper"] if g["type"]["kode"] != "REVI"]
    (file,) = load(db, write_json(tmp_path / "roller.json", [korsvik])).files
    assert file.exit_code == 0
    rows = query(
        db,
        "SELECT rollegruppe_kode, rolletype_kode, lower(gyldig)::date, "
        "upper(gyldig)::date FROM enhetsregister.rolle WHERE upper_inf(registrert) "
        "ORDER BY 1, 3, 2",
    )
    today = query(db, "SELECT current_date")[0][0]
    assert rows == [
        ("DAGL", "DAGL", date(2004, 5, 12), None),
        ("REVI", "REVI", date(2010, 1, 1), today),
        ("STYR", "LEDE", date(2020, 6, 15), date(2024, 6, 1)),
        ("STYR", "MEDL", date(2020, 6, 15), date(2024, 6, 1)),
        ("STYR", "VARA", date(2020, 6, 15), date(2024, 6, 1)),
        ("STYR", "LEDE", date(2024, 6, 1), None),
    ]


def test_the_command_line_names_the_unit_a_roller_document_speaks_for(tmp_path):
    from tests.test_cli import cli

    document = json.loads((DATA / "roller_person_810004622.json").read_text())
    del document["_links"]
    path = write_json(tmp_path / "roller.json", document)
    named = cli("validate", str(path), "--organisasjonsnummer", "810 004 622")
    assert named.returncode == 0, named.stdout + named.stderr
    document["_links"] = {"enhet": {"href": "https://x/enhetsregisteret/api/enheter/810004622"}}
    write_json(path, document)
    other = cli("validate", str(path), "--organisasjonsnummer", "310911410")
    assert other.returncode == 1
    assert "the document is about 810004622, not 310911410" in " ".join(other.stdout.split())


def test_a_csv_cell_too_long_to_read_fails_the_file_naming_the_line(db, tmp_path):
    """An unclosed quote makes one endless cell: the file fails with the line, no traceback."""
    records = list(enheter(3, seed=5))
    path = write_csv_gz(tmp_path / "enheter.csv.gz", records)
    head, first, *rest = gzip.decompress(path.read_bytes()).decode().splitlines(keepends=True)
    broken = first.replace(f'"{records[0]["navn"]}"', '"' + "X" * 200_000 + '"', 1)
    path.write_bytes(gzip.compress("".join([head, broken, *rest]).encode()))
    (file,) = load(db, path).files
    assert file.exit_code == 2 and file.status == "failed"
    assert "line 2" in file.message and "unexpectedly" not in file.message, file.message
    assert current(db) == {}


@pytest.mark.parametrize("field", ["antallAnsatte", "rekkefolge"])
def test_a_number_too_large_rejects_its_record_naming_the_field(db, tmp_path, field):
    if field == "antallAnsatte":
        big = {**KORSVIK, "organisasjonsnummer": "317075367", "antallAnsatte": 10**12}
        (file,) = load(db, write_json(tmp_path / "enheter.json", [KORSVIK, big])).files
        assert list(current(db)) == ["310911410"]
    else:
        document = json.loads((DATA / "roller_person_810004622.json").read_text())
        document["rollegrupper"][0]["roller"][0]["rekkefolge"] = 10**12
        (file,) = load(db, write_json(tmp_path / "roller.json", document)).files
    assert file.status != "failed", file.message
    assert any(f"{field}: 1000000000000" in f.reason for f in file.findings), file.findings


def test_a_unit_twice_in_a_roller_file_keeps_the_last_document(db, tmp_path):
    first = json.loads((DATA / "roller_person_810004622.json").read_text())
    first["organisasjonsnummer"] = "810004622"
    second = json.loads(json.dumps(first))
    second["rollegrupper"][0]["roller"][0]["person"]["navn"]["etternavn"] = "Olsen-Berg"
    (file,) = load(db, write_json(tmp_path / "roller.json", [first, second])).files
    assert file.exit_code == 0
    assert any("810004622 comes again later" in f.reason for f in file.findings), file.findings
    rows = query(db, "SELECT person_etternavn FROM enhetsregister.rolle")
    assert rows == [("Olsen-Berg",)], "the last document speaks for the unit, as with enheter"


@pytest.mark.parametrize(
    ("field", "value"),
    [("navn", "KORSVIK\x00"), ("forretningsadresse", {"adresse": ["Tyrihansveien\x0038"]})],
)
def test_a_nul_character_rejects_its_record_naming_the_field(db, tmp_path, field, value):
    """PostgreSQL cannot store NUL: the record is rejected, not the whole file."""
    bad = {**KORSVIK, "organisasjonsnummer": "317075367", field: value}
    (file,) = load(db, write_json(tmp_path / "enheter.json", [KORSVIK, bad])).files
    assert file.status == "partial", file.message
    assert file.findings[-1].reason.startswith(f"317075367: {field}: ")
    assert "NUL" in file.findings[-1].reason
    assert list(current(db)) == ["310911410"]


def test_a_nul_character_in_a_csv_cell_rejects_its_line(db, tmp_path):
    records = list(enheter(3, seed=6))
    path = write_csv_gz(tmp_path / "enheter.csv.gz", records)
    text = gzip.decompress(path.read_bytes()).decode()
    text = text.replace(records[1]["navn"], records[1]["navn"] + "\x00", 1)
    path.write_bytes(gzip.compress(text.encode()))
    (file,) = load(db, path).files
    assert file.status == "partial" and file.rejected == 1, file.message
    assert len(current(db)) == 2


def test_a_nul_character_in_a_role_leaves_that_role_out(db, tmp_path):
    document = json.loads((DATA / "roller_person_810004622.json").read_text())
    document["rollegrupper"][0]["roller"][0]["person"]["navn"]["fornavn"] = "O\x00ve"
    document["rollegrupper"].append({"type": {"kode": "DAGL\x00"}, "roller": []})
    (file,) = load(db, write_json(tmp_path / "roller.json", document)).files
    assert file.status == "loaded", file.message
    assert any("NUL" in f.reason for f in file.findings), file.findings
    assert query(db, "SELECT count(*) FROM enhetsregister.rolle") == [(0,)]


def test_csv_findings_name_lines_also_when_found_after_reading(db, tmp_path):
    """A CSV's rejects say "line N"; so do its warnings about parents and repeats."""
    records = list(enheter(2, seed=8, underenhet=True, parents=["310911410"]))
    path = write_csv_gz(tmp_path / "underenheter.csv.gz", records, underenhet=True)
    (file,) = load(db, path).files
    assert file.exit_code == 0 and file.findings
    assert {f.location.split()[0] for f in file.findings} == {"line"}, file.findings


@pytest.mark.parametrize(
    "change",
    [
        {"forretningsadresse": {**KORSVIK["forretningsadresse"], "adresse": ["Vardåsveien 1"]}},
        {"organisasjonsform": {"kode": "ASA", "beskrivelse": "Allmennaksjeselskap"}},
        {"konkurs": True, "konkursdato": "2025-02-03"},
        {"underAvvikling": True},
    ],
    ids=["address", "form", "konkurs", "underAvvikling"],
)
def test_an_address_form_or_status_change_adds_a_version_and_keeps_the_old(db, tmp_path, change):
    load(db, write_json(tmp_path / "enheter.json", [KORSVIK]))
    (changed,) = load(db, write_json(tmp_path / "enheter.json", [{**KORSVIK, **change}])).files
    assert (changed.counts.inserted, changed.counts.superseded) == (1, 1)
    (again,) = load(db, write_json(tmp_path / "enheter.json", [{**KORSVIK, **change}])).files
    assert (again.counts.inserted, again.counts.unchanged) == (0, 1)
    rows = query(
        db,
        "SELECT organisasjonsform_kode, konkurs, under_avvikling, forretningsadresse->'adresse', "
        "upper(gyldig) IS NULL FROM enhetsregister.enhet WHERE upper_inf(registrert) "
        "ORDER BY lower(gyldig)",
    )
    assert [r[-1] for r in rows] == [False, True], "the old version ends, the new one is open"
    assert rows[0][:4] == ("AS", None, None, ["Tyrihansveien 38"])
    assert rows[1][:4] != rows[0][:4]
