"""Maskinporten's JWT-bearer grant (RFC 7523): a signed assertion for an access token.

The assertion names the client (``iss``), the scope and Maskinporten as its audience, is
signed with the client's key (a PEM file, or a JWK file) and identifies the key by
``kid``. The token is kept until shortly before it expires, and is never logged.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt

from grunndata.errors import SetupError
from grunndata.kilder.http import SourceUnavailable
from grunndata.kilder.settings import MaskinportenSettings

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME_S = 120
RENEW_BEFORE_S = 30


def _load_key(settings: MaskinportenSettings) -> tuple[Any, str]:
    """The signing key and its algorithm (RS256 for RSA, ES256 for an EC key)."""
    if settings.key is None:
        raise SetupError("GRUNNDATA_MASKINPORTEN_KEY is not set (a PEM or JWK file).")
    try:
        text = settings.key.read_text(encoding="utf-8")
    except OSError as exc:
        raise SetupError(f"GRUNNDATA_MASKINPORTEN_KEY {settings.key}: {exc.strerror}") from None
    try:
        if text.lstrip().startswith("{"):
            jwk = jwt.PyJWK.from_json(text)
            return jwk.key, "ES256" if json.loads(text).get("kty") == "EC" else "RS256"
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        key = load_pem_private_key(text.encode(), password=None)
        return key, "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise SetupError(
            f"GRUNNDATA_MASKINPORTEN_KEY {settings.key}: not a private key in PEM or JWK ({exc})"
        ) from None


class Maskinporten:
    """Authorization headers for one client and scope, the token renewed when due."""

    def __init__(self, settings: MaskinportenSettings, *, timeout_s: float = 30.0) -> None:
        if not (settings.token_url and settings.client_id and settings.scope):
            raise SetupError(
                "GRUNNDATA_MASKINPORTEN_TOKEN_URL is set: GRUNNDATA_MASKINPORTEN_CLIENT_ID "
                "and GRUNNDATA_FREG_SCOPE must be set too."
            )
        self._settings = settings
        self._key, self._algorithm = _load_key(settings)
        parts = urlsplit(settings.token_url)
        self._audience = settings.audience or f"{parts.scheme}://{parts.netloc}/"
        self._timeout = timeout_s
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.grants = 0

    def assertion(self) -> str:
        now = int(time.time())
        claims = {
            "aud": self._audience,
            "iss": self._settings.client_id,
            "scope": self._settings.scope,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_S,
            "jti": str(uuid.uuid4()),
        }
        headers = {"kid": self._settings.kid} if self._settings.kid else None
        return jwt.encode(claims, self._key, algorithm=self._algorithm, headers=headers)

    def headers(self) -> Mapping[str, str]:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires:
                self._grant()
            return {"Authorization": f"Bearer {self._token}"}

    def _grant(self) -> None:
        url = self._settings.token_url
        assert url is not None
        try:
            response = httpx.post(
                url,
                data={"grant_type": GRANT_TYPE, "assertion": self.assertion()},
                timeout=self._timeout,
            )
        except httpx.TransportError as exc:
            raise SourceUnavailable(f"Maskinporten {url}: {type(exc).__name__}") from None
        if response.status_code != 200:
            error = _error(response)
            raise SetupError(
                f"Maskinporten {url} refused the grant: HTTP {response.status_code} {error}",
                hint="Check GRUNNDATA_MASKINPORTEN_CLIENT_ID, _KID, _KEY and GRUNNDATA_FREG_SCOPE.",
            )
        body = response.json()
        self._token = body["access_token"]
        lifetime = float(body.get("expires_in") or 120)
        self._expires = time.monotonic() + max(lifetime - RENEW_BEFORE_S, lifetime / 2)
        self.grants += 1


def _error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error_description") or body.get("error") or "")
