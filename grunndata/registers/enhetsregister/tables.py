"""The register's tables (schema ``enhetsregister``), declared once in ``METADATA``, and
how the loaders version them (``VersionedTable``).

Its migrations (``migrations/``) make the tables; ``tests/db/test_tables.py`` checks that
they make exactly these. Loaders and queries use psycopg and SQL directly.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    Date,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP

from grunndata.db.tables import CURRENT, versioned
from grunndata.loaders.versioning import VersionedTable
from grunndata.registers.enhetsregister.fields import CONTENT_COLUMNS

ENHET = VersionedTable(
    "enhetsregister.enhet", key=("organisasjonsnummer",), content=CONTENT_COLUMNS
)

ROLLE_CONTENT: tuple[str, ...] = (
    "rollegruppe_kode",
    "rollegruppe_beskrivelse",
    "sist_endret",
    "rolletype_kode",
    "rolletype_beskrivelse",
    "person_fodselsnummer",
    "person_fodselsdato",
    "person_fornavn",
    "person_mellomnavn",
    "person_etternavn",
    "person_er_doed",
    "enhet_organisasjonsnummer",
    "enhet_navn",
    "enhet_organisasjonsform_kode",
    "enhet_er_slettet",
    "valgt_av_kode",
    "valgt_av_beskrivelse",
    "ansvarsandel",
    "fratraadt",
    "rekkefolge",
)
#: One role group of one unit is one entity: it changes as a whole, from its sistEndret.
ROLLE = VersionedTable(
    "enhetsregister.rolle",
    key=("organisasjonsnummer", "rollegruppe_kode"),
    content=tuple(c for c in ROLLE_CONTENT if c != "rollegruppe_kode"),
)


METADATA = MetaData()

Table(
    "enhet",
    METADATA,
    Column("organisasjonsnummer", Text, nullable=False),
    Column("er_underenhet", Boolean, nullable=False),
    Column("navn", Text),
    Column("organisasjonsform_kode", Text),
    Column("organisasjonsform_beskrivelse", Text),
    Column("naeringskode1_kode", Text),
    Column("naeringskode1_beskrivelse", Text),
    Column("naeringskode2_kode", Text),
    Column("naeringskode2_beskrivelse", Text),
    Column("naeringskode3_kode", Text),
    Column("naeringskode3_beskrivelse", Text),
    Column("hjelpeenhetskode_kode", Text),
    Column("hjelpeenhetskode_beskrivelse", Text),
    Column("har_registrert_antall_ansatte", Boolean),
    Column("antall_ansatte", Integer),
    Column("registreringsdato_antall_ansatte_enhetsregisteret", Date),
    Column("registreringsdato_antall_ansatte_nav_aaregisteret", Date),
    Column("hjemmeside", Text),
    Column("epostadresse", Text),
    Column("telefon", Text),
    Column("mobil", Text),
    Column("postadresse", JSONB),
    Column("forretningsadresse", JSONB),
    Column("beliggenhetsadresse", JSONB),
    Column("institusjonell_sektorkode_kode", Text),
    Column("institusjonell_sektorkode_beskrivelse", Text),
    Column("siste_innsendte_aarsregnskap", Text),
    Column("registreringsdato_enhetsregisteret", Date),
    Column("stiftelsesdato", Date),
    Column("registrert_i_mvaregisteret", Boolean),
    Column("registreringsdato_merverdiavgiftsregisteret", Date),
    Column("registreringsdato_merverdiavgiftsregisteret_enhetsregisteret", Date),
    Column("frivillig_mva_registrert_beskrivelser", ARRAY(Text)),
    Column("registreringsdato_frivillig_merverdiavgiftsregisteret", Date),
    Column("registrert_i_frivillighetsregisteret", Boolean),
    Column("registreringsdato_frivillighetsregisteret", Date),
    Column("registrert_i_foretaksregisteret", Boolean),
    Column("registreringsdato_foretaksregisteret", Date),
    Column("registrert_i_stiftelsesregisteret", Boolean),
    Column("registrert_i_partiregisteret", Boolean),
    Column("registreringsdato_partiregisteret", Date),
    Column("konkurs", Boolean),
    Column("konkursdato", Date),
    Column("under_avvikling", Boolean),
    Column("under_avvikling_dato", Date),
    Column("under_tvangsavvikling_eller_tvangsopplosning", Boolean),
    Column("tvangsopplost_pga_manglende_daglig_leder_dato", Date),
    Column("tvangsopplost_pga_manglende_revisor_dato", Date),
    Column("tvangsopplost_pga_manglende_regnskap_dato", Date),
    Column("tvangsopplost_pga_mangelfullt_styre_dato", Date),
    Column("tvangsavviklet_pga_manglende_sletting_dato", Date),
    Column("overordnet_enhet", Text),
    Column("maalform", Text),
    Column("vedtektsdato", Date),
    Column("vedtektsfestet_formaal", ARRAY(Text)),
    Column("aktivitet", ARRAY(Text)),
    Column("oppstartsdato", Date),
    Column("dato_eierskifte", Date),
    Column("nedleggelsesdato", Date),
    Column("slettedato", Date),
    *versioned("enhet", revertible=True),
    Column(
        "navn_sok",
        Text,
        Computed("enhetsregister.navn_fold(navn)", persisted=True),
        comment="navn folded for search (navn_fold), computed once when the version is written",
    ),
    Column(
        "forretningsadresse_form",
        Text,
        Computed("felles.postadresse_form(forretningsadresse)", persisted=True),
    ),
    Column(
        "beliggenhetsadresse_form",
        Text,
        Computed("felles.postadresse_form(beliggenhetsadresse)", persisted=True),
    ),
    CheckConstraint(
        "organisasjonsnummer ~ '^[0-9]{9}$'::text", name="enhet_organisasjonsnummer_check"
    ),
    Index(
        "enhet_beliggenhetsadresse_form",
        "beliggenhetsadresse_form",
        postgresql_where=CURRENT,
    ),
    Index(
        "enhet_forretningsadresse_form",
        "forretningsadresse_form",
        postgresql_where=CURRENT,
    ),
    Index("enhet_key", "organisasjonsnummer", postgresql_where=CURRENT),
    Index(
        "enhet_kommunenummer",
        text("(COALESCE(forretningsadresse, beliggenhetsadresse) ->> 'kommunenummer'::text)"),
        postgresql_where=text("(upper_inf(registrert) AND upper_inf(gyldig))"),
    ),
    Index(
        "enhet_konkurs",
        "organisasjonsnummer",
        postgresql_where=text("(upper_inf(registrert) AND upper_inf(gyldig) AND konkurs)"),
    ),
    Index(
        "enhet_naeringskode1",
        "naeringskode1_kode",
        postgresql_ops={"naeringskode1_kode": "text_pattern_ops"},
        postgresql_where=text("(upper_inf(registrert) AND upper_inf(gyldig))"),
    ),
    Index(
        "enhet_navn_trgm",
        "navn_sok",
        postgresql_using="gin",
        postgresql_ops={"navn_sok": "gin_trgm_ops"},
        postgresql_where=text("(upper_inf(registrert) AND upper_inf(gyldig))"),
    ),
    Index(
        "enhet_organisasjonsform",
        "organisasjonsform_kode",
        postgresql_where=text("(upper_inf(registrert) AND upper_inf(gyldig))"),
    ),
    Index("enhet_overordnet", "overordnet_enhet", postgresql_where=CURRENT),
    Index(
        "enhet_slettet",
        "organisasjonsnummer",
        postgresql_where=text(
            "(upper_inf(registrert) AND upper_inf(gyldig) AND (slettedato IS NOT NULL))"
        ),
    ),
    Index(
        "enhet_under_avvikling",
        "organisasjonsnummer",
        postgresql_where=text("(upper_inf(registrert) AND upper_inf(gyldig) AND under_avvikling)"),
    ),
    schema="enhetsregister",
    comment=(
        "Hovedenheter and underenheter, versioned: valid time (gyldig) and recorded time "
        "(registrert); fields as Brønnøysund names them"
    ),
)

Table(
    "fjernet",
    METADATA,
    Column("organisasjonsnummer", Text, nullable=False),
    Column(
        "fjernet",
        TIMESTAMP(timezone=True),
        nullable=False,
        server_default=text("clock_timestamp()"),
        comment="When grunndata recorded the withdrawal (or its restoration by a revert)",
    ),
    Column(
        "load_id",
        BigInteger,
        ForeignKey("felles.load.id"),
        comment="The followed batch that withdrew the unit",
    ),
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column(
        "opphevet",
        TIMESTAMP(timezone=True),
        comment="When the withdrawal stopped being in force (grunndata's transaction time)",
    ),
    Column(
        "opphevet_av",
        BigInteger,
        ForeignKey("felles.load.id"),
        comment="The batch that found the unit published again, or the revert that took the "
        "withdrawal out",
    ),
    Column(
        "gjenopprettet_av",
        BigInteger,
        ForeignKey("felles.load.id"),
        comment="The revert that put back this withdrawal, which a reverted batch had ended",
    ),
    CheckConstraint("(opphevet IS NULL) = (opphevet_av IS NULL)", name="fjernet_opphevet_check"),
    Index(
        "fjernet_gjeldende",
        "organisasjonsnummer",
        unique=True,
        postgresql_where=text("(opphevet IS NULL)"),
    ),
    schema="enhetsregister",
    comment=(
        "Units withdrawn from open data (Fjernet: HTTP 410), one row per withdrawal while in "
        "force (append-only): rows with no opphevet are in force, and no query shows their units"
    ),
)

Table(
    "rolle",
    METADATA,
    Column("organisasjonsnummer", Text, nullable=False),
    Column("rollegruppe_kode", Text, nullable=False),
    Column("rollegruppe_beskrivelse", Text),
    Column("sist_endret", Date),
    Column("rolletype_kode", Text, nullable=False),
    Column("rolletype_beskrivelse", Text),
    Column("person_fodselsnummer", Text),
    Column("person_fodselsdato", Date),
    Column("person_fornavn", Text),
    Column("person_mellomnavn", Text),
    Column("person_etternavn", Text),
    Column("person_er_doed", Boolean),
    Column("enhet_organisasjonsnummer", Text),
    Column("enhet_navn", Text),
    Column("enhet_organisasjonsform_kode", Text),
    Column("enhet_er_slettet", Boolean),
    Column("valgt_av_kode", Text),
    Column("valgt_av_beskrivelse", Text),
    Column("ansvarsandel", Text),
    Column("fratraadt", Boolean),
    Column("rekkefolge", Integer),
    *versioned("rolle", revertible=True),
    Index("rolle_enhet", "organisasjonsnummer", postgresql_where=CURRENT),
    Index(
        "rolle_innehaver_enhet",
        "enhet_organisasjonsnummer",
        postgresql_where=CURRENT,
    ),
    Index(
        "rolle_innehaver_person",
        "person_fodselsnummer",
        postgresql_where=CURRENT,
    ),
    schema="enhetsregister",
    comment=(
        "Roller of an enhet (organisasjonsnummer) and who holds them: a person (fodselsnummer only "
        "from the authorised variant) or an enhet"
    ),
)
