"""Loading KRR's lookup answers: the shapes it comes in, what is refused and why, a
person twice, extract order by the channels' own times, and revert."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

from grunndata.db.database import Database
from grunndata.loaders.extract_order import HISTORICAL
from grunndata.loaders.revert import revert
from grunndata.registers.kontaktregister import REGISTER
from tests.kontaktregister.conftest import CAST, answer, cast_entries, entry, load, query

ARNE, CAMILLA = "14834806046", "21867525758"
CURRENT = "upper_inf(registrert) AND upper_inf(gyldig)"


def test_the_cast_answer_loads_whole_flat_and_nested_mailboxes_alike(db: Database):
    outcome = load(db, CAST)
    (file,) = outcome.files
    assert (file.status, file.rejected, file.warnings) == ("loaded", 0, 0), file.findings
    assert file.counts.inserted == len(cast_entries()) == 10
    rows = dict(query(db, f"SELECT personidentifikator, postkasseleverandoeradresse "
                          f"FROM kontaktregister.kontakt WHERE {CURRENT}"))  # fmt: skip
    assert rows[ARNE] == "digitalpost.digipost.no"  # flat
    assert rows[CAMILLA] == "digitalpost.e-boks.no"  # nested under digital_post
    assert "15848610086" in rows, "a person Folkeregisteret does not know is stored too"


def test_json_lines_of_answers_and_of_entries_gzipped_or_not(db: Database, tmp_path: Path):
    entries = cast_entries()
    lines = tmp_path / "svar.jsonl"
    lines.write_text("\n".join(json.dumps({"personer": entries[i : i + 3]})
                               for i in range(0, 6, 3)) + "\n")  # fmt: skip
    plain = tmp_path / "personer.jsonl.gz"
    with gzip.open(plain, "wt", encoding="utf-8") as out:
        out.write("\n".join(json.dumps(e) for e in entries[6:]) + "\n")
    outcome = load(db, lines, plain)
    assert [f.status for f in outcome.files] == ["loaded", "loaded"]
    assert [f.counts.inserted for f in outcome.files] == [6, 4]


def test_each_bad_entry_is_rejected_naming_record_person_and_rule(db: Database, tmp_path: Path):
    good = entry(ARNE)
    bad = [
        good | {"personidentifikator": "14834806047"},
        good | {"personidentifikator": "21867525758", "status": "BORTE"},
        good | {"personidentifikator": "09817748772", "sertifikat": "aGVsbG8="},
        good | {"personidentifikator": "08887128066", "kontaktinformasjon":
                {"epostadresse": "rune", "epostadresse_oppdatert": "2020-01-01T00:00:00Z"}},
        good | {"personidentifikator": "19906311480", "spraak_oppdatert": "i fjor"},
        good | {"personidentifikator": "12858938404",
                "digital_post": {"postkasseadresse": "annen#1"}},
    ]  # fmt: skip
    outcome = load(db, answer(tmp_path / "svar.json", good, *bad))
    (file,) = outcome.files
    assert file.status == "partial" and file.counts.inserted == 1 and file.rejected == 6
    reasons = {f.location: f.reason for f in file.findings if f.severity == "reject"}
    invalid = reasons["record 1, person 2 (14834806047)"]
    assert "'14834806047' is not valid: the second control digit" in invalid
    assert "status 'BORTE' is not one of AKTIV" in reasons["record 1, person 3 (21867525758)"]
    assert reasons["record 1, person 4 (09817748772)"].startswith("sertifikat: not an X.509")
    assert "epostadresse 'rune' is not an e-mail" in reasons["record 1, person 5 (08887128066)"]
    assert "'i fjor' is not an ISO 8601" in reasons["record 1, person 6 (19906311480)"]
    assert "given twice" in reasons["record 1, person 7 (12858938404)"]


def test_a_file_that_is_not_json_fails_whole_and_writes_nothing(db: Database, tmp_path: Path):
    broken = tmp_path / "svar.json"
    broken.write_text('{"personer": [{"personidentifikator": "14834806046", "status": "AKTIV"')
    (file,) = load(db, broken).files
    assert file.status != "loaded" and "truncated" in (file.message or "")
    assert query(db, "SELECT count(*) FROM kontaktregister.kontakt") == [(0,)]


def test_a_person_twice_in_a_file_is_loaded_once_the_newest(db: Database, tmp_path: Path):
    old = entry(ARNE)
    new = copy.deepcopy(old)
    new["kontaktinformasjon"]["epostadresse"] = "arne@ny.no"
    new["kontaktinformasjon"]["epostadresse_oppdatert"] = "2026-07-01T10:00:00+02:00"
    (file,) = load(db, answer(tmp_path / "svar.json", new, old)).files
    assert file.counts.inserted == 1 and file.warnings == 1
    warning = next(f for f in file.findings if f.severity == "warning")
    assert warning.location == "record 1, person 2 (14834806046)"
    assert "record 1, person 1 (14834806046)" in warning.reason
    assert query(db, "SELECT epostadresse FROM kontaktregister.kontakt") == [("arne@ny.no",)]


def _changed(number: str, **kontakt: str) -> dict:
    changed = copy.deepcopy(entry(number))
    changed["kontaktinformasjon"] |= kontakt
    return changed


def test_a_newer_entry_is_valid_from_its_own_time_and_keeps_the_old_as_history(
    db: Database, tmp_path: Path
):
    load(db, CAST)
    newer = _changed(ARNE, epostadresse="arne@ny.no",
                     epostadresse_oppdatert="2026-07-01T10:00:00+02:00")  # fmt: skip
    (file,) = load(db, answer(tmp_path / "ny.json", newer)).files
    assert (file.counts.inserted, file.counts.superseded) == (1, 1)
    versions = query(
        db, "SELECT epostadresse, lower(gyldig)::text, upper(gyldig)::text "
        "FROM kontaktregister.kontakt WHERE upper_inf(registrert) AND personidentifikator = %s "
        "ORDER BY lower(gyldig)", [ARNE],
    )  # fmt: skip
    assert versions == [
        ("arne.korsvik@eksempel.no", "2019-03-01 09:00:00+01", "2026-07-01 10:00:00+02"),
        ("arne@ny.no", "2026-07-01 10:00:00+02", None),
    ]


def test_an_older_entry_is_rejected_naming_the_field_and_both_times(db: Database, tmp_path: Path):
    newer = _changed(ARNE, epostadresse="arne@ny.no",
                     epostadresse_oppdatert="2026-07-01T10:00:00+02:00")  # fmt: skip
    load(db, answer(tmp_path / "ny.json", newer))
    (file,) = load(db, CAST).files
    assert file.rejected == 1 and file.counts.inserted == 9
    (reject,) = [f for f in file.findings if f.severity == "reject"]
    assert reject.location == "record 1, person 1 (14834806046)"
    assert reject.reason.startswith(
        "person 14834806046: the stored epostadresse_oppdatert is 2026-07-01T10:00:00+02:00, "
        "newer than this entry's 2025-06-01T10:00:00+02:00"
    )
    assert query(db, f"SELECT epostadresse FROM kontaktregister.kontakt "
                     f"WHERE personidentifikator = '{ARNE}'") == [("arne@ny.no",)]  # fmt: skip


def test_with_historical_an_older_entry_becomes_history(db: Database, tmp_path: Path):
    newer = _changed(ARNE, epostadresse="arne@ny.no",
                     epostadresse_oppdatert="2026-07-01T10:00:00+02:00")  # fmt: skip
    july = "2026-07-01T10:00:00+02:00"
    newer["reservasjon_oppdatert"] = newer["spraak_oppdatert"] = july
    newer["kontaktinformasjon"] |= {"epostadresse_sist_verifisert": july,
                                    "mobiltelefonnummer_oppdatert": july}  # fmt: skip
    load(db, answer(tmp_path / "ny.json", newer))
    (file,) = load(db, answer(tmp_path / "gammel.json", entry(ARNE)),
                   given={HISTORICAL: "yes"}).files  # fmt: skip
    assert (file.rejected, file.counts.inserted) == (0, 1)
    history = query(
        db, "SELECT epostadresse, lower(gyldig)::text, upper(gyldig)::text "
        "FROM kontaktregister.kontakt WHERE upper_inf(registrert) ORDER BY lower(gyldig)",
    )  # fmt: skip
    assert history == [
        ("arne.korsvik@eksempel.no", "2026-05-10 08:30:00+02", "2026-07-01 10:00:00+02"),
        ("arne@ny.no", "2026-07-01 10:00:00+02", None),
    ]


def test_a_change_krr_does_not_date_is_valid_from_the_load(db: Database, tmp_path: Path):
    load(db, CAST)
    deleted = entry(ARNE) | {"status": "SLETTET"}
    (file,) = load(db, answer(tmp_path / "slettet.json", deleted)).files
    assert file.counts.inserted == 1
    ((start, recorded),) = query(
        db, "SELECT lower(gyldig), lower(registrert) FROM kontaktregister.kontakt "
        f"WHERE {CURRENT} AND personidentifikator = %s", [ARNE],
    )  # fmt: skip
    assert start == recorded, "not back-dated to the entry's own older times"


def test_a_load_is_reverted_and_the_entries_are_as_before(db: Database, tmp_path: Path):
    load(db, CAST)
    before = query(db, f"SELECT * FROM kontaktregister.kontakt WHERE {CURRENT} ORDER BY 1")
    newer = _changed(ARNE, epostadresse="arne@ny.no",
                     epostadresse_oppdatert="2026-07-01T10:00:00+02:00")  # fmt: skip
    (file,) = load(db, answer(tmp_path / "ny.json", newer)).files
    outcome = revert(db, file.load_id, {REGISTER.name: REGISTER.revertible})
    assert outcome.reverted and outcome.reverted[0].taken_out == 2  # new, and the old one ended
    after = query(db, f"SELECT * FROM kontaktregister.kontakt WHERE {CURRENT} ORDER BY 1")
    assert after == before
