"""A consumer that baselines from ``grunndata export`` taken mid-way and follows the events
after its N ends with exactly the database's state, while random rounds change two
registers at once: in each round Matrikkelen (address files, some partial, and reverts)
and Enhetsregisteret (batches followed from the Brønnøysund stand-in, and reverts) commit
in two threads at the same time, the export and the consumer reading meanwhile. Once over
plain HTTP and once over the GraphQL subscription, each with and without reconnects at
random points (a reconnect starts again from the stored cursor). The consumer also checks
that numbers come one by one: no gap, no repeat, never back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from grunndata.db.database import Database, connect
from grunndata.feed.store import last_sequence
from grunndata.kilder.settings import FollowSettings
from grunndata.kilder.standin.app import StandIn, serving
from grunndata.kilder.standin.freg import BASE as FREG_BASE
from grunndata.kilder.standin.world import World
from grunndata.server import create_app
from tests.conftest import Clones, LiveServer, examples
from tests.feed.replica import Pages, Replica, Subscriber, exported
from tests.feed.writers import ROWS, Addresses, Followed
from tests.kilder.conftest import Sources, load_files
from tests.kilder.test_week import _brreg_files

matrikkel = st.one_of(
    st.tuples(st.just("load"), st.sets(st.integers(0, len(ROWS) - 2), min_size=2),
              st.sampled_from(["AURE", "NYSTED", "SKOGEN"]), st.booleans()),
    st.tuples(st.just("revert"), st.integers(0, 10)),
)  # fmt: skip
enhetsregister = st.one_of(st.just(("follow",)), st.tuples(st.just("revert"), st.integers(0, 10)))
plans = st.fixed_dictionaries({
    "rounds": st.lists(st.tuples(matrikkel, enhetsregister), min_size=1, max_size=2),
    "export_at": st.integers(0, 2),
    "antall": st.integers(1, 40),
})  # fmt: skip
reconnects = st.lists(st.integers(1, 30), min_size=1, max_size=3)


class Together:
    """``actions`` in threads of their own, released at the same moment; ``join`` raises
    the first failure in the test's thread."""

    def __init__(self, *actions: Callable[[], None]) -> None:
        self.failures: list[BaseException] = []
        start = threading.Barrier(max(len(actions), 1))

        def run(action: Callable[[], None]) -> None:
            start.wait()
            try:
                action()
            except BaseException as exc:  # raised by join()
                self.failures.append(exc)

        self.threads = [threading.Thread(target=run, args=(a,)) for a in actions]
        for thread in self.threads:
            thread.start()

    def running(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def join(self) -> None:
        for thread in self.threads:
            thread.join()
        if self.failures:
            raise self.failures[0]


def replicate(clones: Clones, folder: Path, plan: dict[str, Any], via: str, again: list[int]):
    db = clones.make()
    standin = StandIn(World(40, seed=7, changes_per_day=5))
    try:
        with serving(standin) as standin_base, LiveServer(create_app(db.app_url), None) as base:
            settings = FollowSettings(
                freg_url=f"{standin_base}{FREG_BASE}",
                brreg_url=f"{standin_base}/enhetsregisteret/api",
                retries=3, backoff_s=0.01, timeout_s=5.0,
            )  # fmt: skip
            sources = Sources(standin, standin_base, settings)
            load_files(db, _brreg_files(sources, folder / "start"))
            _run(db, folder, base, sources, plan, via, again)
    finally:
        clones.drop(db)


def _run(db: Database, folder: Path, base: str, sources: Sources, plan, via, again) -> None:
    addresses, followed = Addresses(db, folder), Followed(db, sources)
    addresses.act(("load", set(range(len(ROWS) - 1)), "AURE", False))
    rounds = plan["rounds"]
    export_at = min(plan["export_at"], len(rounds))
    replica: Replica | None = None
    follower: Pages | Subscriber | None = None
    for number, changes in enumerate([*rounds, None]):
        writers = Together()
        if changes is not None:
            m, e = changes
            writers = Together(partial(addresses.act, m), partial(followed.act, e))
        if number == export_at:  # the baseline, taken while both registers commit
            n, copy = exported(db.app_url, folder, "baseline")
            replica = Replica(base, n, copy)
            if via == "http":
                follower = Pages(replica, plan["antall"], again)
            else:
                url = base.replace("http://", "ws://") + "/graphql"
                follower = Subscriber(url, n, again)
        if replica is not None and follower is not None:
            _catch_up(replica, follower)
            while writers.running():
                _catch_up(replica, follower)
        writers.join()
    assert replica is not None and follower is not None
    with connect(db.app_url) as conn:
        last = last_sequence(conn)
    if isinstance(follower, Subscriber):
        replica.apply(follower.finish(last))
    else:
        follower.read()
        follower.close()
    n, truth = exported(db.app_url, folder, "truth")
    assert replica.cursor == n == last
    assert replica.copy == truth, _difference(replica.copy, truth)


def _difference(copy: dict, truth: dict) -> str:
    """Which entities differ, and in which fields."""
    lines = [f"missing {k}" for k in truth.keys() - copy.keys()]
    lines += [f"extra {k}" for k in copy.keys() - truth.keys()]
    for key in sorted(copy.keys() & truth.keys()):
        mine, theirs = copy[key], truth[key]
        for name in sorted(mine.keys() | theirs.keys()):
            if mine.get(name, "-") != theirs.get(name, "-"):
                lines.append(f"{key} {name}: {mine.get(name, '-')!r} != {theirs.get(name, '-')!r}")
    return "\n".join(lines)


def _catch_up(replica: Replica, follower: Pages | Subscriber) -> None:
    if isinstance(follower, Pages):
        follower.read()
    else:
        replica.apply(follower.drain())


CASES = [("http", False), ("http", True), ("ws", False), ("ws", True)]


@pytest.mark.parametrize(("via", "reconnecting"), CASES, ids=[f"{v}-{r}" for v, r in CASES])
@settings(
    max_examples=examples(1),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # an example costs seconds: no shrinking
)
@given(plan=plans, again=reconnects)
def test_an_export_and_the_events_after_it_rebuild_the_database(
    clones: Clones, tmp_path_factory, via: str, reconnecting: bool, plan, again
):
    note(f"plan={plan!r} reconnects={again if reconnecting else []!r}")
    folder = tmp_path_factory.mktemp("replicate")
    replicate(clones, folder, plan, via, again if reconnecting else [])
