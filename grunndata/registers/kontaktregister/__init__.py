"""Kontakt- og reservasjonsregisteret (KRR): each person's e-mail and mobile number,
reservation against digital communication, digital mailbox with its certificate, and
language, versioned in valid and recorded time, loaded from KRR's lookup answers.

- ``record``, ``formats``, ``extract_order``: the loader; ``tables``: the versioned table;
- ``varsling``: the 18-month rule and varslingsstatus; ``sertifikat``: the certificate;
- ``queries``, ``types``, ``query``, ``lenker``: the GraphQL surface, and ``sqljson`` the
  same in SQL (``grunndata.graphql.sql``); ``access``: scopes;
- ``generate``: its part of ``grunndata fixtures generate``; ``hendelser``: its events;
  ``eksport``: its part of ``grunndata export``.
"""

from pathlib import Path

from grunndata.loaders.revert import Revertible
from grunndata.registers.base import Register
from grunndata.registers.kontaktregister.access import ACCESS
from grunndata.registers.kontaktregister.eksport import EKSPORT
from grunndata.registers.kontaktregister.formats import FORMATS
from grunndata.registers.kontaktregister.generate import fixtures
from grunndata.registers.kontaktregister.hendelser import HENDELSER
from grunndata.registers.kontaktregister.lenker import EXTENSIONS
from grunndata.registers.kontaktregister.query import KontaktregisterQuery
from grunndata.registers.kontaktregister.sqljson import SQL_ROOTS, SQL_TYPES
from grunndata.registers.kontaktregister.tables import KONTAKT
from grunndata.registers.kontaktregister.tables import METADATA as TABLES

REGISTER = Register(
    name="kontaktregister",
    title="Kontakt- og reservasjonsregisteret",
    db_schema="kontaktregister",
    query=KontaktregisterQuery,
    formats=FORMATS,
    access=ACCESS,
    extensions=EXTENSIONS,
    sql_types=SQL_TYPES,
    sql_roots=SQL_ROOTS,
    migrations=Path(__file__).with_name("migrations"),
    tables=TABLES,
    revertible=Revertible(tables=(KONTAKT,)),
    fixtures=fixtures,
    hendelser=HENDELSER,
    eksport=EKSPORT,
)
