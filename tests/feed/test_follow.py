"""A followed batch goes through the same load path and publishes its events in its own
transaction: a unit Brønnøysund withdraws is ``slettet``, one published again ``endret``,
and their reverts ``tilbakefoert``."""

from __future__ import annotations

from pathlib import Path

from grunndata.db.database import Database
from tests.feed.helpers import events, kinds
from tests.kilder.conftest import Sources, load_files
from tests.kilder.test_week import _brreg_files
from tests.revert.test_withdrawn import _follow, _revert


def test_withdrawn_published_again_and_reverted(
    sources_: Sources, fresh_database: Database, tmp_path: Path
) -> None:
    db = fresh_database
    load_files(db, _brreg_files(sources_, tmp_path / "start"))
    brreg = sources_.world.brreg
    orgnr = sorted(o for o in brreg.roller if o not in brreg.underenhet)[0]
    start = len(events(db))
    assert ("Enhet", orgnr, "opprettet") in kinds(events(db))

    brreg.withdrawn.add(orgnr)
    brreg.update(orgnr, "Fjernet")
    withdrawing = _follow(sources_, db)
    (withdrawn,) = events(db, start)
    assert (withdrawn["entitet"], withdrawn["noekkel"], withdrawn["hendelsestype"]) == (
        "Enhet", orgnr, "slettet",
    )  # fmt: skip
    assert withdrawn["last_id"] == withdrawing and withdrawn["sekvensnummer"] == start + 1

    revert_id = _revert(db, withdrawing)
    (reverted,) = events(db, start + 1)
    assert (reverted["noekkel"], reverted["hendelsestype"], reverted["last_id"]) == (
        orgnr, "tilbakefoert", revert_id,
    )  # fmt: skip

    _follow(sources_, db)  # withdrawn again
    brreg.withdrawn.discard(orgnr)
    brreg.update(orgnr, "Endring")
    _follow(sources_, db)
    assert [(e["noekkel"], e["hendelsestype"]) for e in events(db, start + 2)] == [
        (orgnr, "slettet"),
        (orgnr, "endret"),
    ]
