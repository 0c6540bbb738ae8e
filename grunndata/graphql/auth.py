"""Who is asking: OAuth2 bearer JWTs (Maskinporten / ID-porten style) verified against a JWKS.

A request without a token is anonymous (open data only). A token that is malformed,
expired, wrongly signed, from another issuer or for another audience is refused whole
(``InvalidToken`` → HTTP 401). A valid token becomes a ``Principal``: its scopes (with the
configured prefix taken off; others ignored), the consumer's organisasjonsnummer and, for a
citizen, their ``pid``.

Development: ``grunndata token`` signs with a local key (``dev_key``), which only a server
started with ``grunndata serve --dev-auth`` trusts.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from grunndata.config import SecuritySettings
from grunndata.errors import GrunndataError, SetupError

DEV_ISSUER = "grunndata-dev"
DEV_AUDIENCE = "grunndata"
DEV_KEY_ID = "grunndata-dev"
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
ORGNR_AUTHORITY = "0192"


class InvalidToken(GrunndataError):
    """The bearer token cannot be trusted: the whole request is refused (HTTP 401)."""

    code = "INVALID_TOKEN"
    http_status = 401


@dataclass(frozen=True)
class Principal:
    """The caller as its token says: scopes (prefix removed), consumer orgnr, citizen pid."""

    scopes: frozenset[str] = frozenset()
    orgnr: str | None = None
    pid: str | None = None
    authenticated: bool = False

    def has(self, scope: str) -> bool:
        return scope in self.scopes


ANONYMOUS = Principal()


VERIFIED_TOKENS = 4096  # tokens remembered at most (then forgotten all at once)


class Authenticator:
    """Turns an ``Authorization`` header into a ``Principal``, or raises ``InvalidToken``."""

    def __init__(
        self,
        keys: jwt.PyJWKSet | jwt.PyJWKClient | None,
        *,
        issuer: str | None,
        audience: str | None,
        leeway_s: int = 30,
        scope_prefix: str = "grunndata:",
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway_s = leeway_s
        self.scope_prefix = scope_prefix
        #: Tokens verified already → (principal, expiry): a signature check costs ~0.25 ms,
        #: and a client sends the same token until it expires.
        self._verified: dict[str, tuple[Principal, float]] = {}

    @classmethod
    def from_settings(
        cls, settings: SecuritySettings, *, dev_key: Path | None = None
    ) -> Authenticator:
        """Trust ``GRUNNDATA_JWKS`` (a file or an https URL), or only the development key."""
        if dev_key is not None:
            keys: jwt.PyJWKSet | jwt.PyJWKClient | None = jwt.PyJWKSet.from_dict(dev_jwks(dev_key))
            issuer, audience = DEV_ISSUER, DEV_AUDIENCE
        else:
            issuer, audience = settings.issuer, settings.audience
            if settings.jwks and not audience:
                raise SetupError(
                    "GRUNNDATA_JWKS is set but GRUNNDATA_AUDIENCE is not: tokens meant for "
                    "another service would be accepted.",
                    hint="Set GRUNNDATA_AUDIENCE (and GRUNNDATA_ISSUER) to this service's.",
                )
            keys = _keys(settings.jwks) if settings.jwks else None
        return cls(
            keys,
            issuer=issuer,
            audience=audience,
            leeway_s=settings.clock_skew_s,
            scope_prefix=settings.scope_prefix,
        )

    def principal(self, authorization: str | None) -> Principal:
        if authorization is None:
            return ANONYMOUS
        kind, _, token = authorization.strip().partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise InvalidToken("The Authorization header must be 'Bearer <token>'.")
        return self.verify(token.strip())

    def verify(self, token: str) -> Principal:
        """The token's principal: verified once, then remembered until its ``exp``."""
        return self.verify_until(token)[0]

    def verify_until(self, token: str) -> tuple[Principal, float]:
        """The token's principal and its expiry (``exp``, seconds since the epoch)."""
        remembered = self._verified.get(token)
        if remembered is not None and time.time() < remembered[1]:
            return remembered
        principal, expires = self._verify(token)
        if len(self._verified) >= VERIFIED_TOKENS:
            self._verified.clear()
        self._verified[token] = (principal, expires)
        return principal, expires

    def _verify(self, token: str) -> tuple[Principal, float]:
        if self.keys is None:
            raise InvalidToken("This server trusts no token issuer (GRUNNDATA_JWKS is not set).")
        try:
            key = self._signing_key(token)
            claims = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat"], "verify_iss": self.issuer is not None},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("The token has expired.") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("The token is meant for another audience.") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("The token is from an issuer this server does not trust.") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("The token's signature does not verify.") from None
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise InvalidToken(f"The token is not valid: {_reason(exc)}") from None
        return self._principal(claims), float(claims["exp"])

    def _signing_key(self, token: str) -> Any:
        if isinstance(self.keys, jwt.PyJWKClient):
            return self.keys.get_signing_key_from_jwt(token).key
        assert self.keys is not None
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self.keys.keys:
            if kid is None or key.key_id == kid:
                return key.key
        raise jwt.InvalidKeyError(f"no key with kid {kid!r} in the JWKS")

    def _principal(self, claims: dict[str, Any]) -> Principal:
        scope = claims.get("scope", "")
        if not isinstance(scope, str):
            raise InvalidToken("The token's scope claim must be a space-separated string.")
        prefix = self.scope_prefix
        scopes = frozenset(s[len(prefix) :] for s in scope.split() if s.startswith(prefix))
        pid = claims.get("pid")
        return Principal(
            scopes=scopes,
            orgnr=_orgnr(claims.get("consumer")),
            pid=str(pid) if pid else None,
            authenticated=True,
        )


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:200]


