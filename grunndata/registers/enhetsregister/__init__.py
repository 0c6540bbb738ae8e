"""Enhetsregisteret: its tables, queries, GraphQL types and source formats live in this room."""

from grunndata.registers.base import Register
from grunndata.registers.enhetsregister.formats import FORMATS

REGISTER = Register(
    name="enhetsregister", title="Enhetsregisteret", db_schema="enhetsregister", formats=FORMATS
)
