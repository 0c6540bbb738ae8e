"""One organisasjonsnummer names one unit: an underenhet file cannot take a stored
hovedenhet's number (nor the other way round). A file cannot give one number to two
units of its own kind: records are keyed by the number (the last of a repeat wins, warned)."""

from __future__ import annotations

from grunndata.loaders.report import Finding
from grunndata.loaders.run import RunOutcome
from tests.enhetsregister.conftest import load, query, write_json
from tests.enhetsregister.test_formats import AVDELING, KORSVIK


def rejected(outcome: RunOutcome) -> list[Finding]:
    return [f for f in outcome.files[0].findings if f.severity == "reject"]


def test_an_underenhet_claiming_a_hovedenhets_number_is_rejected_naming_both(db, tmp_path):
    assert load(db, write_json(tmp_path / "enheter.json", [KORSVIK])).exit_code == 0
    claim = {**AVDELING, "organisasjonsnummer": KORSVIK["organisasjonsnummer"]}
    outcome = load(db, write_json(tmp_path / "underenheter.json", [claim, AVDELING]))
    assert outcome.exit_code == 1
    (finding,) = rejected(outcome)
    assert finding.location == "record 1"
    assert "310911410 is stored as a hovedenhet ('KORSVIK BYGG AS')" in finding.reason
    assert "as an underenhet ('KORSVIK BYGG AVD')" in finding.reason
    rows = query(
        db,
        "SELECT organisasjonsnummer, er_underenhet, navn FROM enhetsregister.enhet "
        "WHERE upper_inf(registrert) AND upper_inf(gyldig) ORDER BY 1",
    )
    assert rows == [
        ("310911410", False, "KORSVIK BYGG AS"),
        ("314400291", True, "KORSVIK BYGG AVD"),
    ]


def test_a_hovedenhet_claiming_an_underenhets_number_is_rejected(db, tmp_path):
    assert load(db, write_json(tmp_path / "enheter.json", [KORSVIK])).exit_code == 0
    assert load(db, write_json(tmp_path / "underenheter.json", [AVDELING])).exit_code == 0
    claim = {**KORSVIK, "organisasjonsnummer": AVDELING["organisasjonsnummer"]}
    outcome = load(db, write_json(tmp_path / "enheter.json", [claim]))
    assert outcome.exit_code == 1
    assert "314400291 is stored as an underenhet" in rejected(outcome)[0].reason
