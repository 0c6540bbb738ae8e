"""Matrikkelen's part of access control: open data, except who holds the title
(``grunndata.graphql.access`` reads it from ``REGISTER.access``)."""

from grunndata.registers.base import AccessRules

HJEMMEL = "matrikkel/hjemmel"

ACCESS = AccessRules(
    scopes=(HJEMMEL,),
    field_scopes={
        ("Hjemmelshaver", "identifikasjonsnummer"): (HJEMMEL,),
        ("Hjemmelshaver", "person"): (HJEMMEL,),
    },
    identifier_fields=frozenset({("Hjemmelshaver", "identifikasjonsnummer")}),
    place_types=frozenset(
        {
            "Adresse",
            "AdresseTreff",
            "Eiendom",
            "Teig",
            "Bygning",
            "Kommune",
            "Fylke",
            "Matrikkelenhet",
            "Bruksenhet",
        }
    ),
    person_link_types=frozenset({"Hjemmelshaver"}),
)
