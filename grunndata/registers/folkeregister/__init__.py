"""Folkeregisteret: its tables, queries, GraphQL types and source formats live in this room."""

from grunndata.registers.base import Register

REGISTER = Register(name="folkeregister", title="Folkeregisteret", db_schema="folkeregister")
