"""Random version histories: the database's answer for any (valid, recorded) pair equals a
brute-force reference written straight from the time rules."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grunndata.db.database import Database, connect
from tests.conftest import examples
from tests.folkeregister.helpers import load, write_json
from tests.folkeregister.idents import tenor_numbers

T0 = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
DAYS = 8


def _t(day: int | None) -> dt.datetime | None:
    return None if day is None else T0 + dt.timedelta(days=day)


@dataclass(frozen=True)
class V:
    name: str
    g: int | None
    o: int | None
    a: int | None

    def json(self) -> dict:
        out: dict = {"fornavn": self.name, "etternavn": "TEST", "erGjeldende": True}
        for key, day in (("gyldighetstidspunkt", self.g), ("opphoerstidspunkt", self.o),
                         ("ajourholdstidspunkt", self.a)):  # fmt: skip
            if day is not None:
                out[key] = _t(day).isoformat()
        return out


day = st.one_of(st.none(), st.integers(0, DAYS))
versions = st.lists(st.tuples(day, day, day), min_size=1, max_size=6).map(
    lambda rows: [V(f"N{i}", g, o, a) for i, (g, o, a) in enumerate(rows)]
)


def _key(v: V) -> tuple[float, float]:
    inf = float("-inf")
    return (inf if v.g is None else v.g, inf if v.a is None else v.a)


def _lo(x: int | None) -> float:
    return float("-inf") if x is None else x


def asof(doc: list[V]) -> int | None:
    """A document's time: its latest ajourholdstidspunkt."""
    return max((v.a for v in doc if v.a is not None), default=None)


def older(doc1: list[V], doc2: list[V]) -> bool:
    """Whether ``doc2``, loaded after ``doc1``, is from an older extract."""
    asof1, asof2 = asof(doc1), asof(doc2)
    return asof1 is not None and asof2 is not None and asof2 < asof1


def reference(
    doc1: list[V],
    doc2: list[V],
    probes: list[tuple[float, float | None]],
    historical: bool = False,
) -> dict:
    """Straight from the rules (see docs/folkeregister.md, "Time rules" and "Extract
    order"): an older ``doc2`` is rejected, or with ``historical`` its versions end at
    ``doc1``'s time, it ends none of ``doc1``'s, and one that would replace a version of
    ``doc1`` (same gyldighetstidspunkt, recorded at or after it) is left out."""
    history = older(doc1, doc2)
    if history and not historical:
        doc2 = []
    asof1, asof2 = asof(doc1), asof(doc2)
    new = [v for v in doc2 if v not in doc1]
    if history:
        new = [v for v in new if not any(_lo(w.g) == _lo(v.g) and _lo(w.a) <= _lo(v.a)
                                          for w in doc1)]  # fmt: skip
    held = doc1 + new

    def recorded_end(v: V) -> float | None:
        ends = [w.a for w in held if _lo(w.g) == _lo(v.g) and _lo(w.a) > _lo(v.a)]
        if history:
            if v in new:
                ends.append(asof1)
        elif asof2 is not None and v in doc1 and v not in doc2 and _lo(v.a) < asof2:
            ends.append(asof2)
        return min(ends) if ends else None

    def visible(v: V, recorded: float | None) -> bool:
        end = recorded_end(v)
        if recorded is None:
            return end is None
        return _lo(v.a) <= recorded and (end is None or recorded < end)

    answers = {}
    for valid, recorded in probes:
        seen = [v for v in held if visible(v, recorded)]
        names = []
        for v in seen:
            later = [_lo(w.g) for w in seen if _lo(w.g) > _lo(v.g)]
            ends = ([v.o] if v.o is not None else []) + later
            end = min(ends) if ends else None
            if _lo(v.g) <= valid and (end is None or valid < end):
                names.append(v.name)
        answers[(valid, recorded)] = sorted(names)
    return answers


PROBE_DAYS = [d + h for d in range(-1, DAYS + 2) for h in (0, 0.5)]
PROBES = [(v, r) for v in PROBE_DAYS for r in [*PROBE_DAYS, None]]


def answers(database: Database, number: str) -> dict:
    def ts(x: float | None) -> dt.datetime | None:
        return None if x is None else T0 + dt.timedelta(days=x)

    with connect(database.app_url) as conn:
        rows = conn.execute(
            """SELECT p.i, coalesce(array_agg(v.data->>'fornavn' ORDER BY v.data->>'fornavn')
                                    FILTER (WHERE v.id IS NOT NULL), '{}')
               FROM unnest(%s::timestamptz[], %s::timestamptz[]) WITH ORDINALITY AS p (g, r, i)
               LEFT JOIN folkeregister.fakta f
                 ON f.person_id = (SELECT person_id FROM folkeregister.identifikator
                                   WHERE identifikasjonsnummer = %s)
                AND f.element = 'navn' AND f.gyldig @> p.g
                AND CASE WHEN p.r IS NULL THEN upper_inf(f.registrert) ELSE f.registrert @> p.r END
               LEFT JOIN folkeregister.versjon v ON v.id = f.versjon_id
               GROUP BY p.i""",
            [[ts(v) for v, _ in PROBES], [ts(r) for _, r in PROBES], number],
        ).fetchall()
    by_index = dict(rows)
    return {probe: sorted(by_index[i + 1]) for i, probe in enumerate(PROBES)}


@pytest.fixture(scope="module")
def history_db(clones) -> Database:
    return clones.make()


NUMBERS = tenor_numbers()


@pytest.mark.parametrize("historical", [False, True], ids=["default", "historical"])
@settings(max_examples=examples(40), deadline=None, suppress_health_check=list(HealthCheck))
@given(versions, st.data())
def test_any_valid_and_recorded_pair_answers_as_the_rules_say(
    history_db, tmp_path_factory, historical, all_versions, data
):
    """Two documents of a person, loaded one after the other. A second document older
    than the first (by its latest ajourholdstidspunkt) is rejected (exit 1), or with
    ``--historical`` adds history only: either way the current state is the first's."""
    # (gyldighetstidspunkt, ajourholdstidspunkt) identify a version: no two share both.
    unique = list({_key(v): v for v in all_versions}.values())
    doc1 = data.draw(st.lists(st.sampled_from(unique), min_size=1, unique=True))
    doc2 = data.draw(st.lists(st.sampled_from(unique), unique=True))
    number, _ = next(NUMBERS)
    identifier = {"foedselsEllerDNummer": number, "status": "iBruk", "erGjeldende": True}
    ident = {"identifikasjonsnummer": [identifier]}
    folder = Path(tmp_path_factory.mktemp("docs"))
    files = [write_json(folder / "1.json", {**ident, "navn": [v.json() for v in doc1]})]
    if doc2:
        files.append(write_json(folder / "2.json", {**ident, "navn": [v.json() for v in doc2]}))
    given = {"historical": "yes"} if historical else {}
    codes = [load(history_db, path, given=given).exit_code for path in files]
    rejected = older(doc1, doc2) and not historical
    assert codes == [0, 1][: len(files)] if rejected else codes == [0] * len(files)
    expected = reference(doc1, doc2, PROBES, historical)
    got = answers(history_db, number)
    wrong = {p: (got[p], expected[p]) for p in PROBES if got[p] != expected[p]}
    assert not wrong, dict(itertools.islice(wrong.items(), 5))
    if older(doc1, doc2):  # newer then older: the current state of the newer alone
        alone = reference(doc1, [], PROBES)
        assert {p: got[p] for p in PROBES if p[1] is None} == {
            p: alone[p] for p in PROBES if p[1] is None
        }
