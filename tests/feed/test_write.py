"""Every load, followed batch and revert writes its events in its own transaction:
numbered gap-free in commit order, one per entity it changed, none for what it left
as it was."""

from __future__ import annotations

from grunndata.db.database import connect
from grunndata.loaders.run import Mode, run
from tests.feed.helpers import events, kinds
from tests.revert.helpers import FORMATS, load, revert_load
from tests.revert.test_registers import (
    KORSVIK,
    PERSON,
    _enheter,
    _renamed,
    extract,
)


def test_a_load_writes_one_event_per_entity_it_created(fresh_database, tmp_path):
    db = fresh_database
    a = load(db, extract(tmp_path / "a.csv", "04.01.2021 05:32:37"))

    rows = events(db)
    assert [r["sekvensnummer"] for r in rows] == list(range(1, len(rows) + 1)), "gap-free"
    assert len(rows) == 47 and {r["last_id"] for r in rows} == {a.load_id}
    assert {(r["register"], r["entitet"], r["hendelsestype"]) for r in rows} == {
        ("matrikkel", "Adresse", "opprettet")
    }
    assert ("Adresse", "219136687", "opprettet") in kinds(rows)
    assert all(r["feltgrupper"] == ["adresse"] for r in rows)
    with connect(db.app_url) as conn:
        committed = conn.execute(
            "SELECT finished_at FROM felles.load WHERE id = %s", [a.load_id]
        ).fetchone()[0]
    assert rows[0]["tidspunkt"] <= committed, "numbered just before the commit"


def test_loading_the_same_file_again_writes_nothing(fresh_database, tmp_path):
    db = fresh_database
    path = extract(tmp_path / "a.csv", "04.01.2021 05:32:37")
    load(db, path)
    before = events(db)
    load(db, path)
    assert events(db) == before


def test_a_change_is_endret_and_its_revert_tilbakefoert(fresh_database, tmp_path):
    db = fresh_database
    load(db, extract(tmp_path / "a.csv", "04.01.2021 05:32:37"))
    first = len(events(db))
    b = load(db, extract(tmp_path / "b.csv", "02.01.2025 06:00:00", poststed="NYSTED"))
    changed = events(db, first)
    assert len(changed) == 47 and {r["hendelsestype"] for r in changed} == {"endret"}
    assert {r["last_id"] for r in changed} == {b.load_id}

    (done,) = revert_load(db, b.load_id).reverted

    reverted = events(db, first + 47)
    assert [r["sekvensnummer"] for r in reverted] == list(range(first + 48, first + 95))
    assert {r["hendelsestype"] for r in reverted} == {"tilbakefoert"}
    assert {r["last_id"] for r in reverted} == {done.revert_id}
    assert {r["noekkel"] for r in reverted} == {r["noekkel"] for r in changed}


def test_bronnoysund_units_and_their_changes(fresh_database, tmp_path):
    db = fresh_database
    load(db, _enheter(tmp_path / "a.json", KORSVIK), given={"extract_time": "2021-01-04"})
    assert kinds(events(db)) == {("Enhet", "310911410", "opprettet")}
    renamed = {**KORSVIK, "navn": "KORSVIK BYGG OG ANLEGG AS"}
    other = {**KORSVIK, "organisasjonsnummer": "310911429", "navn": "ANNEN AS"}
    load(db, _enheter(tmp_path / "b.json", renamed, other), given={"extract_time": "2025-01-02"})
    assert kinds(events(db, 1)) == {
        ("Enhet", "310911410", "endret"),
        ("Enhet", "310911429", "opprettet"),
    }


def test_a_person_is_named_by_the_identifier_in_use_with_the_elements_that_changed(
    fresh_database, tmp_path
):
    db = fresh_database
    load(db, PERSON)
    (created,) = events(db)
    assert (created["entitet"], created["noekkel"], created["hendelsestype"]) == (
        "Person", "08871748471", "opprettet",
    )  # fmt: skip
    assert "navn" in created["feltgrupper"] and "bostedsadresse" in created["feltgrupper"]
    load(db, _renamed(tmp_path / "b.json"))
    second = events(db, 1)
    assert kinds(second) == {
        ("Person", "08871748471", "endret"),
        ("Person", "21860398300", "opprettet"),
    }
    renamed = next(r for r in second if r["noekkel"] == "08871748471")
    assert renamed["feltgrupper"] == ["navn"]


def test_a_folkeregister_revert_names_the_persons_it_took_back(fresh_database, tmp_path):
    db = fresh_database
    load(db, PERSON)
    b = load(db, _renamed(tmp_path / "b.json"))
    (done,) = revert_load(db, b.load_id).reverted
    reverted = events(db, 3)
    assert kinds(reverted) == {
        ("Person", "08871748471", "tilbakefoert"),
        ("Person", "21860398300", "tilbakefoert"),
    }, "a person the revert took out entirely is still named"
    assert {r["last_id"] for r in reverted} == {done.revert_id}


def test_a_dry_run_and_a_failed_load_write_no_event(fresh_database, tmp_path):
    db = fresh_database
    path = extract(tmp_path / "a.csv", "04.01.2021 05:32:37")
    (dry,) = run([path], formats=FORMATS, database=db, mode=Mode.DRY_RUN).files
    assert dry.exit_code == 0 and events(db) == []
    truncated = tmp_path / "b.csv"
    truncated.write_bytes(path.read_bytes()[:-40])
    (failed,) = run([truncated], formats=FORMATS, database=db).files
    assert failed.exit_code != 0 and events(db) == []
