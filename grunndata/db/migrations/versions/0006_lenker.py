"""Cross-register links: one normalised postal form of an address, shared by both rooms.

Enhetsregisteret gives addresses as free address lines + postnummer; Matrikkelen as
adressenavn + nummer + bokstav + postnummer. Both are folded to one text by the same SQL
functions in ``felles`` and stored as generated columns, indexed on the present versions, so
existing rows get them and a match is an equality:

- ``felles.gatenavn_form(navn)``: lower case (Æ, Ø, Å and accented letters too, whatever
  the cluster's locale), abbreviations ``vn.``/``gt.`` spelt out, punctuation and runs of
  white space to one space, ``veien``/``vegen``/``veg`` → ``vei`` and ``gata``/``gaten`` →
  ``gate`` at a word's end;
- ``felles.postadresse_form(postnummer, adressenavn, nummer, bokstav)``: ``"0150 karl
  johans gate 22b"``; null unless postnummer, name and number are all known;
- ``felles.postadresse_form(adresse jsonb)``: the same from a Brønnøysund address; null
  (never a guess) for a foreign address, a c/o or P.O. box line, no line or more than one
  line of the form "name number [letter]", a number range.

Matrikkelen also gets an index on (kommunenummer, adressekode, nummer, bokstav), the key a
Folkeregister vegadresse is matched by.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UPPER = "ÆØÅÄÖÜÉÈÊËÁÀÂÓÒÔÚÙÛÍÌÎÏÇÑ"
PRESENT = "WHERE upper_inf(registrert)"
#: A Freg address's adresseId in Matrikkelen (how Adresse.beboere finds residents).
ADRESSE_ID = "data ->> 'adresseIdentifikatorFraMatrikkelen'"

GATENAVN_FORM = rf"""
CREATE FUNCTION felles.gatenavn_form(navn text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT nullif(btrim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        regexp_replace(regexp_replace(
        translate(lower(navn), '{UPPER}', '{UPPER.lower()}'),
        'vn\.', 'vei ', 'g'),
        'gt\.', 'gate ', 'g'),
        '[[:punct:]’´`«»]+', ' ', 'g'),
        '(veien|vegen|veg)\M', 'vei', 'g'),
        '(gata|gaten)\M', 'gate', 'g'),
        '\s+', ' ', 'g')), '')
$$
"""

POSTADRESSE_FORM = r"""
CREATE FUNCTION felles.postadresse_form(postnummer text, adressenavn text, nummer integer,
                                        bokstav text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN btrim(postnummer) ~ '^[0-9]{4}$' AND nummer IS NOT NULL
                 AND felles.gatenavn_form(adressenavn) IS NOT NULL
           THEN btrim(postnummer) || ' ' || felles.gatenavn_form(adressenavn) || ' '
                || nummer::text || coalesce(lower(btrim(bokstav)), '')
           END
$$
"""

#: Lines that say the address is not (only) a street address: c/o, P.O. box.
NOT_A_STREET = r"'^(c/o|c\.o\.|co |postboks|pb\.?\s|boks\s|p\.?\s?o\.?\s?box)'"

POSTADRESSE_FORM_JSON = rf"""
CREATE FUNCTION felles.postadresse_form(adresse jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH linjer AS (
        SELECT btrim(linje) AS linje
        FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(adresse -> 'adresse') = 'array'
                                            THEN adresse -> 'adresse' ELSE '[]' END) AS l(linje)
        WHERE btrim(linje) <> ''
    ), treff AS (
        SELECT regexp_match(linje, '^(.*[^0-9[:space:]-])\s+([0-9]{{1,5}})\s*([A-Za-z])?$') AS m
        FROM linjer
    )
    SELECT CASE
        WHEN adresse IS NULL OR coalesce(adresse ->> 'landkode', 'NO') <> 'NO' THEN NULL
        WHEN EXISTS (SELECT 1 FROM linjer WHERE linje ~* {NOT_A_STREET}) THEN NULL
        WHEN (SELECT count(*) FROM treff WHERE m IS NOT NULL) <> 1 THEN NULL
        ELSE (SELECT felles.postadresse_form(adresse ->> 'postnummer', m[1], m[2]::integer, m[3])
              FROM treff WHERE m IS NOT NULL)
    END
$$
"""


def upgrade() -> None:
    op.execute(GATENAVN_FORM)
    op.execute(POSTADRESSE_FORM)
    op.execute(POSTADRESSE_FORM_JSON)
    for signature in ("gatenavn_form(text)", "postadresse_form(text, text, integer, text)",
                      "postadresse_form(jsonb)"):  # fmt: skip
        op.execute(f"GRANT EXECUTE ON FUNCTION felles.{signature} TO PUBLIC")
    op.execute(
        "COMMENT ON FUNCTION felles.postadresse_form(text, text, integer, text) IS "
        "'An address in normalised postal form: postnummer, folded street name, number+letter'"
    )
    op.execute(
        "ALTER TABLE matrikkel.adresse ADD COLUMN postadresse_form text GENERATED ALWAYS AS "
        "(felles.postadresse_form(postnummer, adressenavn, nummer, bokstav)) STORED"
    )
    op.execute(f"CREATE INDEX adresse_postform ON matrikkel.adresse (postadresse_form) {PRESENT}")
    op.execute(
        "CREATE INDEX adresse_adressekode ON matrikkel.adresse "
        f"(kommunenummer, adressekode, nummer, bokstav) {PRESENT}"
    )
    for column in ("identifikasjonsnummer", "organisasjonsnummer"):
        op.execute(
            f"CREATE INDEX eierforhold_{column} ON matrikkel.eierforhold ({column}) {PRESENT}"
        )
    op.execute(
        "CREATE INDEX versjon_adresse_id ON folkeregister.versjon "
        f"(({ADRESSE_ID})) WHERE element = 'bostedsadresse'"
    )
    for column in ("forretningsadresse", "beliggenhetsadresse"):
        op.execute(
            f"ALTER TABLE enhetsregister.enhet ADD COLUMN {column}_form text GENERATED ALWAYS "
            f"AS (felles.postadresse_form({column})) STORED"
        )
        op.execute(
            f"CREATE INDEX enhet_{column}_form ON enhetsregister.enhet ({column}_form) {PRESENT}"
        )


def downgrade() -> None:
    for column in ("forretningsadresse", "beliggenhetsadresse"):
        op.execute(f"ALTER TABLE enhetsregister.enhet DROP COLUMN {column}_form")
    op.execute("DROP INDEX folkeregister.versjon_adresse_id")
    op.execute("DROP INDEX matrikkel.eierforhold_identifikasjonsnummer")
    op.execute("DROP INDEX matrikkel.eierforhold_organisasjonsnummer")
    op.execute("DROP INDEX matrikkel.adresse_adressekode")
    op.execute("ALTER TABLE matrikkel.adresse DROP COLUMN postadresse_form")
    op.execute("DROP FUNCTION felles.postadresse_form(jsonb)")
    op.execute("DROP FUNCTION felles.postadresse_form(text, text, integer, text)")
    op.execute("DROP FUNCTION felles.gatenavn_form(text)")
