"""The change feed's write cost (issue 18): Folkeregisteret loads with and without events.

Generates N synthetic persons (``benchmarks/folkeregister.py``'s documents) and a second
file where every one of them has a new name. Each round, in a scratch database of its own,
loads the first file (N persons created) then the second (N persons changed), once with
the feed as it is and once with its writing switched off in this process (the events'
staging, numbering and insert, and ``merge_snapshot``'s notes); rounds alternate
A B B A ... so the machine's drift falls on both. The merge's own notes of changed persons
(``st_endret``, three CTEs of the statements it runs anyway) stay in both: their cost is
not in the difference.

Prints each load's seconds, the events written, and the ratio with/without per file
(target: at most 1.10). On a shared machine, read the load average printed with them.

The embedded cluster is started once for all rounds (and stopped after, if this started
it); give it a data directory of its own (``GRUNNDATA_DATA_DIR``) on a machine others share.

Usage:  .venv/bin/python -m benchmarks.feed [--n 100000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.common import scratch_database
from benchmarks.folkeregister import generate
from grunndata.config import Settings
from grunndata.db.database import Database, connect, embedded_cluster
from grunndata.feed import publish
from grunndata.loaders import versioning
from grunndata.loaders.run import run
from grunndata.registers.folkeregister import REGISTER

DATABASE = "grunndata_benchmark_feed"


def renamed(source: Path, target: Path) -> None:
    """Every person of ``source`` with a new current name, recorded in 2025."""
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for line in lines:
            document = json.loads(line)
            names = document["navn"]
            current = copy.deepcopy(next(n for n in names if n.get("erGjeldende")))
            for name in names:
                name["erGjeldende"] = False
            current.update(fornavn="NYTT", ajourholdstidspunkt="2025-01-01T10:00:00Z",
                           gyldighetstidspunkt="2025-01-01T10:00:00Z")  # fmt: skip
            names.insert(0, current)
            out.write(json.dumps(document) + "\n")


@contextlib.contextmanager
def feed_off() -> Iterator[None]:
    """The feed's writing switched off in this process (the loader calls it, then nothing)."""
    saved = publish.publish_load, versioning.feed_staging.note_versions
    publish.publish_load = lambda conn, register, load_id: 0  # type: ignore[assignment]
    versioning.feed_staging.note_versions = lambda *a, **k: None  # type: ignore[assignment]
    try:
        yield
    finally:
        publish.publish_load, versioning.feed_staging.note_versions = saved


def timed_load(database: Database, path: Path) -> float:
    started = time.perf_counter()
    outcome = run([path], formats=REGISTER.formats, database=database)
    elapsed = time.perf_counter() - started
    assert outcome.exit_code == 0, outcome.files[0].message
    return elapsed


def one_round(paths: tuple[Path, Path], with_feed: bool) -> tuple[float, float, int]:
    with scratch_database(DATABASE) as (database, _):
        with contextlib.nullcontext() if with_feed else feed_off():
            created = timed_load(database, paths[0])
            changed = timed_load(database, paths[1])
        with connect(database.app_url) as conn:
            events = conn.execute("SELECT count(*) FROM felles.hendelse").fetchone()[0]  # type: ignore[index]
    return created, changed, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2, help="pairs of loads (A and B)")
    args = parser.parse_args()
    cluster = embedded_cluster(Settings.from_env())
    started = cluster.start()
    try:
        measure(args.n, args.rounds)
    finally:
        if started:
            cluster.stop()


def measure(n: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        first, second = Path(folder) / "personer.jsonl", Path(folder) / "endret.jsonl"
        generate(first, n)
        renamed(first, second)
        times: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
        for i in range(rounds * 2):
            with_feed = (i % 4) in (0, 3)  # A B B A
            created, changed, events = one_round((first, second), with_feed)
            times[with_feed].append((created, changed))
            print(f"{'with' if with_feed else 'without':>7} events: created {created:7.1f} s, "
                  f"changed {changed:7.1f} s, {events} events   "
                  f"(load average {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
    for index, name in ((0, "created"), (1, "changed")):
        on = statistics.median(t[index] for t in times[True])
        off = statistics.median(t[index] for t in times[False])
        print(f"{n} persons {name}: with/without = {on / off:.3f} "
              f"(median {on:.1f} s / {off:.1f} s; target <= 1.10)")  # fmt: skip


if __name__ == "__main__":
    main()