def _orgnr(consumer: Any) -> str | None:
    """The organisasjonsnummer of a Maskinporten ``consumer`` claim ("0192:<orgnr>")."""
    if not isinstance(consumer, dict):
        return None
    authority, _, number = str(consumer.get("ID", "")).partition(":")
    return number if authority == ORGNR_AUTHORITY and number.isdigit() else None


def _keys(source: str) -> jwt.PyJWKSet | jwt.PyJWKClient:
    if source.startswith(("https://", "http://")):
        return jwt.PyJWKClient(source, cache_jwk_set=True, lifespan=300, timeout=5)
    path = Path(source).expanduser()
    try:
        return jwt.PyJWKSet.from_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SetupError(f"GRUNNDATA_JWKS {source!r} cannot be read: {exc.strerror}.") from None
    except (jwt.PyJWKSetError, ValueError) as exc:
        raise SetupError(f"GRUNNDATA_JWKS {source!r} is not a JWKS: {exc}.") from None


# -- Development key ---------------------------------------------------------------------


def dev_key_path(data_dir: Path) -> Path:
    """Beside the data directory (whose cluster wants it to itself), one key per data dir."""
    return data_dir.parent / f"{data_dir.name}.dev-auth" / "signing-key.pem"


def dev_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """The local development signing key (P-256), made on first use, readable only by you."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, ec.EllipticCurvePrivateKey):
        raise SetupError(f"{path} is not a development signing key (P-256).")
    return loaded


def public_jwks(key: ec.EllipticCurvePrivateKey, key_id: str = DEV_KEY_ID) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**jwk, "kid": key_id, "use": "sig", "alg": "ES256"}]}


def dev_jwks(path: Path) -> dict[str, Any]:
    return public_jwks(dev_key(path))


def mint_token(
    key: ec.EllipticCurvePrivateKey,
    *,
    scopes: Iterable[str],
    orgnr: str | None,
    pid: str | None = None,
    ttl_s: int = 3600,
    issuer: str = DEV_ISSUER,
    audience: str = DEV_AUDIENCE,
    key_id: str = DEV_KEY_ID,
    now: float | None = None,
) -> str:
    """A Maskinporten-style token (plus ``pid`` for a citizen) signed with ``key``."""
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_s,
        "jti": uuid.uuid4().hex,
        "scope": " ".join(scopes),
    }
    if orgnr:
        claims["consumer"] = {"authority": "iso6523-actorid-upis", "ID": f"0192:{orgnr}"}
    if pid:
        claims["pid"] = pid
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": key_id})
