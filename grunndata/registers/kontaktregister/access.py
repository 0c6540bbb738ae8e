"""KRR's part of access control (``grunndata.graphql.access`` reads it from
``REGISTER.access``): nothing without a token; contact details, varslingsstatus and
language need ``kontaktregister/kontaktinformasjon``, the digital mailbox and its
certificate ``kontaktregister/digitalpost``; the person's identifier, reservation and
status are answered with either. Every field read is logged in the lookup log under its
group, for the person the entry belongs to."""

from grunndata.registers.base import AccessRules

KONTAKTINFORMASJON = "kontaktregister/kontaktinformasjon"
DIGITALPOST = "kontaktregister/digitalpost"
EITHER = frozenset({KONTAKTINFORMASJON, DIGITALPOST})

_BY_FIELD: dict[str, str | frozenset[str]] = {
    "personidentifikator": EITHER,
    "status": EITHER,
    "reservasjon": EITHER,
    "reservasjonstidspunkt": EITHER,
    "epost": KONTAKTINFORMASJON,
    "mobil": KONTAKTINFORMASJON,
    "spraak": KONTAKTINFORMASJON,
    "varslingsstatus": KONTAKTINFORMASJON,
    "digitalPostkasse": DIGITALPOST,
}
_GROUP = {KONTAKTINFORMASJON: "kontaktinformasjon", DIGITALPOST: "digitalpost"}

ACCESS = AccessRules(
    scopes=(KONTAKTINFORMASJON, DIGITALPOST),
    field_scopes={
        ("Query", "kontaktinformasjon"): (EITHER,),
        ("Query", "kontaktinformasjoner"): (EITHER,),
        ("Person", "kontaktinformasjon"): (EITHER,),
        **{("Kontaktinformasjon", name): (scope,) for name, scope in _BY_FIELD.items()},
    },
    identifier_fields=frozenset({("Kontaktinformasjon", "personidentifikator")}),
    field_groups={
        ("Kontaktinformasjon", name): _GROUP.get(scope, "reservasjon")  # type: ignore[arg-type]
        for name, scope in _BY_FIELD.items()
        if name != "personidentifikator"
    },
)
