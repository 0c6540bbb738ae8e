"""A directory load reports what it could not read: a file of no known format is an
error (exit 2) unless ``skip_unknown``; ``*.md`` is documentation; a near miss names the
format and the field."""

from __future__ import annotations

import json
from pathlib import Path

from grunndata.cli import FIXTURES_DIR, formats
from grunndata.loaders.run import Mode, run
from tests.loaders.sample_formats import FORMATS
from tests.loaders.test_run import current, load, write

FREG_SAMPLE = Path(__file__).parents[1] / "folkeregister" / "data"


def test_an_unknown_file_in_a_directory_fails_the_run_and_the_rest_loads(db, tmp_path):
    folder = tmp_path / "bundle"
    folder.mkdir()
    write(folder / "b.navn.csv", "id;navn", "1;Oslo")
    write(folder / "notes.txt", "not register data")
    outcome = load(db, folder)
    assert outcome.exit_code == 2
    failed = [f for f in outcome.files if f.exit_code == 2]
    assert [f.source for f in failed] == [str(folder / "notes.txt")]
    assert "not a format grunndata knows (known: test-kobling, test-navn)" in failed[0].message
    assert current(db) == {1: "Oslo"}, "the known files still load, one by one"


def test_skip_unknown_allows_it_and_names_the_skipped_file(db, tmp_path):
    folder = tmp_path / "bundle"
    folder.mkdir()
    write(folder / "b.navn.csv", "id;navn", "1;Oslo")
    write(folder / "notes.txt", "not register data")
    outcome = load(db, folder, skip_unknown=True)
    assert outcome.exit_code == 0
    assert outcome.skipped == [str(folder / "notes.txt")]


def _freg_document() -> dict:
    sample = next(FREG_SAMPLE.rglob("*.json"))
    document = json.loads(sample.read_text(encoding="utf-8"))
    return document[0] if isinstance(document, list) else document


def test_a_near_miss_names_the_format_and_the_field(tmp_path):
    document = _freg_document()
    number = document["identifikasjonsnummer"][0]["foedselsEllerDNummer"]
    document["identifikasjonsnummer"] = number
    folder = tmp_path / "freg"
    folder.mkdir()
    (folder / "personer.json").write_text(json.dumps([document]), encoding="utf-8")
    outcome = run([folder], formats=formats(), database=None, mode=Mode.VALIDATE)
    assert outcome.exit_code == 2
    (file,) = outcome.files
    assert file.message == (
        f"{folder / 'personer.json'}: not loaded: it looks like a Freg person document, but "
        "`identifikasjonsnummer` is a string where a list is expected"
    )


def test_a_near_miss_names_entries_of_the_wrong_shape(tmp_path):
    document = _freg_document()
    document["identifikasjonsnummer"] = [{"nummer": "1"}]
    path = tmp_path / "personer.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    (file,) = run([path], formats=formats(), database=None, mode=Mode.VALIDATE).files
    assert "looks like a Freg person document, but its `identifikasjonsnummer` entries" in (
        file.message or ""
    )


def test_a_kartverket_csv_with_the_wrong_separator_is_a_named_near_miss(tmp_path):
    path = tmp_path / "adresser.csv"
    path.write_text("lokalid,kommunenummer,kommunenavn\n1,4204,Kristiansand\n")
    (file,) = run([path], formats=formats(), database=None, mode=Mode.VALIDATE).files
    assert "looks like Kartverket's address CSV, but its columns are separated by ','" in (
        file.message or ""
    )


def test_the_demo_fixtures_with_their_readme_and_cast_still_validate():
    outcome = run([FIXTURES_DIR], formats=formats(), database=None, mode=Mode.VALIDATE)
    assert outcome.exit_code == 0, [f.message for f in outcome.files if f.message]
    assert not any(f.source.endswith(".md") for f in outcome.files)


def test_sample_formats_have_no_near_miss(tmp_path):
    path = write(tmp_path / "notes.txt", "hello")
    (file,) = run([path], formats=FORMATS, database=None, mode=Mode.VALIDATE).files
    assert "not a format grunndata knows" in (file.message or "")
