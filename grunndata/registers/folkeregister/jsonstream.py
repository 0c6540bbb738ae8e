"""Stream JSON values out of a file: one object, a JSON array of objects, or JSON Lines
(also objects one after another), without holding the whole file in memory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from grunndata.errors import SourceError

CHUNK = 1 << 20
_WHITESPACE = " \t\r\n"
#: Longest tail of a token cut by a chunk boundary that fails to parse (``\uXXXX``, ``false``).
_TOKEN_TAIL = 16


class _Buffer:
    def __init__(self, stream: BinaryIO, name: str) -> None:
        self._stream = stream
        self._name = name
        self._decoder = json.JSONDecoder()
        self._pending = b""
        self.text = ""
        self.pos = 0
        self.consumed = 0
        self.eof = False

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self._stream.read(CHUNK)
        if not chunk:
            self.eof = True
            if self._pending:
                raise SourceError(f"{self._name}: not UTF-8 at the end of the file")
            return False
        data = self._pending + chunk
        try:
            text = data.decode("utf-8")
            self._pending = b""
        except UnicodeDecodeError as exc:
            if exc.start < len(data) - 3:
                raise SourceError(
                    f"{self._name}: not UTF-8 (byte {self.consumed + exc.start})"
                ) from None
            text, self._pending = data[: exc.start].decode("utf-8"), data[exc.start :]
        self.consumed += len(self.text[: self.pos].encode("utf-8"))
        self.text = self.text[self.pos :] + text
        self.pos = 0
        if self.consumed == 0 and self.text.startswith("\ufeff"):
            self.text = self.text[1:]
        return True

    def peek(self) -> str | None:
        """The next non-whitespace character (not consumed), None at the end."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self._more():
                return None

    def take(self) -> str:
        char = self.text[self.pos]
        self.pos += 1
        return char

    def _may_be_cut(self, exc: json.JSONDecodeError) -> bool:
        """Whether more text could mend the error: it is at the end of what is buffered (a
        literal, number or escape cut by the chunk's end) or a string not yet closed. An
        error earlier is in the record itself; reading on would only pull the rest of the
        file into memory."""
        return exc.pos >= len(self.text) - _TOKEN_TAIL or exc.msg.startswith("Unterminated")

    def value(self, record: int) -> Any:
        self.peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if self._may_be_cut(exc) and self._more():
                    continue
                raise SourceError(
                    f"{self._name}: record {record} is not valid JSON or the file is "
                    f"truncated ({exc.msg} at line {exc.lineno} column {exc.colno})"
                ) from None
            if end == len(self.text) and not self.eof and self._more():
                continue  # a number or literal may go on in the next chunk
            self.pos = end
            return value


def json_values(stream: BinaryIO, name: str) -> Iterator[Any]:
    """Yield each top-level value; an array's elements one by one."""
    buffer = _Buffer(stream, name)
    first = buffer.peek()
    if first is None:
        raise SourceError(f"{name}: the file is empty")
    if first not in "[{":
        raise SourceError(f"{name}: not JSON (starts with {first!r}, expected '[' or '{{')")
    record = 0
    if first == "[":
        buffer.take()
        if buffer.peek() == "]":
            buffer.take()
            return
        while True:
            record += 1
            yield buffer.value(record)
            separator = buffer.peek()
            if separator is None:
                raise SourceError(f"{name}: the file is truncated: the array is never closed")
            buffer.take()
            if separator == "]":
                break
            if separator != ",":
                raise SourceError(
                    f"{name}: record {record}: expected ',' or ']', got {separator!r}"
                )
        if buffer.peek() is not None:
            raise SourceError(f"{name}: text after the end of the JSON array")
        return
    while buffer.peek() is not None:
        record += 1
        yield buffer.value(record)
