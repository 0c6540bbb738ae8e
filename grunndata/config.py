"""Settings, read once from the environment (``GRUNNDATA_*``); see docs/configuration.md."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from grunndata.errors import SetupError

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
            log_level=_log_level(get("LOG_LEVEL") or "INFO"),
        )


def _log_level(name: str) -> str:
    levels = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
    if name.upper() not in levels:
        raise SetupError(
            f"GRUNNDATA_LOG_LEVEL {name!r} is not a log level: use {', '.join(levels)}."
        )
    return name.upper()
