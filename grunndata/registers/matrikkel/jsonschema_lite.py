"""A small JSON Schema checker for the keywords Matrikkelen's own schema uses.

No JSON Schema library is a dependency of grunndata; the shipped schema
(``schema/matrikkel-jsonl.schema.json``) uses only: ``type``, ``const``, ``enum``,
``properties``, ``required``, ``additionalProperties: false``, ``minProperties``,
``items``, ``minItems``, ``minimum``, ``maximum``, ``minLength``, ``pattern``, ``oneOf``
and local ``$ref``. An unknown keyword raises, so the schema cannot silently outgrow this.

>>> check({"type": "integer", "minimum": 1}, 0)
['$: 0 is less than 1']
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

_TYPES = {
    "object": dict, "array": list, "string": str, "number": (int, float),
    "integer": int, "boolean": bool, "null": type(None),
}  # fmt: skip
_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description"}


@functools.cache
def matrikkel_schema() -> dict[str, Any]:
    path = resources.files("grunndata.registers.matrikkel") / "schema/matrikkel-jsonl.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _is(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[kind])


def check(schema: dict[str, Any], value: Any, root: dict[str, Any] | None = None,
          at: str = "$") -> list[str]:  # fmt: skip
    """The reasons ``value`` does not match ``schema`` (empty when it does)."""
    root = root or schema
    errors: list[str] = []
    for keyword, rule in schema.items():
        if keyword in _ANNOTATIONS or keyword in ("minimum", "maximum", "minLength"):
            continue
        if keyword == "$ref":
            target = root
            for part in rule.removeprefix("#/").split("/"):
                target = target[part]
            errors += check(target, value, root, at)
        elif keyword == "type":
            kinds = rule if isinstance(rule, list) else [rule]
            if not any(_is(value, kind) for kind in kinds):
                return [f"{at}: expected {' or '.join(kinds)}, got {json.dumps(value)[:40]}"]
        elif keyword == "const":
            if value != rule:
                errors.append(f"{at}: must be {json.dumps(rule)}")
        elif keyword == "enum":
            if value not in rule:
                errors.append(f"{at}: {json.dumps(value)} is not one of {', '.join(rule)}")
        elif keyword == "oneOf":
            passing = [check(option, value, root, at) for option in rule]
            if sum(not p for p in passing) != 1:
                best = min(passing, key=len)
                errors += best or [f"{at}: matches more than one alternative"]
        elif keyword == "additionalProperties":
            if rule is False and isinstance(value, dict):
                known = schema.get("properties", {})
                errors += [f"{at}: unknown member {k}" for k in value if k not in known]
        elif keyword in ("properties", "required", "minProperties"):
            if isinstance(value, dict):
                errors += _object(keyword, rule, value, root, at)
        elif keyword in ("items", "minItems"):
            if isinstance(value, list):
                if keyword == "minItems" and len(value) < rule:
                    errors.append(f"{at}: needs at least {rule} item(s)")
                elif keyword == "items":
                    for i, item in enumerate(value):
                        errors += check(rule, item, root, f"{at}[{i}]")
        elif keyword == "pattern":
            if isinstance(value, str) and not re.search(rule, value):
                errors.append(f"{at}: {value!r} does not match {rule}")
        else:
            raise ValueError(f"jsonschema_lite does not know the keyword {keyword!r}")
    errors += _bounds(schema, value, at)
    return errors


def _bounds(schema: dict[str, Any], value: Any, at: str) -> list[str]:
    errors = []
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{at}: {value} is less than {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{at}: {value} is more than {schema['maximum']}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        errors.append(f"{at}: is shorter than {schema['minLength']}")
    return errors


def _object(keyword: str, rule: Any, value: dict[str, Any], root: dict[str, Any],
            at: str) -> list[str]:  # fmt: skip
    if keyword == "properties":
        return [e for k, sub in rule.items() if k in value
                for e in check(sub, value[k], root, f"{at}.{k}")]  # fmt: skip
    if keyword == "required":
        return [f"{at}: {k} is missing" for k in rule if k not in value]
    return [f"{at}: needs at least {rule} member(s)"] if len(value) < rule else []


def check_object(schema: dict[str, Any], value: Any) -> list[str]:
    """The reasons a whole document does not match ``schema``. A document whose
    ``objekttype`` names one of the schema's ``$defs`` is checked against that one alone
    (the same answer as ``oneOf`` over them, at half the work)."""
    kind = value.get("objekttype") if isinstance(value, dict) else None
    if isinstance(kind, str) and kind in schema.get("$defs", {}):
        return check(schema["$defs"][kind], value, schema)
    return check(schema, value)
