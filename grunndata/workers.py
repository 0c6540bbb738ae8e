"""Running the server: one process, or ``--workers N`` processes on one port.

With several workers uvicorn binds the port once and starts N processes that accept on
it; each imports the app from ``factory`` (the app's parameters travel in
``GRUNNDATA_SERVE_SPEC``). Their metrics meet in a ``PROMETHEUS_MULTIPROC_DIR`` (a fresh
temporary one unless set), so a scrape of any worker, or of ``--metrics-port``, sums
them all. What each worker holds alone: its pools (N × the pool size in all), its rate
limits' buckets (a consumer gets up to N × its share; docs/operations.md) and its caches.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from starlette.applications import Starlette

from grunndata.config import Settings
from grunndata.observe import logs

SPEC = "GRUNNDATA_SERVE_SPEC"
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
WORKER_STARTUP_S = 120


@dataclass(frozen=True)
class ServeSpec:
    database_url: str
    dev: bool = False
    dev_auth: bool = False
    token: str | None = None
    subgraph: str | None = None


def build_app(spec: ServeSpec) -> Starlette:
    from grunndata.graphql.auth import Authenticator, dev_key_path
    from grunndata.server import create_app

    settings = Settings.from_env()
    schema = None
    if spec.subgraph is not None:
        from grunndata.graphql.federation.build import build_subgraph_schema

        schema = build_subgraph_schema(spec.subgraph, security=settings.security)
    authenticator = (
        Authenticator.from_settings(settings.security, dev_key=dev_key_path(settings.data_dir))
        if spec.dev_auth
        else None
    )
    headers = {"Authorization": f"Bearer {spec.token}"} if spec.token else None
    return create_app(spec.database_url, dev=spec.dev, schema=schema,
                      authenticator=authenticator, ide_headers=headers)  # fmt: skip


def factory() -> Starlette:
    """A worker's app (uvicorn calls this in each worker process)."""
    settings = Settings.from_env()
    logs.configure(settings.log_level, settings.log_format)
    return build_app(ServeSpec(**json.loads(os.environ[SPEC])))


def serve(spec: ServeSpec, host: str, port: int, *, workers: int = 1,
          metrics_port: int | None = None) -> None:  # fmt: skip
    import uvicorn

    from grunndata.observe.endpoint import serve_on_port

    settings = Settings.from_env()
    logs.configure(settings.log_level, settings.log_format)
    metrics_port = metrics_port if metrics_port is not None else settings.metrics_port
    if metrics_port is not None:
        os.environ["GRUNNDATA_METRICS_PORT"] = str(metrics_port)  # /metrics leaves the API
    options = {"host": host, "port": port, "log_config": None, "access_log": False,
               "log_level": settings.log_level.lower()}  # fmt: skip
    made_dir = None
    if workers > 1 and not os.environ.get(MULTIPROC_DIR):
        made_dir = os.environ[MULTIPROC_DIR] = tempfile.mkdtemp(prefix="grunndata-metrics-")
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again: let that
    # end the command normally (so the demo still stops its cluster) instead of killing it.
    previous = signal.signal(signal.SIGTERM, _exit_quietly)
    try:
        if metrics_port is not None and settings.metrics:
            serve_on_port(metrics_port, spec.database_url)
        if workers > 1:
            os.environ[SPEC] = json.dumps(asdict(spec))
            # a worker imports the whole schema before it answers uvicorn's health check:
            # on a busy machine that takes longer than uvicorn's 5 s
            with _main_not_reimported():
                uvicorn.run("grunndata.workers:factory", factory=True, workers=workers,
                            timeout_worker_healthcheck=WORKER_STARTUP_S, **options)  # fmt: skip
        else:
            uvicorn.run(build_app(spec), **options)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if made_dir is not None:
            shutil.rmtree(made_dir, ignore_errors=True)


@contextmanager
def _main_not_reimported() -> Iterator[None]:
    """Workers are spawned: a new interpreter runs the parent's ``__main__`` file again
    unless it has none. The ``grunndata`` command's imports every command; a worker needs
    only this module (and it answers uvicorn's health check only once it is imported)."""
    main = sys.modules["__main__"]
    path = main.__dict__.pop("__file__", None)
    try:
        yield
    finally:
        if path is not None:
            main.__file__ = path


def _exit_quietly(signum: int, frame: object) -> None:
    raise SystemExit(0)
