"""Reading a GeoJSON FeatureCollection feature by feature, with flat memory.

A FeatureCollection is one JSON document, often gigabytes for a whole country's parcels.
This reads the top-level members in order and yields each feature of ``features`` as it
is decoded; members before ``features`` (``type``, ``crs``, ...) are known by then. A
member that matters for the features but comes after them is the caller's to refuse.

>>> import io
>>> text = '{"type": "FeatureCollection", "crs": {"x": 1}, "features": [{"a": 1}, {"b": 2}]}'
>>> members, features = read_collection(io.StringIO(text), chunk=8)
>>> members["crs"], list(features), members["type"]
({'x': 1}, [{'a': 1}, {'b': 2}], 'FeatureCollection')
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from grunndata.loaders.jsonstream import MAX_VALUE

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"
#: Longest tail of a token cut by a chunk boundary that fails to parse (``\uXXXX``, ``false``).
_TOKEN_TAIL = 16


class _Reader:
    def __init__(self, stream: TextIO, chunk: int) -> None:
        self.stream, self.chunk = stream, chunk
        self.buffer, self.pos, self.eof = "", 0, False

    def _more(self) -> bool:
        if self.eof:
            return False
        data = self.stream.read(self.chunk)
        if not data:
            self.eof = True
            return False
        self.buffer = self.buffer[self.pos :] + data
        self.pos = 0
        return True

    def _may_be_cut(self, exc: json.JSONDecodeError) -> bool:
        """Whether more text could mend the error: it lies at the end of what is buffered
        (a token cut by the chunk's end) or in a string not yet closed. An error earlier is
        in the value itself: reading on would pull the rest of the file into memory."""
        cut = exc.pos >= len(self.buffer) - _TOKEN_TAIL or exc.msg.startswith("Unterminated")
        return cut and len(self.buffer) - self.pos < MAX_VALUE

    def peek(self) -> str:
        """The next character that is not white space ('' at the end)."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buffer) or not self._more():
                return self.buffer[self.pos : self.pos + 1]

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            raise ValueError(f"expected {char!r}, found {found or 'the end'!r}")
        self.pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                if self._may_be_cut(exc) and self._more():
                    continue
                raise ValueError(
                    f"{exc.msg} at character {exc.pos - self.pos + 1} of the value"
                ) from None
            if end == len(self.buffer) and self._more():  # a number may go on
                continue
            self.pos = end
            return value


def read_collection(stream: TextIO, chunk: int = 1 << 20) -> tuple[dict[str, Any], Iterator[Any]]:
    """The top-level members read before ``features`` (the dict fills up as the iterator
    runs on), and an iterator over the features. ``ValueError`` when the JSON is broken."""
    reader = _Reader(stream, chunk)
    members: dict[str, Any] = {}
    reader.expect("{")

    def features() -> Iterator[Any]:
        while reader.peek() != "}":
            key = reader.value()
            reader.expect(":")
            if key == "features":
                reader.expect("[")
                while reader.peek() != "]":
                    yield reader.value()
                    if reader.peek() == ",":
                        reader.pos += 1
                reader.expect("]")
                members["features"] = True
            else:
                members[key] = reader.value()
            if reader.peek() == ",":
                reader.pos += 1
        reader.expect("}")
        if reader.peek():
            raise ValueError("more data after the FeatureCollection")

    iterator = features()
    first: list[Any] = []
    # Read the members up to the first feature now, so they are known before it.
    for feature in iterator:
        first.append(feature)
        break

    def rest() -> Iterator[Any]:
        yield from first
        yield from iterator

    return members, rest()
