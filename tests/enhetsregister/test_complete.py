"""Brønnøysund's totalbestand declared complete (--complete): units of its kind that it
lacks end; deleted units keep their slettedato; more than 5 % is refused."""

from __future__ import annotations

import json
import random
from itertools import islice
from pathlib import Path

from grunndata.loaders.complete import Completeness
from grunndata.registers.enhetsregister.generate import orgnumre
from tests.enhetsregister.conftest import load, query, write_json
from tests.loaders.test_journal import _cli

COMPLETE = Completeness()


def _units(numbers: list[str], **extra) -> list[dict]:
    return [
        {"organisasjonsnummer": n, "navn": f"Enhet {n}", **extra,
         "organisasjonsform": {"kode": "AS", "beskrivelse": "Aksjeselskap"},
         "registreringsdatoEnhetsregisteret": "2020-01-02"}
        for n in numbers
    ]  # fmt: skip


def _valid_now(db, numbers: list[str]) -> list[str]:
    rows = query(db, "SELECT organisasjonsnummer FROM enhetsregister.enhet WHERE "
                 "upper_inf(registrert) AND upper_inf(gyldig) AND organisasjonsnummer = ANY(%s)",
                 [numbers])  # fmt: skip
    return sorted(r[0] for r in rows)


def test_a_complete_totalbestand_ends_the_units_it_lacks(db, tmp_path: Path):
    numbers = list(islice(orgnumre(random.Random(3)), 42))
    units, deleted, filial = numbers[:40], numbers[40], numbers[41]
    first = _units(units) + _units([deleted], slettedato="2024-05-01")
    assert load(db, write_json(tmp_path / "enheter.json", first)).exit_code == 0
    underenhet = {"organisasjonsnummer": filial, "navn": "Filial", "overordnetEnhet":
                  units[0], "organisasjonsform": {"kode": "BEDR"}}  # fmt: skip
    assert load(db, write_json(tmp_path / "underenheter.json", [underenhet])).exit_code == 0
    lacking = write_json(tmp_path / "enheter2.json", _units(units[:38]))
    (file,) = load(db, lacking, complete=COMPLETE).files
    assert (file.exit_code, file.counts.ended) == (0, 2), file
    assert _valid_now(db, units[38:]) == []
    assert _valid_now(db, [deleted, filial]) == sorted([deleted, filial]), (
        "a deleted unit keeps its slettedato; underenheter are another file's scope"
    )
    assert query(db, "SELECT slettedato::text FROM enhetsregister.enhet WHERE "
                 "organisasjonsnummer = %s AND upper_inf(registrert)", [deleted]) == [
        ("2024-05-01",)
    ]  # fmt: skip


def test_a_truncated_totalbestand_is_refused(db, tmp_path: Path):
    numbers = list(islice(orgnumre(random.Random(4)), 20))
    load(db, write_json(tmp_path / "enheter.json", _units(numbers)))
    (file,) = load(db, write_json(tmp_path / "enheter2.json", _units(numbers[:10])),
                   complete=COMPLETE).files  # fmt: skip
    assert file.exit_code == 2 and "lacks 10 of the 20 stored entities" in file.message
    assert _valid_now(db, numbers) == sorted(numbers)


def _roller(numbers: list[str]) -> list[dict]:
    group = {
        "type": {"kode": "DAGL", "beskrivelse": "Daglig leder"},
        "sistEndret": "2020-01-02",
        "roller": [
            {
                "type": {"kode": "DAGL"},
                "fratraadt": False,
                "rekkefolge": 0,
                "person": {
                    "fodselsdato": "1981-01-01",
                    "navn": {"fornavn": "Ove", "etternavn": "Olsen"},
                },
            }
        ],
    }
    return [{"organisasjonsnummer": n, "rollegrupper": [group]} for n in numbers]  # fmt: skip


def _with_roles_now(db, numbers: list[str]) -> list[str]:
    rows = query(db, "SELECT DISTINCT organisasjonsnummer FROM enhetsregister.rolle WHERE "
                 "upper_inf(registrert) AND upper_inf(gyldig) AND organisasjonsnummer = ANY(%s)",
                 [numbers])  # fmt: skip
    return sorted(r[0] for r in rows)


def test_a_complete_roller_totalbestand_ends_the_roles_of_units_it_lacks(db, tmp_path: Path):
    numbers = list(islice(orgnumre(random.Random(5)), 41))
    units, deleted = numbers[:40], numbers[40]
    enheter = _units(units) + _units([deleted], slettedato="2024-05-01")
    assert load(db, write_json(tmp_path / "enheter.json", enheter)).exit_code == 0
    first = write_json(tmp_path / "roller_totalbestand.json", _roller(numbers))
    assert load(db, first).exit_code == 0
    lacking = write_json(tmp_path / "roller_totalbestand2.json", _roller(units[:38]))

    (file,) = load(db, lacking, complete=COMPLETE).files

    assert (file.exit_code, file.counts.ended) == (0, 2), file
    assert _with_roles_now(db, numbers) == sorted([*units[:38], deleted]), (
        "the roles of a unit stored as deleted are not in the totalbestand's scope"
    )
    result = _cli(db, "loads", "--json", "--limit", "1")
    assert result.returncode == 0, result.stderr
    ((ended, format_name),) = [(e["ended"], e["format"]) for e in json.loads(result.stdout)]
    assert (ended, format_name) == (2, "brreg-roller-json")
    assert "\tended\t" in _cli(db, "loads").stdout.splitlines()[0]


def test_a_truncated_roller_totalbestand_is_refused(db, tmp_path: Path):
    numbers = list(islice(orgnumre(random.Random(6)), 20))
    load(db, write_json(tmp_path / "enheter.json", _units(numbers)))
    load(db, write_json(tmp_path / "roller_totalbestand.json", _roller(numbers)))
    (file,) = load(db, write_json(tmp_path / "roller_totalbestand2.json", _roller(numbers[:10])),
                   complete=COMPLETE).files  # fmt: skip
    assert file.exit_code == 2 and "lacks 10 of the 20 stored entities" in file.message
    assert _with_roles_now(db, numbers) == sorted(numbers)
