"""grunndata: Norway's base registers in PostGIS behind one GraphQL API."""

__version__ = "0.1.0"
