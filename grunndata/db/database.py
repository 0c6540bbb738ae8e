"""Which database to use, and how to make one ready.

Two roles keep data honest: migrations run as the schema *owner*; the server and loaders
connect as the *app* role, which is not a superuser and holds only the privileges the
migrations grant it (so grants and triggers can protect data such as the lookup log).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import sql

from grunndata.config import Settings
from grunndata.db.binaries import find_pg_binaries, install_hint
from grunndata.db.cluster import EmbeddedCluster, cluster_major
from grunndata.db.urls import describe, parse, with_params
from grunndata.errors import DatabaseUnavailable, SetupError

DATABASE_NAME = "grunndata"
EXTENSIONS = ("postgis", "btree_gist", "pg_trgm", "unaccent")


@dataclass(frozen=True)
class Roles:
    owner: str = "grunndata_owner"
    app: str = "grunndata_app"


@dataclass(frozen=True)
class Database:
    """Where grunndata's data lives: the app role's URL and the owner's URL."""

    app_url: str
    owner_url: str
    cluster: EmbeddedCluster | None = None

    @property
    def app_role(self) -> str | None:
        return parse(self.app_url).get("user")


def open_connection(url: str, *, autocommit: bool = False, timeout: int = 10) -> psycopg.Connection:
    """A new psycopg connection; an unreachable server is a ``DatabaseUnavailable``
    naming it (without its password)."""
    where = describe(url)  # also rejects a malformed URL with a clear message
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=timeout)
    except psycopg.OperationalError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        reason = " ".join(lines) or type(exc).__name__
        raise DatabaseUnavailable(f"Cannot reach {where}: {reason}") from None


@contextmanager
def connect(
    url: str, *, autocommit: bool = False, timeout: int = 10
) -> Iterator[psycopg.Connection]:
    """``open_connection`` as a context manager that closes it."""
    with open_connection(url, autocommit=autocommit, timeout=timeout) as conn:
        yield conn


BOOTSTRAP_LOCK_KEY = 0x6772756E6462  # "grundb": one bootstrap at a time, cluster-wide


def bootstrap(
    admin_url: str,
    database: str = DATABASE_NAME,
    roles: Roles = Roles(),
    *,
    password: str | None = None,
) -> Database:
    """Make roles, the database and its extensions exist; needs a superuser.

    Idempotent and safe to run from many processes at once: it holds an advisory lock (in
    the ``postgres`` database, so every bootstrap of the cluster takes the same one) and
    creates only what is missing. With ``password`` the roles get it (for servers that do
    not trust local connections)."""
    with connect(admin_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [BOOTSTRAP_LOCK_KEY])
        try:
            _ensure_roles(conn, roles, password)
            _ensure_database(conn, database, roles.owner)
            with connect(with_params(admin_url, dbname=database), autocommit=True) as db_conn:
                _ensure_extensions(db_conn)
                _ensure_connect_grant(db_conn, database, roles.app)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [BOOTSTRAP_LOCK_KEY])
    role_params = {"dbname": database} | ({"password": password} if password else {})
    return Database(
        app_url=with_params(admin_url, user=roles.app, **role_params),
        owner_url=with_params(admin_url, user=roles.owner, **role_params),
    )


def _ensure_roles(conn: psycopg.Connection, roles: Roles, password: str | None) -> None:
    """Both roles exist, can log in, and hold no power beyond their grants (a role someone
    made a superuser is put back: the app role must never be one)."""
    for role in (roles.owner, roles.app):
        row = conn.execute(
            "SELECT rolcanlogin AND NOT (rolsuper OR rolcreatedb OR rolcreaterole OR "
            "rolreplication OR rolbypassrls) FROM pg_roles WHERE rolname = %s",
            [role],
        ).fetchone()
        exists, as_it_should_be = row is not None, bool(row and row[0])
        if as_it_should_be and password is None:
            continue
        statement = sql.SQL(
            "{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        ).format(sql.SQL("ALTER" if exists else "CREATE"), sql.Identifier(role))
        if password is not None:
            statement += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
        conn.execute(statement)


def _ensure_database(conn: psycopg.Connection, database: str, owner: str) -> None:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0").format(
                sql.Identifier(database), sql.Identifier(owner)
            )
        )


def _ensure_extensions(conn: psycopg.Connection) -> None:
    rows = conn.execute(
        "SELECT name, installed_version IS NOT NULL FROM pg_available_extensions "
        "WHERE name = ANY(%s)",
        [list(EXTENSIONS)],
    ).fetchall()
    installed = {name for name, is_installed in rows if is_installed}
    missing = [name for name in EXTENSIONS if name not in {name for name, _ in rows}]
    if missing:
        major = conn.info.server_version // 10000
        raise SetupError(
            f"The PostgreSQL server lacks the extension(s) {', '.join(missing)}.",
            hint=install_hint(major),
        )
    for name in EXTENSIONS:
        if name not in installed:
            conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(name)))


def _ensure_connect_grant(conn: psycopg.Connection, database: str, app: str) -> None:
    """Granted to the role itself, not only through PUBLIC (which a hardened server
    revokes)."""
    granted = conn.execute(
        "SELECT count(DISTINCT a.privilege_type) FROM pg_database d, aclexplode(d.datacl) a "
        "WHERE d.datname = %s AND a.grantee = %s::regrole "
        "AND a.privilege_type IN ('CONNECT', 'TEMPORARY')",
        [database, app],
    ).fetchone()
    if not granted or granted[0] < 2:
        conn.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(database), sql.Identifier(app)
            )
        )


def embedded_cluster(settings: Settings) -> EmbeddedCluster:
    """The embedded cluster, with the binaries of the PostgreSQL major that made it (read
    from its ``PG_VERSION``), whichever majors are installed; the newest for a new one."""
    binaries = find_pg_binaries(settings.pg_bindir, major=cluster_major(settings.data_dir))
    return EmbeddedCluster(settings.data_dir, binaries=binaries, cluster_user=settings.cluster_user)


def log_database(settings: Settings) -> Database | None:
    """The lookup log's own database (``GRUNNDATA_LOG_DATABASE_URL``; its owner's URL
    ``GRUNNDATA_LOG_OWNER_DATABASE_URL``), migrated as any grunndata database; None when
    the log is in the main database."""
    if not settings.log_database_url:
        return None
    owner = settings.log_owner_database_url or settings.log_database_url
    return Database(app_url=settings.log_database_url, owner_url=owner)


def open_database(settings: Settings, *, start: bool = True) -> Database:
    """The database grunndata should use: ``GRUNNDATA_DATABASE_URL`` when set, else the
    embedded cluster (started and bootstrapped when ``start``)."""
    if settings.database_url:
        return Database(
            app_url=settings.database_url,
            owner_url=settings.owner_database_url or settings.database_url,
        )
    cluster = embedded_cluster(settings)
    if start:
        cluster.start()
    elif not cluster.status().running:
        raise SetupError(
            f"The embedded PostgreSQL in {settings.data_dir} is not running.",
            hint="Start it with `grunndata db start`.",
        )
    database = bootstrap(cluster.url())
    return Database(database.app_url, database.owner_url, cluster)
