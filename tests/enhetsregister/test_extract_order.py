"""Extract order for Brønnøysund's files, which carry no extract time: it is given
(``--extract-time``) or the file's modification time, and the journal says which. A unit
from an older extract than the one stored is a rejected record naming the unit and both
times; the current state is that of the newer file alone."""

from __future__ import annotations

import os
from datetime import datetime

from tests.enhetsregister.conftest import load, query, write_json
from tests.enhetsregister.test_formats import KORSVIK, current

NEWER = {**KORSVIK, "navn": "KORSVIK BYGG OG ANLEGG AS"}


def kinds(db) -> list[tuple]:
    return query(
        db, "SELECT extract_date::date::text, extract_time_kind FROM felles.load ORDER BY id"
    )


def test_an_older_extract_given_on_the_command_line_changes_nothing(db, tmp_path):
    newer = write_json(tmp_path / "enheter_2025.json", [NEWER])
    older = write_json(tmp_path / "enheter_2021.json", [KORSVIK])
    assert load(db, newer, given={"extract_time": "2025-01-02"}).exit_code == 0
    newer_alone = current(db)

    (file,) = load(db, older, given={"extract_time": "2021-01-04T05:32"}).files

    assert (file.exit_code, file.rejected, file.counts.inserted) == (1, 1, 0)
    reason = next(f.reason for f in file.findings if f.severity == "reject")
    assert reason.startswith("organisasjonsnummer 310911410: stored from an extract of 2025-01-02")
    assert "newer than this file's 2021-01-04T05:32:00+01:00" in reason
    assert current(db) == newer_alone == {"310911410": "KORSVIK BYGG OG ANLEGG AS"}
    assert kinds(db) == [("2025-01-02", "given"), ("2021-01-04", "given")]


def test_without_one_the_files_modification_time_is_the_extract_time(db, tmp_path):
    newer = write_json(tmp_path / "enheter_ny.json", [NEWER])
    older = write_json(tmp_path / "enheter_gammel.json", [KORSVIK])
    for path, year in ((newer, 2025), (older, 2021)):
        stamp = datetime(year, 1, 2, 12).timestamp()
        os.utime(path, (stamp, stamp))
    assert load(db, newer).exit_code == 0
    (file,) = load(db, older).files
    assert (file.exit_code, file.rejected) == (1, 1)
    assert current(db) == {"310911410": "KORSVIK BYGG OG ANLEGG AS"}
    assert kinds(db) == [("2025-01-02", "modified"), ("2021-01-02", "modified")]
    again = load(db, newer).files[0]
    assert (again.exit_code, again.counts.inserted, again.counts.superseded) == (0, 0, 0)


def test_an_extract_time_that_is_not_a_time_fails_the_file_saying_so(db, tmp_path):
    path = write_json(tmp_path / "enheter.json", [KORSVIK])
    (file,) = load(db, path, given={"extract_time": "i går"}).files
    assert file.exit_code == 2 and "--extract-time 'i går' is not an ISO 8601" in file.message
    assert current(db) == {}


def test_the_cli_passes_extract_time_to_the_load(db, tmp_path):
    from tests.folkeregister.test_loading import cli

    path = write_json(tmp_path / "enheter.json", [KORSVIK])
    result = cli(db, "load", str(path), "--extract-time", "2024-05-06T07:08", "--no-migrate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert kinds(db) == [("2024-05-06", "given")]


def test_with_historical_an_older_unit_never_becomes_current(db, tmp_path):
    newer = write_json(tmp_path / "enheter_2025.json", [NEWER])
    older = write_json(tmp_path / "enheter_2021.json", [KORSVIK])
    assert load(db, newer, given={"extract_time": "2025-01-02"}).exit_code == 0
    newer_alone = current(db)
    given = {"extract_time": "2021-01-04T05:32", "historical": "yes"}

    (file,) = load(db, older, given=given).files

    # Its stored version is valid since its registreringsdato (2004): nothing to add.
    assert (file.exit_code, file.rejected, file.warnings, file.counts.inserted) == (0, 0, 1, 0)
    assert "it adds no history" in file.findings[0].reason
    assert current(db) == newer_alone == {"310911410": "KORSVIK BYGG OG ANLEGG AS"}
