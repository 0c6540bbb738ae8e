"""JSON values one at a time from a stream of any size, in flat memory.

The registers publish one JSON array of many objects (Brønnøysund's ``lastned`` is over
1 GB unzipped), one object (an API answer), or JSON Lines. ``json_values`` reads all
three: the elements of a top-level array, else each top-level value in turn. It keeps
only the current element in memory and decodes each with the standard library's C
scanner (``raw_decode``), so no incremental-parser dependency is needed.

>>> import io
>>> list(json_values(io.BytesIO(b'[{"a": 1}, {"a": 2}]'), "f"))
[(1, {'a': 1}), (2, {'a': 2})]
>>> list(json_values(io.BytesIO(b'{"a": 1}\\n{"a": 2}\\n'), "f"))
[(1, {'a': 1}), (2, {'a': 2})]
>>> list(json_values(io.BytesIO(b'[{"a": 1},'), "f"))
Traceback (most recent call last):
...
grunndata.errors.SourceError: f: the file is truncated: record 2 is missing
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from grunndata.errors import SourceError

CHUNK = 1 << 20
#: One record is a few KiB; a value longer than this is malformed, not cut.
MAX_VALUE = 64 << 20
_WHITESPACE = " \t\n\r"
#: Longest tail of a token cut by a chunk boundary that fails to parse (``\uXXXX``, ``false``).
_TOKEN_TAIL = 16
_AFTER_NUMBER = frozenset(_WHITESPACE + ",]}")
_decoder = json.JSONDecoder()


class _Buffer:
    def __init__(self, stream: BinaryIO, name: str, chunk: int) -> None:
        self._stream = stream
        self._chunk = chunk
        self._decode = codecs.getincrementaldecoder("utf-8-sig")()
        self.name = name
        self.text = ""
        self.pos = 0
        self.eof = False

    def more(self) -> bool:
        """Read another chunk; False at the end of the stream."""
        if self.eof:
            return False
        data = self._stream.read(self._chunk)
        try:
            decoded = self._decode.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise SourceError(f"{self.name}: not UTF-8 ({exc.reason})") from None
        self.eof = not data
        self.text = self.text[self.pos :] + decoded
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not whitespace, not consumed ('' at the end)."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def _may_be_cut(self, exc: json.JSONDecodeError) -> bool:
        """Whether more text could mend the error: it is at the end of what is buffered (a
        literal, number or escape cut by the chunk's end) or a string not yet closed. An
        error earlier is in the record itself: reading on would only pull the rest of the
        file into memory."""
        cut = exc.pos >= len(self.text) - _TOKEN_TAIL or exc.msg.startswith("Unterminated")
        return cut and len(self.text) - self.pos < MAX_VALUE

    def value(self, record: int) -> Any:
        if not self.peek():
            raise SourceError(f"{self.name}: the file is truncated: record {record} is missing")
        while True:
            try:
                value, end = _decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if self._may_be_cut(exc) and self.more():
                    continue
                raise SourceError(
                    f"{self.name}: record {record} is not valid JSON or the file is truncated "
                    f"({exc.msg}, at character {exc.pos - self.pos + 1} of the record)"
                ) from None
            number = isinstance(value, int | float) and not isinstance(value, bool)
            cut = end == len(self.text) or (number and self.text[end] not in _AFTER_NUMBER)
            if cut and not self.eof and self.more():
                continue  # a number ("1" of "1.5e3") may go on in the next chunk
            self.pos = end
            return value


def json_values(stream: BinaryIO, name: str, *, chunk: int = CHUNK) -> Iterator[tuple[int, Any]]:
    """``(record number, value)`` for each element of a top-level array, or each top-level
    value (one object; JSON Lines), reading ``chunk`` bytes at a time. Malformed JSON
    raises ``SourceError`` naming the file and the record."""
    buffer = _Buffer(stream, name, chunk)
    first = buffer.peek()
    if not first:
        raise SourceError(f"{name}: the file is empty")
    if first not in "[{":
        raise SourceError(f"{name}: not JSON (starts with {first!r}, expected '[' or '{{')")
    record = 0
    if first == "[":
        buffer.pos += 1
        if buffer.peek() == "]":
            buffer.pos += 1
        else:
            while True:
                record += 1
                yield record, buffer.value(record)
                separator = buffer.peek()
                if not separator:
                    raise SourceError(
                        f"{name}: the file is truncated: it ends inside the top-level array"
                    )
                buffer.pos += 1
                if separator == "]":
                    break
                if separator != ",":
                    raise SourceError(
                        f"{name}: not valid JSON: expected ',' or ']' after record {record}, "
                        f"found {separator!r}"
                    )
        if buffer.peek():
            raise SourceError(f"{name}: not valid JSON: text after the top-level array")
        return
    while buffer.peek():
        record += 1
        yield record, buffer.value(record)
