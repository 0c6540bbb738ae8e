"""``grunndata follow``: keep a register current from its source's change feed, and
``grunndata fixtures serve-sources``: the sources' stand-ins (docs/follow.md)."""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from grunndata.cli.base import app, err, out
from grunndata.cli.fixtures import fixtures_app
from grunndata.config import Settings
from grunndata.db.database import connect, open_database
from grunndata.errors import GrunndataError
from grunndata.kilder import state

if TYPE_CHECKING:
    from grunndata.kilder.follow import Follower, FollowerFactory


def sources() -> dict[str, FollowerFactory]:
    from grunndata.registers import REGISTERS

    return {name: factory for r in REGISTERS for name, factory in r.kilder.items()}


@app.command(
    "follow",
    epilog="Examples:  grunndata follow freg --baseline --once   |   grunndata follow --status",
)
def follow_command(
    source: Annotated[
        str | None, typer.Argument(help="freg | brreg-enheter | brreg-underenheter | brreg-roller")
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Read until caught up, then exit.")] = False,
    interval: Annotated[
        float, typer.Option(help="Seconds between rounds when following.", min=0)
    ] = 60.0,
    baseline: Annotated[
        bool, typer.Option("--baseline", help="freg: load the complete extract first.")
    ] = False,
    status: Annotated[bool, typer.Option("--status", help="Print each source's state.")] = False,
) -> None:
    """Follow a source's change feed into the database (docs/follow.md)."""
    from grunndata.db import migrate
    from grunndata.kilder.follow import StewardNeeded, follow
    from grunndata.kilder.http import SourceUnavailable, Stopped
    from grunndata.kilder.settings import FollowSettings

    database = open_database(Settings.from_env())
    migrate.upgrade(database)
    if status:
        _print_status(database)
        return
    known = sources()
    if source not in known:
        raise GrunndataError(f"unknown source {source!r}: one of {', '.join(sorted(known))}")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    follower: Follower = known[source](database, FollowSettings.from_env(), stop, out.print)
    try:
        if baseline:
            if not hasattr(follower, "baseline"):
                raise GrunndataError(f"{source} has no baseline: only freg has one")
            with state.source_lock(database, source):
                follower.baseline()
        code = follow(database, follower, once=once, interval=interval, stop=stop, echo=out.print)
    except Stopped:
        raise typer.Exit(0) from None
    except SourceUnavailable as exc:
        err.print(f"[red]error:[/] {escape(exc.message)}")
        raise typer.Exit(3) from None
    except (StewardNeeded, state.FollowerBusy) as exc:
        state.note(database, source, error=exc.message)
        err.print(f"[red]error:[/] {escape(exc.message)}")
        if exc.hint:
            err.print(exc.hint, markup=False)
        raise typer.Exit(2) from None
    finally:
        follower.close()
    raise typer.Exit(code)


def _print_status(database: object) -> None:
    with connect(database.app_url) as conn:  # type: ignore[attr-defined]
        rows = state.all_sources(conn)
    table = Table("source", "cursor", "last success", "last error", "lag", "rejected")
    for k in rows:
        error = f"{k.sist_feil:%Y-%m-%d %H:%M:%S} {k.feil}" if k.sist_feil else ""
        cursor = (k.posisjon or "none") + (" (baseline running)" if k.baseline else "")
        table.add_row(
            k.navn, cursor, f"{k.sist_ok:%Y-%m-%d %H:%M:%S}" if k.sist_ok else "", error,
            "" if k.etterslep is None else str(k.etterslep), str(k.avvist),
        )  # fmt: skip
    out.print(table if rows else "No source followed yet.")


@fixtures_app.command(
    "serve-sources", epilog="Example:  grunndata fixtures serve-sources --persons 1000 --days 2"
)
def serve_sources(
    persons: Annotated[int, typer.Option(help="How many persons the world starts with.")] = 1000,
    days: Annotated[int, typer.Option(help="Scripted days published at the start.")] = 0,
    changes: Annotated[int, typer.Option(help="Changes per register per day.")] = 20,
    seed: Annotated[int, typer.Option(help="Same seed, same world.")] = 0,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8100,
) -> None:
    """Serve stand-ins of Folkeregisteret's and Brønnøysund's APIs (and a token endpoint)
    for demos and benchmarks: POST /_standin/dag publishes the next scripted day."""
    import uvicorn

    from grunndata.kilder.standin.app import StandIn
    from grunndata.kilder.standin.world import World

    world = World(persons, seed, changes_per_day=changes)
    for _ in range(days):
        world.day()
    base = f"http://{host}:{port}"
    out.print(
        f"GRUNNDATA_FREG_URL={base}/folkeregisteret/offentlig-med-hjemmel/api\n"
        f"GRUNNDATA_BRREG_URL={base}/enhetsregisteret/api\n"
        f"{len(world.freg.feed)} Freg events, {len(world.brreg.units)} units"
    )
    uvicorn.run(StandIn(world).asgi(), host=host, port=port, log_level="warning")
