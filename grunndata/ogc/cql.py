"""CQL2 text filters (OGC API – Features Part 3) compiled to parameterised SQL.

pygeofilter parses the text; this walks its tree and emits SQL over the collection's
queryables, every literal a bound parameter. Supported: comparisons, AND/OR/NOT, LIKE,
IN, BETWEEN, IS NULL and ``S_INTERSECTS`` with a WKT geometry (in ``filter-crs``, CRS84
by default). Anything else, or a name that is not a queryable, is a 400 that says why;
a syntax error says where.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lark.exceptions import UnexpectedInput
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_text import parse

from grunndata.ogc.collection import Collection
from grunndata.ogc.crs import Crs
from grunndata.ogc.problem import Problem

_COMPARISONS: dict[type, str] = {
    ast.Equal: "=", ast.NotEqual: "<>", ast.LessThan: "<", ast.LessEqual: "<=",
    ast.GreaterThan: ">", ast.GreaterEqual: ">=",
}  # fmt: skip
GEOMETRY = "geometry"


def _bad(reason: str) -> Problem:
    return Problem(400, "InvalidParameterValue", f"filter: {reason}")


def compile_filter(
    text: str, collection: Collection, crs: Crs, params: dict[str, Any],
    intersects: Callable[[str], str],
) -> str:  # fmt: skip
    """SQL for the CQL2 text ``text``; its literals are added to ``params``;
    ``intersects(shape)`` is the collection's spatial condition."""
    try:
        tree = parse(text)
    except UnexpectedInput as exc:
        raise _bad(
            f"syntax error at line {exc.line}, column {exc.column}: "
            f"{' '.join(str(exc).split())[:300]}"
        ) from None
    except Exception as exc:  # the parser's own checks (a bad literal, an unknown function)
        raise _bad(f"cannot be parsed: {' '.join(str(exc).split())[:300]}") from None
    return _Compiler(collection, crs, params, intersects).node(tree)


class _Compiler:
    def __init__(
        self, collection: Collection, crs: Crs, params: dict[str, Any],
        intersects: Callable[[str], str],
    ) -> None:  # fmt: skip
        self.intersects = intersects
        self.collection = collection
        self.crs = crs
        self.params = params

    def value(self, value: Any) -> str:
        if isinstance(value, ast.Attribute):
            return self.attribute(value.name)
        if isinstance(value, bool | int | float | str):
            name = f"cql{len(self.params)}"
            self.params[name] = value
            return f"%({name})s"
        raise _bad(f"a value of kind {type(value).__name__} is not supported here")

    def attribute(self, name: str) -> str:
        prop = self.collection.properties.get(name)
        if prop is None or not prop.queryable:
            names = [n for n, p in self.collection.properties.items() if p.queryable]
            raise _bad(f"{name!r} is not a queryable of {self.collection.id}; use one of: "
                       f"{', '.join([*names, GEOMETRY])}")  # fmt: skip
        return prop.sql

    def shape(self, value: Any) -> str:
        if isinstance(value, values.Envelope):
            geojson: dict[str, Any] = {
                "type": "Polygon",
                "coordinates": [[[value.x1, value.y1], [value.x2, value.y1], [value.x2, value.y2],
                                 [value.x1, value.y2], [value.x1, value.y1]]],
            }  # fmt: skip
        elif isinstance(value, values.Geometry):
            geojson = value.geometry
        else:
            raise _bad("S_INTERSECTS needs the geometry queryable and a WKT geometry")
        name = f"cql{len(self.params)}"
        self.params[name] = json.dumps(geojson)
        given = f"ST_SetSRID(ST_GeomFromGeoJSON(%({name})s), {self.crs.srid})"
        if self.crs.lat_first:
            given = f"ST_FlipCoordinates({given})"
        return f"ST_Transform({given}, 25833)"

    def node(self, node: Any) -> str:
        if isinstance(node, ast.And | ast.Or):
            op = "AND" if isinstance(node, ast.And) else "OR"
            return f"({self.node(node.lhs)} {op} {self.node(node.rhs)})"
        if isinstance(node, ast.Not):
            return f"(NOT {self.node(node.sub_node)})"
        if type(node) in _COMPARISONS:
            return f"({self.value(node.lhs)} {_COMPARISONS[type(node)]} {self.value(node.rhs)})"
        if isinstance(node, ast.Like):
            op = "ILIKE" if node.nocase else "LIKE"  # CQL2's % and _ are SQL's
            return f"({'NOT ' if node.not_ else ''}{self.value(node.lhs)} {op} " \
                f"{self.value(node.pattern)})"  # fmt: skip
        if isinstance(node, ast.In):
            items = ", ".join(self.value(v) for v in node.sub_nodes)
            return f"({self.value(node.lhs)} {'NOT ' if node.not_ else ''}IN ({items}))"
        if isinstance(node, ast.Between):
            return f"({self.value(node.lhs)} {'NOT ' if node.not_ else ''}BETWEEN " \
                f"{self.value(node.low)} AND {self.value(node.high)})"  # fmt: skip
        if isinstance(node, ast.IsNull):
            return f"({self.value(node.lhs)} IS {'NOT ' if node.not_ else ''}NULL)"
        if isinstance(node, ast.GeometryIntersects):
            lhs, rhs = node.lhs, node.rhs
            if isinstance(rhs, ast.Attribute):
                lhs, rhs = rhs, lhs
            if not (isinstance(lhs, ast.Attribute) and lhs.name == GEOMETRY):
                raise _bad("S_INTERSECTS needs the geometry queryable and a WKT geometry")
            return "(" + self.intersects(self.shape(rhs)) + ")"
        raise _bad(f"{type(node).__name__} is not supported (comparisons, AND/OR/NOT, LIKE, "
                   "IN, BETWEEN, IS NULL, S_INTERSECTS)")  # fmt: skip
