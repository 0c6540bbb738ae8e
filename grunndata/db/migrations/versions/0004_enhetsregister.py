"""Enhetsregisteret: the register's tables in schema `enhetsregister`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from alembic import op

from grunndata.db.migration_helpers import grant_app

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

VERSIONED = """
    gyldig      tstzrange NOT NULL CHECK (NOT isempty(gyldig)),
    registrert  tstzrange NOT NULL CHECK (NOT isempty(registrert)),
    load_id     bigint NOT NULL REFERENCES felles.load (id)
"""
CURRENT = "WHERE upper_inf(registrert)"
NOW = "WHERE upper_inf(registrert) AND upper_inf(gyldig)"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE enhetsregister.enhet (
            organisasjonsnummer text NOT NULL CHECK (organisasjonsnummer ~ '^[0-9]{{9}}$'),
            er_underenhet boolean NOT NULL,
            navn text,
            organisasjonsform_kode text,
            organisasjonsform_beskrivelse text,
            naeringskode1_kode text,
            naeringskode1_beskrivelse text,
            naeringskode2_kode text,
            naeringskode2_beskrivelse text,
            naeringskode3_kode text,
            naeringskode3_beskrivelse text,
            hjelpeenhetskode_kode text,
            hjelpeenhetskode_beskrivelse text,
            har_registrert_antall_ansatte boolean,
            antall_ansatte integer,
            registreringsdato_antall_ansatte_enhetsregisteret date,
            registreringsdato_antall_ansatte_nav_aaregisteret date,
            hjemmeside text,
            epostadresse text,
            telefon text,
            mobil text,
            postadresse jsonb,
            forretningsadresse jsonb,
            beliggenhetsadresse jsonb,
            institusjonell_sektorkode_kode text,
            institusjonell_sektorkode_beskrivelse text,
            siste_innsendte_aarsregnskap text,
            registreringsdato_enhetsregisteret date,
            stiftelsesdato date,
            registrert_i_mvaregisteret boolean,
            registreringsdato_merverdiavgiftsregisteret date,
            registreringsdato_merverdiavgiftsregisteret_enhetsregisteret date,
            frivillig_mva_registrert_beskrivelser text[],
            registreringsdato_frivillig_merverdiavgiftsregisteret date,
            registrert_i_frivillighetsregisteret boolean,
            registreringsdato_frivillighetsregisteret date,
            registrert_i_foretaksregisteret boolean,
            registreringsdato_foretaksregisteret date,
            registrert_i_stiftelsesregisteret boolean,
            registrert_i_partiregisteret boolean,
            registreringsdato_partiregisteret date,
            konkurs boolean,
            konkursdato date,
            under_avvikling boolean,
            under_avvikling_dato date,
            under_tvangsavvikling_eller_tvangsopplosning boolean,
            tvangsopplost_pga_manglende_daglig_leder_dato date,
            tvangsopplost_pga_manglende_revisor_dato date,
            tvangsopplost_pga_manglende_regnskap_dato date,
            tvangsopplost_pga_mangelfullt_styre_dato date,
            tvangsavviklet_pga_manglende_sletting_dato date,
            overordnet_enhet text,
            maalform text,
            vedtektsdato date,
            vedtektsfestet_formaal text[],
            aktivitet text[],
            oppstartsdato date,
            dato_eierskifte date,
            nedleggelsesdato date,
            slettedato date,
            {VERSIONED},
            -- on the number as an integer: GiST on text triples the cost of each insert
            EXCLUDE USING gist ((organisasjonsnummer::integer) WITH =, gyldig WITH &&)
                WHERE (upper_inf(registrert))
        )
        """
    )
    op.execute(
        "COMMENT ON TABLE enhetsregister.enhet IS 'Hovedenheter and underenheter, versioned: "
        "valid time (gyldig) and recorded time (registrert); fields as Brønnøysund names them'"
    )
    kommunenummer = "(coalesce(forretningsadresse, beliggenhetsadresse) ->> 'kommunenummer')"
    for name, expression, where in (
        ("enhet_key", "organisasjonsnummer", CURRENT),
        ("enhet_navn_trgm", "USING gin (lower(navn) gin_trgm_ops)", NOW),
        ("enhet_organisasjonsform", "organisasjonsform_kode", NOW),
        ("enhet_naeringskode1", "naeringskode1_kode text_pattern_ops", NOW),
        ("enhet_kommunenummer", kommunenummer, NOW),
        ("enhet_overordnet", "overordnet_enhet", CURRENT),  # underenheter at any time
        ("enhet_konkurs", "organisasjonsnummer", f"{NOW} AND konkurs"),
        ("enhet_under_avvikling", "organisasjonsnummer", f"{NOW} AND under_avvikling"),
        ("enhet_slettet", "organisasjonsnummer", f"{NOW} AND slettedato IS NOT NULL"),
    ):
        using = expression if expression.startswith("USING") else f"({expression})"
        op.execute(f"CREATE INDEX {name} ON enhetsregister.enhet {using} {where}")

    op.execute(
        f"""
        CREATE TABLE enhetsregister.rolle (
            organisasjonsnummer text NOT NULL,
            rollegruppe_kode text NOT NULL,
            rollegruppe_beskrivelse text,
            sist_endret date,
            rolletype_kode text NOT NULL,
            rolletype_beskrivelse text,
            person_fodselsnummer text,
            person_fodselsdato date,
            person_fornavn text,
            person_mellomnavn text,
            person_etternavn text,
            person_er_doed boolean,
            enhet_organisasjonsnummer text,
            enhet_navn text,
            enhet_organisasjonsform_kode text,
            enhet_er_slettet boolean,
            valgt_av_kode text,
            valgt_av_beskrivelse text,
            ansvarsandel text,
            fratraadt boolean,
            rekkefolge integer,
            {VERSIONED}
        )
        """
    )
    op.execute(
        "COMMENT ON TABLE enhetsregister.rolle IS 'Roller of an enhet (organisasjonsnummer) "
        "and who holds them: a person (fodselsnummer only from the authorised variant) or "
        "an enhet'"
    )
    for name, column in (
        ("rolle_enhet", "organisasjonsnummer"),
        ("rolle_innehaver_enhet", "enhet_organisasjonsnummer"),
        ("rolle_innehaver_person", "person_fodselsnummer"),
    ):
        op.execute(f"CREATE INDEX {name} ON enhetsregister.rolle ({column}) {CURRENT}")
    grant_app("GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA enhetsregister TO {app}")


def downgrade() -> None:
    op.execute("DROP TABLE enhetsregister.rolle")
    op.execute("DROP TABLE enhetsregister.enhet")
