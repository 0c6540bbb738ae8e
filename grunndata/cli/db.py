"""``grunndata db …``: the embedded cluster and migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from grunndata.cli.base import app, out, refuse_external
from grunndata.config import Settings
from grunndata.db import backup, logretention, migrate, versions
from grunndata.db.database import embedded_cluster, log_database, open_database
from grunndata.db.urls import describe
from grunndata.errors import GrunndataError

db_app = typer.Typer(
    help="Manage the database: the embedded cluster and migrations.", no_args_is_help=True
)
app.add_typer(db_app, name="db")


@db_app.command("start", epilog="Example:  grunndata db start && grunndata db status")
def db_start() -> None:
    """Start the embedded PostgreSQL (initialising it on first use) and prepare the database."""
    settings = Settings.from_env()
    refuse_external(settings, "start")
    cluster = embedded_cluster(settings)
    was_running = cluster.status().running
    open_database(settings)  # starts it, and makes roles, database and extensions exist
    state = "already running" if was_running else "started"
    out.print(f"embedded PostgreSQL {state} (PID {cluster.status().pid}) in {cluster.data_dir}")


@db_app.command("stop", epilog="Example:  grunndata db stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL; no server process is left behind."""
    settings = Settings.from_env()
    refuse_external(settings, "stop")
    stopped = embedded_cluster(settings).stop()
    out.print("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")


@db_app.command("status", epilog="Example:  grunndata db status || grunndata db start")
def db_status() -> None:
    """Say whether the database is reachable (exit 0) or not (exit 1), and where it is."""
    settings = Settings.from_env()
    if settings.database_url:
        try:
            revision = migrate.current_revision(open_database(settings))
        except GrunndataError as exc:
            out.print(f"external database: unreachable: {escape(exc.message)}")
            raise typer.Exit(1) from None
        out.print(f"external {describe(settings.database_url)}: reachable, revision {revision}")
        return
    status = embedded_cluster(settings).status()
    if not status.initialised:
        out.print(f"embedded PostgreSQL: not initialised yet (data directory {status.data_dir})")
        raise typer.Exit(1)
    state = f"running (PID {status.pid})" if status.running else "stopped"
    out.print(f"embedded PostgreSQL {status.major}: {state}; data directory {status.data_dir}")
    out.print(versions.binaries_note(embedded_cluster(settings)))
    if not status.running:
        raise typer.Exit(1)


@db_app.command("url", epilog='Example:  psql "$(grunndata db url)"')
def db_url(
    owner: Annotated[
        bool, typer.Option("--owner", help="The schema owner's URL (for migrations).")
    ] = False,
) -> None:
    """Print the libpq URL of the database (the app role's, or the owner's)."""
    database = open_database(Settings.from_env(), start=False)
    typer.echo(database.owner_url if owner else database.app_url)


@db_app.command("upgrade", epilog="Example:  grunndata db upgrade")
def db_upgrade() -> None:
    """Apply pending migrations (as the schema owner, under an advisory lock)."""
    settings = Settings.from_env()
    for database, what in ((open_database(settings), "database"),
                           (log_database(settings), "lookup log's database")):  # fmt: skip
        if database is None:
            continue
        before = migrate.current_revision(database)
        after = migrate.upgrade(database)
        out.print(f"{what} at revision {after}" + (f" (was {before})" if before != after else ""))


@db_app.command("prune-log", epilog="Example:  grunndata db prune-log --older-than 3653")
def db_prune_log(
    older_than: Annotated[
        int | None,
        typer.Option(
            "--older-than",
            metavar="DAYS",
            help="Drop the months that ended more than DAYS ago "
            "[default: GRUNNDATA_LOOKUP_LOG_RETENTION_DAYS, ten years].",
        ),
    ] = None,
) -> None:
    """Drop the lookup log's whole months past retention (as the schema owner, journalled
    in felles.oppslagslogg_sletting), and make the coming months' partitions."""
    settings = Settings.from_env()
    days = older_than if older_than is not None else settings.lookup_log_retention_days
    dropped = logretention.prune(log_database(settings) or open_database(settings), days)
    for month in dropped:
        out.print(f"dropped {month.partition}: {month.rows} lookups from {month.start:%Y-%m}")
    out.print(f"lookup log: {len(dropped)} month(s) older than {days} days dropped")


@db_app.command("backup", epilog="Example:  grunndata db backup grunndata-$(date +%F).dump")
def db_backup(
    path: Annotated[Path, typer.Argument(help="The file the dump is written to.")],
) -> None:
    """Dump the database while it serves: one consistent snapshot, pg_dump's custom format,
    grants included (restore it with `grunndata db restore`)."""
    settings = Settings.from_env()
    database = open_database(settings)
    size = backup.backup(database, path, versions.dump_binaries(settings, database))
    out.print(f"backup of {describe(database.owner_url)} written to {path} ({size:,} bytes)")


@db_app.command("restore", epilog="Example:  grunndata db restore grunndata-2026-12-07.dump")
def db_restore(
    path: Annotated[Path, typer.Argument(help="A dump made by `grunndata db backup`.")],
) -> None:
    """Restore a backup into an empty database (a new embedded cluster, or the empty
    database GRUNNDATA_DATABASE_URL names), then apply pending migrations."""
    settings = Settings.from_env()
    database = open_database(settings)
    backup.restore(database, path, versions.dump_binaries(settings, database))
    revision = migrate.upgrade(database)
    out.print(f"restored {path} into {describe(database.owner_url)}, now at revision {revision}")
