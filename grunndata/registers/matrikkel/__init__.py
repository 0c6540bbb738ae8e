"""Matrikkelen: its tables, queries, GraphQL types and source formats live in this room.

- ``adresse_csv``, ``teig_geojson``, ``matrikkel_jsonl``: the source formats (``formats``);
- ``geometri``: coordinates and shapes in any EPSG code, checked against Norway's extent;
- ``queries`` and ``sok``: the SQL; ``samlinger``: the OGC API collections and tile layers;
- ``types`` and ``query``: the GraphQL types and root fields, and the ``Eiendom`` and
  ``Adresse`` entities other registers reach by key;
- ``adresseparser`` and ``vask*``: address washing (GraphQL ``adressevask``, in bulk from
  the command line and ``POST /adressevask``);
- ``fixtures``: its part of ``grunndata fixtures generate``.
"""

from pathlib import Path

import strawberry

from grunndata.loaders.revert import Revertible
from grunndata.registers.base import EntityKeys, Register
from grunndata.registers.lenker import (
    ADRESSE_BY_FOLKEREGISTERNOEKKEL,
    ADRESSE_BY_KODE,
    ADRESSE_BY_POSTFORM,
)
from grunndata.registers.matrikkel.access import ACCESS
from grunndata.registers.matrikkel.adresse_csv import ADRESSE
from grunndata.registers.matrikkel.eksport import EKSPORT
from grunndata.registers.matrikkel.fixtures import fixtures
from grunndata.registers.matrikkel.formats import FORMATS
from grunndata.registers.matrikkel.hendelser import HENDELSER
from grunndata.registers.matrikkel.lenker import (
    EXTENSIONS,
    adresse_by_folkeregisternoekkel_batch,
    adresse_by_kode_batch,
    adresse_by_postform_batch,
)
from grunndata.registers.matrikkel.matrikkel_jsonl import (
    BYGNING,
    EIERFORHOLD,
    MATRIKKELENHET,
    TIDLIGERE,
)
from grunndata.registers.matrikkel.query import (
    EiendomFilter,
    MatrikkelQuery,
    adresse_batch,
    eiendom_batch,
)
from grunndata.registers.matrikkel.samlinger import COLLECTIONS
from grunndata.registers.matrikkel.sqljson import SQL_ROOTS, SQL_TYPES
from grunndata.registers.matrikkel.tables import METADATA as TABLES
from grunndata.registers.matrikkel.teig_geojson import TEIG
from grunndata.registers.matrikkel.types import GEOJSON_SCALAR, GeoJSON
from grunndata.registers.matrikkel.vask_http import ENDPOINTS

REGISTER = Register(
    name="matrikkel",
    title="Matrikkelen",
    db_schema="matrikkel",
    query=MatrikkelQuery,
    types=(EiendomFilter,),
    formats=FORMATS,
    entities={
        "Eiendom": eiendom_batch,
        "Adresse": adresse_batch,
        ADRESSE_BY_KODE: adresse_by_kode_batch,
        ADRESSE_BY_FOLKEREGISTERNOEKKEL: adresse_by_folkeregisternoekkel_batch,
        ADRESSE_BY_POSTFORM: adresse_by_postform_batch,
    },
    entity_keys=(
        EntityKeys("Eiendom", key="matrikkelnummer"),
        EntityKeys(
            "Adresse",
            key="adresseId",
            field_types={
                "kommunenummer": str,
                "adressekode": int | None,
                "nummer": int | None,
                "bokstav": str | None,
                "undernummer": int | None,
                "normalisertPostadresse": str | None,
                "folkeregisternoekkel": strawberry.ID,
            },
        ),
    ),
    access=ACCESS,
    extensions=EXTENSIONS,
    http_endpoints=ENDPOINTS,
    scalars={GeoJSON: GEOJSON_SCALAR},
    sql_types=SQL_TYPES,
    sql_roots=SQL_ROOTS,
    collections=COLLECTIONS,
    eksport=EKSPORT,
    migrations=Path(__file__).with_name("migrations"),
    tables=TABLES,
    revertible=Revertible(tables=(MATRIKKELENHET, TIDLIGERE, TEIG, EIERFORHOLD, BYGNING, ADRESSE)),
    fixtures=fixtures,
    hendelser=HENDELSER,
)
