"""Folkeregisteret: persons with every identifier they held and bitemporal versions of
their facts, loaded from the register's own person documents (Freg JSON)."""

from pathlib import Path

from grunndata.registers.base import EntityKeys, Register
from grunndata.registers.folkeregister.access import ACCESS
from grunndata.registers.folkeregister.eksport import EKSPORT
from grunndata.registers.folkeregister.fixtures import fixtures
from grunndata.registers.folkeregister.formats import FORMATS
from grunndata.registers.folkeregister.hendelser import HENDELSER
from grunndata.registers.folkeregister.kilde import follower
from grunndata.registers.folkeregister.lenker import EXTENSIONS
from grunndata.registers.folkeregister.query import FolkeregisterQuery
from grunndata.registers.folkeregister.revert import REVERTIBLE
from grunndata.registers.folkeregister.sqljson import SQL_ROOTS, SQL_TYPES
from grunndata.registers.folkeregister.tables import METADATA as TABLES
from grunndata.registers.folkeregister.types import person_batch

REGISTER = Register(
    name="folkeregister",
    title="Folkeregisteret",
    db_schema="folkeregister",
    query=FolkeregisterQuery,
    formats=FORMATS,
    entities={"Person": person_batch},
    entity_keys=(EntityKeys("Person", key="identifikasjonsnummer"),),
    access=ACCESS,
    eksport=EKSPORT,
    extensions=EXTENSIONS,
    sql_types=SQL_TYPES,
    sql_roots=SQL_ROOTS,
    kilder={"freg": follower},
    migrations=Path(__file__).with_name("migrations"),
    tables=TABLES,
    revertible=REVERTIBLE,
    fixtures=fixtures,
    hendelser=HENDELSER,
)
