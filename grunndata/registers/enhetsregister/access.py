"""Enhetsregisteret's part of access control: open data, except the persons in roles
(``grunndata.graphql.access`` reads it from ``REGISTER.access``)."""

from grunndata.registers.base import AccessRules

ROLLER = "enhetsregister/roller"

ACCESS = AccessRules(
    scopes=(ROLLER,),
    field_scopes={
        ("Rolleinnehaver", "foedselsnummer"): (ROLLER,),
        ("Rolleinnehaver", "person"): (ROLLER,),
    },
    identifier_fields=frozenset({("Rolleinnehaver", "foedselsnummer")}),
    person_link_types=frozenset({"Rolle"}),
)
