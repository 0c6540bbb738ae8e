"""The two registers the replication test changes at once: Matrikkelen by address files
(some partial: a broken row is rejected, the rest loaded) and reverts of them;
Enhetsregisteret by batches ``grunndata follow`` takes from the Brønnøysund stand-in, and
reverts of them. Each keeps the loads it made, so a revert names one of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grunndata.db.database import Database
from grunndata.loaders.run import run
from tests.kilder.conftest import Sources, rows, run_follower
from tests.matrikkel.test_adresse_csv import SAMPLE
from tests.revert.helpers import FORMATS, revert_load

ROWS = SAMPLE.read_text(encoding="utf-8").splitlines()
HEADER = ROWS[0].split(";")
KINDS = ("brreg-enheter", "brreg-underenheter", "brreg-roller")


class Writer:
    """A register's changes; ``act`` applies one drawn action."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.loads: list[int] = []

    def revert(self, pick: int) -> None:
        if self.loads:
            target = self.loads[pick % len(self.loads)]
            done = {r.load_id for r in revert_load(self.db, target, cascade=True).reverted}
            self.loads = [i for i in self.loads if i not in done]


class Addresses(Writer):
    """Matrikkelen's address files: ``("load", rows, poststed, broken)``, ``("revert", i)``."""

    def __init__(self, db: Database, folder: Path) -> None:
        super().__init__(db)
        self.folder, self.day = folder, 0

    def act(self, action: tuple[Any, ...]) -> None:
        kind, *args = action
        if kind == "revert":
            self.revert(args[0])
            return
        chosen, poststed, broken = args
        self.day += 1
        path = self._file(chosen, poststed, broken)
        (file,) = run([path], formats=FORMATS, database=self.db).files
        assert file.exit_code == (1 if broken else 0), (file.exit_code, file.message, file.findings)
        self.loads.append(file.load_id)

    def _file(self, chosen: set[int], poststed: str, broken: bool) -> Path:
        when = f"{self.day:02d}.01.2030 05:00:00"
        lines = [ROWS[0]]
        for i in sorted(chosen):
            fields = ROWS[i + 1].split(";")
            for column, value in (("datauttaksdato", when), ("oppdateringsdato", when),
                                  ("poststed", poststed)):  # fmt: skip
                fields[HEADER.index(column)] = value
            lines.append(";".join(fields))
        if broken:  # a partial file: this row is rejected, the others are loaded
            fields = lines[-1].split(";")
            fields[HEADER.index("adressetype")] = "ukjent"
            lines[-1] = ";".join(fields)
        path = self.folder / f"adresser-{self.day}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


class Followed(Writer):
    """Enhetsregisteret followed from the stand-in: ``("follow",)`` lets a day pass at
    Brønnøysund (new, changed, deleted and withdrawn units, a new board) and follows each
    of its feeds once; ``("revert", i)`` reverts one of those batches."""

    def __init__(self, db: Database, sources: Sources) -> None:
        super().__init__(db)
        self.sources = sources

    def act(self, action: tuple[Any, ...]) -> None:
        kind, *args = action
        if kind == "revert":
            self.revert(args[0])
            return
        self.sources.world.day()
        for source in KINDS:
            before = rows(self.db, "SELECT coalesce(max(id), 0) FROM felles.load")[0][0]
            assert run_follower(self.db, source, self.sources.settings) == 0
            made = rows(
                self.db, "SELECT id FROM felles.load WHERE kilde = %s AND id > %s "
                "AND status IN ('loaded', 'partial') ORDER BY id", [source, before],
            )  # fmt: skip
            self.loads += [row[0] for row in made]
