"""Whole file or nothing, for every format: a file cut short (a short last row with no
final newline, JSON ending mid-value, a gzip or zip stream that ends early) writes nothing
and exits 2 saying it looks truncated and where; a short row followed by a newline is an
ordinary rejected record. Lines over the line limit are rejected by number; zip members
whose names are paths out of the archive are refused by name."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from grunndata.db.database import Database, connect
from grunndata.loaders.run import Mode, run
from grunndata.registers import REGISTERS
from grunndata.registers.enhetsregister.generate import enheter, write_csv_gz

FORMATS = [f for register in REGISTERS for f in register.formats]
TESTS = Path(__file__).parent.parent
ADRESSER = TESTS / "matrikkel" / "data" / "matrikkelenAdresse_sample.csv"
CAST = TESTS / "data" / "cast"


def load(db: Database, *paths: Path):
    return run(list(paths), formats=FORMATS, database=db, mode=Mode.LOAD)


def count(db: Database, table: str) -> int:
    with connect(db.app_url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def cut_mid_record(data: bytes, line_end: bytes = b"\n") -> bytes:
    """``data`` cut in the middle of a line past its middle (no final newline)."""
    middle = data.index(line_end, len(data) // 2) + len(line_end)
    return data[: middle + 25]


def brreg_csv(tmp_path: Path) -> bytes:
    return gzip.decompress(write_csv_gz(tmp_path / "e.csv.gz", enheter(40)).read_bytes())


@pytest.mark.parametrize(
    ("name", "content", "table", "where"),
    [
        ("adresser.csv", lambda _: cut_mid_record(ADRESSER.read_bytes()),
         "matrikkel.adresse", "its last line (25) ends without a newline and has"),
        ("enheter.csv", lambda tmp: cut_mid_record(brreg_csv(tmp), b"\r\n"),
         "enhetsregister.enhet", "ends without a newline and has"),
        ("matrikkel.jsonl", lambda _: cut_mid_record((CAST / "matrikkel/matrikkel.jsonl")
         .read_bytes()), "matrikkel.matrikkelenhet", "ends without a newline and is not whole"),
        ("personer.json", lambda _: cut_mid_record((CAST / "folkeregister/personer.json")
         .read_bytes()), "folkeregister.person", "it ends inside record"),
        ("enheter.json", lambda _: (CAST / "enhetsregister/enheter.json").read_bytes()[:-3],
         "enhetsregister.enhet", "it ends"),
        ("teiger.geojson", lambda _: cut_mid_record((CAST / "matrikkel/teiger.geojson")
         .read_bytes(), b"}"), "matrikkel.teig", "it ends inside feature"),
        ("adresser.csv.gz", lambda _: gzip.compress(ADRESSER.read_bytes())[:-200],
         "matrikkel.adresse", "the compressed data ends early, after"),
    ],
    ids=["kartverket-csv", "brreg-csv", "jsonl", "freg-json", "brreg-json", "geojson", "gzip"],
)  # fmt: skip
def test_a_file_cut_short_writes_nothing_and_says_where(
    fresh_database, tmp_path, name, content, table, where
):
    path = tmp_path / name
    path.write_bytes(content(tmp_path))
    (file,) = load(fresh_database, path).files
    assert file.exit_code == 2, file
    assert file.message.startswith(f"{path}: the file looks truncated: ")
    assert where in file.message, file.message
    assert count(fresh_database, table) == 0


def test_a_zip_cut_short_says_it_looks_truncated(fresh_database, tmp_path):
    archive = tmp_path / "adresser.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(ADRESSER, "matrikkelenAdresse.csv")
    archive.write_bytes(archive.read_bytes()[:-40])
    (file,) = load(fresh_database, archive).files
    assert file.exit_code == 2
    assert "the file looks truncated: it starts as a zip archive" in file.message
    assert count(fresh_database, "matrikkel.adresse") == 0


def test_a_short_row_followed_by_a_newline_is_rejected_and_the_rest_loads(fresh_database, tmp_path):
    lines = ADRESSER.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "adresser.csv"
    path.write_text("\n".join([*lines[:10], lines[10][:30], *lines[11:]]) + "\n")
    (file,) = load(fresh_database, path).files
    assert (file.exit_code, file.rejected, file.counts.inserted) == (1, 1, 46)
    assert file.findings[0].location == "line 11"
    assert "columns, expected 46" in file.findings[0].reason


def test_a_last_row_without_a_newline_that_is_whole_loads(fresh_database, tmp_path):
    path = tmp_path / "adresser.csv"
    path.write_bytes(ADRESSER.read_bytes().rstrip(b"\r\n"))
    (file,) = load(fresh_database, path).files
    assert (file.exit_code, file.counts.inserted) == (0, 47)


def test_a_line_over_the_limit_is_rejected_by_number_and_the_rest_loads(
    fresh_database, tmp_path, monkeypatch
):
    monkeypatch.setenv("GRUNNDATA_MAX_LINE_BYTES", "2048")
    lines = ADRESSER.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "adresser.csv"
    path.write_text("\n".join([*lines[:5], "x" * 100_000, *lines[5:]]) + "\n")
    (file,) = load(fresh_database, path).files
    assert (file.exit_code, file.rejected, file.counts.inserted) == (1, 1, 47)
    assert file.findings[0].location == "line 6"
    assert "100,000 bytes long, over the limit of 2048 bytes" in file.findings[0].reason


@pytest.mark.parametrize(
    "member", ["../x.csv", "..\\..\\x.csv", "/etc/x.csv", "C:\\x.csv", "c:x.csv", "a/../../x.csv"]
)
def test_a_zip_member_named_out_of_the_archive_is_refused_by_name(fresh_database, tmp_path, member):
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(ADRESSER, "matrikkelenAdresse.csv")
        z.writestr(zipfile.ZipInfo(member), ADRESSER.read_bytes())  # the name as given
    outcome = load(fresh_database, archive)
    by_source = {f.source: f for f in outcome.files}
    refused = by_source[f"{archive}!{member}"]
    assert refused.exit_code == 2
    assert "refused: the member's name is a path out of the archive" in refused.message
    assert by_source[f"{archive}!matrikkelenAdresse.csv"].counts.inserted == 47
    assert outcome.exit_code == 2
