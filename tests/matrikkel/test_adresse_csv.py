"""Kartverket's address CSV: the real sample loads as it is; bad rows are rejected by line."""

from __future__ import annotations

import zipfile
from pathlib import Path

from grunndata.db.database import connect
from grunndata.loaders.run import Mode, run
from grunndata.registers.matrikkel import REGISTER

SAMPLE = Path(__file__).parent / "data" / "matrikkelenAdresse_sample.csv"


def load(db, *paths: Path, mode: Mode = Mode.LOAD):
    return run(list(paths), formats=REGISTER.formats, database=db, mode=mode)


def test_the_real_sample_loads_as_it_is(fresh_database):
    outcome = load(fresh_database, SAMPLE)
    (file,) = outcome.files
    assert (file.exit_code, file.format, file.rejected) == (0, "kartverket-adresse-csv", 0), file
    assert file.counts.inserted == 47
    with connect(fresh_database.app_url) as conn:
        row = conn.execute(
            "SELECT adressetekst, postnummer, matrikkelnummer, ST_X(punkt), ST_Y(punkt), "
            "lower(gyldig) FROM matrikkel.adresse WHERE adresse_id = 219136687"
        ).fetchone()
    assert row[:5] == ("Tyrihansveien 38", "4638", "4204-97/90/0/0", 92406.38, 6466460.67)
    assert row[5].isoformat() == "2020-06-15T15:37:59+00:00"
    again = load(fresh_database, SAMPLE).files[0]
    assert (again.counts.inserted, again.counts.unchanged) == (0, 47)


def test_a_zip_as_kartverket_ships_it_loads(fresh_database, tmp_path):
    archive = tmp_path / "Basisdata_4204_Kristiansand_25833_MatrikkelenAdresse_CSV.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(SAMPLE, "matrikkelenAdresse.csv")
    (file,) = load(fresh_database, archive).files
    assert (file.exit_code, file.counts.inserted) == (0, 47)


def test_bad_rows_are_rejected_with_their_line_and_the_rest_loads(fresh_database, tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:6]
    columns = header.split(";")
    nord, oest, knr = columns.index("Nord"), columns.index("Øst"), columns.index("kommunenummer")

    def changed(row: str, index: int, value: str) -> str:
        fields = row.split(";")
        fields[index] = value
        return ";".join(fields)

    bad = [
        rows[0],
        changed(rows[1], nord, ""),
        changed(rows[2], oest, "abc"),
        changed(rows[3], knr, "9999"),
        rows[4] + ";extra",
        changed(changed(rows[4], nord, "92386.91"), oest, "6466377.9"),  # swapped axes
        changed(changed(lines[6], nord, "1e12"), oest, "1e12"),  # outside what PROJ can do
    ]
    source = tmp_path / "adresser.csv"
    source.write_text("\n".join([header, *bad]) + "\n", encoding="utf-8")
    (file,) = load(fresh_database, source).files
    assert (file.exit_code, file.counts.inserted, file.rejected) == (1, 1, 6)
    reasons = {f.location: f.reason for f in file.findings}
    assert reasons["line 3"] == "Nord is missing"
    assert reasons["line 4"] == "Øst 'abc' is not a number"
    assert "unknown kommune" in reasons["line 5"]
    assert reasons["line 6"] == "47 columns, expected 46"
    assert "outside Norway" in reasons["line 7"]
    assert "cannot be transformed from EPSG:25833" in reasons["line 8"]


def test_a_nul_character_rejects_its_row_not_the_file(fresh_database, tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    source = tmp_path / "adresser.csv"
    bad = lines[1].replace("Tyrihansveien;", "Tyrihans\x00veien;", 1)
    source.write_text("\n".join([lines[0], bad, lines[2]]) + "\n", encoding="utf-8")
    (file,) = load(fresh_database, source).files
    assert (file.exit_code, file.counts.inserted, file.rejected) == (1, 1, 1), file.message
    assert file.findings[0].location == "line 2" and "NUL" in file.findings[0].reason


def test_a_number_too_big_for_its_column_rejects_its_row_not_the_file(fresh_database, tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    columns = lines[0].split(";")

    def changed(row: str, column: str, value: str) -> str:
        fields = row.split(";")
        fields[columns.index(column)] = value
        return ";".join(fields)

    rows = [changed(lines[1], "nummer", "99999999999"), changed(lines[2], "EPSG-kode", "9" * 11),
            lines[3]]  # fmt: skip
    source = tmp_path / "adresser.csv"
    source.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    (file,) = load(fresh_database, source).files
    assert (file.exit_code, file.counts.inserted, file.rejected) == (1, 1, 2), file.message
    reasons = {f.location: f.reason for f in file.findings}
    assert reasons["line 2"].startswith("nummer '99999999999' is out of range")
    assert reasons["line 3"].startswith("EPSG-kode '99999999999' is out of range")


def test_a_wrong_header_fails_the_file_naming_the_missing_columns(tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    header = lines[0].replace(";Nord;", ";North;").replace("adresseId;", "id;")
    source = tmp_path / "adresser.csv"
    source.write_text("\n".join([header, *lines[1:]]) + "\n", encoding="utf-8")
    (file,) = run([source], formats=REGISTER.formats, database=None,
                  mode=Mode.VALIDATE, format_name="kartverket-adresse-csv").files  # fmt: skip
    assert file.exit_code == 2
    assert file.message.endswith("missing column(s) Nord, adresseId")


def test_a_repeated_adresse_id_is_rejected_and_the_first_kept(fresh_database, tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    source = tmp_path / "adresser.csv"
    source.write_text("\n".join([lines[0], lines[1], lines[2], lines[1]]) + "\n", encoding="utf-8")
    (file,) = load(fresh_database, source).files
    assert (file.exit_code, file.counts.inserted, file.rejected) == (1, 2, 1)
    assert [(f.location, f.reason) for f in file.findings] == [
        ("line 4", "adresseId 219136687 repeated in the file")
    ]
