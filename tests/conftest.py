"""Test fixtures: a real PostGIS for every test that needs one.

The suite runs on an embedded cluster of its own, never the one the demo uses: in
``GRUNNDATA_TEST_DATA_DIR`` (default: the data directory with ``-test`` appended). The
first test that needs a database starts it (tests of pure rules need none); whichever
process started it leaves a mark, and at the end the controlling process (also under
xdist) stops it if no other client is still connected. Or, when
``GRUNNDATA_TEST_DATABASE_URL`` names a superuser on another server, there.

One database is migrated once per worker and used as a template: ``database`` is a clone
shared by read-mostly tests, ``fresh_database`` a new clone for a test that commits. Names
carry the session, so two test runs at once do not meet.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, settings
from psycopg import sql

from grunndata.config import Settings, default_data_dir
from grunndata.db import migrate
from grunndata.db.cluster import EmbeddedCluster
from grunndata.db.database import (
    Database,
    Roles,
    bootstrap,
    connect,
    embedded_cluster,
    open_connection,
)
from grunndata.db.urls import with_params
from grunndata.errors import SetupError
from grunndata.graphql.access import SCOPES
from grunndata.graphql.auth import Principal, mint_token, public_jwks

#: Examples per property test in the ``ci`` profile (``scripts/test`` runs it): the floor.
CI_EXAMPLES = 60
settings.register_profile(
    "ci", max_examples=CI_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def examples(ci: int) -> int:
    """Examples for a property test that runs ``ci`` of them in the ``ci`` profile, scaled
    as the loaded profile scales ``ci``'s default (``dev`` 100/60, ``thorough`` 2000/60)."""
    return max(1, round(ci * settings().max_examples / CI_EXAMPLES))


#: Tests that use the session's one gateway (tests/gateway.py) run on one xdist worker, in
#: turn (``--dist loadgroup``, as scripts/test runs them): those whose fixtures include
#: ``one_gateway`` get it here; one that asks for the gateway by name, with this mark.
ON_THE_GATEWAY = pytest.mark.xdist_group("gateway")
pytest_plugins = ["tests.gateway", "tests.slow_first", "tests.xdist_groups"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "one_gateway" in getattr(item, "fixturenames", ()):
            item.add_marker(ON_THE_GATEWAY)


TEST_ROLES = Roles(owner="grunndata_test_owner", app="grunndata_test_app")


STARTED_MARK = "started-by-tests"
HOLDER = "grunndata-test-"
SESSION = os.environ.get("PYTEST_XDIST_TESTRUNUID", f"{os.getpid()}")[:8]
#: The hand-written test cast (the demo data before the generator made it): see its README.
CAST_DIR = Path(__file__).parent / "data" / "cast"


def suite_cluster() -> EmbeddedCluster:
    default = default_data_dir()
    data_dir = os.environ.get("GRUNNDATA_TEST_DATA_DIR") or f"{default}-test"
    return embedded_cluster(replace(Settings.from_env(), data_dir=Path(data_dir)))


def pytest_unconfigure(config: pytest.Config) -> None:
    if os.environ.get("GRUNNDATA_TEST_DATABASE_URL") or hasattr(config, "workerinput"):
        return
    try:
        cluster = suite_cluster()
    except SetupError:
        return  # no PostgreSQL here: nothing was started
    mark = cluster.data_dir / STARTED_MARK
    if not mark.exists() or not cluster.status().running:
        return
    with connect(cluster.url(), autocommit=True) as conn:
        others = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchone()
    if others == (0,):  # else another test run is still using it, and will stop it
        cluster.stop()
        mark.unlink(missing_ok=True)


def _worker() -> str:
    return f"{SESSION}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def scratch_name(kind: str) -> str:
    """A database name of this session's own (so leftovers can be told from live ones)."""
    return f"grunndata_test_{kind}_{SESSION}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def admin_url() -> Iterator[str]:
    """A superuser URL on the server the tests use. A connection named after this session
    stays open while it runs: other test runs see it is alive (and do not stop the cluster
    or drop its databases)."""
    url = os.environ.get("GRUNNDATA_TEST_DATABASE_URL")
    if not url:
        cluster = suite_cluster()
        if cluster.start():
            (cluster.data_dir / STARTED_MARK).touch()
        url = cluster.url()
    holder = open_connection(with_params(url, application_name=f"{HOLDER}{SESSION}"))
    try:
        _drop_leftovers(url)
        yield url
    finally:
        holder.close()


def _drop_leftovers(admin: str) -> None:
    """Drop the test databases of sessions that are no longer running (killed runs)."""
    with connect(admin, autocommit=True) as conn:
        alive = {
            name.removeprefix(HOLDER)
            for (name,) in conn.execute(
                "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE %s",
                [f"{HOLDER}%"],
            )
        }
        names = [
            name
            for (name,) in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'grunndata\\_test\\_%'"
            )
        ]
    for name in names:
        parts = name.split("_")  # grunndata, test, kind, session, ...
        if len(parts) < 4 or parts[3] not in alive:
            _drop(admin, name)


