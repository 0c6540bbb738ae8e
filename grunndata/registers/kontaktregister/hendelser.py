"""Kontakt- og reservasjonsregisteret's part of the change feed (``grunndata.feed``): a
person's entry (``Kontaktinformasjon``) by the person's identifier. Events keyed by a
person, so a consumer sees them only with one of the register's scopes."""

from grunndata.feed.declare import Hendelser, TableEvents
from grunndata.registers.kontaktregister.access import DIGITALPOST, KONTAKTINFORMASJON

HENDELSER = Hendelser(
    entiteter=("Kontaktinformasjon",),
    tables=(TableEvents("kontaktregister.kontakt", "'Kontaktinformasjon'"),),
    personer={"Kontaktinformasjon": (KONTAKTINFORMASJON, DIGITALPOST)},
)
