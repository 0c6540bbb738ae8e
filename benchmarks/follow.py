"""Following the stand-in sources: Freg events/s and Brønnøysund updates/s.

The stand-ins run in a process of their own (``--serve``), with a world of ``--persons``
persons and scripted days until the Freg feed holds ``--events`` events (persons fetched
again by ``personErOppdatert`` make up the bulk, as in the live feed) and Brønnøysund's
update lists ``--updates`` updates. The followers then read both from the start into a
scratch database, as ``grunndata follow ... --once`` does, and the benchmark prints
events/s, the share of time spent fetching (HTTP, summed over the threads that fetch), the
share the loop waited for a fetch (what fetching the next batch while one merges did not
hide), merging (the formats' read and write) and committing, and the peak memory of the
following process.

Usage:  .venv/bin/python -m benchmarks.follow [--persons 20000] [--events 100000]
        [--updates 50000]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import threading
import time
from typing import Any

import httpx

from benchmarks.common import scratch_database
from grunndata.cli.follow import sources
from grunndata.db.database import Database, connect
from grunndata.kilder import state
from grunndata.kilder.follow import Totals, follow
from grunndata.kilder.http import SourceClient
from grunndata.kilder.settings import FollowSettings

DATABASE = "grunndata_benchmark_follow"


def serve(port: int, persons: int, events: int, updates: int) -> None:
    import uvicorn

    from grunndata.kilder.standin.app import StandIn
    from grunndata.kilder.standin.world import World

    world = World(persons, seed=1, changes_per_day=200)
    while len(world.freg.feed) < events:
        world.day(unknown_types=min(10_000, events - len(world.freg.feed)))
    rng = random.Random(1)
    orgnrs = sorted(o for o in world.brreg.units if o not in world.brreg.withdrawn)
    while sum(len(u) for u in world.brreg.updates.values()) < updates:
        world.brreg.update(rng.choice(orgnrs), "Endring")
    print(f"ready {len(world.freg.feed)} {sum(len(u) for u in world.brreg.updates.values())}",
          flush=True)  # fmt: skip
    uvicorn.run(StandIn(world).asgi(), host="127.0.0.1", port=port, log_level="warning")


class _Timed:
    """Seconds spent in the sources' HTTP requests."""

    def __init__(self) -> None:
        self.fetch = 0.0
        original = SourceClient.request

        def request(client: SourceClient, *args: Any, **kwargs: Any) -> httpx.Response:
            started = time.perf_counter()
            try:
                return original(client, *args, **kwargs)
            finally:
                self.fetch += time.perf_counter() - started

        SourceClient.request = request  # type: ignore[method-assign]


def run(database: Database, settings: FollowSettings, source: str, timed: _Timed) -> None:
    if source == "freg":
        with connect(database.app_url) as conn, conn.transaction():
            state.advance(conn, "freg", "0")  # the whole feed, as after a baseline at 0

    def echo(line: str) -> None:
        pass

    stop = threading.Event()
    follower = sources()[source](database, settings, stop, echo)
    totals = Totals()
    timed.fetch = 0.0
    started = time.perf_counter()
    try:
        follow(database, follower, once=True, interval=0, stop=stop, echo=echo, totals=totals)
    finally:
        follower.close()
    seconds = time.perf_counter() - started
    with connect(database.app_url) as conn:
        position = int(state.read(conn, source).posisjon or 0)
    print(
        f"{source:20} {position:>8} events in {seconds:6.1f} s: {position / seconds:7.0f}/s   "
        f"({totals.records} documents)  fetching {timed.fetch / seconds:4.0%} (waited for "
        f"{totals.waited_s / seconds:4.0%})  merging {totals.merge_s / seconds:4.0%}  "
        f"committing {totals.commit_s / seconds:4.0%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--updates", type=int, default=50_000)
    parser.add_argument("--port", type=int, default=8191)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.port, args.persons, args.events, args.updates)
        return
    command = [sys.executable, "-m", "benchmarks.follow", "--serve", "--port", str(args.port),
               "--persons", str(args.persons), "--events", str(args.events),
               "--updates", str(args.updates)]  # fmt: skip
    started = time.perf_counter()
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        ready = server.stdout.readline().split()
        time.sleep(1.0)
        print(f"stand-in: {ready[1]} Freg events, {ready[2]} Brønnøysund updates "
              f"(made in {time.perf_counter() - started:.0f} s)")  # fmt: skip
        base = f"http://127.0.0.1:{args.port}"
        settings = FollowSettings(
            freg_url=f"{base}/folkeregisteret/offentlig-med-hjemmel/api",
            brreg_url=f"{base}/enhetsregisteret/api",
        )
        timed = _Timed()
        with scratch_database(DATABASE) as (database, _):
            for source in ("freg", "brreg-enheter", "brreg-underenheter"):
                run(database, settings, source, timed)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of the following process: {peak:.0f} MiB")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
