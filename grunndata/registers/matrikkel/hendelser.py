"""Matrikkelen's part of the change feed (``grunndata.feed``): an Eiendom (its
matrikkelenhet, with its teig, former numbers and owners as field groups), an Adresse, a
Bygning, each by the key the GraphQL API names it. Owners are a field group of the
Eiendom: no event is keyed by the person who owns it."""

from grunndata.feed.declare import Hendelser, TableEvents

HENDELSER = Hendelser(
    entiteter=("Eiendom", "Adresse", "Bygning"),
    tables=(
        TableEvents("matrikkel.matrikkelenhet", "'Eiendom'", feltgruppe="'matrikkelenhet'"),
        TableEvents("matrikkel.teig", "'Eiendom'", feltgruppe="'teig'", main=False),
        TableEvents(
            "matrikkel.tidligere_matrikkelnummer",
            "'Eiendom'",
            feltgruppe="'tidligereMatrikkelnummer'",
            main=False,
        ),
        TableEvents("matrikkel.eierforhold", "'Eiendom'", feltgruppe="'eierforhold'", main=False),
        TableEvents("matrikkel.adresse", "'Adresse'", feltgruppe="'adresse'"),
        TableEvents("matrikkel.bygning", "'Bygning'", feltgruppe="'bygning'"),
    ),
)
