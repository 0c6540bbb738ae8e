"""Reverting a followed Brønnøysund batch restores the withdrawn units
(``enhetsregister.fjernet``): a withdrawal the batch added is taken out, a re-publication it
made is undone, the queries (over real HTTP) answer as before the batch, and the next follow
applies the batch again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from grunndata.db.database import Database
from grunndata.loaders.revert import RevertRefused
from grunndata.server import create_app
from tests.conftest import Api, LiveServer
from tests.kilder.conftest import Sources, cursor, load_files, rows, run_follower
from tests.kilder.test_week import _brreg_files
from tests.revert.helpers import revert_load

QUERY = """query($o: ID!, $n: String!) {
  enhet(organisasjonsnummer: $o) { navn organisasjonsform { kode } roller { type { kode } } }
  fordi: enhet(organisasjonsnummer: $o, ajourholdstidspunkt: "2000-01-01T00:00:00Z") { navn }
  enheter(filter: {navn: $n}) { edges { node { organisasjonsnummer } } }
}"""


def _answers(db: Database, orgnr: str, navn: str) -> dict[str, Any]:
    with LiveServer(create_app(db.app_url)) as base:
        return Api(base)(QUERY, o=orgnr, n=navn)


def _follow(sources_: Sources, db: Database) -> int:
    """Follow brreg-enheter until caught up; the id of the (single) batch it applied."""
    before = rows(db, "SELECT coalesce(max(id), 0) FROM felles.load")[0][0]
    assert run_follower(db, "brreg-enheter", sources_.settings) == 0
    (batch,) = rows(
        db, "SELECT id FROM felles.load WHERE kilde = 'brreg-enheter' AND id > %s", [before]
    )
    return batch[0]


def _revert(db: Database, batch: int) -> int:
    (reverted,) = revert_load(db, batch).reverted
    return reverted.revert_id


def _listed(db: Database, revert_id: int) -> list[tuple[str, str]]:
    """The withdrawn units the revert lists as touched (the change feed reads them)."""
    return rows(
        db,
        "SELECT register, nokkel FROM felles.tilbakefort WHERE revert_id = %s "
        "AND tabell = 'enhetsregister.fjernet'",
        [revert_id],
    )


def test_reverting_a_batch_restores_withdrawals_and_publications(
    sources_: Sources, fresh_database: Database, tmp_path: Path
) -> None:
    db = fresh_database
    load_files(db, _brreg_files(sources_, tmp_path / "start"))
    brreg = sources_.world.brreg
    orgnr = sorted(o for o in brreg.roller if o not in brreg.underenhet)[0]
    navn = brreg.units[orgnr]["navn"]
    shown = _answers(db, orgnr, navn)
    assert shown["enhet"]["roller"] and shown["enhet"]["navn"] == navn
    assert orgnr in {e["node"]["organisasjonsnummer"] for e in shown["enheter"]["edges"]}
    others = [e for e in shown["enheter"]["edges"] if e["node"]["organisasjonsnummer"] != orgnr]
    hidden = {"enhet": None, "fordi": None, "enheter": {"edges": others}}

    brreg.withdrawn.add(orgnr)  # a batch withdraws the unit
    brreg.update(orgnr, "Fjernet")
    start = cursor(db, "brreg-enheter").posisjon
    withdrawing = _follow(sources_, db)
    end = cursor(db, "brreg-enheter").posisjon
    assert _answers(db, orgnr, navn) == hidden
    revert_id = _revert(db, withdrawing)
    assert _answers(db, orgnr, navn) == shown, "the unit answers again, exactly as before"
    assert _listed(db, revert_id) == [("enhetsregister", orgnr)]
    assert cursor(db, "brreg-enheter").posisjon == start
    assert _follow(sources_, db) and cursor(db, "brreg-enheter").posisjon == end
    assert _answers(db, orgnr, navn) == hidden, "the next follow withdraws it again"

    brreg.withdrawn.discard(orgnr)  # a batch finds it published again
    brreg.update(orgnr, "Endring")
    publishing = _follow(sources_, db)
    assert _answers(db, orgnr, navn) == shown
    revert_id = _revert(db, publishing)
    assert _answers(db, orgnr, navn) == hidden, "the re-publication is undone"
    assert _listed(db, revert_id) == [("enhetsregister", orgnr)]
    assert _follow(sources_, db) and _answers(db, orgnr, navn) == shown

    history = rows(
        db,
        "SELECT l.kilde IS NOT NULL, r.reverts IS NOT NULL, g.reverts IS NOT NULL, "
        "f.opphevet IS NULL FROM enhetsregister.fjernet f JOIN felles.load l ON l.id = f.load_id "
        "LEFT JOIN felles.load r ON r.id = f.opphevet_av "
        "LEFT JOIN felles.load g ON g.id = f.gjenopprettet_av "
        "WHERE f.organisasjonsnummer = %s ORDER BY f.id",
        [orgnr],
    )
    assert history == [
        (True, True, False, False),  # withdrawn, taken out by the revert
        (True, False, False, False),  # withdrawn again, ended by the re-publication
        (True, False, True, False),  # put back by its revert, ended by the next publication
    ], "append-only: every withdrawal kept, with the loads that added and ended it"


def test_a_later_batch_that_published_the_unit_again_is_reverted_first(
    sources_: Sources, fresh_database: Database, tmp_path: Path
) -> None:
    db = fresh_database
    load_files(db, _brreg_files(sources_, tmp_path / "start"))
    brreg = sources_.world.brreg
    orgnr = sorted(o for o in brreg.units if o not in brreg.underenhet)[0]
    navn = brreg.units[orgnr]["navn"]
    shown = _answers(db, orgnr, navn)
    brreg.withdrawn.add(orgnr)
    brreg.update(orgnr, "Fjernet")
    withdrawing = _follow(sources_, db)
    brreg.withdrawn.discard(orgnr)
    brreg.update(orgnr, "Endring")
    publishing = _follow(sources_, db)

    refused = f"later loads changed the same entities: load {publishing} "
    with pytest.raises(RevertRefused, match=refused):
        revert_load(db, withdrawing)
    outcome = revert_load(db, withdrawing, cascade=True)
    assert [r.load_id for r in outcome.reverted] == [publishing, withdrawing]
    assert _answers(db, orgnr, navn) == shown
    assert rows(
        db, "SELECT count(*) FROM enhetsregister.fjernet WHERE organisasjonsnummer = %s "
        "AND opphevet IS NULL", [orgnr],
    ) == [(0,)]  # fmt: skip