def _drop(admin: str, name: str) -> None:
    with connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def template_database(admin_url: str) -> Iterator[Database]:
    name = f"grunndata_test_template_{_worker()}"
    _drop(admin_url, name)
    external = os.environ.get("GRUNNDATA_TEST_DATABASE_URL")
    # One password for every worker of a run (each sets it on the shared test roles).
    password = hashlib.sha256(f"grunndata-test {external}".encode()).hexdigest()[:24]
    password = password if external else None
    database = bootstrap(admin_url, name, TEST_ROLES, password=password)
    migrate.upgrade(database)
    yield database
    _drop(admin_url, name)


class Clones:
    """Makes databases from the migrated template; drops them at the end."""

    def __init__(self, admin: str, template: Database) -> None:
        self.admin = admin
        self.template = template
        self.made: list[str] = []

    def make(self) -> Database:
        template_name = _dbname(self.template.app_url)
        name = f"{template_name.replace('template', 'db')}_{len(self.made)}"
        _drop(self.admin, name)
        with connect(self.admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(
                    sql.Identifier(name),
                    sql.Identifier(template_name),
                    sql.Identifier(TEST_ROLES.owner),
                )
            )
        self.made.append(name)
        return Database(
            app_url=with_params(self.template.app_url, dbname=name),
            owner_url=with_params(self.template.owner_url, dbname=name),
        )

    def drop(self, database: Database) -> None:
        _drop(self.admin, _dbname(database.app_url))


