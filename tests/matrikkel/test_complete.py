"""Kartverket's per-kommune address file declared complete: addresses of the kommune it
lacks end at its datauttaksdato; more than 5 % is refused unless --allow-mass-end."""

from __future__ import annotations

from pathlib import Path

from grunndata.db.database import connect
from grunndata.loaders.complete import Completeness
from grunndata.loaders.run import run
from grunndata.registers.matrikkel import REGISTER

SAMPLE = Path(__file__).parent / "data" / "matrikkelenAdresse_sample.csv"
KOMMUNE = Completeness({"kommune": "4204"})


def _without(tmp_path: Path, count: int) -> tuple[Path, list[int]]:
    """The sample without its last ``count`` rows, and the adresseIds left out."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(";")
    column = header.index("adresseId")
    kept, dropped = lines[: len(lines) - count], lines[len(lines) - count :]
    path = tmp_path / "adresser.csv"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path, sorted(int(line.split(";")[column]) for line in dropped)


def _valid_now(db, ids: list[int]) -> list[int]:
    with connect(db.app_url) as conn:
        rows = conn.execute(
            "SELECT adresse_id FROM matrikkel.adresse WHERE upper_inf(registrert) "
            "AND upper_inf(gyldig) AND adresse_id = ANY(%s)",
            [ids],
        )
        return sorted(r[0] for r in rows)


def _load(db, path: Path, complete: Completeness | None = None):
    return run([path], formats=REGISTER.formats, database=db, complete=complete).files[0]


def test_a_complete_file_ends_what_it_lacks_at_its_extract_time(fresh_database, tmp_path):
    assert _load(fresh_database, SAMPLE).exit_code == 0
    path, dropped = _without(tmp_path, 2)
    plain = _load(fresh_database, path)
    assert plain.counts.ended == 0 and _valid_now(fresh_database, dropped) == dropped, (
        "never inferred: a file not declared complete ends nothing"
    )
    file = _load(fresh_database, path, KOMMUNE)
    assert (file.exit_code, file.counts.ended) == (0, 2), file
    assert _valid_now(fresh_database, dropped) == []
    with connect(fresh_database.app_url) as conn:
        ends = conn.execute(
            "SELECT DISTINCT upper(gyldig) FROM matrikkel.adresse WHERE upper_inf(registrert) "
            "AND adresse_id = ANY(%s)",
            [dropped],
        ).fetchall()
        extract = conn.execute(
            "SELECT extract_date FROM felles.load ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert ends == [extract], "valid until the file's datauttaksdato"
    assert _load(fresh_database, path, KOMMUNE).counts.ended == 0, "ending twice ends nothing"


def test_another_kommune_is_not_in_scope(fresh_database, tmp_path):
    _load(fresh_database, SAMPLE)
    path, dropped = _without(tmp_path, 2)
    file = _load(fresh_database, path, Completeness({"kommune": "0301"}))
    assert file.counts.ended == 0 and _valid_now(fresh_database, dropped) == dropped


def test_ending_more_than_5_percent_is_refused_unless_allowed(fresh_database, tmp_path):
    _load(fresh_database, SAMPLE)
    path, dropped = _without(tmp_path, 10)
    refused = _load(fresh_database, path, KOMMUNE)
    assert refused.exit_code == 2
    assert "declared complete for kommune=4204, it lacks 10 of the 47" in refused.message
    assert "--allow-mass-end" in refused.message
    assert _valid_now(fresh_database, dropped) == dropped, "nothing written"
    allowed = _load(fresh_database, path, Completeness({"kommune": "4204"}, True))
    assert (allowed.exit_code, allowed.counts.ended) == (0, 10)


def test_an_unknown_scope_and_a_format_without_scopes_are_refused(fresh_database, tmp_path):
    _load(fresh_database, SAMPLE)
    file = _load(fresh_database, SAMPLE, Completeness({"fylke": "42"}))
    assert file.exit_code == 2 and "knows no such scope" in file.message
    teiger = tmp_path / "teiger.geojson"
    teiger.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    file = _load(fresh_database, teiger, KOMMUNE)
    assert file.exit_code == 2
    assert "matrikkel-teiger-geojson files cannot be declared complete" in file.message


def test_a_complete_file_with_a_rejected_record_ends_nothing(fresh_database, tmp_path):
    _load(fresh_database, SAMPLE)
    path, dropped = _without(tmp_path, 1)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1] + ";extra column"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    file = _load(fresh_database, path, KOMMUNE)
    assert (file.exit_code, file.rejected, file.counts.ended) == (1, 1, 0)
    assert "declared complete, but 1 records were rejected" in file.findings[-1].reason
    assert _valid_now(fresh_database, dropped) == dropped, "a rejected row is not a missing one"
