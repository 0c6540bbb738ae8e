"""Settings, read once from the environment (``GRUNNDATA_*``); see docs/configuration.md."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
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
    #: Where the lookup log is written and read (docs/federation.md): one database every
    #: subgraph of a split deployment shares. None: the main database.
    log_database_url: str | None = None
    log_owner_database_url: str | None = None
    data_dir: Path = field(default_factory=default_data_dir)
    pg_bindir: Path | None = None
    cluster_user: str = "grunndata"
    log_level: str = "INFO"
    #: ``json`` (one object a line) or ``text``; docs/operations.md.
    log_format: str = "json"
    #: ``/metrics`` and the per-request measurements; off only to measure what they cost.
    metrics: bool = True
    #: Metrics on a port of their own (to any client) instead of /metrics on the API's.
    metrics_port: int | None = None
    #: Streaming replicas that answer reads (GraphQL, OGC); the primary takes the rest.
    read_database_urls: tuple[str, ...] = ()
    #: A replica further behind than this (seconds) answers nothing until it catches up.
    read_max_lag_s: float = 5.0
    #: The map's background (``/kart``): a MapLibre style URL; none by default (docs/gis.md).
    basemap_style: str = ""
    #: ``grunndata db prune-log``'s default: the lookup log keeps ten years.
    lookup_log_retention_days: int = 3653
    #: How long the change feed keeps its events (docs/feed.md).
    hendelser_retention_days: int = 400
    security: SecuritySettings = field(default_factory=lambda: SecuritySettings())

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
            log_database_url=get("LOG_DATABASE_URL"),
            log_owner_database_url=get("LOG_OWNER_DATABASE_URL"),
            data_dir=Path(data_dir).expanduser().absolute() if data_dir else default_data_dir(),
            pg_bindir=Path(bindir) if bindir else None,
            cluster_user=get("CLUSTER_USER") or "grunndata",
            log_level=_log_level(get("LOG_LEVEL") or "INFO"),
            log_format=_log_format(get("LOG_FORMAT") or "json"),
            metrics=(get("METRICS") or "1").lower() not in ("0", "false", "no"),
            metrics_port=_port(get("METRICS_PORT")),
            read_database_urls=tuple(u for u in _URLS.split(get("READ_DATABASE_URLS") or "") if u),
            read_max_lag_s=_seconds("READ_MAX_LAG_SECONDS", get("READ_MAX_LAG_SECONDS"), 5.0),
            basemap_style=get("BASEMAP_STYLE") or "",
            lookup_log_retention_days=_days(get("LOOKUP_LOG_RETENTION_DAYS")),
            hendelser_retention_days=_feed_days(get("HENDELSER_RETENTION")),
            security=SecuritySettings.from_env(get),
        )


#: Between URLs: white space, or a comma before the next URL's scheme.
_URLS = re.compile(r"\s+|\s*,\s*(?=postgres(?:ql)?://)")


def _log_format(name: str) -> str:
    if name.lower() not in ("json", "text"):
        raise SetupError(f"GRUNNDATA_LOG_FORMAT {name!r}: use json or text.")
    return name.lower()


def _port(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SetupError(f"GRUNNDATA_METRICS_PORT {value!r} is not a port number.")
    return int(value)


def _seconds(name: str, value: str | None, default: float) -> float:
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise SetupError(f"GRUNNDATA_{name} {value!r} is not a number of seconds >= 0.")
    return seconds


def _days(value: str | None) -> int:
    if value is None:
        return Settings.lookup_log_retention_days
    if not value.isdigit() or int(value) < 1:
        raise SetupError(f"GRUNNDATA_LOOKUP_LOG_RETENTION_DAYS {value!r} is not a number of days.")
    return int(value)


def _feed_days(value: str | None) -> int:
    if value is None:
        return Settings.hendelser_retention_days
    if not value.isdigit() or int(value) < 1:
        raise SetupError(f"GRUNNDATA_HENDELSER_RETENTION {value!r} is not a number of days.")
    return int(value)


def _log_level(name: str) -> str:
    levels = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
    if name.upper() not in levels:
        raise SetupError(
            f"GRUNNDATA_LOG_LEVEL {name!r} is not a log level: use {', '.join(levels)}."
        )
    return name.upper()


@dataclass(frozen=True)
class SecuritySettings:
    """Who may ask what, and how much: tokens, scopes and the endpoint's limits
    (docs/configuration.md, docs/security.md)."""

    jwks: str | None = None
    issuer: str | None = None
    audience: str | None = None
    clock_skew_s: int = 30
    scope_prefix: str = "grunndata:"
    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 5000
    max_cost: int = 250_000
    max_first: int = 1000
    persisted_queries: Path | None = None
    introspection: bool = False
    graphiql: bool = False
    statement_timeout_ms: int = 15_000
    max_body_bytes: int = 100_000
    rate_limit_per_minute: int = 600
    rate_limit_burst: int = 100
    #: Vector tiles: a map asks for dozens at once when it pans, so they have their own.
    tile_rate_limit_per_minute: int = 6000
    tile_rate_limit_burst: int = 300
    #: The OGC API (``/ogc``): per client address, apart from GraphQL's and the tiles'.
    ogc_rate_limit_per_minute: int = 1200
    ogc_rate_limit_burst: int = 120

    @classmethod
    def from_env(cls, get: Callable[[str], str | None]) -> SecuritySettings:
        defaults = cls()

        def number(name: str, default: int) -> int:
            value = get(name)
            if value is None:
                return default
            if not value.isdigit():
                raise SetupError(f"GRUNNDATA_{name} {value!r} is not a whole number >= 0.")
            return int(value)

        def flag(name: str) -> bool:
            value = (get(name) or "0").lower()
            if value not in ("0", "1", "true", "false", "yes", "no"):
                raise SetupError(f"GRUNNDATA_{name} {value!r}: use 1 or 0.")
            return value in ("1", "true", "yes")

        persisted = get("PERSISTED_QUERIES")
        prefix = get("SCOPE_PREFIX")
        return cls(
            jwks=get("JWKS"),
            issuer=get("ISSUER"),
            audience=get("AUDIENCE"),
            clock_skew_s=number("CLOCK_SKEW", defaults.clock_skew_s),
            scope_prefix=defaults.scope_prefix if prefix is None else prefix.strip(),
            max_depth=number("MAX_DEPTH", defaults.max_depth),
            max_aliases=number("MAX_ALIASES", defaults.max_aliases),
            max_tokens=number("MAX_TOKENS", defaults.max_tokens),
            max_cost=number("MAX_COST", defaults.max_cost),
            max_first=number("MAX_FIRST", defaults.max_first),
            persisted_queries=Path(persisted).expanduser() if persisted else None,
            introspection=flag("INTROSPECTION"),
            graphiql=flag("GRAPHIQL"),
            statement_timeout_ms=number("STATEMENT_TIMEOUT_MS", defaults.statement_timeout_ms),
            max_body_bytes=number("MAX_BODY_BYTES", defaults.max_body_bytes),
            rate_limit_per_minute=number("RATE_LIMIT_PER_MINUTE", defaults.rate_limit_per_minute),
            rate_limit_burst=number("RATE_LIMIT_BURST", defaults.rate_limit_burst),
            tile_rate_limit_per_minute=number(
                "TILE_RATE_LIMIT_PER_MINUTE", defaults.tile_rate_limit_per_minute
            ),
            tile_rate_limit_burst=number("TILE_RATE_LIMIT_BURST", defaults.tile_rate_limit_burst),
            ogc_rate_limit_per_minute=number(
                "OGC_RATE_LIMIT_PER_MINUTE", defaults.ogc_rate_limit_per_minute
            ),
            ogc_rate_limit_burst=number("OGC_RATE_LIMIT_BURST", defaults.ogc_rate_limit_burst),
        )