def _dbname(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    return str(conninfo_to_dict(url)["dbname"])


@pytest.fixture(scope="session")
def clones(admin_url: str, template_database: Database) -> Iterator[Clones]:
    made = Clones(admin_url, template_database)
    yield made
    for name in made.made:
        _drop(admin_url, name)


def query(db: Database, statement: str, params: Any = None) -> list[tuple]:
    """The rows of ``statement`` on ``db`` as its app reads them, in Norwegian time."""
    with connect(db.app_url) as conn:
        conn.execute("SET TIME ZONE 'Europe/Oslo'")
        return conn.execute(statement, params).fetchall()


@pytest.fixture(scope="session")
def database(clones: Clones) -> Database:
    """A migrated database shared by tests that do not commit lasting changes."""
    return clones.make()


@pytest.fixture(scope="session")
def demo_database(clones: Clones) -> Database:
    """A database holding the demo data of ``fixtures/``, loaded as ``grunndata demo``
    loads it; the demo data must load whole, without a reject."""
    from grunndata.cli import FIXTURES_DIR
    from grunndata.loaders.run import run
    from grunndata.registers import REGISTERS

    database = clones.make()
    formats = [f for register in REGISTERS for f in register.formats]
    outcome = run([FIXTURES_DIR], formats=formats, database=database)
    if formats:
        assert outcome.exit_code == 0, outcome
    return database


@pytest.fixture(scope="session")
def cast_database(clones: Clones) -> Database:
    """A database holding the hand-written test cast of ``tests/data/cast/`` (the registers'
    own tests ask about its people, properties and units), loaded whole, without a reject."""
    from grunndata.loaders.run import run
    from grunndata.registers import REGISTERS

    database = clones.make()
    formats = [f for register in REGISTERS for f in register.formats]
    outcome = run([CAST_DIR], formats=formats, database=database)
    assert outcome.exit_code == 0, outcome
    return database


@pytest.fixture
def fresh_database(clones: Clones) -> Iterator[Database]:
    """A migrated database of this test's own."""
    database = clones.make()
    yield database
    clones.drop(database)


@pytest.fixture
def cluster_dir(tmp_path: Path) -> Iterator[Path]:
    """A new data directory for a cluster of the test's own, which the cluster user can
    reach (as root, /tmp/pytest-of-root is closed to it, so use /var/lib)."""
    if os.geteuid() != 0:
        yield tmp_path / "cluster"
        return
    directory = Path("/var/lib/grunndata-tests") / uuid.uuid4().hex[:8]
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


# -- Tokens: the suite is an issuer the apps it starts trust (through GRUNNDATA_JWKS) ------

TEST_ISSUER = "grunndata-test-issuer"
TEST_AUDIENCE = "grunndata-test"
TEST_KEY = ec.generate_private_key(ec.SECP256R1())
TEST_CONSUMER = "318716897"  # Sørlandet IT AS in the demo data
ALL_SCOPES = Principal(scopes=frozenset(SCOPES), orgnr=TEST_CONSUMER, pid=None, authenticated=True)


def test_token(
    *scopes: str, orgnr: str | None = TEST_CONSUMER, pid: str | None = None, ttl: int = 900,
    key: ec.EllipticCurvePrivateKey | None = None, audience: str = TEST_AUDIENCE,
    now: float | None = None,
) -> str:  # fmt: skip
    """A token from the suite's issuer with ``scopes`` (without prefix; none given: all)."""
    chosen = scopes or SCOPES
    return mint_token(
        key or TEST_KEY, scopes=[f"grunndata:{s}" for s in chosen], orgnr=orgnr, pid=pid,
        ttl_s=ttl, issuer=TEST_ISSUER, audience=audience, key_id="test", now=now,
    )  # fmt: skip


test_token.__test__ = False  # type: ignore[attr-defined]  # not a test, despite its name


@pytest.fixture(scope="session", autouse=True)
def trusted_test_issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Apps the tests make trust the suite's key; the rate limit is off unless a test asks."""
    jwks = tmp_path_factory.mktemp("jwks") / "jwks.json"
    jwks.write_text(json.dumps(public_jwks(TEST_KEY, key_id="test")), encoding="utf-8")
    wanted = {
        "GRUNNDATA_JWKS": str(jwks),
        "GRUNNDATA_ISSUER": TEST_ISSUER,
        "GRUNNDATA_AUDIENCE": TEST_AUDIENCE,
        "GRUNNDATA_RATE_LIMIT_PER_MINUTE": "0",
    }
    before = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    yield
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def with_token(app: Any, token: str | None) -> Any:
    """``app`` as reached by a client sending ``Authorization: Bearer <token>`` unless the
    request carries its own."""
    if token is None:
        return app

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not any(k == b"authorization" for k, _ in scope["headers"]):
            header = (b"authorization", f"Bearer {token}".encode())
            scope = {**scope, "headers": [*scope["headers"], header]}
        await app(scope, receive, send)

    return asgi


#: LiveServer's default: a client holding a token with every scope.
ALL = object()


class LiveServer:
    """A real uvicorn server on loopback, in a thread. Its clients send a token with every
    scope unless ``token`` says otherwise (None: no token)."""

    def __init__(self, app: object, token: object = ALL) -> None:
        app = with_token(app, test_token() if token is ALL else token)  # type: ignore[arg-type]
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class Api:
    """GraphQL over HTTP against a live server."""

    def __init__(self, base: str) -> None:
        self.base = base

    def raw(self, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{self.base}/graphql", json={"query": query, "variables": variables}, timeout=30
        )
        return response.json()

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        body = self.raw(query, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]
