"""Extract order for Freg: a person document older (by its latest ajourholdstidspunkt)
than what is stored for the person is a rejected record naming the person and both times;
with ``--historical`` its facts become history only. Either way the current state is that
of the newer document alone (the random histories: test_time_rules.py)."""

from __future__ import annotations

from pathlib import Path

from grunndata.db.database import Database, connect
from tests.folkeregister.helpers import load, write_json
from tests.folkeregister.idents import tenor_numbers
from tests.folkeregister.test_loading import cli

NUMBER = next(tenor_numbers())[0]
IDENT = {"foedselsEllerDNummer": NUMBER, "status": "iBruk", "erGjeldende": True}


def document(fornavn: str, day: str) -> dict:
    name = {"fornavn": fornavn, "etternavn": "TEST", "erGjeldende": True,
            "gyldighetstidspunkt": f"{day}T00:00:00+00:00",
            "ajourholdstidspunkt": f"{day}T00:00:00+00:00"}  # fmt: skip
    return {"identifikasjonsnummer": [IDENT], "navn": [name]}


def names(database: Database, recorded: str | None = None) -> list[str]:
    """The current name, as known now or at ``recorded``."""
    with connect(database.app_url) as conn:
        rows = conn.execute(
            "SELECT v.data->>'fornavn' FROM folkeregister.fakta f "
            "JOIN folkeregister.versjon v ON v.id = f.versjon_id WHERE f.element = 'navn' "
            "AND upper_inf(f.gyldig) AND CASE WHEN %s::timestamptz IS NULL "
            "THEN upper_inf(f.registrert) ELSE f.registrert @> %s::timestamptz END",
            [recorded, recorded],
        ).fetchall()
    return sorted(r[0] for r in rows)


def files(tmp_path: Path) -> tuple[Path, Path]:
    # The older document holds the name the newer one no longer holds.
    newer = write_json(tmp_path / "ny.json", document("NY", "2024-03-01"))
    older = write_json(tmp_path / "gammel.json", document("GAMMEL", "2022-01-01"))
    return newer, older


def test_an_older_document_is_a_rejected_record_naming_the_person_and_both_times(
    fresh_database: Database, tmp_path: Path
) -> None:
    newer, older = files(tmp_path)
    assert load(fresh_database, newer).exit_code == 0
    newer_alone = names(fresh_database)

    (file,) = load(fresh_database, older).files

    assert (file.exit_code, file.rejected, file.counts.inserted) == (1, 1, 0)
    (finding,) = file.findings
    assert finding.location == f"record 1 ({NUMBER})"
    assert finding.reason.startswith(f"person {NUMBER} (stored person ")
    assert "stored from an extract of 2024-03-01T01:00:00+01:00" in finding.reason
    assert "newer than this file's 2022-01-01T01:00:00+01:00" in finding.reason
    assert names(fresh_database) == newer_alone == ["NY"]


def test_with_historical_an_older_document_is_history_only(
    fresh_database: Database, tmp_path: Path
) -> None:
    newer, older = files(tmp_path)
    assert load(fresh_database, newer).exit_code == 0
    newer_alone = names(fresh_database)

    result = cli(fresh_database, "load", str(older), "--historical", "--no-migrate")

    assert result.returncode == 0, result.stdout + result.stderr
    assert names(fresh_database) == newer_alone == ["NY"]
    # What the register said in 2023, before the newer document: the older one's name.
    assert names(fresh_database, "2023-01-01T00:00:00+00:00") == ["GAMMEL"]
    with connect(fresh_database.app_url) as conn:
        kind = conn.execute(
            "SELECT extract_date, extract_time_kind FROM felles.load ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert kind is not None and (kind[0].year, kind[1]) == (2022, "file")
