"""What a request to ``/graphql`` must look like, checked before anything parses it.

Every malformed request gets a JSON GraphQL error with a stable code and the request id,
never a 5xx or plain text: the gate (``gate.py``) runs ``problem`` on each request and
refuses what it finds; what strawberry itself refuses (an unknown ``operationName``, no
query) is recoded by ``from_http_exception``. Codes:

- 405 ``METHOD_NOT_ALLOWED``: not GET or POST;
- 415 ``UNSUPPORTED_MEDIA_TYPE``: a POST body that is not ``application/json``;
- 400 ``INVALID_JSON``: a body (or GET ``variables``) that is not UTF-8 JSON;
- 400 ``BATCH_NOT_SUPPORTED``: a JSON array of operations;
- 400 ``INVALID_REQUEST``: not a JSON object, or a member of the wrong type;
- 400 ``VARIABLES_TOO_DEEP``: JSON nested deeper than ``MAX_DEPTH``;
- 400 ``OPERATION_NOT_FOUND``: ``operationName`` names no operation of the document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import orjson

#: Deepest JSON a request may hold; grunndata's arguments are a list of strings at most.
MAX_DEPTH = 32
_MEMBERS: Mapping[str, tuple[type, ...]] = {
    "query": (str,),
    "operationName": (str,),
    "variables": (dict,),
    "extensions": (dict,),
    "documentId": (str,),
}
_TYPE_NAMES = {str: "a string", dict: "an object"}


@dataclass(frozen=True)
class Problem:
    status: int
    code: str
    message: str


def problem(method: str, content_type: str, query_string: bytes, body: bytes) -> Problem | None:
    """What is wrong with the request, or None."""
    if method not in ("GET", "POST"):
        return Problem(405, "METHOD_NOT_ALLOWED", "Only GET and POST reach /graphql.")
    if method == "GET":
        return _get_problem(query_string)
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        return Problem(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"The request body must be application/json, not {media_type[:80] or 'untyped'}.",
        )
    data = _json(body, "The request body")
    if isinstance(data, Problem):
        return data
    if isinstance(data, list):
        return Problem(400, "BATCH_NOT_SUPPORTED", "Send one operation per request, not a list.")
    if not isinstance(data, dict):
        return Problem(
            400, "INVALID_REQUEST", "The request body must be a JSON object with a query."
        )
    for name, types in _MEMBERS.items():
        value = data.get(name)
        if value is not None and not isinstance(value, types):
            kind = _TYPE_NAMES[types[0]]
            return Problem(400, "INVALID_REQUEST", f"`{name}` must be {kind} or null.")
    return _depth_problem(data)


def _get_problem(query_string: bytes) -> Problem | None:
    try:
        params = parse_qs(query_string.decode("utf-8"), errors="strict")
    except UnicodeDecodeError:
        return Problem(400, "INVALID_REQUEST", "The query string is not UTF-8.")
    for name in ("variables", "extensions"):
        for text in params.get(name, []):
            data = _json(text.encode(), f"The `{name}` parameter")
            if isinstance(data, Problem):
                return data
            if not isinstance(data, dict | None):
                return Problem(400, "INVALID_REQUEST", f"`{name}` must be an object or null.")
            if data is not None and (found := _depth_problem(data)):
                return found
    return None


def _json(body: bytes, what: str) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc) or "recursion" in str(exc).lower():
            return _too_deep()
        reason = "is not UTF-8" if "UTF-8" in str(exc) else "is not valid JSON"
        return Problem(400, "INVALID_JSON", f"{what} {reason}: {str(exc)[:200]}")


def _too_deep() -> Problem:
    return Problem(
        400, "VARIABLES_TOO_DEEP", f"The request's JSON is nested deeper than {MAX_DEPTH} levels."
    )


def _depth_problem(data: Any) -> Problem | None:
    """Whether ``data`` nests deeper than ``MAX_DEPTH`` (counted without recursion)."""
    level: list[Any] = [data]
    for _ in range(MAX_DEPTH):
        level = [
            child
            for value in level
            for child in (value.values() if isinstance(value, dict) else value)
            if isinstance(child, dict | list)
        ]
        if not level:
            return None
    return _too_deep()


def from_http_exception(status: int, reason: str) -> Problem:
    """A refusal strawberry raised as plain text, with a code: ``CODE: message`` keeps its
    code; the rest are named by what they say."""
    code, _, rest = reason.partition(": ")
    if code.isupper() and code.replace("_", "").isalpha():
        return Problem(status, code, rest)
    if reason.startswith("Unknown operation named"):
        return Problem(400, "OPERATION_NOT_FOUND", reason)
    if status == 404:
        return Problem(404, "NOT_FOUND", reason)
    if status == 405:
        return Problem(405, "METHOD_NOT_ALLOWED", reason)
    return Problem(status if 400 <= status < 500 else 400, "INVALID_REQUEST", reason)
