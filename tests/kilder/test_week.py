"""A scripted week followed from a baseline equals a bulk load of the week's final state, in
SQL and as users see it: through GraphQL, from the single process and through the gateway."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from grunndata.db.database import Database
from tests.gateway import OneGateway
from tests.kilder.conftest import Sources, cursor, load_files, rows, run_follower
from tests.kilder.graphql_state import PERSONS, answers, units

#: Each person's current registrations (recorded times aside), by every identifier.
FREG_NOW = """
SELECT i.identifikasjonsnummer, f.element, coalesce(f.relasjon, ''), f.gyldig::text,
       v.data::text, v.er_gjeldende
FROM folkeregister.fakta f JOIN folkeregister.versjon v ON v.id = f.versjon_id
JOIN folkeregister.identifikator i ON i.person_id = f.person_id
WHERE upper_inf(f.registrert) ORDER BY 1, 2, 3, 4, 5
"""


def _write(path: Path, values: list[object]) -> Path:
    path.write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
    return path


def test_freg_week_from_a_baseline_equals_a_bulk_load(
    sources_: Sources, fresh_database: Database, clones, tmp_path: Path, one_gateway: OneGateway
) -> None:
    log: list[str] = []
    assert run_follower(fresh_database, "freg", sources_.settings, baseline=True, echo=log) == 0
    assert cursor(fresh_database, "freg").posisjon == str(len(sources_.world.freg.feed))
    for _ in range(7):
        httpx.post(f"{sources_.base}/_standin/dag").raise_for_status()
        assert run_follower(fresh_database, "freg", sources_.settings, echo=log) == 0
    freg = sources_.world.freg
    assert cursor(fresh_database, "freg").posisjon == str(len(freg.feed))
    kinds = {e["hendelse"]["hendelsetype"] for e in freg.feed}
    assert {"endringIIdentifikasjonsnummer", "personErDoed", "personErOppdatert"} <= kinds
    final = [freg.document(n) for n in sorted(freg.people)]
    ids = sorted(freg.people)
    bulk = clones.make()
    try:
        load_files(bulk, [_write(tmp_path / "personer.json", final)])
        expected = rows(bulk, FREG_NOW)
        # As users see it: every field of every person, single process and gateway alike.
        expected_answers = answers(one_gateway, bulk, PERSONS, ids=ids)
    finally:
        clones.drop(bulk)
    assert len(expected) > 1000
    assert rows(fresh_database, FREG_NOW) == expected
    persons = expected_answers["personer"]
    assert len(persons) == len(ids) and all(persons) and any(p["doedsdato"] for p in persons)
    assert answers(one_gateway, fresh_database, PERSONS, ids=ids) == expected_answers
    loads = rows(
        fresh_database,
        "SELECT kilde, kilde_fra, kilde_til, status FROM felles.load WHERE kilde = 'freg' "
        "AND kilde_fra IS NOT NULL ORDER BY id",
    )
    assert len(loads) == 7 and all(status == "loaded" for *_, status in loads)
    assert [int(fra) for _, fra, _, _ in loads[1:]] == [int(til) + 1 for _, _, til, _ in loads[:-1]]


def _current(database: Database, table: str) -> list[tuple[object, ...]]:
    """What every query shows now of ``table`` (recorded and valid times aside)."""
    return rows(
        database,
        "SELECT (to_jsonb(t) - 'id' - 'gyldig' - 'registrert' - 'load_id')::text "
        f"FROM enhetsregister.{table} t WHERE upper_inf(t.registrert) AND upper_inf(t.gyldig) "
        "AND NOT EXISTS (SELECT 1 FROM enhetsregister.fjernet f "
        "WHERE f.organisasjonsnummer = t.organisasjonsnummer AND f.opphevet IS NULL) ORDER BY 1",
    )


def _brreg_files(sources_: Sources, folder: Path) -> list[Path]:
    b = sources_.world.brreg
    folder.mkdir()
    shown = [o for o in sorted(b.units) if o not in b.withdrawn]
    return [
        _write(folder / "enheter.json", [b.units[o] for o in shown if o not in b.underenhet]),
        _write(folder / "underenheter.json", [b.units[o] for o in shown if o in b.underenhet]),
        _write(
            folder / "roller_totalbestand.json",
            [{"organisasjonsnummer": o, **b.roller[o]} for o in shown if o in b.roller],
        ),
    ]


def test_brreg_week_after_a_lastned_load_equals_a_bulk_load(
    sources_: Sources, fresh_database: Database, clones, tmp_path: Path, one_gateway: OneGateway
) -> None:
    load_files(fresh_database, _brreg_files(sources_, tmp_path / "start"))
    kinds = ("brreg-enheter", "brreg-underenheter", "brreg-roller")
    for _ in range(7):
        httpx.post(f"{sources_.base}/_standin/dag").raise_for_status()
        for kind in kinds:
            assert run_follower(fresh_database, kind, sources_.settings) == 0
    b = sources_.world.brreg
    types = {u["endringstype"] for k in b.updates.values() for u in k}
    assert {"Ny", "Endring", "Sletting", "Fjernet"} <= types
    bulk = clones.make()
    try:
        load_files(bulk, _brreg_files(sources_, tmp_path / "end"))
        expected_units, expected_roles = _current(bulk, "enhet"), _current(bulk, "rolle")
        expected_answers = units(one_gateway, bulk)
    finally:
        clones.drop(bulk)
    assert _current(fresh_database, "enhet") == expected_units
    assert _current(fresh_database, "rolle") == expected_roles
    assert len(expected_answers) == len(expected_units)
    assert any(u["roller"] for u in expected_answers)
    assert units(one_gateway, fresh_database) == expected_answers
    withdrawn = {
        r[0]
        for r in rows(
            fresh_database,
            "SELECT organisasjonsnummer FROM enhetsregister.fjernet WHERE opphevet IS NULL",
        )
    }
    assert withdrawn == b.withdrawn and withdrawn
