"""Which database to use, and how to make one ready.

Two roles keep data honest: migrations run as the schema *owner*; the server and loaders
connect as the *app* role, which is not a superuser and holds only the privileges the
migrations grant it (so grants and triggers can protect data such as the lookup log).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from grunndata.config import Settings
from grunndata.db.cluster import EmbeddedCluster, find_pg_binaries, install_hint
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
        return conninfo_to_dict(self.app_url).get("user")


def with_params(url: str, **params: str) -> str:
    """``url`` (a libpq URL or key=value string) as a ``postgresql://`` URL, with libpq
    parameters replaced (``user``, ``dbname``, ``password`` …).

    >>> with_params("postgresql:///grunndata?host=/var/lib/grunndata", user="grunndata_app")
    'postgresql://grunndata_app@/grunndata?host=%2Fvar%2Flib%2Fgrunndata'
    >>> with_params("postgresql://a:s%40cret@db:5433/x", dbname="y")
    'postgresql://a:s%40cret@db:5433/y'
    """
    merged = conninfo_to_dict(make_conninfo(url, **params))
    user = quote(str(merged.pop("user", "")), safe="")
    password = merged.pop("password", None)
    credentials = user + (f":{quote(str(password), safe='')}" if password is not None else "")
    host = str(merged.pop("host", ""))
    dbname = quote(str(merged.pop("dbname", "")), safe="")
    netloc = f"{credentials}@" if credentials else ""
    if host and not host.startswith("/"):
        netloc += host
        if "port" in merged:
            netloc += f":{merged.pop('port')}"
    elif host:
        merged = {"host": host, **merged}
    query = urlencode({k: str(v) for k, v in merged.items()})
    return f"postgresql://{netloc}/{dbname}" + (f"?{query}" if query else "")


def describe(url: str) -> str:
    """A URL as it may be shown to a person: without its password."""
    params = conninfo_to_dict(url)
    params.pop("password", None)
    host = params.get("host", "localhost")
    port = params.get("port", "5432")
    return f"database {params.get('dbname', '?')!r} as {params.get('user', '?')!r} on {host}:{port}"


def open_connection(url: str, *, autocommit: bool = False, timeout: int = 10) -> psycopg.Connection:
    """A new psycopg connection; an unreachable server is a ``DatabaseUnavailable``
    naming it (without its password)."""
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=timeout)
    except psycopg.OperationalError as exc:
        text = str(exc).strip()
        last_line = text.splitlines()[-1] if text else type(exc).__name__
        raise DatabaseUnavailable(f"Cannot reach {describe(url)}: {last_line}") from None


@contextmanager
def connect(
    url: str, *, autocommit: bool = False, timeout: int = 10
) -> Iterator[psycopg.Connection]:
    """``open_connection`` as a context manager that closes it."""
    with open_connection(url, autocommit=autocommit, timeout=timeout) as conn:
        yield conn


def bootstrap(
    admin_url: str,
    database: str = DATABASE_NAME,
    roles: Roles = Roles(),
    *,
    password: str | None = None,
) -> Database:
    """Make roles, the database and its extensions exist (idempotent); needs a superuser.

    With ``password`` the roles get it (for servers that do not trust local connections)."""
    with connect(admin_url, autocommit=True) as conn:
        for role in (roles.owner, roles.app):
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
            verb = "ALTER" if exists else "CREATE"
            statement = sql.SQL(
                "{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
            ).format(sql.SQL(verb), sql.Identifier(role))
            if password is not None:
                statement += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
            conn.execute(statement)
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0").format(
                    sql.Identifier(database), sql.Identifier(roles.owner)
                )
            )
    db_admin_url = with_params(admin_url, dbname=database)
    with connect(db_admin_url, autocommit=True) as conn:
        available = {
            row[0]
            for row in conn.execute(
                "SELECT name FROM pg_available_extensions WHERE name = ANY(%s)", [list(EXTENSIONS)]
            )
        }
        missing = [name for name in EXTENSIONS if name not in available]
        if missing:
            major = conn.info.server_version // 10000
            raise SetupError(
                f"The PostgreSQL server lacks the extension(s) {', '.join(missing)}.",
                hint=install_hint(major),
            )
        for name in EXTENSIONS:
            conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(database), sql.Identifier(roles.app)
            )
        )
    role_params = {"dbname": database} | ({"password": password} if password else {})
    return Database(
        app_url=with_params(admin_url, user=roles.app, **role_params),
        owner_url=with_params(admin_url, user=roles.owner, **role_params),
    )


def embedded_cluster(settings: Settings) -> EmbeddedCluster:
    binaries = find_pg_binaries(settings.pg_bindir)
    return EmbeddedCluster(settings.data_dir, binaries=binaries, cluster_user=settings.cluster_user)


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
