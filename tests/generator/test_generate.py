"""``grunndata fixtures generate``: deterministic, streaming, valid identifiers, and data
that loads whole and agrees across registers (checked in SQL after a real load)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grunndata.db.database import Database, connect
from grunndata.fixtures.generate import Identifiers, generate
from grunndata.identifiers import parse_orgnr, parse_person_id
from grunndata.loaders.run import run
from grunndata.registers import REGISTERS
from grunndata.registers.folkeregister.tidsstempel import (
    FREG_START,
    _stamps,
    midnight,
    recorded,
    stamp,
)

GRUNNDATA = str(Path(sys.executable).parent / "grunndata")
DEMO = Path(__file__).parents[2] / "fixtures"
#: What the generator writes: the files of the committed demo (but its README), each
#: register's in its folder (``test_each_register_writes_into_its_own_folder``), and cast.md.
FILES = tuple(
    sorted(
        path.relative_to(DEMO).as_posix()
        for path in DEMO.rglob("*")
        if path.is_file() and path.name != "README.md"
    )
)
DATA = tuple(name for name in FILES if name != "cast.md")


def _bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES}


def test_each_register_writes_into_its_own_folder():
    assert "cast.md" in FILES and len(DATA) == len(FILES) - 1
    folders = {name.split("/")[0] for name in DATA}
    assert folders == {register.name for register in REGISTERS if register.fixtures is not None}


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_data(tmp_path: Path):
    generate(150, 7, tmp_path / "a")
    generate(150, 7, tmp_path / "b")
    generate(150, 8, tmp_path / "c")
    a, b, c = (_bytes(tmp_path / x) for x in "abc")
    assert a == b
    assert a["folkeregister/personer.json"] != c["folkeregister/personer.json"]


def test_exactly_the_persons_asked_for(tmp_path: Path):
    for n in (1, 2, 57):
        summary = generate(n, 3, tmp_path / str(n))
        people = json.loads((tmp_path / str(n) / "folkeregister/personer.json").read_text())
        assert summary.persons == len(people) == n


def test_identifiers_are_synthetic_valid_and_unique(tmp_path: Path):
    generate(2000, 11, tmp_path)
    people = json.loads((tmp_path / "folkeregister/personer.json").read_text())
    numbers = [
        i["foedselsEllerDNummer"]
        for person in people
        for i in person["identifikasjonsnummer"]
        if i["status"] == "iBruk"
    ]
    assert len(numbers) == len(set(numbers)) > 2000, "D-nummer and fnr of a person both count"
    for number in numbers:
        parsed = parse_person_id(number)
        assert parsed.synthetic and parsed.kind in ("fnr", "dnr"), number
    for person in people:
        born = person["foedsel"][0]["foedselsdato"]
        for i in person["identifikasjonsnummer"]:
            assert parse_person_id(i["foedselsEllerDNummer"]).birth_date.isoformat() == born
    orgnrs = [
        record["organisasjonsnummer"]
        for name in ("enheter", "underenheter")
        for record in json.loads((tmp_path / f"enhetsregister/{name}.json").read_text())
    ]
    assert len(orgnrs) == len(set(orgnrs)) > 100
    for orgnr in orgnrs:
        assert parse_orgnr(orgnr).value == orgnr and orgnr.startswith("3"), orgnr


def _peak(n: int, folder: Path) -> int:
    tracemalloc.start()
    try:
        generate(n, 5, folder)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_from_n_to_ten_times_n(tmp_path: Path):
    small = _peak(300, tmp_path / "small")
    large = _peak(3000, tmp_path / "large")
    assert large < small * 1.5, f"peak {small} bytes for 300 persons, {large} for 3000"


def test_the_cast_summary_names_people_units_and_properties(tmp_path: Path):
    generate(300, 1, tmp_path)
    cast = (tmp_path / "cast.md").read_text(encoding="utf-8")
    people = (tmp_path / "folkeregister/personer.json").read_text()
    for heading in ("Married couples", "D-nummer", "Died", "Companies with a board"):
        assert f"## {heading}" in cast
    for number in re.findall(r"\b\d{11}\b", cast):
        assert f'"{number}"' in people, number


@pytest.fixture(scope="module")
def generated_database(clones, tmp_path_factory) -> Database:
    folder = tmp_path_factory.mktemp("generated")
    generate(300, 2, folder)
    database = clones.make()
    formats = [f for register in REGISTERS for f in register.formats]
    outcome = run([folder], formats=formats, database=database)
    assert outcome.exit_code == 0, outcome
    assert [f.rejected for f in outcome.files] == [0] * len(DATA), outcome
    # every file loads, as a format of the register whose folder it is in, each its own
    loaded = {Path(f.source).relative_to(folder).as_posix(): f.format for f in outcome.files}
    assert sorted(loaded) == sorted(DATA), outcome
    owner = {f.name: register.name for register in REGISTERS for f in register.formats}
    assert all(owner[form] == name.split("/")[0] for name, form in loaded.items()), loaded
    assert len(set(loaded.values())) == len(loaded), loaded
    return database


CURRENT_BOSTED = """
    SELECT v.data FROM folkeregister.fakta f JOIN folkeregister.versjon v ON v.id = f.versjon_id
    WHERE f.element = 'bostedsadresse' AND upper_inf(f.registrert) AND f.gyldig @> now()
