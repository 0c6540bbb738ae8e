"""Enhetsregisteret: its tables, queries, GraphQL types and source formats live in this room.

- ``fields``: every field of Brønnøysund's enhet/underenhet (JSON and CSV names, columns);
- ``formats``, ``merge``: the loaders; ``tables``: the versioned tables;
- ``queries``: batched SQL; ``types`` and ``query``: the GraphQL surface;
- ``fixtures``: its part of ``grunndata fixtures generate``.
"""

from pathlib import Path

from grunndata.registers.base import EntityKeys, Register
from grunndata.registers.enhetsregister.access import ACCESS
from grunndata.registers.enhetsregister.eksport import EKSPORT
from grunndata.registers.enhetsregister.fixtures import fixtures
from grunndata.registers.enhetsregister.formats import FORMATS
from grunndata.registers.enhetsregister.hendelser import HENDELSER
from grunndata.registers.enhetsregister.kilde import KILDER
from grunndata.registers.enhetsregister.lenker import EXTENSIONS, LOG_LINKS
from grunndata.registers.enhetsregister.query import EnhetsregisterQuery
from grunndata.registers.enhetsregister.revert import REVERTIBLE
from grunndata.registers.enhetsregister.sqljson import SQL_ROOTS, SQL_TYPES
from grunndata.registers.enhetsregister.tables import METADATA as TABLES
from grunndata.registers.enhetsregister.types import enhet_batch

REGISTER = Register(
    name="enhetsregister",
    title="Enhetsregisteret",
    db_schema="enhetsregister",
    query=EnhetsregisterQuery,
    formats=FORMATS,
    entities={"Enhet": enhet_batch},
    entity_keys=(EntityKeys("Enhet", key="organisasjonsnummer"),),
    access=ACCESS,
    eksport=EKSPORT,
    extensions=EXTENSIONS,
    log_links=LOG_LINKS,
    kilder=KILDER,
    migrations=Path(__file__).with_name("migrations"),
    tables=TABLES,
    revertible=REVERTIBLE,
    fixtures=fixtures,
    hendelser=HENDELSER,
    sql_types=SQL_TYPES,
    sql_roots=SQL_ROOTS,
)
