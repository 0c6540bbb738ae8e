"""The ``grunndata`` command: serve, demo, load, validate, loads, db, schema, fixtures.

Every expected failure (no PostgreSQL, no PostGIS, an unreachable database, a broken file)
ends in one clear message and a non-zero exit, never a traceback. Set ``GRUNNDATA_DEBUG=1``
to see the traceback of an unexpected error.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, TaskID
from rich.table import Table

from grunndata.config import Settings
from grunndata.db import migrate
from grunndata.db.database import Database, embedded_cluster, open_database
from grunndata.db.urls import describe
from grunndata.errors import GrunndataError
from grunndata.graphql.access import SCOPES
from grunndata.loaders.formats import SourceFormat
from grunndata.loaders.journal import journal
from grunndata.loaders.run import Mode, RunOutcome, run
from grunndata.loaders.sources import SourceFile, require
from grunndata.registers import REGISTERS

out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

app = typer.Typer(
    help="grunndata: Norway's base registers in PostGIS, served through one GraphQL API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
db_app = typer.Typer(
    help="Manage the database: the embedded cluster and migrations.", no_args_is_help=True
)
app.add_typer(db_app, name="db")

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"
NoMigrate = Annotated[
    bool, typer.Option("--no-migrate", help="Do not apply pending migrations on start.")
]


def _formats() -> list[SourceFormat]:
    return [f for register in REGISTERS for f in register.formats]


def _database(*, no_migrate: bool = False) -> Database:
    database = open_database(Settings.from_env())
    if no_migrate:
        current, head = migrate.current_revision(database), migrate.head_revision()
        if current != head:
            err.print(
                f"[yellow]warning:[/] the database is at revision {current or 'none'}, "
                f"the code expects {head}; run `grunndata db upgrade`."
            )
    else:
        migrate.upgrade(database)
    return database


# -- serving ----------------------------------------------------------------------------


def _serve(
    database: Database,
    host: str,
    port: int,
    *,
    dev: bool,
    dev_auth: bool = False,
    token: str | None = None,
    subgraph: str | None = None,
) -> None:
    import uvicorn

    from grunndata.graphql.auth import Authenticator, dev_key_path
    from grunndata.server import create_app

    settings = Settings.from_env()
    level = settings.log_level.lower()
    schema = None
    if subgraph is not None:
        from grunndata.graphql.federation.build import build_subgraph_schema

        schema = build_subgraph_schema(subgraph, security=settings.security)
    authenticator = (
        Authenticator.from_settings(settings.security, dev_key=dev_key_path(settings.data_dir))
        if dev_auth
        else None
    )
    headers = {"Authorization": f"Bearer {token}"} if token else None
    app = create_app(
        database.app_url, dev=dev, schema=schema, authenticator=authenticator, ide_headers=headers
    )
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again: let that
    # end the command normally (so the demo still stops its cluster) instead of killing it.
    previous = signal.signal(signal.SIGTERM, _exit_quietly)
    try:
        uvicorn.run(app, host=host, port=port, log_level=level)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_quietly(signum: int, frame: object) -> None:
    raise SystemExit(0)


@app.command(
    epilog="Examples:  grunndata serve --port 8000   |   grunndata serve --dev --host 0.0.0.0"
    "   |   grunndata serve --subgraph matrikkel --port 4002"
)
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    dev: Annotated[
        bool, typer.Option("--dev", help="Serve GraphiQL at /graphql; allow introspection.")
    ] = False,
    dev_auth: Annotated[
        bool,
        typer.Option(
            "--dev-auth",
            help="Trust only tokens from `grunndata token` (the local development key), "
            "not GRUNNDATA_JWKS. Never in production.",
        ),
    ] = False,
    subgraph: Annotated[
        str | None,
        typer.Option(
            help="Serve this register alone as a Federation v2 subgraph: "
            + " | ".join(r.name for r in REGISTERS)
            + " (see docs/federation.md).",
        ),
    ] = None,
    no_migrate: NoMigrate = False,
) -> None:
    """Serve the GraphQL API at /graphql and health at /healthz."""
    names = [r.name for r in REGISTERS]
    if subgraph is not None and subgraph not in names:
        choices = ", ".join(names)
        err.print(f"[red]error:[/] --subgraph {escape(subgraph)!r}: choose one of {choices}")
        raise typer.Exit(2)
    database = _database(no_migrate=no_migrate)
    what = f"the {subgraph} subgraph" if subgraph else "grunndata"
    source = describe(database.app_url)
    err.print(f"grunndata: serving {what} from {source} on http://{host}:{port}/graphql")
    if dev_auth:
        err.print("grunndata: [yellow]--dev-auth[/]: trusting the local development key only")
    _serve(database, host, port, dev=dev, dev_auth=dev_auth, subgraph=subgraph)


@app.command(epilog="Example:  grunndata demo --port 8000")
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    fixtures: Annotated[
        Path, typer.Option(help="Folder of demo data in the registers' formats.")
    ] = FIXTURES_DIR,
    no_migrate: NoMigrate = False,
) -> None:
    """Start the embedded database, load the demo data and serve it with GraphiQL."""
    settings = Settings.from_env()
    cluster = None if settings.database_url else embedded_cluster(settings)
    started_here = cluster is not None and not cluster.status().running
    if not fixtures.is_dir():
        raise GrunndataError(f"{fixtures}: no such folder of demo data (--fixtures).")
    try:
        database = _database(no_migrate=no_migrate)
        _print_outcome(run([fixtures], formats=_formats(), database=database))
        url = f"http://{host}:{port}"
        token = _dev_token(settings, list(SCOPES), DEMO_CONSUMER, None, 8 * 3600)
        out.print(
            f"\n[bold]grunndata demo[/] is up.\n"
            f"  GraphiQL  {url}/graphql\n"
            f"  health    {url}/healthz\n\n"
            "Person data needs a token. One with every scope, valid for 8 hours "
            "(GraphiQL has it preset in its Headers tab):\n"
            f"  export TOKEN={token}\n\n"
            "Try:\n"
            f"  curl -s {url}/graphql -H 'Content-Type: application/json' "
            '-H "Authorization: Bearer $TOKEN" \\\n'
            '    -d \'{"query": "{ person(identifikasjonsnummer: \\"27816200062\\") '
            "{ navn { fornavn etternavn } bostedsadresse { vegadresse { adressenavn } } } }\"}'\n"
            "\nMore tokens: grunndata token --scope ... --orgnr ...; "
            "who is who in the demo data: fixtures/cast.md\n"
        )
        _serve(database, host, port, dev=True, dev_auth=True, token=token)
    finally:
        if started_here and cluster is not None and cluster.stop():
            err.print("grunndata: stopped the embedded PostgreSQL this demo started.")


# -- tokens -----------------------------------------------------------------------------

#: The consumer the demo's token speaks for: a unit of the demo data (ANDERSEN BYGG DA).
DEMO_CONSUMER = "310000000"


def _dev_token(
    settings: Settings, scopes: list[str], orgnr: str | None, pid: str | None, ttl: int
) -> str:
    from grunndata.graphql.auth import dev_key, dev_key_path, mint_token

    prefix = settings.security.scope_prefix
    full = [s if s.startswith(prefix) else f"{prefix}{s}" for s in scopes]
    key = dev_key(dev_key_path(settings.data_dir))
    return mint_token(key, scopes=full, orgnr=orgnr, pid=pid, ttl_s=ttl)


@app.command(
    epilog="Example:  grunndata token --scope 'folkeregister/offentligmedhjemmel "
    "matrikkel/hjemmel' --orgnr 310000000"
)
def token(
    scope: Annotated[
        list[str],
        typer.Option(
            help="Scopes, space-separated as in the token's scope claim; may be repeated. "
            "The prefix (GRUNNDATA_SCOPE_PREFIX, grunndata:) is added when missing."
        ),
    ],
    orgnr: Annotated[
        str, typer.Option(help="The consumer's organisasjonsnummer (consumer.ID 0192:<orgnr>).")
    ],
    pid: Annotated[
        str | None, typer.Option(help="A citizen's fødselsnummer (ID-porten's pid claim).")
    ] = None,
    ttl: Annotated[int, typer.Option(help="Seconds the token is valid.", min=1)] = 3600,
) -> None:
    """Print a development token, signed with the local development key, on its last line.

    Only a server started with `grunndata serve --dev-auth` (or `grunndata demo`) trusts it.
    """
    from grunndata.identifiers import parse_orgnr, parse_person_id

    scopes = [s for value in scope for s in value.split()]
    prefix = Settings.from_env().security.scope_prefix
    unknown = [s for s in scopes if s.removeprefix(prefix) not in SCOPES]
    if unknown:
        raise GrunndataError(
            f"unknown scope {unknown[0]!r}: use {', '.join(SCOPES)} (prefix {prefix!r} optional)."
        )
    number = parse_orgnr(orgnr).value
    person = parse_person_id(pid).value if pid else None
    err.print(f"grunndata: token for {number}, scopes {' '.join(scopes) or '(none)'}, {ttl} s")
    print(_dev_token(Settings.from_env(), scopes, number, person, ttl))


# -- loading ----------------------------------------------------------------------------

PathsArg = Annotated[list[Path], typer.Argument(help="Files, .gz, .zip or directories.")]
FormatOpt = Annotated[
    str | None, typer.Option("--format", help="Skip detection: read every file as this format.")
]
OrgnrOpt = Annotated[
    str | None,
    typer.Option(
        "--organisasjonsnummer",
        help="The unit a roles document speaks for, when the file does not say "
        "(no _links.enhet.href).",
    ),
]
RejectOpt = Annotated[
    Path | None,
    typer.Option("--reject-file", help="Write every reject and warning to this CSV file."),
]


class _RichProgress:
    """A progress bar on a terminal; a line every 10 seconds otherwise (logs, CI)."""

    def __init__(self) -> None:
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._last = 0.0
        self._source = ""
        self._total = 0

    def begin(self, source: SourceFile, total_bytes: int) -> None:
        self._source, self._total, self._last = source.name, total_bytes, time.monotonic()
        if err.is_terminal:
            bar = Progress(console=err, transient=True)
            bar.start()
            self._task = bar.add_task(source.name, total=total_bytes or None)
            self._bar = bar

    def advance(self, bytes_read: int, records: int) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=bytes_read, description=f"{records} records")
        elif time.monotonic() - self._last > 10:
            self._last = time.monotonic()
            share = f" ({100 * bytes_read / self._total:.0f} %)" if self._total else ""
            err.print(f"  {self._source}: {records} records{share}")

    def end(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


#: Findings shown per file on screen; the reject file has them all.
SHOWN_FINDINGS = 5


def _print_outcome(outcome: RunOutcome) -> None:
    for skipped in outcome.skipped:
        err.print(f"[dim]skipped {escape(skipped)}: not a format grunndata knows[/]")
    if not outcome.files:
        out.print("[red]✗[/] nothing to load: no file given is of a format grunndata knows")
    for file in outcome.files:
        mark = {0: "[green]✓[/]", 1: "[yellow]![/]"}.get(file.exit_code, "[red]✗[/]")
        if file.message:
            out.print(f"{mark} {escape(file.message)}")
            continue
        c = file.counts
        load = f" [dim](load {file.load_id})[/]" if file.load_id else ""
        changes = (
            f", inserted {c.inserted}, superseded {c.superseded}, unchanged {c.unchanged}"
            if file.status != "valid"
            else ""
        )
        out.print(
            f"{mark} {escape(file.source)} ({file.format}) {file.status}: {file.records} records"
            f"{changes}, rejected {file.rejected}, warnings {file.warnings}{load}"
        )
        for finding in file.findings[:SHOWN_FINDINGS]:
            out.print(
                f"    {finding.severity} at {finding.location}: {finding.reason}", markup=False
            )
        shown = min(len(file.findings), SHOWN_FINDINGS)
        if file.rejected + file.warnings > shown:
            out.print(f"    … and {file.rejected + file.warnings - shown} more (see --reject-file)")


@app.command(
    epilog="Examples:  grunndata load fixtures/   |   grunndata load enheter.json.gz "
    "--reject-file rejects.csv   |   grunndata load --dry-run adresser.zip"
)
def load(
    paths: PathsArg,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Do everything, then roll back: nothing is kept.")
    ] = False,
    format_name: FormatOpt = None,
    reject_file: RejectOpt = None,
    organisasjonsnummer: OrgnrOpt = None,
    no_migrate: NoMigrate = False,
) -> None:
    """Load register files into the database, each file in one transaction.

    Formats are detected from each file's name and first bytes. A directory loads every
    file in it, in an order that satisfies cross-references. Exit code: 0 all loaded,
    1 some records rejected (the rest loaded), 2 nothing written.
    """
    require(paths)  # a mistyped path is reported before any database is started
    database = _database(no_migrate=no_migrate)
    mode = Mode.DRY_RUN if dry_run else Mode.LOAD
    _run_and_exit(paths, database, mode, format_name, reject_file, organisasjonsnummer)


@app.command(epilog="Example:  grunndata validate enheter.json.gz --reject-file rejects.csv")
def validate(
    paths: PathsArg,
    format_name: FormatOpt = None,
    reject_file: RejectOpt = None,
    organisasjonsnummer: OrgnrOpt = None,
) -> None:
    """Check register files as `load` would, without a database and without writing."""
    _run_and_exit(paths, None, Mode.VALIDATE, format_name, reject_file, organisasjonsnummer)


def _run_and_exit(
    paths: list[Path],
    database: Database | None,
    mode: Mode,
    format_name: str | None,
    reject_file: Path | None,
    organisasjonsnummer: str | None = None,
) -> None:
    given = {"organisasjonsnummer": organisasjonsnummer} if organisasjonsnummer else {}
    outcome = run(
        paths,
        formats=_formats(),
        database=database,
        mode=mode,
        format_name=format_name,
        reject_file=reject_file,
        progress=_RichProgress(),
        given=given,
    )
    _print_outcome(outcome)
    raise typer.Exit(outcome.exit_code)


@app.command(epilog="Example:  grunndata loads --limit 10")
def loads(
    limit: Annotated[int, typer.Option(help="How many of the newest loads.")] = 50,
) -> None:
    """List past loads with their counts of inserted, superseded, unchanged and rejected."""
    database = open_database(Settings.from_env())
    if migrate.current_revision(database) is None:
        out.print("No loads yet: the database has no grunndata schema (`grunndata db upgrade`).")
        return
    entries = journal(database, limit)
    table = Table(
        "id", "started", "status", "source", "format", "ins", "sup", "unch", "rej", "warn"
    )
    for e in entries:
        table.add_row(
            str(e.id), f"{e.started_at:%Y-%m-%d %H:%M:%S}", e.status, e.source, e.format or "",
            str(e.inserted), str(e.superseded), str(e.unchanged), str(e.rejected), str(e.warnings),
        )  # fmt: skip
    out.print(table if entries else "No loads yet.")


@app.command(
    epilog="Examples:  grunndata schema > schema.graphql   |   "
    "grunndata schema --subgraph matrikkel > matrikkel.graphql"
)
def schema(
    subgraph: Annotated[
        str | None,
        typer.Option(help="Print this register's Federation v2 subgraph SDL instead."),
    ] = None,
) -> None:
    """Print the GraphQL schema (SDL)."""
    from grunndata.graphql.schema import build_schema

    if subgraph is None:
        sys.stdout.write(build_schema().as_str() + "\n")
        return
    from grunndata.graphql.federation.build import build_subgraph_schema

    try:
        sdl = build_subgraph_schema(subgraph).as_str()
    except GrunndataError as error:
        err.print(f"[red]error:[/] --subgraph: {escape(str(error))}")
        raise typer.Exit(2) from None
    sys.stdout.write(sdl + "\n")


@app.command(
    epilog="Example:  grunndata supergraph --out supergraph.graphql "
    "--subgraph-url matrikkel=http://matrikkel:8000/graphql"
)
def supergraph(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the SDL here (default: stdout).")
    ] = None,
    subgraph_url: Annotated[
        list[str] | None,
        typer.Option(
            "--subgraph-url",
            help="NAME=URL where the gateway reaches a subgraph (repeatable); default "
            "http://127.0.0.1:4001/graphql, 4002, 4003 in register order.",
        ),
    ] = None,
) -> None:
    """Compose the three subgraphs into a Federation v2 supergraph SDL (needs Node 20 and
    `npm ci` in federation/)."""
    from grunndata.graphql.federation.composition import compose_supergraph, subgraph_urls

    try:
        sdl = compose_supergraph(subgraph_urls(subgraph_url or []))
    except GrunndataError as error:
        err.print(f"[red]error:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    if out_file is None:
        sys.stdout.write(sdl)
    else:
        out_file.write_text(sdl, encoding="utf-8")
        err.print(f"supergraph written to {escape(str(out_file))}")


# -- database ---------------------------------------------------------------------------


@db_app.command("start", epilog="Example:  grunndata db start && grunndata db status")
def db_start() -> None:
    """Start the embedded PostgreSQL (initialising it on first use) and prepare the database."""
    settings = Settings.from_env()
    _refuse_external(settings, "start")
    cluster = embedded_cluster(settings)
    was_running = cluster.status().running
    open_database(settings)  # starts it, and makes roles, database and extensions exist
    state = "already running" if was_running else "started"
    out.print(f"embedded PostgreSQL {state} (PID {cluster.status().pid}) in {cluster.data_dir}")


@db_app.command("stop", epilog="Example:  grunndata db stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL; no server process is left behind."""
    settings = Settings.from_env()
    _refuse_external(settings, "stop")
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
    database = open_database(Settings.from_env())
    before = migrate.current_revision(database)
    after = migrate.upgrade(database)
    out.print(f"database at revision {after}" + (f" (was {before})" if before != after else ""))


