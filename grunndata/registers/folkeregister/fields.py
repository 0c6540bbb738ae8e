"""The fields of Freg's person document by kind (Freg OpenAPI 2.2.6): what the loader
checks and normalises in each version."""

#: Fields whose values are codes (Freg OpenAPI 2.2.6 enums): read UPPER_SNAKE as camelCase.
ENUM_FIELDS = frozenset(
    {
        "adressegradering",
        "ansvar",
        "bibeholdstatus",
        "bruksenhetstype",
        "graderingsnivaa",
        "identifikatortype",
        "identitetsgrunnlagstatus",
        "kjoenn",
        "minRolleForPerson",
        "omfang",
        "oppholdAnnetSted",
        "oppholdstillatelse",
        "relatertPersonsRolle",
        "sivilstand",
        "sivilstandstype",
        "skifteform",
        "spraak",
        "status",
        "valg",
        "vergemaaltype",
    }
)
#: Fields of format date in Freg OpenAPI 2.2.6 (and two older names).
DATE_FIELDS = frozenset(
    {
        "attestutstedelsesdato",
        "datoForBibehold",
        "doedsdato",
        "ervervsdato",
        "flyttedato",
        "foedselsdato",
        "gyldigFra",
        "gyldigTil",
        "innflyttingsdato",
        "oppholdFra",
        "oppholdTil",
        "oppholdsadressedato",
        "sivilstandsdato",
        "sluttdatoForKontrakt",
        "startdatoForKontrakt",
        "utflyttingsdato",
    }
)
KOMMUNE_FIELDS = frozenset({"kommunenummer", "foedekommuneINorge"})
#: Fields that are objects in Freg OpenAPI 2.2.6 (inside a version).
OBJECT_FIELDS = frozenset(
    {
        "adresse",
        "adressenummer",
        "advokat",
        "ansvarligUtenIdentifikator",
        "ansvarssubjektUtenIdentifikator",
        "dokumentkontroll",
        "kontaktadresseIFrittFormat",
        "kontaktpersonnavn",
        "matrikkeladresse",
        "matrikkelnummer",
        "navn",
        "organisasjon",
        "originaltNavn",
        "person",
        "personnavn",
        "postadresseIFrittFormat",
        "postboksadresse",
        "poststed",
        "relatertPersonUtenFolkeregisteridentifikator",
        "rettIdentitetVedOpplysninger",
        "ukjentBosted",
        "utenlandskAdresse",
        "utenlandskAdresseIFrittFormat",
        "vegadresse",
        "verge",
    }
)
TEXT_LIST_FIELDS = frozenset({"adresselinje", "spraak"})
#: Whole numbers the API answers with (digits in a string are read as the number).
INTEGER_FIELDS = frozenset({"gaardsnummer", "bruksnummer", "festenummer", "undernummer"})
#: Texts the API answers with.
TEXT_FIELDS = frozenset(
    {
        "adressekode",
        "adressenavn",
        "adresseIdentifikatorFraMatrikkelen",
        "adressetilleggsnavn",
        "bostedskommune",
        "bruksenhetsnummer",
        "coAdressenavn",
        "etternavn",
        "fornavn",
        "husbokstav",
        "husnummer",
        "mellomnavn",
        "postbokseier",
        "postboks",
        "postnummer",
        "poststedsnavn",
    }
)
#: Fields that hold one value (text, code or date): never an object or a list.
SCALAR_FIELDS = (ENUM_FIELDS - TEXT_LIST_FIELDS) | DATE_FIELDS | KOMMUNE_FIELDS | TEXT_FIELDS
