"""Matrikkelen: the register's tables in schema `matrikkel`.

Every table is versioned: valid time ``gyldig`` and recorded time ``registrert``
(nothing is overwritten), and every row carries the ``load_id`` that wrote it.
Geometry is stored in EPSG:25833 (EUREF89 UTM 33, metres) with GiST indexes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_VERSIONED = """
    gyldig      tstzrange NOT NULL CHECK (NOT isempty(gyldig)),
    registrert  tstzrange NOT NULL CHECK (NOT isempty(registrert)),
    load_id     bigint NOT NULL REFERENCES felles.load (id)
"""

_TABLES = (
    f"""
    CREATE TABLE matrikkel.matrikkelenhet (
        matrikkelnummer     text NOT NULL,
        kommunenummer       text NOT NULL,
        gardsnummer         integer NOT NULL,
        bruksnummer         integer NOT NULL,
        festenummer         integer NOT NULL,
        seksjonsnummer      integer NOT NULL,
        matrikkelenhetstype text NOT NULL CHECK (matrikkelenhetstype IN (
            'grunneiendom', 'festegrunn', 'eierseksjon', 'jordsameie', 'anleggseiendom')),
        status              text NOT NULL DEFAULT 'aktiv',
        bruksnavn           text,
        {_VERSIONED},
        EXCLUDE USING gist (matrikkelnummer WITH =, gyldig WITH &&)
            WHERE (upper_inf(registrert))
    )
    """,
    f"""
    CREATE TABLE matrikkel.tidligere_matrikkelnummer (
        matrikkelnummer     text NOT NULL,
        tidligere           text NOT NULL,
        {_VERSIONED}
    )
    """,
    f"""
    CREATE TABLE matrikkel.teig (
        matrikkelnummer     text NOT NULL,
        geometri            geometry(MultiPolygon, 25833) NOT NULL,
        {_VERSIONED}
    )
    """,
    f"""
    CREATE TABLE matrikkel.eierforhold (
        matrikkelnummer        text NOT NULL,
        andel_teller           integer CHECK (andel_teller > 0),
        andel_nevner           integer CHECK (andel_nevner > 0),
        navn                   text,
        identifikasjonsnummer  text,
        organisasjonsnummer    text,
        {_VERSIONED}
    )
    """,
    f"""
    CREATE TABLE matrikkel.bygning (
        bygningsnummer      bigint NOT NULL,
        bygningstype        text,
        bygningsstatus      text,
        matrikkelnumre      text[] NOT NULL,
        punkt               geometry(Point, 25833),
        {_VERSIONED},
        EXCLUDE USING gist (bygningsnummer WITH =, gyldig WITH &&)
            WHERE (upper_inf(registrert))
    )
    """,
    f"""
    CREATE TABLE matrikkel.adresse (
        adresse_id          bigint NOT NULL,
        adressetype         text NOT NULL CHECK (adressetype IN ('vegadresse', 'matrikkeladresse')),
        kommunenummer       text NOT NULL,
        adressekode         integer,
        adressenavn         text,
        nummer              integer,
        bokstav             text,
        undernummer         integer,
        adressetekst        text NOT NULL,
        adressetilleggsnavn text,
        postnummer          text,
        poststed            text,
        matrikkelnummer     text,
        punkt               geometry(Point, 25833) NOT NULL,
        uuid_adresse        uuid,
        oppdateringsdato    timestamptz,
        {_VERSIONED},
        EXCLUDE USING gist (adresse_id WITH =, gyldig WITH &&) WHERE (upper_inf(registrert))
    )
    """,
    """
    CREATE TABLE matrikkel.adressenavn (
        sokenavn    text PRIMARY KEY,
        adressenavn text NOT NULL
    )
    """,
)

#: Folds what people type and what the register writes to one search form: lower case,
#: no diacritics (ø→o, å→a, æ→ae), vei/veg/veien/vegen → vei, gate/gata/gaten → gate.
_SOKENAVN = r"""
CREATE FUNCTION matrikkel.sokeform(tekst text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT regexp_replace(regexp_replace(regexp_replace(
        lower(public.unaccent('public.unaccent'::regdictionary, tekst)),
        '(vei|veg)(en)?\M', 'vei', 'g'),
        'gat(a|e|en)\M', 'gate', 'g'),
        '\s+', ' ', 'g')
$$
"""

_INDEXES = (
    "CREATE INDEX ON matrikkel.matrikkelenhet (matrikkelnummer) WHERE upper_inf(registrert)",
    "CREATE INDEX ON matrikkel.matrikkelenhet (kommunenummer, gardsnummer, bruksnummer) "
    "WHERE upper_inf(registrert)",
    "CREATE INDEX ON matrikkel.tidligere_matrikkelnummer (tidligere) WHERE upper_inf(registrert)",
    "CREATE INDEX ON matrikkel.tidligere_matrikkelnummer (matrikkelnummer) "
    "WHERE upper_inf(registrert)",
    "CREATE INDEX ON matrikkel.teig (matrikkelnummer) WHERE upper_inf(registrert)",
    "CREATE INDEX ON matrikkel.teig USING gist (geometri) WHERE upper_inf(registrert)",
    "CREATE INDEX ON matrikkel.eierforhold (matrikkelnummer) WHERE upper_inf(registrert)",
    "CREATE INDEX ON matrikkel.bygning (bygningsnummer) WHERE upper_inf(registrert)",
    "CREATE INDEX ON matrikkel.bygning USING gin (matrikkelnumre) WHERE upper_inf(registrert)",
    "CREATE INDEX ON matrikkel.adresse (adresse_id) WHERE upper_inf(registrert)",
    "CREATE INDEX ON matrikkel.adresse (matrikkelnummer) WHERE upper_inf(registrert)",
    "CREATE INDEX ON matrikkel.adresse USING gist (punkt) WHERE upper_inf(registrert)",
    "CREATE INDEX adresse_sok ON matrikkel.adresse "
    "(matrikkel.sokeform(adressenavn), nummer, bokstav) WHERE upper_inf(registrert)",
    "CREATE INDEX ON matrikkel.adresse (kommunenummer, adressenavn, nummer, bokstav) "
    "WHERE upper_inf(registrert)",
    "CREATE INDEX ON matrikkel.adresse (postnummer) WHERE upper_inf(registrert)",
    "CREATE INDEX ON matrikkel.adresse (adressetekst text_pattern_ops) "
    "WHERE upper_inf(registrert) AND adressetype = 'matrikkeladresse'",
    "CREATE INDEX ON matrikkel.adressenavn USING gin (sokenavn public.gin_trgm_ops)",
    "CREATE INDEX ON matrikkel.adressenavn (sokenavn text_pattern_ops)",
)

_TABLE_NAMES = (
    "matrikkelenhet",
    "tidligere_matrikkelnummer",
    "teig",
    "eierforhold",
    "bygning",
    "adresse",
)


def upgrade() -> None:
    op.execute(_SOKENAVN)
    for statement in _TABLES:
        op.execute(statement)
    for statement in _INDEXES:
        op.execute(statement)
    comments = {
        "matrikkelenhet": "Matrikkelenheter (property units): one row per version",
        "tidligere_matrikkelnummer": "Former matrikkelnummer of a unit, as recorded",
        "teig": "Teiger (parcels) of a unit, EPSG:25833",
        "eierforhold": "Hjemmelshavere (owners) of a unit with their andel",
        "bygning": "Bygninger with the units they stand on",
        "adresse": "Vegadresser and matrikkeladresser with their representasjonspunkt",
        "adressenavn": "Distinct street names in search form (trigram search, step one)",
    }
    for table, comment in comments.items():
        op.execute(f"COMMENT ON TABLE matrikkel.{table} IS '{comment}'")
    grant_app("GRANT EXECUTE ON FUNCTION matrikkel.sokeform(text) TO {app}")
    grant_app("GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA matrikkel TO {app}")


def downgrade() -> None:
    for table in (*_TABLE_NAMES, "adressenavn"):
        op.execute(f"DROP TABLE matrikkel.{table}")
    op.execute("DROP FUNCTION matrikkel.sokeform(text)")
