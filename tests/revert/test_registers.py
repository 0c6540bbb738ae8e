"""Load A, load B, revert B: exactly the answers of A alone, now and at every recorded and
valid time, for all three registers; a complete extract's revert brings back what it
ended; nothing is deleted."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from grunndata.db.database import connect
from tests.enhetsregister.test_formats import KORSVIK
from tests.matrikkel.test_complete import _valid_now, _without
from tests.matrikkel.test_extract_order import extract
from tests.revert.helpers import answers, ask, load, load_complete, now, revert_load, visible

FREG_DATA = Path(__file__).parents[1] / "folkeregister" / "data"
PERSON = FREG_DATA / "person_bostedsadresse_08871748471.json"
GRADED = FREG_DATA / "person_strengt_fortrolig_21860398300.json"

ADRESSE = 'query { adresse(adresseId: "219136687") { adressetekst postnummer poststed } }'
ENHET = """query($ajour: DateTime, $gyldig: DateTime) {
  enhet(organisasjonsnummer: "310911410", ajourholdstidspunkt: $ajour,
        gyldighetstidspunkt: $gyldig) { navn } }"""
PERSONS = """query($ajour: DateTime, $gyldig: DateTime) {
  a: person(identifikasjonsnummer: "08871748471", ajourholdstidspunkt: $ajour,
            gyldighetstidspunkt: $gyldig) { navn { fornavn etternavn } }
  b: person(identifikasjonsnummer: "21860398300", ajourholdstidspunkt: $ajour,
            gyldighetstidspunkt: $gyldig) { navn { fornavn } } }"""


def _rows(db, statement: str) -> int:
    with connect(db.app_url) as conn:
        return conn.execute(statement).fetchone()[0]


def test_kartverket_revert_gives_the_answers_of_the_first_load_alone(fresh_database, tmp_path):
    db = fresh_database
    before_a = now(db)
    load(db, extract(tmp_path / "a.csv", "04.01.2021 05:32:37"))
    after_a, state_a, answer_a = now(db), visible(db, "matrikkel"), ask(db, ADRESSE)
    b = load(db, extract(tmp_path / "b.csv", "02.01.2025 06:00:00", poststed="NYSTED"))
    between = now(db)
    assert ask(db, ADRESSE)["adresse"]["poststed"] == "NYSTED"
    total = _rows(db, "SELECT count(*) FROM matrikkel.adresse")

    (done,) = revert_load(db, b.load_id).reverted

    assert (done.taken_out, done.current_again) == (94, 47), "new versions and their copies"
    assert visible(db, "matrikkel") == state_a, "every row at every time, and felles.uttak"
    assert ask(db, ADRESSE) == answer_a
    assert _rows(db, "SELECT count(*) FROM matrikkel.adresse") == total, "nothing deleted"
    with connect(db.app_url) as conn:
        at = conn.execute(
            "SELECT count(*) FROM matrikkel.adresse WHERE registrert @> %s::timestamptz",
            [between],
        ).fetchone()[0]
        assert at == 47 and before_a < after_a < between, "between B and its revert: A's"


def test_a_complete_extracts_revert_brings_back_what_it_ended(fresh_database, tmp_path):
    db = fresh_database
    load(db, extract(tmp_path / "a.csv", "04.01.2021 05:32:37"))
    state_a = visible(db, "matrikkel")
    path, dropped = _without(tmp_path, 2)
    ended = load_complete(db, path, {"kommune": "4204"})
    assert ended.counts.ended == 2 and _valid_now(db, dropped) == []

    revert_load(db, ended.load_id)

    assert _valid_now(db, dropped) == dropped
    assert visible(db, "matrikkel") == state_a


def _enheter(path: Path, *units: dict) -> Path:
    path.write_text(json.dumps(list(units), ensure_ascii=False), encoding="utf-8")
    return path


def test_bronnoysund_revert_gives_the_answers_of_the_first_load_alone(fresh_database, tmp_path):
    db = fresh_database
    load(db, _enheter(tmp_path / "a.json", KORSVIK), given={"extract_time": "2021-01-04"})
    times = [None, now(db)]
    state_a, answers_a = visible(db, "enhetsregister"), answers(db, ENHET, times)
    renamed = {**KORSVIK, "navn": "KORSVIK BYGG OG ANLEGG AS"}
    other = {**KORSVIK, "organisasjonsnummer": "310911429", "navn": "ANNEN AS"}
    b_file = _enheter(tmp_path / "b.json", renamed, other)
    b = load(db, b_file, given={"extract_time": "2025-01-02"})
    times.append(now(db))
    assert ask(db, ENHET, ajour=None, gyldig=None)["enhet"]["navn"] == "KORSVIK BYGG OG ANLEGG AS"

    revert_load(db, b.load_id)

    assert visible(db, "enhetsregister") == state_a
    assert answers(db, ENHET, times) == [*answers_a, *answers_a[:2]]


def _renamed(path: Path) -> Path:
    """The person with a new name recorded in 2023, the old one no longer current."""
    document = json.loads(PERSON.read_text(encoding="utf-8"))
    new = copy.deepcopy(document)
    old_name = new["navn"][0]
    old_name["erGjeldende"] = False
    new["navn"].insert(0, {**old_name, "erGjeldende": True, "fornavn": "NYTT",
                           "ajourholdstidspunkt": "2023-05-01T10:00:00Z",
                           "gyldighetstidspunkt": "2023-05-01T10:00:00Z"})  # fmt: skip
    graded = json.loads(GRADED.read_text(encoding="utf-8"))
    path.write_text(json.dumps([new, graded], ensure_ascii=False), encoding="utf-8")
    return path


def test_folkeregister_revert_gives_the_answers_of_the_first_load_alone(fresh_database, tmp_path):
    db = fresh_database
    load(db, PERSON)
    times = [None, "2022-06-01T00:00:00Z", "2024-01-01T00:00:00Z", now(db)]
    state_a, answers_a = visible(db, "folkeregister"), answers(db, PERSONS, times)
    assert answers_a[0]["b"] is None
    b = load(db, _renamed(tmp_path / "b.json"))
    assert ask(db, PERSONS, ajour=None, gyldig=None)["a"]["navn"]["fornavn"] == "NYTT"
    assert ask(db, PERSONS, ajour=None, gyldig=None)["b"] is not None

    revert_load(db, b.load_id)

    assert visible(db, "folkeregister") == state_a
    assert answers(db, PERSONS, times) == answers_a
    assert _rows(db, "SELECT count(*) FROM folkeregister.versjon WHERE tilbakefort_av IS NOT NULL")
    assert _rows(db, "SELECT count(*) FROM folkeregister.identifikator_tilbakefort") == 1
    again = load(db, _renamed(tmp_path / "b2.json"))
    assert again.counts.inserted > 0, "the reverted file loads again"
    assert ask(db, PERSONS, ajour=None, gyldig=None)["a"]["navn"]["fornavn"] == "NYTT"
