"""Why a file no format recognises is not one: "looks like X, but field F is …".

A format may offer ``near_miss(inner_name, head) -> str | None``: when the file has the
marks of that format (its name, its top-level keys) but a field of the wrong shape, it says
which. The helpers here read the first JSON object of a file's head and name a field whose
shape is wrong, so that each format only states what it expects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from grunndata.loaders.sources import SourceFile

_decoder = json.JSONDecoder()
_NAMES: dict[type, str] = {
    list: "a list",
    dict: "an object",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true or false",
    type(None): "null",
}


def first_object(head: bytes) -> dict[str, Any] | None:
    """The first JSON object in ``head`` (a document, an array's first element, or a JSON
    Lines file's first line), or None when the head holds no whole object."""
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if text.startswith("["):
        text = text[1:].lstrip()
    try:
        value, _ = _decoder.raw_decode(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def kind_of(value: Any) -> str:
    return _NAMES.get(type(value), type(value).__name__)


def wrong_shape(obj: Mapping[str, Any], expected: Mapping[str, type]) -> str | None:
    """The first field of ``obj`` whose value is not of the expected type, described, e.g.
    "`identifikasjonsnummer` is a string where a list is expected"; None when all fit."""
    for key, wanted in expected.items():
        if key in obj and obj[key] is not None and not isinstance(obj[key], wanted):
            expected_kind = _NAMES.get(wanted, wanted.__name__)
            return f"`{key}` is {kind_of(obj[key])} where {expected_kind} is expected"
    return None


def explain(source: SourceFile, formats: Sequence[Any]) -> str | None:
    """The first format's word on why ``source`` almost matched it, or None."""
    try:
        head = source.head()
    except Exception:  # an unreadable file fails on its own message elsewhere
        return None
    for source_format in formats:
        near_miss = getattr(source_format, "near_miss", None)
        if near_miss is not None and (said := near_miss(source.inner_name, head)):
            return str(said)
    return None
