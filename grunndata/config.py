"""Settings, read once from the environment (``GRUNNDATA_*``).

| variable | meaning | default |
|---|---|---|
| ``GRUNNDATA_DATABASE_URL`` | libpq URL the server and loaders connect with | embedded cluster |
| ``GRUNNDATA_OWNER_DATABASE_URL`` | URL migrations run with (the schema owner) | the one above |
| ``GRUNNDATA_DATA_DIR`` | where the embedded cluster lives | see ``default_data_dir`` |
| ``GRUNNDATA_PG_BINDIR`` | PostgreSQL binaries to use for the embedded cluster | found |
| ``GRUNNDATA_CLUSTER_USER`` | user running the cluster when grunndata is root | ``grunndata`` |
| ``GRUNNDATA_LOG_LEVEL`` | log level | ``INFO`` |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

ROOT_DATA_DIR = Path("/var/lib/grunndata")


def running_as_root() -> bool:
    return os.geteuid() == 0


def default_data_dir() -> Path:
    """``/var/lib/grunndata`` for root (the unprivileged cluster user must reach it, which
    ``/root`` does not allow); the user's data directory otherwise."""
    if running_as_root():
        return ROOT_DATA_DIR
    return Path(platformdirs.user_data_dir("grunndata", appauthor=False))


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    owner_database_url: str | None = None
    data_dir: Path = field(default_factory=default_data_dir)
    pg_bindir: Path | None = None
    cluster_user: str = "grunndata"
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(f"GRUNNDATA_{name}", "").strip()
            return value or None

        data_dir = get("DATA_DIR")
        bindir = get("PG_BINDIR")
        return cls(
            database_url=get("DATABASE_URL"),
            owner_database_url=get("OWNER_DATABASE_URL"),
            data_dir=Path(data_dir).expanduser().absolute() if data_dir else default_data_dir(),
            pg_bindir=Path(bindir) if bindir else None,
            cluster_user=get("CLUSTER_USER") or "grunndata",
            log_level=(get("LOG_LEVEL") or "INFO").upper(),
        )
