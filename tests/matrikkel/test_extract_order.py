"""Extract order for Kartverket's address file: a file extracted before what is stored
for an address does not overwrite it; each such row is a rejected record naming the
address and both extract times, and the current state is that of the newer file alone."""

from __future__ import annotations

from pathlib import Path

from grunndata.db.database import connect
from grunndata.loaders.run import run
from grunndata.registers.matrikkel import REGISTER
from tests.matrikkel.test_adresse_csv import SAMPLE, load

CURRENT = (
    "SELECT adresse_id, adressetekst, postnummer, poststed, lower(gyldig) "
    "FROM matrikkel.adresse WHERE upper_inf(registrert) AND upper_inf(gyldig) ORDER BY 1"
)


def extract(path: Path, when: str, poststed: str | None = None) -> Path:
    """The sample with ``datauttaksdato`` ``when`` (and, given, a new poststed and
    oppdateringsdato that day)."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(";")
    rows = []
    for line in lines[1:]:
        fields = line.split(";")
        fields[header.index("datauttaksdato")] = when
        if poststed:
            fields[header.index("poststed")] = poststed
            fields[header.index("oppdateringsdato")] = when
        rows.append(";".join(fields))
    path.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    return path


def current(database) -> list[tuple]:
    with connect(database.app_url) as conn:
        return conn.execute(CURRENT).fetchall()


def test_an_older_address_file_after_a_newer_one_changes_nothing(fresh_database, tmp_path):
    newer = extract(tmp_path / "2025.csv", "02.01.2025 06:00:00", poststed="NYSTED")
    older = extract(tmp_path / "2021.csv", "04.01.2021 05:32:37")
    assert load(fresh_database, newer).exit_code == 0
    newer_alone = current(fresh_database)
    assert {row[3] for row in newer_alone} == {"NYSTED"}

    (file,) = load(fresh_database, older).files

    assert (file.exit_code, file.rejected, file.counts.inserted) == (1, 47, 0)
    reason = next(f.reason for f in file.findings if f.location == "line 2")
    assert reason.startswith("adresseId 219136687: stored from an extract of 2025-01-02")
    assert "newer than this file's 2021-01-04" in reason
    assert current(fresh_database) == newer_alone


def test_a_newer_file_after_an_older_one_loads_and_the_same_file_again_is_not_older(
    fresh_database, tmp_path
):
    older = extract(tmp_path / "2021.csv", "04.01.2021 05:32:37")
    newer = extract(tmp_path / "2025.csv", "02.01.2025 06:00:00", poststed="NYSTED")
    assert load(fresh_database, older).exit_code == 0
    assert load(fresh_database, older).exit_code == 0
    (file,) = load(fresh_database, newer).files
    assert (file.exit_code, file.counts.superseded) == (0, 47)
    assert {row[3] for row in current(fresh_database)} == {"NYSTED"}


def test_with_historical_an_older_file_becomes_history_only(fresh_database, tmp_path):
    newer = extract(tmp_path / "2025.csv", "02.01.2025 06:00:00", poststed="NYSTED")
    older = extract(tmp_path / "2021.csv", "04.01.2021 05:32:37", poststed="GAMLESTED")
    assert load(fresh_database, newer).exit_code == 0
    newer_alone = current(fresh_database)

    (file,) = run(
        [older], formats=REGISTER.formats, database=fresh_database, given={"historical": "yes"}
    ).files

    assert (file.exit_code, file.rejected, file.counts.inserted) == (0, 0, 47)
    assert current(fresh_database) == newer_alone
    with connect(fresh_database.app_url) as conn:
        then = conn.execute(
            "SELECT DISTINCT poststed, gyldig::text FROM matrikkel.adresse "
            "WHERE upper_inf(registrert) AND gyldig @> '2022-06-01'::timestamptz"
        ).fetchall()
    assert [p for p, _ in then] == ["GAMLESTED"], then
    assert then[0][1].startswith('["2021-01-04 04:32:37+00","2025-01-0')
