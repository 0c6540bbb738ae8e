"""Matrikkelen: its tables, queries, GraphQL types and source formats live in this room.

- ``adresse_csv``, ``teig_geojson``, ``matrikkel_jsonl``: the source formats;
- ``geometri``: coordinates in any EPSG code, checked against Norway's extent;
- ``queries``: the SQL; ``types`` and ``subgraph``: the GraphQL types and root fields.
"""

from grunndata.registers.base import Register
from grunndata.registers.matrikkel.formats import FORMATS

REGISTER = Register(
    name="matrikkel", title="Matrikkelen", db_schema="matrikkel", formats=FORMATS
)