fixtures_app = typer.Typer(
    help="Make coherent synthetic data for all registers.",
    epilog="Example:  grunndata fixtures generate --persons 1000 --seed 1 --out /tmp/norge",
    no_args_is_help=True,
)
app.add_typer(fixtures_app, name="fixtures")


@fixtures_app.command(
    "generate",
    epilog="Example:  grunndata fixtures generate --persons 10000 --seed 1 --out /tmp/norge "
    "&& grunndata load /tmp/norge",
)
def fixtures_generate(
    persons: Annotated[int, typer.Option("--persons", min=1, help="How many persons.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write (made if missing).")],
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same bytes.")] = 0,
    gzipped: Annotated[
        bool, typer.Option("--gzip", help="Write each file gzip'ed (.gz): about 10x smaller.")
    ] = False,
) -> None:
    """Write persons, addresses, properties and businesses that agree across registers,
    in the registers' own formats (Freg JSON, Kartverket CSV, teig GeoJSON, Matrikkel JSON
    Lines, Brønnøysund JSON), plus cast.md: who is who. Streams: flat memory at any size."""
    from grunndata.fixtures.generate import generate

    if out_dir.exists() and not out_dir.is_dir():
        raise GrunndataError(f"--out {out_dir}: exists and is not a folder")
    started = time.perf_counter()
    try:
        summary = generate(persons, seed, out_dir, gzipped=gzipped)
    except OSError as exc:
        raise GrunndataError(f"--out {out_dir}: cannot write: {exc.strerror or exc}") from None
    seconds = time.perf_counter() - started
    out.print(
        f"wrote {summary.persons} persons, {summary.adresser} addresses, "
        f"{summary.eiendommer} properties, {summary.enheter} enheter and "
        f"{summary.underenheter} underenheter to {out_dir} in {seconds:.1f} s "
        f"({summary.persons / max(seconds, 1e-9):,.0f} persons/s); who is who: "
        f"{out_dir / 'cast.md'}"
    )


def _refuse_external(settings: Settings, verb: str) -> None:
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
