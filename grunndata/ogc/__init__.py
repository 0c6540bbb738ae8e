"""Maps and GIS: OGC API – Features under ``/ogc`` and vector tiles under ``/tiles``, built
from the feature collections the registers declare (``Register.collections``,
``grunndata.ogc.collection``). Open data only: no token is needed or read.

- ``collection``: what a register declares; ``crs``: the CRSs and their axis order;
- ``features``: the statement per page (GeoJSON made by PostgreSQL, keyset paging);
- ``cql``: CQL2 text to parameterised SQL; ``routes``: the endpoints;
- ``documents``, ``openapi``, ``conformance``, ``html``: what describes them.
"""
