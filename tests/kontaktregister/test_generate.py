"""KRR's part of ``grunndata fixtures generate``: entries that agree with the generated
persons, the committed demo's file is what it makes, and it loads whole."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from grunndata.db.database import Database
from grunndata.fixtures.generate import TODAY, generate
from grunndata.registers.kontaktregister import sertifikat, sertifikater, varsling
from grunndata.registers.kontaktregister.generate import FILE
from tests.kontaktregister.conftest import load, query

DEMO = Path(__file__).parents[2] / "fixtures"
NOW = dt.datetime.combine(TODAY, dt.time(12), varsling.OSLO)


def _generated(folder: Path) -> tuple[dict[str, dict], list[dict]]:
    people = json.loads((folder / "folkeregister/personer.json").read_text())
    by_number = {i["foedselsEllerDNummer"]: p for p in people for i in p["identifikasjonsnummer"]}
    answers = [json.loads(line) for line in (folder / FILE).read_text().splitlines()]
    assert all(len(a["personer"]) <= 1000 for a in answers)
    return by_number, [e for a in answers for e in a["personer"]]


def _usable(entry: dict, name: str) -> bool:
    kontakt = entry.get("kontaktinformasjon", {})
    stamps = [kontakt.get(f"{name}_{t}") for t in ("oppdatert", "sist_verifisert")]
    updated, verified = (dt.datetime.fromisoformat(s) if s else None for s in stamps)
    return varsling.usable(updated, verified, NOW)


def test_entries_agree_with_the_generated_persons(tmp_path: Path):
    generate(1200, 4, tmp_path)
    persons, entries = _generated(tmp_path)
    numbers = [e["personidentifikator"] for e in entries]
    assert len(numbers) == len(set(numbers)) and set(numbers) <= set(persons)
    kinds = {"slettet": 0, "reservert": 0, "utdatert": 0, "utlopt": 0, "varsles": 0}
    for entry in entries:
        person = persons[entry["personidentifikator"]]
        dead, emigrated = bool(person.get("doedsfall")), bool(person.get("utflytting"))
        assert (entry["status"] == "SLETTET") == dead, entry
        usable = _usable(entry, "epostadresse") or _usable(entry, "mobiltelefonnummer")
        if emigrated and not dead:
            left = max(u["utflyttingsdato"] for u in person["utflytting"])
            stamp = entry["kontaktinformasjon"]["epostadresse_oppdatert"]
            assert stamp[:10] < left, "details from before they left"
        kinds["slettet"] += dead
        kinds["reservert"] += entry.get("reservasjon") == "JA"
        kinds["utdatert"] += entry["status"] == "AKTIV" and not usable
        kinds["varsles"] += entry["status"] == "AKTIV" and usable and entry["reservasjon"] == "NEI"
        if "sertifikat" in entry:
            read = sertifikat.read(sertifikat.der_of(entry["sertifikat"]))
            kinds["utlopt"] += not read.gyldig(NOW)
    assert all(count > 0 for count in kinds.values()), kinds
    assert kinds["varsles"] > len(entries) / 2, kinds


def test_the_committed_demo_file_is_what_the_generator_makes(tmp_path: Path):
    generate(150, 1, tmp_path)
    assert (tmp_path / FILE).read_bytes() == (DEMO / FILE).read_bytes()
    assert sertifikater.DIGIPOST_UTLOPT in (DEMO / FILE).read_text()


def test_the_generated_file_loads_whole(fresh_database: Database, tmp_path: Path):
    generate(400, 9, tmp_path)
    (file,) = load(fresh_database, tmp_path / FILE).files
    assert (file.status, file.rejected, file.warnings) == ("loaded", 0, 0), file.findings
    stored = query(fresh_database, "SELECT count(*) FROM kontaktregister.kontakt")
    assert stored == [(file.records,)] and file.records > 300
