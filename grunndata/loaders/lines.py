"""The lines of a line-based source file (CSV, JSON Lines), each held in memory only up
to the line limit (``limits.max_line``).

A longer line is rejected with its number and skipped unread; the rest of the file is
read. A last line with no final newline may be a file cut short: the reader knows
(``complete``) and a format that finds that line short raises ``truncated``, so that the
file fails whole instead of loading the rows before the cut.

>>> import io
>>> lines = Lines(io.BytesIO(b"a;b\\nc;d"), "f.csv", lambda where, why: None)
>>> [(line, lines.number, lines.complete) for line in lines]
[('a;b', 1, True), ('c;d', 2, False)]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from grunndata.errors import SourceError
from grunndata.loaders import limits

_SKIP_CHUNK = 1 << 20
Reject = Callable[[str, str], None]


class Lines:
    """Iterates over the decoded lines of ``stream``, without their line ends unless
    ``keep_ends`` (the csv module wants them). ``number``
    is the number of the line last given (1 for the first), ``complete`` whether it ended
    with a newline. Too-long lines go to ``reject(location, reason)`` instead."""

    def __init__(
        self,
        stream: BinaryIO,
        name: str,
        reject: Reject,
        *,
        limit: int | None = None,
        keep_ends: bool = False,
    ) -> None:
        self._stream = stream
        self._reject = reject
        self.name = name
        self._keep_ends = keep_ends
        self.limit = limit if limit is not None else limits.max_line()
        self.number = 0
        self.complete = True

    def __iter__(self) -> Iterator[str]:
        while raw := self._stream.readline(self.limit + 1):
            self.number += 1
            self.complete = raw.endswith(b"\n")
            if len(raw) > self.limit and not self.complete:
                self._skip(len(raw))
                continue
            try:
                text = raw.decode("utf-8-sig" if self.number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise SourceError(
                    f"{self.name}: line {self.number} is not UTF-8 ({exc.reason})"
                ) from None
            yield text if self._keep_ends else text.rstrip("\r\n")

    def _skip(self, length: int) -> None:
        """Read past the rest of a line that is too long, keeping none of it."""
        while not self.complete and (rest := self._stream.readline(_SKIP_CHUNK)):
            length += len(rest)
            self.complete = rest.endswith(b"\n")
        length -= self.complete  # the newline is not part of the line
        self._reject(
            f"line {self.number}",
            f"the line is {length:,} bytes long, over the limit of "
            f"{limits.describe(self.limit)} (GRUNNDATA_MAX_LINE_BYTES); it was skipped",
        )

    def truncated(self, problem: str) -> SourceError:
        """The error for a last line, with no final newline, that the format finds short."""
        return SourceError(
            f"{self.name}: the file looks truncated: its last line ({self.number}) ends "
            f"without a newline and {problem}; nothing from the file was written"
        )
