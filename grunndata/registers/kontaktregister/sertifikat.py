"""The digital mailbox's X.509 certificate: KRR gives it as base64 DER or PEM; the
register stores the DER and answers its subject, issuer, serial and validity."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding


class BadCertificate(ValueError):
    """Not an X.509 certificate in base64 DER or PEM."""


@dataclass(frozen=True)
class Sertifikat:
    subject: str
    issuer: str
    serienummer: str
    gyldig_fra: datetime
    gyldig_til: datetime

    def gyldig(self, at: datetime) -> bool:
        """Whether it is valid at ``at`` (both ends included, as X.509 says)."""
        return self.gyldig_fra <= at <= self.gyldig_til


def der_of(text: str) -> bytes:
    """The DER bytes of a certificate given as PEM or as base64 DER."""
    body = text.strip()
    if body.startswith("-----BEGIN"):
        try:
            return x509.load_pem_x509_certificate(body.encode()).public_bytes(Encoding.DER)
        except ValueError as exc:
            raise BadCertificate(f"not a PEM certificate ({exc})") from None
    try:
        der = base64.b64decode("".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        raise BadCertificate("neither PEM nor base64") from None
    read(der)
    return der


@lru_cache(maxsize=256)
def read(der: bytes) -> Sertifikat:
    """The certificate's fields (cached: a provider's certificate serves many mailboxes)."""
    try:
        certificate = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise BadCertificate(f"not an X.509 certificate ({exc})") from None
    return Sertifikat(
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        serienummer=format(certificate.serial_number, "x"),
        gyldig_fra=certificate.not_valid_before_utc,
        gyldig_til=certificate.not_valid_after_utc,
    )
