"""The register's table (schema ``kontaktregister``), declared once in ``METADATA``, and
how the loader versions it (``VersionedTable``).

One row is one version of one person's entry in KRR, by personidentifikator (a
fødselsnummer or D-nummer; a person Folkeregisteret does not know is stored too), with
valid time (``gyldig``) and recorded time (``registrert``). Its migrations
(``migrations/``) make the table; ``tests/db/test_tables.py`` checks that they make
exactly this.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Index, LargeBinary, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import TIMESTAMP

from grunndata.db.tables import CURRENT, versioned
from grunndata.loaders.versioning import VersionedTable

#: Content columns, in KRR's own names (``kontaktinformasjon``'s fields flattened).
CONTENT: tuple[str, ...] = (
    "status",
    "reservasjon",
    "reservasjonstidspunkt",
    "reservasjon_oppdatert",
    "epostadresse",
    "epostadresse_oppdatert",
    "epostadresse_sist_verifisert",
    "mobiltelefonnummer",
    "mobiltelefonnummer_oppdatert",
    "mobiltelefonnummer_sist_verifisert",
    "postkasseadresse",
    "postkasseleverandoeradresse",
    "sertifikat",
    "spraak",
    "spraak_oppdatert",
)
TIMES = frozenset(c for c in CONTENT if c.endswith(("_oppdatert", "_verifisert", "tidspunkt")))

KONTAKT = VersionedTable("kontaktregister.kontakt", key=("personidentifikator",), content=CONTENT)

METADATA = MetaData()

Table(
    "kontakt",
    METADATA,
    Column("personidentifikator", Text, nullable=False),
    *(
        Column(name, TIMESTAMP(timezone=True) if name in TIMES else Text)
        for name in CONTENT
        if name not in ("status", "sertifikat")
    ),
    Column("status", Text, nullable=False),
    Column("sertifikat", LargeBinary, comment="The digital mailbox's X.509 certificate (DER)"),
    *versioned("kontakt", revertible=True),
    CheckConstraint(
        "personidentifikator ~ '^[0-9]{11}$'::text", name="kontakt_personidentifikator_check"
    ),
    CheckConstraint(
        "status = ANY (ARRAY['AKTIV'::text, 'SLETTET'::text, 'IKKE_REGISTRERT'::text])",
        name="kontakt_status_check",
    ),
    CheckConstraint(
        "reservasjon = ANY (ARRAY['JA'::text, 'NEI'::text])", name="kontakt_reservasjon_check"
    ),
    Index("kontakt_key", "personidentifikator", postgresql_where=CURRENT),
    schema="kontaktregister",
    comment="Each person's entry in Kontakt- og reservasjonsregisteret, versioned: valid "
    "time (gyldig) and recorded time (registrert); fields as KRR names them",
)
