"""JSON values one at a time from a stream of any size, in flat memory.

Brønnøysund's bulk files are one JSON array of a million objects (over 1 GB unzipped);
the API gives one object; some tools write JSON Lines. ``values`` reads all three: the
elements of a top-level array, else each top-level value in turn. It keeps only the
current element in memory and decodes each with the standard library's C scanner
(``raw_decode``), so no incremental-parser dependency is needed (``ijson`` is not
installed here, and this is as fast for arrays of small objects).

>>> import io
>>> list(values(io.BytesIO(b'[{"a": 1}, {"a": 2}]'), "f"))
[(1, {'a': 1}), (2, {'a': 2})]
>>> list(values(io.BytesIO(b'{"a": 1}\\n{"a": 2}\\n'), "f"))
[(1, {'a': 1}), (2, {'a': 2})]
>>> list(values(io.BytesIO(b'[{"a": 1},'), "f"))
Traceback (most recent call last):
...
grunndata.errors.SourceError: f: not valid JSON: the file ends early (truncated?)
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from grunndata.errors import SourceError

CHUNK = 1 << 20
MAX_VALUE = 64 << 20  # one enhet is a few KiB: longer means malformed
_WHITESPACE = " \t\n\r"
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

    def skip_space(self) -> str:
        """The next character that is not whitespace ('' at the end)."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def value(self) -> Any:
        if not self.skip_space():
            raise SourceError(f"{self.name}: not valid JSON: the file ends early (truncated?)")
        while True:
            try:
                value, end = _decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                # Incomplete at the buffer's end: read on. Else the file is malformed.
                incomplete = exc.pos >= len(self.text) - 64 or exc.msg.startswith("Unterminated")
                if incomplete and len(self.text) - self.pos < MAX_VALUE and self.more():
                    continue
                line = self.text.count("\n", 0, exc.pos)
                raise SourceError(
                    f"{self.name}: not valid JSON: {exc.msg} (near character {exc.colno} of "
                    f"line {line + 1} of the current chunk)"
                ) from None
            number = isinstance(value, int | float) and not isinstance(value, bool)
            cut = end == len(self.text) or (number and self.text[end] not in _AFTER_NUMBER)
            if cut and not self.eof and self.more():
                continue  # a number may go on in the next chunk
            self.pos = end
            return value


def values(stream: BinaryIO, name: str, *, chunk: int = CHUNK) -> Iterator[tuple[int, Any]]:
    """``(number, value)`` for each element of a top-level array, or each top-level value
    (one object; JSON Lines), reading ``chunk`` bytes at a time. Malformed JSON raises
    ``SourceError`` naming the file."""
    buffer = _Buffer(stream, name, chunk)
    first = buffer.skip_space()
    number = 0
    if first == "[":
        buffer.pos += 1
        if buffer.skip_space() == "]":
            buffer.pos += 1
            return
        while True:
            number += 1
            yield number, buffer.value()
            separator = buffer.skip_space()
            buffer.pos += 1
            if separator == "]":
                break
            if separator != ",":
                found = repr(separator) if separator else "the end of the file"
                if not separator:
                    raise SourceError(
                        f"{name}: not valid JSON: the file ends inside the top-level array "
                        f"(after {number} values)"
                    )
                raise SourceError(
                    f"{name}: not valid JSON: expected ',' or ']' after value {number}, "
                    f"found {found}"
                )
        if buffer.skip_space():
            raise SourceError(f"{name}: not valid JSON: text after the top-level array")
        return
    while buffer.skip_space():
        number += 1
        yield number, buffer.value()
