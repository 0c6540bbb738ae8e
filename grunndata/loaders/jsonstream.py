"""JSON values one at a time from a stream of any size, in bounded memory.

The registers publish one JSON array of many objects (Brønnøysund's ``lastned`` is over
1 GB unzipped), one object (an API answer), JSON Lines, or one object whose one member
is the long array (a GeoJSON FeatureCollection's ``features``). ``json_values`` reads the
first three: the elements of a top-level array, else each top-level value in turn;
``member_elements`` reads the last. Both keep only the current element in memory and
decode it with the standard library's C scanner (``raw_decode``). The JSON is read
strictly: a missing or extra comma is an error, as in ``json.loads``.

A value longer than the limit (``limits.max_value``) is skipped without being held (its
structure is followed, its text dropped) and rejected with its number; a file that ends
inside a value or an array fails whole, saying it looks truncated and where.

>>> import io
>>> list(json_values(io.BytesIO(b'[{"a": 1}, {"a": 2}]'), "f"))
[(1, {'a': 1}), (2, {'a': 2})]
>>> list(json_values(io.BytesIO(b'{"a": 1}\\n{"a": 2}\\n'), "f"))
[(1, {'a': 1}), (2, {'a': 2})]
>>> list(json_values(io.BytesIO(b'[{"a": 1},'), "f"))
Traceback (most recent call last):
...
grunndata.errors.SourceError: f: the file looks truncated: it ends where record 2 should be
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from grunndata.errors import SourceError
from grunndata.loaders import limits

CHUNK = 1 << 20
_WHITESPACE = " \t\n\r"
#: Longest tail of a token cut by a chunk boundary that fails to parse (``\uXXXX``, ``false``).
_TOKEN_TAIL = 16
_AFTER_NUMBER = frozenset(_WHITESPACE + ",]}")
_STRUCTURE = re.compile(r'["\[\]{}]')
_IN_STRING = re.compile(r'["\\]')
_SCALAR_END = re.compile(r"[\s,\]}]")
_SKIPPED = object()
_decoder = json.JSONDecoder()
Reject = Callable[[str, str], None]


class _Buffer:
    def __init__(self, stream: BinaryIO, name: str, chunk: int, reject: Reject | None) -> None:
        self._stream = stream
        self._chunk = chunk
        self._decode = codecs.getincrementaldecoder("utf-8-sig")()
        self._reject = reject
        self.limit = limits.max_value()
        self.name = name
        self.text = ""
        self.pos = 0
        self.eof = False

    def more(self, size: int = 0) -> bool:
        """Read another chunk (at least ``size`` bytes); False at the end of the stream."""
        if self.eof:
            return False
        data = self._stream.read(max(size, self._chunk))
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

    def error(self, problem: str) -> SourceError:
        return SourceError(f"{self.name}: not valid JSON: {problem}")

    def truncated(self, where: str) -> SourceError:
        return SourceError(f"{self.name}: the file looks truncated: it ends {where}")

    def expect(self, char: str, after: str) -> None:
        found = self.peek()
        if found != char:
            raise self.error(f"expected {char!r} {after}, found {found or 'the end'!r}")
        self.pos += 1

    def _may_be_cut(self, exc: json.JSONDecodeError) -> bool:
        """Whether more text could mend the error: it is at the end of what is buffered (a
        literal, number or escape cut by the chunk's end) or a string not yet closed. An
        error earlier is in the record itself: reading on would only pull the rest of the
        file into memory."""
        if exc.msg.startswith("Unterminated"):
            return True
        tail = self.text[exc.pos :].strip()
        if self.eof:
            return not tail or any(w.startswith(tail) for w in ("true", "false", "null"))
        return exc.pos >= len(self.text) - _TOKEN_TAIL

    def value(self, where: str) -> Any:
        """The next value, or ``_SKIPPED`` when it was too long (and rejected)."""
        if not self.peek():
            raise self.truncated(f"where {where} should be")
        while True:
            try:
                value, end = _decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if not self._may_be_cut(exc):
                    raise self.invalid(where, exc.msg, exc.pos - self.pos) from None
                if len(self.text) - self.pos >= self._chunk:
                    return self._long(where)
                if not self.more():
                    raise self.truncated(f"inside {where} ({exc.msg})") from None
                continue
            number = isinstance(value, int | float) and not isinstance(value, bool)
            cut = end == len(self.text) or (number and self.text[end] not in _AFTER_NUMBER)
            if cut and not self.eof and self.more():
                continue  # a number ("1" of "1.5e3") may go on in the next chunk
            self.pos = end
            return value

    def invalid(self, where: str, problem: str, at: int) -> SourceError:
        return SourceError(
            f"{self.name}: {where} is not valid JSON ({problem}, at character {at + 1} of "
            "the record)"
        )

    def _long(self, where: str) -> Any:
        """The value at ``pos``, longer than a chunk: its end is found by following only its
        brackets and strings, its text kept (up to the limit) and decoded once. Over the
        limit, its text is dropped as it is read and the value rejected."""
        depth, in_string, length = 0, False, 0
        parts: list[str] | None = []
        scalar = self.text[self.pos] not in '[{"'
        i = self.pos
        while True:
            text, done = self.text, False
            while i < len(text) and not done:
                if scalar:
                    found = _SCALAR_END.search(text, i)
                    i, done = (found.start(), True) if found else (len(text), False)
                elif in_string:
                    found = _IN_STRING.search(text, i)
                    if found is None:
                        i = len(text)
                    elif found.group() == "\\":
                        if found.end() == len(text):  # the escaped character comes next
                            i = found.start()
                            break
                        i = found.end() + 1
                    else:
                        i, in_string, done = found.end(), False, depth == 0
                else:
                    found = _STRUCTURE.search(text, i)
                    if found is None:
                        i = len(text)
                        continue
                    i, char = found.end(), found.group()
                    if char == '"':
                        in_string = True
                    else:
                        depth += 1 if char in "[{" else -1
                        done = depth == 0
            length += i - self.pos
            if parts is not None:
                parts.append(text[self.pos : i])
                parts = parts if length <= self.limit else None
            self.pos = i
            if done:
                break
            if not self.more():
                raise self.truncated(f"inside {where}")
            i = self.pos
        if parts is None:
            return self._too_long(where, length)
        try:
            return _decoder.decode("".join(parts))
        except json.JSONDecodeError as exc:
            raise self.invalid(where, exc.msg, exc.pos) from None

    def _too_long(self, where: str, length: int) -> object:
        reason = (
            f"the value is {length:,} characters long, over the limit of "
            f"{limits.describe(self.limit)} (GRUNNDATA_MAX_VALUE_BYTES); it was skipped"
        )
        if self._reject is None:
            raise SourceError(f"{self.name}: {where}: {reason}")
        self._reject(where, reason)
        return _SKIPPED


def _elements(buffer: _Buffer, label: str) -> Iterator[tuple[int, Any]]:
    """The elements of the array whose ``[`` was just consumed, and its ``]``."""
    number = 0
    if buffer.peek() == "]":
        buffer.pos += 1
        return
    while True:
        number += 1
        value = buffer.value(f"{label} {number}")
        if value is not _SKIPPED:
            yield number, value
        separator = buffer.peek()
        if not separator:
            raise buffer.truncated(f"after {label} {number}, inside an array")
        buffer.pos += 1
        if separator == "]":
            return
        if separator != ",":
            raise buffer.error(f"expected ',' or ']' after {label} {number}, found {separator!r}")


def json_values(
    stream: BinaryIO,
    name: str,
    *,
    reject: Reject | None = None,
    chunk: int = CHUNK,
) -> Iterator[tuple[int, Any]]:
    """``(record number, value)`` for each element of a top-level array, or each top-level
    value (one object; JSON Lines), reading ``chunk`` bytes at a time. Malformed JSON
    raises ``SourceError`` naming the file and the record; a value over the limit goes to
    ``reject("record N", reason)`` (without ``reject``: fails the file)."""
    buffer = _Buffer(stream, name, chunk, reject)
    first = buffer.peek()
    if not first:
        raise SourceError(f"{name}: the file is empty")
    if first not in "[{":
        raise SourceError(f"{name}: not JSON (starts with {first!r}, expected '[' or '{{')")
    if first == "[":
        buffer.pos += 1
        yield from _elements(buffer, "record")
        if buffer.peek():
            raise buffer.error("text after the top-level array")
        return
    record = 0
    while buffer.peek():
        record += 1
        value = buffer.value(f"record {record}")
        if value is not _SKIPPED:
            yield record, value


def member_elements(
    stream: BinaryIO,
    name: str,
    member: str,
    *,
    label: str = "element",
    reject: Reject | None = None,
    chunk: int = CHUNK,
) -> tuple[dict[str, Any], Iterator[tuple[int, Any]]]:
    """For a file holding one JSON object: the members read before ``member`` (the dict
    fills up as the iterator runs on; ``member`` is in it, as ``True``, once read), and
    ``(number, element)`` for each element of the array ``member``. The members up to
    the array's first element are read before this returns."""
    buffer = _Buffer(stream, name, chunk, reject)
    members: dict[str, Any] = {}
    if not buffer.peek():
        raise SourceError(f"{name}: the file is empty")
    buffer.expect("{", "at the start")

    def read() -> Iterator[tuple[int, Any]]:
        closed = buffer.peek() == "}"
        buffer.pos += closed
        while not closed:
            key = buffer.value("a member name")
            if not isinstance(key, str):
                raise buffer.error(f"expected a member name, found {key!r}")
            buffer.expect(":", f"after the member name {key!r}")
            if key == member:
                buffer.expect("[", f"at the start of {key!r}")
                yield from _elements(buffer, label)
                members[key] = True
            else:
                members[key] = buffer.value(f"the member {key!r}")
            separator = buffer.peek()
            if not separator:
                raise buffer.truncated(f"inside the top-level object, after {key!r}")
            if separator not in ",}":
                raise buffer.error(f"expected ',' or '}}' after {key!r}, found {separator!r}")
            buffer.pos += 1
            closed = separator == "}"
        if buffer.peek():
            raise buffer.error("text after the top-level object")

    elements = read()
    first = next(elements, None)

    def rest() -> Iterator[tuple[int, Any]]:
        if first is not None:
            yield first
            yield from elements

    return members, rest()