"""


def test_every_persons_address_exists_in_matrikkelen(generated_database: Database):
    with connect(generated_database.app_url) as conn:
        addresses = conn.execute(
            f"SELECT count(*) FROM ({CURRENT_BOSTED}) b WHERE b.data ? 'vegadresse'"
        ).fetchone()[0]
        missing = conn.execute(
            """
            SELECT v.data FROM folkeregister.versjon v
            WHERE v.element = 'bostedsadresse' AND v.data ? 'vegadresse' AND NOT EXISTS (
                SELECT FROM matrikkel.adresse a
                WHERE upper_inf(a.registrert)
                  AND a.adresse_id = (v.data ->> 'adresseIdentifikatorFraMatrikkelen')::bigint
                  AND a.kommunenummer = v.data -> 'vegadresse' ->> 'kommunenummer'
                  AND a.adressekode = (v.data -> 'vegadresse' ->> 'adressekode')::int
                  AND a.adressenavn = v.data -> 'vegadresse' ->> 'adressenavn'
                  AND a.nummer = (v.data -> 'vegadresse' -> 'adressenummer' ->> 'husnummer')::int
                  AND coalesce(a.bokstav, '') =
                      coalesce(v.data -> 'vegadresse' -> 'adressenummer' ->> 'husbokstav', '')
                  AND a.postnummer = v.data -> 'vegadresse' -> 'poststed' ->> 'postnummer')
            """
        ).fetchall()
    assert addresses > 200
    assert missing == []


def test_every_address_lies_in_its_own_units_teig_and_teiger_do_not_overlap(
    generated_database: Database,
):
    with connect(generated_database.app_url) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM matrikkel.adresse), "
            "(SELECT count(*) FROM matrikkel.teig), (SELECT count(*) FROM matrikkel.matrikkelenhet)"
        ).fetchone()
        outside = conn.execute(
            "SELECT a.adressetekst FROM matrikkel.adresse a "
            "LEFT JOIN matrikkel.teig t ON t.matrikkelnummer = a.matrikkelnummer "
            "AND upper_inf(t.registrert) AND ST_Covers(t.geometri, a.punkt) "
            "WHERE t.matrikkelnummer IS NULL"
        ).fetchall()
        overlap = conn.execute(
            "SELECT count(*) FROM matrikkel.teig a JOIN matrikkel.teig b "
            "ON a.matrikkelnummer < b.matrikkelnummer AND ST_Overlaps(a.geometri, b.geometri)"
        ).fetchone()[0]
    assert counts[0] > 100 and counts[1] == counts[2] > 100
    assert outside == []
    assert overlap == 0


def test_every_owner_and_role_holder_exists(generated_database: Database):
    with connect(generated_database.app_url) as conn:
        owners = conn.execute(
            "SELECT count(identifikasjonsnummer), count(organisasjonsnummer) "
            "FROM matrikkel.eierforhold"
        ).fetchone()
        unknown_owners = conn.execute(
            "SELECT e.matrikkelnummer FROM matrikkel.eierforhold e "
            "WHERE (e.identifikasjonsnummer IS NOT NULL AND NOT EXISTS (SELECT FROM "
            "folkeregister.identifikator i "
            "WHERE i.identifikasjonsnummer = e.identifikasjonsnummer))"
            " OR (e.organisasjonsnummer IS NOT NULL AND NOT EXISTS (SELECT FROM "
            "enhetsregister.enhet u WHERE u.organisasjonsnummer = e.organisasjonsnummer))"
        ).fetchall()
        holders = conn.execute(
            "SELECT count(person_fodselsnummer), count(enhet_organisasjonsnummer) "
            "FROM enhetsregister.rolle"
        ).fetchone()
        unknown_holders = conn.execute(
            "SELECT r.organisasjonsnummer, r.rolletype_kode FROM enhetsregister.rolle r "
            "WHERE NOT EXISTS (SELECT FROM enhetsregister.enhet u "
            "                  WHERE u.organisasjonsnummer = r.organisasjonsnummer)"
            " OR (r.person_fodselsnummer IS NOT NULL AND NOT EXISTS (SELECT FROM "
            "folkeregister.identifikator i WHERE i.identifikasjonsnummer = r.person_fodselsnummer))"
            " OR (r.enhet_organisasjonsnummer IS NOT NULL AND NOT EXISTS (SELECT FROM "
            "enhetsregister.enhet u WHERE u.organisasjonsnummer = r.enhet_organisasjonsnummer))"
        ).fetchall()
        unknown_relatives = conn.execute(
            "SELECT v.data FROM folkeregister.versjon v "
            "WHERE v.element = 'familierelasjon' AND NOT EXISTS (SELECT FROM "
            "folkeregister.identifikator i "
            "WHERE i.identifikasjonsnummer = v.data ->> 'relatertPerson')"
        ).fetchall()
    assert owners[0] > 50 and owners[1] > 0
    assert holders[0] > 30
    assert unknown_owners == unknown_holders == unknown_relatives == []


def test_business_addresses_are_matrikkel_addresses_or_po_boxes(generated_database: Database):
    with connect(generated_database.app_url) as conn:
        rows = conn.execute(
            "SELECT coalesce(forretningsadresse, beliggenhetsadresse) FROM enhetsregister.enhet"
        ).fetchall()
        known = {
            (postnummer, f"{navn} {nummer}" + (f" {bokstav}" if bokstav else ""))
            for postnummer, navn, nummer, bokstav in conn.execute(
                "SELECT postnummer, adressenavn, nummer, bokstav FROM matrikkel.adresse"
            )
        }
    boxes = 0
    for (adresse,) in rows:
        line = adresse["adresse"][0]
        if line.startswith("Postboks "):
            boxes += 1
        else:
            assert (adresse["postnummer"], line) in known, adresse
    assert len(rows) > 20


@given(st.dates(dt.date(1900, 1, 1), dt.date(2039, 12, 31)))
def test_the_fast_freg_times_are_the_time_zone_arithmetics(day: dt.date):
    text = day.isoformat()
    expected = (stamp(recorded(text)), stamp(midnight(text)), recorded(text) < FREG_START)
    assert _stamps(text) == expected


def test_the_command_writes_and_says_what(tmp_path: Path):
    result = subprocess.run(
        [GRUNNDATA, "fixtures", "generate", "--persons", "40", "--seed", "3", "--out",
         str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "wrote 40 persons" in result.stdout
    assert sorted(
        p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.*")
    ) == sorted(FILES)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--persons", "0"], "--persons"),
        (["--persons", "x"], "--persons"),
        (["--persons", "5", "--out", "{file}"], "exists and is not a folder"),
        (["--persons", "5"], "--out"),
    ],
)
def test_bad_arguments_are_named_without_a_traceback(tmp_path: Path, args, says):
    (tmp_path / "file").write_text("")
    args = [a.replace("{file}", str(tmp_path / "file")) for a in args]
    result = subprocess.run(
        [GRUNNDATA, "fixtures", "generate", *args], capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert says in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_the_committed_demo_is_what_the_generator_makes(tmp_path: Path):
    """fixtures/README.md names the command; regenerate rather than edit."""
    generate(150, 1, tmp_path)
    assert _bytes(tmp_path) == _bytes(DEMO)


@given(st.lists(st.tuples(st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31)), st.booleans())))
def test_allocated_identifiers_are_unique_valid_and_tell_the_birth_date(births):
    ids = Identifiers()
    seen = set()
    for born, d_nummer in births:
        number, on = ids.allocate(born, d_nummer)
        parsed = parse_person_id(number)
        assert parsed.synthetic and parsed.kind == ("dnr" if d_nummer else "fnr")
        assert parsed.birth_date == on >= born and not parsed.warnings
        assert number not in seen
        seen.add(number)


def test_a_full_birth_date_moves_on_to_the_next_day():
    ids = Identifiers()
    born = dt.date(1930, 5, 17)  # before 1940: individnummer 000-499 only
    days = [ids.allocate(born)[1] for _ in range(500)]
    assert days[0] == born and days[-1] == born + dt.timedelta(days=1)
    assert 350 < days.count(born) < 500


def test_gzip_writes_the_same_data_smaller_and_the_same_bytes_twice(tmp_path: Path):
    generate(120, 9, tmp_path / "plain")
    generate(120, 9, tmp_path / "a", gzipped=True)
    generate(120, 9, tmp_path / "b", gzipped=True)
    for name in DATA:
        packed = (tmp_path / "a" / f"{name}.gz").read_bytes()
        assert packed == (tmp_path / "b" / f"{name}.gz").read_bytes()
        assert gzip.decompress(packed) == (tmp_path / "plain" / name).read_bytes()
    cast = (tmp_path / "a" / "cast.md").read_bytes()
    assert cast == (tmp_path / "plain" / "cast.md").read_bytes()


def test_business_addresses_link_to_exactly_one_matrikkel_address(generated_database: Database):
    """Through the cross-register links' normalised postal form: one match each, and none
    for a P.O. box."""
    with connect(generated_database.app_url) as conn:
        rows = conn.execute(
            "SELECT coalesce(e.forretningsadresse, e.beliggenhetsadresse) -> 'adresse' ->> 0, "
            "  (SELECT count(*) FROM matrikkel.adresse a WHERE upper_inf(a.registrert) "
            "   AND a.postadresse_form = "
            "       coalesce(e.forretningsadresse_form, e.beliggenhetsadresse_form)) "
            "FROM enhetsregister.enhet e WHERE upper_inf(e.registrert)"
        ).fetchall()
    assert len(rows) > 20
    for line, matches in rows:
        assert matches == (0 if line.startswith("Postboks ") else 1), line
