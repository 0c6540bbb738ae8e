"""The merge's short path for a new person with one document in its batch (``enkel``: its
erGjeldende and removal statements pass it by) leaves exactly what the full path leaves.

The same documents are loaded three ways: every person new with one document (the short
path), every document twice in its file (each person's group has two documents: the full
path), and a person's older and newer documents in one file against in two files (the
newer then meets a stored person: the full path, with a removal and an erGjeldende flip
that the short path must not skip)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from grunndata.db.database import Database, connect
from grunndata.fixtures.generate import generate
from tests.folkeregister.helpers import DATA, load, write_json

OLDER = json.loads((DATA / "person_bostedsadresse_08871748471.json").read_text())

#: Everything a load leaves, by content (ids and load ids differ between databases).
CONTENTS = {
    "versjon": """SELECT i.identifikasjonsnummer, v.element, v.relasjon, v.gyldighetstidspunkt,
        v.opphoerstidspunkt, v.ajourholdstidspunkt, v.er_gjeldende, v.kilde, v.aarsak,
        v.data, v.innhold, v.fjernet, v.sist_sett, v.tilbakefort_av IS NULL
        FROM folkeregister.versjon v
        JOIN folkeregister.identifikator i ON i.person_id = v.person_id""",
    "fakta": """SELECT i.identifikasjonsnummer, v.innhold, f.element, f.relasjon, f.gyldig,
        f.registrert FROM folkeregister.fakta f JOIN folkeregister.versjon v ON v.id = f.versjon_id
        JOIN folkeregister.identifikator i ON i.person_id = f.person_id""",
    "identifikator": """SELECT a.identifikasjonsnummer, b.identifikasjonsnummer
        FROM folkeregister.identifikator a JOIN folkeregister.identifikator b USING (person_id)""",
    "gradert": "SELECT identifikasjonsnummer, gradert FROM felles.adressebeskyttelse",
}


def contents(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    with connect(database.app_url) as conn:
        return {
            name: sorted(conn.execute(query).fetchall(), key=repr)
            for name, query in CONTENTS.items()
        }


def without_sist_sett(stored: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[Any]]:
    """``sist_sett`` apart: it moves when a newer document flips erGjeldende (a newer load
    leaves it where it was otherwise), while one file's newest document sets it for all."""
    return {**stored, "versjon": [row[:12] + row[13:] for row in stored["versjon"]]}


def newer(document: dict[str, Any]) -> dict[str, Any]:
    """The person moved (the old address no longer current) and the old address's
    spelling corrected (its stored version is no longer held: removed)."""
    changed = copy.deepcopy(document)
    old = changed["bostedsadresse"][0]
    moved = copy.deepcopy(old) | {
        "ajourholdstidspunkt": "2024-03-02T08:00:00Z",
        "gyldighetstidspunkt": "2024-02-29T23:00:00Z",
        "flyttedato": "2024-03-01",
    }
    moved["vegadresse"] = {**moved["vegadresse"], "adressenavn": "Nyveien"}
    old["erGjeldende"] = False
    old["ajourholdstidspunkt"] = "2024-03-02T08:00:00Z"
    old["vegadresse"] = {**old["vegadresse"], "adressenavn": old["vegadresse"]["adressenavn"] + "a"}
    changed["bostedsadresse"].insert(0, moved)
    return changed


def generated(folder: Path) -> list[dict[str, Any]]:
    generate(40, seed=3, out=folder)
    return json.loads((folder / "folkeregister" / "personer.json").read_text())


def test_new_single_documents_merge_as_the_full_path_does(clones, tmp_path):
    documents = generated(tmp_path / "fixtures")
    short, full = clones.make(), clones.make()
    try:
        assert load(short, write_json(tmp_path / "once.json", documents)).exit_code == 0
        twice = [d for document in documents for d in (document, document)]
        assert load(full, write_json(tmp_path / "twice.json", twice)).exit_code == 0
        assert contents(short) == contents(full)
        assert len(contents(short)["versjon"]) > 10 * len(documents)
    finally:
        clones.drop(short)
        clones.drop(full)


def test_a_persons_history_in_one_file_merges_as_in_two(clones, tmp_path):
    one_file, two_files = clones.make(), clones.make()
    try:
        both = write_json(tmp_path / "both.json", [OLDER, newer(OLDER)])
        assert load(one_file, both).exit_code == 0
        assert load(two_files, write_json(tmp_path / "v1.json", [OLDER])).exit_code == 0
        assert load(two_files, write_json(tmp_path / "v2.json", [newer(OLDER)])).exit_code == 0
        stored = without_sist_sett(contents(one_file))
        assert stored == without_sist_sett(contents(two_files))
        removed = [row for row in stored["versjon"] if row[1] == "bostedsadresse" and row[11]]
        assert len(removed) == 1  # the corrected spelling's old version ended
        flipped = [row for row in stored["versjon"] if row[1] == "bostedsadresse" and not row[6]]
        assert flipped  # erGjeldende false on the old address
    finally:
        clones.drop(one_file)
        clones.drop(two_files)
