"""The register's tables (schema ``matrikkel``), declared once.

Its migrations (``migrations/``) make them; ``tests/db/test_tables.py`` checks that they
make exactly these. Loaders and queries use psycopg and SQL directly.
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION, TIMESTAMP

from grunndata.db.tables import CURRENT, versioned

METADATA = MetaData()

Table(
    "adresse",
    METADATA,
    Column("adresse_id", BigInteger, nullable=False),
    Column("adressetype", Text, nullable=False),
    Column("kommunenummer", Text, nullable=False),
    Column("adressekode", Integer),
    Column("adressenavn", Text),
    Column("nummer", Integer),
    Column("bokstav", Text),
    Column("undernummer", Integer),
    Column("adressetekst", Text, nullable=False),
    Column("adressetilleggsnavn", Text),
    Column("postnummer", Text),
    Column("poststed", Text),
    Column("matrikkelnummer", Text),
    Column("punkt", Geometry("POINT", srid=25833, spatial_index=False), nullable=False),
    Column("uuid_adresse", Uuid),
    Column("oppdateringsdato", TIMESTAMP(timezone=True)),
    *versioned("adresse", revertible=True),
    Column(
        "postadresse_form",
        Text,
        Computed(
            "felles.postadresse_form(postnummer, adressenavn, nummer, bokstav)", persisted=True
        ),
    ),
    CheckConstraint(
        "adressetype = ANY (ARRAY['vegadresse'::text, 'matrikkeladresse'::text])",
        name="adresse_adressetype_check",
    ),
    Index("adresse_adresse_id_idx", "adresse_id", postgresql_where=CURRENT),
    Index(
        "adresse_adressekode",
        "kommunenummer",
        "adressekode",
        "nummer",
        "bokstav",
        postgresql_where=CURRENT,
    ),
    Index(
        "adresse_adressetekst_idx",
        "adressetekst",
        postgresql_ops={"adressetekst": "text_pattern_ops"},
        postgresql_where=text(
            "(upper_inf(registrert) AND (adressetype = 'matrikkeladresse'::text))"
        ),
    ),
    Index(
        "adresse_kommunenummer_adressenavn_nummer_bokstav_idx",
        "kommunenummer",
        "adressenavn",
        "nummer",
        "bokstav",
        postgresql_where=CURRENT,
    ),
    Index(
        "adresse_matrikkelnummer_idx",
        "matrikkelnummer",
        postgresql_where=CURRENT,
    ),
    Index("adresse_postform", "postadresse_form", postgresql_where=CURRENT),
    Index("adresse_postnummer_idx", "postnummer", postgresql_where=CURRENT),
    Index(
        "adresse_punkt_idx",
        "punkt",
        postgresql_using="gist",
        postgresql_where=CURRENT,
    ),
    Index(
        "adresse_sok",
        text("matrikkel.sokeform(adressenavn)"),
        "nummer",
        "bokstav",
        postgresql_where=CURRENT,
    ),
    schema="matrikkel",
    comment="Vegadresser and matrikkeladresser with their representasjonspunkt",
)

Table(
    "adressenavn",
    METADATA,
    Column("sokenavn", Text, primary_key=True),
    Column("adressenavn", Text, nullable=False),
    Index(
        "adressenavn_knn",
        "sokenavn",
        postgresql_using="gist",
        postgresql_ops={"sokenavn": "gist_trgm_ops"},
    ),
    Index(
        "adressenavn_sokenavn_idx",
        "sokenavn",
        postgresql_using="gin",
        postgresql_ops={"sokenavn": "gin_trgm_ops"},
    ),
    Index("adressenavn_sokenavn_idx1", "sokenavn", postgresql_ops={"sokenavn": "text_pattern_ops"}),
    schema="matrikkel",
    comment="Distinct street names in search form (trigram search, step one)",
)

Table(
    "adressenavn_sted",
    METADATA,
    Column("sokenavn", Text, nullable=False),
    Column("kommunenummer", Text, nullable=False),
    Column("postnummer", Text),
    Column("poststed", Text),
    Column("poststedform", Text),
    UniqueConstraint(
        "sokenavn",
        "kommunenummer",
        "postnummer",
        "poststed",
        name="adressenavn_sted_sokenavn_kommunenummer_postnummer_poststed_key",
        postgresql_nulls_not_distinct=True,
    ),
    *(
        Index(
            f"adressenavn_sted_{place}_knn",
            place,
            "sokenavn",
            postgresql_using="gist",
            postgresql_ops={"sokenavn": "gist_trgm_ops"},
        )
        for place in ("postnummer", "poststedform", "kommunenummer")
    ),
    schema="matrikkel",
    comment="Street names (search form) per kommune, postnummer and poststed (address washing)",
)

Table(
    "bygning",
    METADATA,
    Column("bygningsnummer", BigInteger, nullable=False),
    Column("bygningstype", Text),
    Column("bygningsstatus", Text),
    Column("matrikkelnumre", ARRAY(Text), nullable=False),
    Column("punkt", Geometry("POINT", srid=25833, spatial_index=False)),
    *versioned("bygning", revertible=True),
    Index(
        "bygning_bygningsnummer_idx",
        "bygningsnummer",
        postgresql_where=CURRENT,
    ),
    Index("bygning_punkt", "punkt", postgresql_using="gist", postgresql_where=CURRENT),
    Index(
        "bygning_matrikkelnumre_idx",
        "matrikkelnumre",
        postgresql_using="gin",
        postgresql_where=CURRENT,
    ),
    schema="matrikkel",
    comment="Bygninger with the units they stand on",
)

Table(
    "eierforhold",
    METADATA,
    Column("matrikkelnummer", Text, nullable=False),
    Column("andel_teller", Integer),
    Column("andel_nevner", Integer),
    Column("navn", Text),
    Column("identifikasjonsnummer", Text),
    Column("organisasjonsnummer", Text),
    *versioned("eierforhold", revertible=True),
    CheckConstraint("andel_nevner > 0", name="eierforhold_andel_nevner_check"),
    CheckConstraint("andel_teller > 0", name="eierforhold_andel_teller_check"),
    Index(
        "eierforhold_identifikasjonsnummer",
        "identifikasjonsnummer",
        postgresql_where=CURRENT,
    ),
    Index(
        "eierforhold_matrikkelnummer_idx",
        "matrikkelnummer",
        postgresql_where=CURRENT,
    ),
    Index(
        "eierforhold_organisasjonsnummer",
        "organisasjonsnummer",
        postgresql_where=CURRENT,
    ),
    schema="matrikkel",
    comment="Hjemmelshavere (owners) of a unit with their andel",
)

Table(
    "matrikkelenhet",
    METADATA,
    Column("matrikkelnummer", Text, nullable=False),
    Column("kommunenummer", Text, nullable=False),
    Column("gardsnummer", Integer, nullable=False),
    Column("bruksnummer", Integer, nullable=False),
    Column("festenummer", Integer, nullable=False),
    Column("seksjonsnummer", Integer, nullable=False),
    Column("matrikkelenhetstype", Text),
    Column("status", Text, server_default=text("'aktiv'::text")),
    Column("bruksnavn", Text),
    *versioned("matrikkelenhet", revertible=True),
    Column(
        "kun_fra_kart",
        Boolean,
        nullable=False,
        server_default=text("false"),
        comment="Known from a teig only (no unit file named it yet): type and status unknown",
    ),
    CheckConstraint(
        (
            "matrikkelenhetstype = ANY (ARRAY['grunneiendom'::text, 'festegrunn'::text, "
            "'eierseksjon'::text, 'jordsameie'::text, 'anleggseiendom'::text])"
        ),
        name="matrikkelenhet_matrikkelenhetstype_check",
    ),
    Index(
        "matrikkelenhet_kommunenummer_gardsnummer_bruksnummer_idx",
        "kommunenummer",
        "gardsnummer",
        "bruksnummer",
        postgresql_where=CURRENT,
    ),
    Index(
        "matrikkelenhet_matrikkelnummer_idx",
        "matrikkelnummer",
        postgresql_where=CURRENT,
    ),
    schema="matrikkel",
    comment="Matrikkelenheter (property units): one row per version",
)

Table(
    "teig",
    METADATA,
    Column("matrikkelnummer", Text, nullable=False),
    Column("geometri", Geometry("MULTIPOLYGON", srid=25833, spatial_index=False), nullable=False),
    *versioned("teig", revertible=True),
    Column(
        "areal_m2",
        DOUBLE_PRECISION,
        Computed("st_area((st_transform(geometri, 4326))::geography)", persisted=True),
        comment="True (ellipsoidal) area in square metres, kept from geometri",
    ),
    Column(
        "nokkel",
        Text,
        Computed('"left"(md5(st_asbinary(geometri)), 10)', persisted=True),
        comment="The teig among its unit's teiger: the start of the md5 of geometri (WKB)",
    ),
    Index("teig_nokkel", "matrikkelnummer", "nokkel", postgresql_where=CURRENT),
    Index(
        "teig_geometri_idx",
        "geometri",
        postgresql_using="gist",
        postgresql_where=CURRENT,
    ),
    Index(
        "teig_matrikkelnummer_idx",
        "matrikkelnummer",
        postgresql_where=CURRENT,
    ),
    schema="matrikkel",
    comment="Teiger (parcels) of a unit, EPSG:25833",
)

Table(
    "tidligere_matrikkelnummer",
    METADATA,
    Column("matrikkelnummer", Text, nullable=False),
    Column("tidligere", Text, nullable=False),
    *versioned("tidligere_matrikkelnummer", revertible=True),
    Index(
        "tidligere_matrikkelnummer_matrikkelnummer_idx",
        "matrikkelnummer",
        postgresql_where=CURRENT,
    ),
    Index(
        "tidligere_matrikkelnummer_tidligere_idx",
        "tidligere",
        postgresql_where=CURRENT,
    ),
    schema="matrikkel",
    comment="Former matrikkelnummer of a unit, as recorded",
)
