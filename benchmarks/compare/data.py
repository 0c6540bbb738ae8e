"""The comparison's data: the generated country (``grunndata fixtures generate``: persons,
addresses, units with owners, enheter with underenheter and roles, all referring to each
other), loaded through the normal loaders; PostGraphile's views; the keys to ask for."""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from grunndata.db.database import Database, connect
from grunndata.loaders.run import run
from grunndata.registers.enhetsregister import REGISTER as ENHETSREGISTER
from grunndata.registers.folkeregister import REGISTER as FOLKEREGISTER
from grunndata.registers.matrikkel import REGISTER as MATRIKKEL

VIEWS = Path(__file__).parent.parent / "postgraphile" / "views.sql"
GRUNNDATA = str(Path(sys.executable).with_name("grunndata"))
PAGE = 100  # items of the lists (c) and (e)
#: Identifiers of persons graded at any time: left out of the samples, because grunndata
#: hides them from a consumer without ``folkeregister/adressebeskyttelse`` and PostGraphile
#: has no such rule (the answers would differ).
GRADED = "SELECT identifikasjonsnummer FROM felles.adressebeskyttelse"


def load(database: Database, persons: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [GRUNNDATA, "fixtures", "generate", "--persons", str(persons), "--seed", "1",
             "--out", folder], check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for register in (FOLKEREGISTER, MATRIKKEL, ENHETSREGISTER):
            started = time.perf_counter()
            outcome = run([Path(folder) / register.name], formats=register.formats,
                          database=database)  # fmt: skip
            assert outcome.exit_code == 0, outcome
            print(f"  loaded {register.name} in {time.perf_counter() - started:.1f} s")
    with connect(database.owner_url, autocommit=True) as conn:
        conn.execute(VIEWS.read_text(encoding="utf-8"))
        app = conn.execute("SELECT %s::text", [_user(database.app_url)]).fetchone()[0]
        conn.execute(f'GRANT USAGE ON SCHEMA postgraphile TO "{app}"')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA postgraphile TO "{app}"')
        conn.execute("ANALYZE")


def _user(url: str) -> str:
    return url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[0]


def _column(conn: object, sql: str) -> list[str]:
    return [str(r[0]) for r in conn.execute(sql)]  # type: ignore[attr-defined]


def samples(database: Database, count: int, rng: random.Random) -> dict[str, list[str]]:
    """Keys to ask for, none touching a graded person: persons (with one identifier, so
    that both sides name them alike), units, pages of 100 units (``kommune:offset``),
    hovedenheter with roles, searches with 100 hits (``kommune|næringskode``) and role
    holders."""
    with connect(database.app_url) as conn:
        persons = _column(conn, "SELECT min(identifikasjonsnummer) FROM "
                          "folkeregister.identifikator GROUP BY person_id HAVING count(*) = 1 "
                          f"AND min(identifikasjonsnummer) NOT IN ({GRADED})")  # fmt: skip
        graded_units = (
            "SELECT matrikkelnummer FROM matrikkel.eierforhold WHERE upper_inf(registrert) "
            f"AND identifikasjonsnummer IN ({GRADED})"
        )
        units = list(conn.execute(
            "SELECT kommunenummer, matrikkelnummer, matrikkelnummer IN "
            f"({graded_units}) FROM matrikkel.matrikkelenhet WHERE upper_inf(registrert) "
            "AND gyldig @> now() ORDER BY kommunenummer, gardsnummer, bruksnummer, "
            "festenummer, seksjonsnummer"))  # fmt: skip
        holders = (
            "SELECT organisasjonsnummer FROM enhetsregister.rolle WHERE upper_inf(registrert) "
            f"AND person_fodselsnummer IN ({GRADED})"
        )
        enheter = _column(
            conn,
            "SELECT DISTINCT r.organisasjonsnummer FROM "
            "enhetsregister.rolle r JOIN enhetsregister.enhet e USING "
            "(organisasjonsnummer) WHERE upper_inf(r.registrert) AND "
            "upper_inf(e.registrert) AND upper_inf(e.gyldig) AND NOT "
            f"e.er_underenhet AND r.organisasjonsnummer NOT IN ({holders})",
        )
        hits = list(conn.execute(
            "SELECT (coalesce(forretningsadresse, beliggenhetsadresse) ->> 'kommunenummer') "
            "|| '|' || naeringskode1_kode, count(*) FROM enhetsregister.enhet WHERE "
            "upper_inf(registrert) AND upper_inf(gyldig) AND naeringskode1_kode IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC"))  # fmt: skip
        chains = _column(
            conn,
            "SELECT DISTINCT person_fodselsnummer FROM enhetsregister.rolle "
            "WHERE upper_inf(registrert) AND person_fodselsnummer IN "
            f"({_single_ids()}) AND person_fodselsnummer NOT IN ({GRADED})",
        )
    # searches with a full page; on a small country (a trial run) the largest few
    searches = [key for key, n in hits if n >= PAGE] or [key for key, _ in hits[:5]]
    full = pages(units)
    return {
        "person": _some(rng, persons, count),
        "eiendom": _some(rng, [u[1] for u in units if not u[2]], count),
        "list": [rng.choice(full) for _ in range(count)],
        "enhet": _some(rng, enheter, count),
        "enheter": [rng.choice(searches) for _ in range(count)],
        "kjede": _some(rng, chains, count),
    }


def _some(rng: random.Random, keys: list[str], count: int) -> list[str]:
    return rng.sample(keys, min(count, len(keys)))


def _single_ids() -> str:
    return ("SELECT min(identifikasjonsnummer) FROM folkeregister.identifikator "
            "GROUP BY person_id HAVING count(*) = 1")  # fmt: skip


def pages(units: list[tuple[str, str, bool]]) -> list[str]:
    """The full pages of 100 units (``kommune:offset``), in grunndata's order, with no
    graded owner."""
    by_kommune: dict[str, list[bool]] = defaultdict(list)
    for kommune, _, graded in units:
        by_kommune[kommune].append(graded)
    return [
        f"{kommune}:{offset}"
        for kommune, graded in by_kommune.items()
        for offset in range(0, len(graded) - PAGE + 1, PAGE)
        if not any(graded[offset : offset + PAGE])
    ]
