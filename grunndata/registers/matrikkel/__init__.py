"""Matrikkelen: its tables, queries, GraphQL types and source formats live in this room."""

from grunndata.registers.base import Register

REGISTER = Register(name="matrikkel", title="Matrikkelen", db_schema="matrikkel")
