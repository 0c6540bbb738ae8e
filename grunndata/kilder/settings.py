"""The followers' settings, read from the environment (docs/configuration.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from grunndata.errors import SetupError

BRREG_PUBLIC = "https://data.brreg.no/enhetsregisteret/api"


@dataclass(frozen=True)
class MaskinportenSettings:
    token_url: str | None = None
    client_id: str | None = None
    key: Path | None = None
    kid: str | None = None
    scope: str | None = None
    audience: str | None = None


@dataclass(frozen=True)
class FollowSettings:
    freg_url: str | None = None
    brreg_url: str = BRREG_PUBLIC
    maskinporten: MaskinportenSettings = MaskinportenSettings()
    retries: int = 6
    backoff_s: float = 1.0
    timeout_s: float = 30.0
    concurrency: int = 4
    """Lookups a follower sends to a source at once (Brønnøysund's per-unit lookups)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> FollowSettings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(f"GRUNNDATA_{name}", "").strip()
            return value or None

        def number(name: str, default: float) -> float:
            value = get(name)
            try:
                return default if value is None else float(value)
            except ValueError:
                raise SetupError(f"GRUNNDATA_{name} {value!r} is not a number.") from None

        key = get("MASKINPORTEN_KEY")
        return cls(
            freg_url=(get("FREG_URL") or "").rstrip("/") or None,
            brreg_url=(get("BRREG_URL") or BRREG_PUBLIC).rstrip("/"),
            maskinporten=MaskinportenSettings(
                token_url=get("MASKINPORTEN_TOKEN_URL"),
                client_id=get("MASKINPORTEN_CLIENT_ID"),
                key=Path(key).expanduser() if key else None,
                kid=get("MASKINPORTEN_KID"),
                scope=get("FREG_SCOPE"),
                audience=get("MASKINPORTEN_AUDIENCE"),
            ),
            retries=int(number("FOLLOW_RETRIES", cls.retries)),
            backoff_s=number("FOLLOW_BACKOFF", cls.backoff_s),
            timeout_s=number("FOLLOW_TIMEOUT", cls.timeout_s),
            concurrency=max(1, int(number("FOLLOW_CONCURRENCY", cls.concurrency))),
        )
