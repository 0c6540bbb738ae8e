"""The root ``grunndata`` Typer app, its consoles, and what several command groups share."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from grunndata.config import Settings
from grunndata.db.database import Database, log_database, open_database
from grunndata.errors import GrunndataError

if TYPE_CHECKING:
    from grunndata.loaders.formats import SourceFormat

# A command imports what it needs when it runs (the registers, migrations, the server), so
# `grunndata --help` and the small commands start quickly (tests/test_cli_imports.py).

out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

app = typer.Typer(
    help="grunndata: Norway's base registers in PostGIS, served through one GraphQL API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures"
NoMigrate = Annotated[
    bool, typer.Option("--no-migrate", help="Do not apply pending migrations on start.")
]


def formats() -> list[SourceFormat]:
    from grunndata.registers import REGISTERS

    return [f for register in REGISTERS for f in register.formats]


def database_for(*, no_migrate: bool = False) -> Database:
    """The database to serve or load, migrated (and so is the lookup log's own, if any)."""
    settings = Settings.from_env()
    database = open_database(settings)
    for each, what in ((database, "database"), (log_database(settings), "lookup log's database")):
        if each is not None:
            _migrated(each, what, no_migrate=no_migrate)
    return database


def _migrated(database: Database, what: str, *, no_migrate: bool) -> None:
    from grunndata.db import migrate

    if no_migrate:
        current, head = migrate.current_revision(database), migrate.head_revision()
        if current != head:
            err.print(
                f"[yellow]warning:[/] the {what} is at revision {current or 'none'}, "
                f"the code expects {head}; run `grunndata db upgrade`."
            )
    else:
        migrate.upgrade(database)


def refuse_external(settings: Settings, verb: str) -> None:
    if settings.database_url:
        raise GrunndataError(
            f"GRUNNDATA_DATABASE_URL is set, so there is no embedded cluster to {verb}."
        )


def main() -> None:
    try:
        level = Settings.from_env().log_level
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
        if level != "DEBUG":
            logging.getLogger("alembic").setLevel(logging.WARNING)
        app()
    except GrunndataError as exc:
        err.print(f"[red]error:[/] {escape(exc.message)}")
        if exc.hint:
            err.print(exc.hint, markup=False)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("GRUNNDATA_DEBUG"):
            raise
        err.print(
            f"[red]internal error:[/] {type(exc).__name__}: {escape(str(exc))}\n"
            "Set GRUNNDATA_DEBUG=1 to see the traceback, and please report it."
        )
        sys.exit(2)
