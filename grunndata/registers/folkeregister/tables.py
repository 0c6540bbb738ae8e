"""The register's tables (schema ``folkeregister``), declared once.

Its migrations (``migrations/``) make them; ``tests/db/test_tables.py`` checks that they
make exactly these. Loaders and queries use psycopg and SQL directly.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Identity,
    Index,
    MetaData,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP, TSTZRANGE

from grunndata.db.tables import versioned

METADATA = MetaData()

Table(
    "fakta",
    METADATA,
    Column("versjon_id", BigInteger, ForeignKey("folkeregister.versjon.id"), nullable=False),
    Column("person_id", BigInteger, ForeignKey("folkeregister.person.id"), nullable=False),
    Column("element", Text, nullable=False),
    Column("relasjon", Text, nullable=False),
    *versioned("fakta"),
    Index("fakta_person", "person_id", "element"),
    Index("fakta_versjon", "versjon_id"),
    schema="folkeregister",
    comment="Bitemporal registrations of versions: valid time gyldig, recorded time registrert",
)

Table(
    "identifikator",
    METADATA,
    Column("identifikasjonsnummer", Text, primary_key=True),
    Column("person_id", BigInteger, ForeignKey("folkeregister.person.id"), nullable=False),
    Column("load_id", BigInteger, ForeignKey("felles.load.id"), nullable=False),
    CheckConstraint(
        "identifikasjonsnummer ~ '^[0-9]{11}$'::text",
        name="identifikator_identifikasjonsnummer_check",
    ),
    Index("identifikator_person_id_idx", "person_id"),
    schema="folkeregister",
    comment="Every identifier a person ever held (fnr, D-nummer, ...): lookup by any of them",
)

Table(
    "person",
    METADATA,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("load_id", BigInteger, ForeignKey("felles.load.id"), nullable=False),
    schema="folkeregister",
    comment="One row per person; the identifiers and facts refer to it",
)

Table(
    "versjon",
    METADATA,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("person_id", BigInteger, ForeignKey("folkeregister.person.id"), nullable=False),
    Column("element", Text, nullable=False),
    Column(
        "relasjon",
        Text,
        nullable=False,
        server_default=text("''::text"),
        comment="Empty for single-valued facts; the relation a multi-valued fact's version is of",
    ),
    Column("gyldighetstidspunkt", TIMESTAMP(timezone=True)),
    Column("opphoerstidspunkt", TIMESTAMP(timezone=True)),
    Column("ajourholdstidspunkt", TIMESTAMP(timezone=True)),
    Column("er_gjeldende", Boolean),
    Column("kilde", Text),
    Column("aarsak", Text),
    Column("data", JSONB, nullable=False),
    Column(
        "innhold",
        Text,
        nullable=False,
        comment="Hash of the version without erGjeldende: the same version in two documents",
    ),
    Column(
        "fjernet",
        TIMESTAMP(timezone=True),
        comment="Recorded end: the time of the first newer document that no longer holds it",
    ),
    Column(
        "sist_sett",
        TIMESTAMP(timezone=True),
        comment="Time (latest ajourholdstidspunkt) of the newest document holding it",
    ),
    Column("load_id", BigInteger, ForeignKey("felles.load.id"), nullable=False),
    Column(
        "tilbakefort_av",
        BigInteger,
        comment="The revert that took this version out (its load was reverted)",
    ),
    Index(
        "versjon_person_id_innhold_key",
        "person_id",
        "innhold",
        unique=True,
        postgresql_where=text("(tilbakefort_av IS NULL)"),
    ),
    Index(
        "versjon_adresse_id",
        text("(data ->> 'adresseIdentifikatorFraMatrikkelen'::text)"),
        postgresql_where=text("(element = 'bostedsadresse'::text)"),
    ),
    Index(
        "versjon_vegadresse_kode",
        text("((data -> 'vegadresse'::text) ->> 'kommunenummer'::text)"),
        text("ltrim((data -> 'vegadresse'::text) ->> 'adressekode'::text, '0'::text)"),
        text(
            "ltrim(((data -> 'vegadresse'::text) -> 'adressenummer'::text) ->> "
            "'husnummer'::text, '0'::text)"
        ),
        postgresql_where=text(
            "((element = 'bostedsadresse'::text) AND ((data ->> "
            "'adresseIdentifikatorFraMatrikkelen'::text) IS NULL))"
        ),
    ),
    schema="folkeregister",
    comment="Versions of facts as the documents give them; never overwritten",
)

Table(
    "versjon_endret",
    METADATA,
    Column("nr", BigInteger, Identity(always=True), primary_key=True),
    Column("load_id", BigInteger, nullable=False),
    Column("versjon_id", BigInteger, nullable=False),
    Column("er_gjeldende", Boolean),
    Column("sist_sett", TIMESTAMP(timezone=True)),
    Column("fjernet", TIMESTAMP(timezone=True)),
    Index("versjon_endret_load_id_idx", "load_id"),
    schema="folkeregister",
    comment="What a load overwrote of a version (er_gjeldende, sist_sett, fjernet), as it was",
)

Table(
    "fakta_endret",
    METADATA,
    Column("endret_av", BigInteger, nullable=False),
    Column("versjon_id", BigInteger, nullable=False),
    Column("person_id", BigInteger, nullable=False),
    Column("element", Text, nullable=False),
    Column("relasjon", Text, nullable=False),
    Column("gyldig", TSTZRANGE, nullable=False),
    Column("registrert", TSTZRANGE, nullable=False),
    Column("load_id", BigInteger, nullable=False),
    Index("fakta_endret_endret_av_idx", "endret_av"),
    schema="folkeregister",
    comment="Every fakta row a load (endret_av) rewrote or removed, as it was",
)

Table(
    "identifikator_tilbakefort",
    METADATA,
    Column("identifikasjonsnummer", Text, nullable=False),
    Column("person_id", BigInteger, nullable=False),
    Column("load_id", BigInteger, nullable=False),
    Column("tilbakefort_av", BigInteger, nullable=False),
    schema="folkeregister",
    comment="Identifiers a reverted load had introduced, taken out of the lookup by the revert",
)
