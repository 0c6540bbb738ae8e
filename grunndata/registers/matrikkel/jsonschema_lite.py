"""A small JSON Schema checker for the keywords Matrikkelen's own schema uses.

No JSON Schema library is a dependency of grunndata; the shipped schema
(``schema/matrikkel-jsonl.schema.json``) uses only: ``type``, ``const``, ``enum``,
``properties``, ``required``, ``additionalProperties: false``, ``minProperties``,
``items``, ``minItems``, ``minimum``, ``maximum``, ``minLength``, ``pattern``, ``oneOf``
and local ``$ref``. An unknown keyword raises, so the schema cannot silently outgrow this.
A schema is compiled once into plain functions (a load checks millions of records).

>>> check({"type": "integer", "minimum": 1}, 0)
['$: 0 is less than 1']
>>> check({"type": "object", "properties": {"a": {"enum": ["x"]}},
...        "additionalProperties": False}, {"a": "y", "b": 1})
['$.a: "y" is not one of x', '$: unknown member b']
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

Validator = Callable[[Any, str], list[str]]

_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": dict, "array": list, "string": str, "number": (int, float),
    "integer": int, "boolean": bool, "null": type(None),
}  # fmt: skip
_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description"})


@functools.cache
def matrikkel_schema() -> dict[str, Any]:
    path = resources.files("grunndata.registers.matrikkel") / "schema/matrikkel-jsonl.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _is(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[kind])


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Validator] = {}

    def ref(self, pointer: str) -> Validator:
        def run(value: Any, at: str) -> list[str]:
            if pointer not in self.refs:
                target = self.root
                for part in pointer.removeprefix("#/").split("/"):
                    target = target[part]
                self.refs[pointer] = self.compile(target)
            return self.refs[pointer](value, at)

        return run

    def compile(self, schema: dict[str, Any]) -> Validator:
        unknown = set(schema) - _ANNOTATIONS - set(_KEYWORDS)
        if unknown:
            raise ValueError(f"jsonschema_lite does not know the keyword(s) {sorted(unknown)}")
        kinds = schema.get("type")
        kinds = None if kinds is None else (kinds if isinstance(kinds, list) else [kinds])
        checks = [
            _KEYWORDS[keyword](self, rule, schema)
            for keyword, rule in schema.items()
            if keyword in _KEYWORDS and keyword != "type"
        ]

        def run(value: Any, at: str) -> list[str]:
            if kinds is not None and not any(_is(value, kind) for kind in kinds):
                return [f"{at}: expected {' or '.join(kinds)}, got {json.dumps(value)[:40]}"]
            errors: list[str] = []
            for one in checks:
                errors += one(value, at)
            return errors

        return run


def _const(c: _Compiler, rule: Any, schema: dict[str, Any]) -> Validator:
    return lambda v, at: [] if v == rule else [f"{at}: must be {json.dumps(rule)}"]


def _enum(c: _Compiler, rule: Any, schema: dict[str, Any]) -> Validator:
    message = ", ".join(map(str, rule))
    return lambda v, at: [] if v in rule else [f"{at}: {json.dumps(v)} is not one of {message}"]


def _properties(c: _Compiler, rule: dict[str, Any], schema: dict[str, Any]) -> Validator:
    members = {name: c.compile(sub) for name, sub in rule.items()}
    closed = schema.get("additionalProperties") is False

    def run(value: Any, at: str) -> list[str]:
        if not isinstance(value, dict):
            return []
        errors: list[str] = []
        for name, item in value.items():
            validator = members.get(name)
            if validator is not None:
                errors += validator(item, f"{at}.{name}")
            elif closed:
                errors.append(f"{at}: unknown member {name}")
        return errors

    return run


def _required(c: _Compiler, rule: list[str], schema: dict[str, Any]) -> Validator:
    return lambda v, at: (
        [f"{at}: {k} is missing" for k in rule if k not in v] if isinstance(v, dict) else []
    )


def _min_properties(c: _Compiler, rule: int, schema: dict[str, Any]) -> Validator:
    return lambda v, at: (
        [f"{at}: needs at least {rule} member(s)"] if isinstance(v, dict) and len(v) < rule
        else []
    )  # fmt: skip


def _items(c: _Compiler, rule: dict[str, Any], schema: dict[str, Any]) -> Validator:
    item = c.compile(rule)

    def run(value: Any, at: str) -> list[str]:
        if not isinstance(value, list):
            return []
        return [e for i, v in enumerate(value) for e in item(v, f"{at}[{i}]")]

    return run


def _min_items(c: _Compiler, rule: int, schema: dict[str, Any]) -> Validator:
    return lambda v, at: (
        [f"{at}: needs at least {rule} item(s)"] if isinstance(v, list) and len(v) < rule else []
    )


def _number(c: _Compiler, rule: float, schema: dict[str, Any], low: bool) -> Validator:
    def run(value: Any, at: str) -> list[str]:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return []
        if low and value < rule:
            return [f"{at}: {value} is less than {rule}"]
        if not low and value > rule:
            return [f"{at}: {value} is more than {rule}"]
        return []

    return run


def _min_length(c: _Compiler, rule: int, schema: dict[str, Any]) -> Validator:
    return lambda v, at: (
        [f"{at}: is shorter than {rule}"] if isinstance(v, str) and len(v) < rule else []
    )


def _pattern(c: _Compiler, rule: str, schema: dict[str, Any]) -> Validator:
    compiled = re.compile(rule)
    return lambda v, at: (
        [f"{at}: {v!r} does not match {rule}"]
        if isinstance(v, str) and not compiled.search(v) else []
    )  # fmt: skip


def _one_of(c: _Compiler, rule: list[dict[str, Any]], schema: dict[str, Any]) -> Validator:
    options = [c.compile(option) for option in rule]

    def run(value: Any, at: str) -> list[str]:
        results = [option(value, at) for option in options]
        passing = sum(not r for r in results)
        if passing == 1:
            return []
        return min(results, key=len) or [f"{at}: matches more than one alternative"]

    return run


def _ref(c: _Compiler, rule: str, schema: dict[str, Any]) -> Validator:
    return c.ref(rule)


def _ignored(c: _Compiler, rule: Any, schema: dict[str, Any]) -> Validator:
    return lambda v, at: []  # additionalProperties: applied by ``properties``


_KEYWORDS: dict[str, Callable[[_Compiler, Any, dict[str, Any]], Validator]] = {
    "type": _ignored, "const": _const, "enum": _enum, "properties": _properties,
    "required": _required, "additionalProperties": _ignored,
    "minProperties": _min_properties, "items": _items, "minItems": _min_items,
    "minimum": lambda c, r, s: _number(c, r, s, low=True),
    "maximum": lambda c, r, s: _number(c, r, s, low=False),
    "minLength": _min_length, "pattern": _pattern, "oneOf": _one_of, "$ref": _ref,
}  # fmt: skip


@functools.cache
def _compiled(text: str) -> Validator:
    schema = json.loads(text)
    return _Compiler(schema).compile(schema)


def check(schema: dict[str, Any], value: Any) -> list[str]:
    """The reasons ``value`` does not match ``schema`` (empty when it does)."""
    return _compiled(json.dumps(schema, sort_keys=True))(value, "$")


@functools.cache
def _matrikkel_validators() -> dict[str, Validator]:
    schema = matrikkel_schema()
    compiler = _Compiler(schema)
    kinds = [option["$ref"].removeprefix("#/$defs/") for option in schema["oneOf"]]
    validators = {kind: compiler.ref(f"#/$defs/{kind}") for kind in kinds}
    validators[""] = compiler.compile(schema)
    return validators


def check_matrikkel(value: Any) -> list[str]:
    """The reasons a record does not match the shipped Matrikkelen schema. A record whose
    ``objekttype`` names one of the schema's ``$defs`` is checked against that one alone
    (the same answer as ``oneOf`` over them, at a fraction of the work)."""
    validators = _matrikkel_validators()
    kind = value.get("objekttype") if isinstance(value, dict) else None
    if isinstance(kind, str) and kind in validators:
        return validators[kind](value, "$")
    return validators[""](value, "$")
