"""Folkeregisteret's part of access control: its scopes, how its persons are guarded, and
its place types (``grunndata.graphql.access`` reads it from ``REGISTER.access``)."""

from grunndata.registers.base import AccessRules, PersonAccess

IDENTITET = "folkeregister/offentligutenhjemmel"
MED_HJEMMEL = "folkeregister/offentligmedhjemmel"
ADRESSEBESKYTTELSE = "folkeregister/adressebeskyttelse"

PERSONS = PersonAccess(
    type_name="Person",
    key="identifikasjonsnummer",
    identity_scope=IDENTITET,
    full_scope=MED_HJEMMEL,
    graded_scope=ADRESSEBESKYTTELSE,
    identity_fields=frozenset(
        {"identifikasjonsnummer", "navn", "foedselsdato", "status", "doedsdato"}
    ),
    address_fields=frozenset({"bostedsadresse", "oppholdsadresse", "postadresse"}),
    cover_fields=frozenset({"postadresse"}),
    inner_address_fields=frozenset({("Historikk", "bostedsadresse")}),
)

ACCESS = AccessRules(
    scopes=(IDENTITET, MED_HJEMMEL, ADRESSEBESKYTTELSE),
    place_types=frozenset(
        {
            "Vegadresse",
            "Matrikkeladresse",
            "Poststed",
            "Bostedsadresse",
            "Postadresse",
            "Postboksadresse",
            "PostadresseIFrittFormat",
            "UkjentBosted",
            "Oppholdsadresse",
        }
    ),
    person_link_types=frozenset({"Person"}),
    persons=PERSONS,
)
