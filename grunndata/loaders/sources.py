"""Source files as data stewards hand them over: plain, ``.gz``, ``.zip`` or a directory.

Everything streams: a file is read once, front to back, whatever its size. While it is
read, the bytes taken from disk are counted (for progress) and hashed (for the journal).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from grunndata.errors import SourceError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
HEAD_BYTES = 64 * 1024
#: A member name that would leave the archive if extracted: absolute, a drive, or ``..``.
_ESCAPING = re.compile(r"^[\\/]|^[A-Za-z]:|(^|[\\/])\.\.([\\/]|$)")


class CountingReader(io.RawIOBase):
    """Reads through ``raw``, counting and hashing what passes."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.bytes_read = 0
        self._hash = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.bytes_read += n
        self._hash.update(data)
        return n

    @property
    def sha256(self) -> str:
        """Of the bytes read: the file as on disk, or a zip member's content."""
        return self._hash.hexdigest()


@dataclass(frozen=True)
class SourceFile:
    """One file to load: a file on disk, or a member of a zip archive on disk."""

    path: Path
    member: str | None = None
    problem: str | None = field(default=None, compare=False)
    """Why it cannot be loaded at all, when that is known before reading (a broken zip)."""

    @property
    def name(self) -> str:
        """How reports and the journal name it: ``path`` or ``archive.zip!member``."""
        return str(self.path) if self.member is None else f"{self.path}!{self.member}"

    @property
    def inner_name(self) -> str:
        """The name of the content, without a compression suffix (for format detection)."""
        name = self.member if self.member is not None else self.path.name
        return name[:-3] if name.lower().endswith(".gz") else name

    @property
    def size(self) -> int:
        """The bytes the counter will count: the file on disk, or a zip member's content."""
        if self.member is None:
            return self.path.stat().st_size
        with zipfile.ZipFile(self.path) as archive:
            return archive.getinfo(self.member).file_size

    @contextmanager
    def open(self) -> Iterator[tuple[BinaryIO, CountingReader]]:
        """The content stream (decompressed) and the counter on the bytes beneath it. A
        failure to open or read the source raises ``SourceError`` naming it; errors of the
        caller's own pass through untouched."""
        with ExitStack() as stack:
            try:
                raw = stack.enter_context(self._open_raw())
                counter = CountingReader(raw)
                buffered = io.BufferedReader(counter, buffer_size=1 << 20)
                compressed = buffered.peek(2)[:2] == GZIP_MAGIC
            except (OSError, zipfile.BadZipFile, KeyError) as exc:
                raise SourceError(f"{self.name}: cannot be read: {_describe(exc)}") from None
            content: BinaryIO = (
                gzip.GzipFile(fileobj=buffered, mode="rb") if compressed else buffered
            )  # type: ignore[assignment]
            guarded = io.BufferedReader(_Guarded(content, self.name), buffer_size=1 << 16)
            yield guarded, counter  # type: ignore[misc]

    def head(self, size: int = HEAD_BYTES) -> bytes:
        """The first bytes of the content (decompressed), for format detection: as much as
        can be read, so that a truncated file is still recognised (and fails on load)."""
        chunks: list[bytes] = []
        with self.open() as (stream, _):
            try:
                while sum(map(len, chunks)) < size and (chunk := stream.read(8192)):
                    chunks.append(chunk)
            except SourceError:
                if not chunks:
                    raise
        return b"".join(chunks)[:size]

    @contextmanager
    def _open_raw(self) -> Iterator[BinaryIO]:
        if self.member is None:
            with self.path.open("rb") as handle:
                yield handle
        else:
            with zipfile.ZipFile(self.path) as archive, archive.open(self.member) as handle:
                yield handle  # type: ignore[misc]


class _Guarded(io.RawIOBase):
    """Reads ``stream``; a failure to read (truncated, corrupt, I/O error) becomes a
    ``SourceError`` naming the source and how far it was read."""

    def __init__(self, stream: BinaryIO, name: str) -> None:
        self._stream = stream
        self._name = name
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._stream.read(len(buffer))
        except EOFError:
            raise SourceError(
                f"{self._name}: the file looks truncated: the compressed data ends early, "
                f"after {self._read:,} bytes of content; nothing from the file was written"
            ) from None
        except (OSError, zlib.error, zipfile.BadZipFile) as exc:
            raise SourceError(f"{self._name}: cannot be read: {_describe(exc)}") from None
        buffer[: len(data)] = data
        self._read += len(data)
        return len(data)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, gzip.BadGzipFile | zipfile.BadZipFile):
        return f"not a valid {'gzip' if isinstance(exc, gzip.BadGzipFile) else 'zip'} file"
    return exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)


def _is_zip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == ZIP_MAGIC


def _files_in(path: Path) -> list[SourceFile]:
    """A file, or a zip's members (hidden ones and ``__MACOSX/`` left out). An unreadable
    file, a broken zip or a member whose name is a path out of the archive comes back with
    its ``problem``, to fail on its own: one bad file must not stop the others."""
    is_zip = False
    try:
        if not (is_zip := _is_zip(path)):
            return [SourceFile(path)]
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
    except (OSError, zipfile.BadZipFile) as exc:
        problem = f"{path}: cannot be read: {_describe(exc)}"
        if is_zip and isinstance(exc, zipfile.BadZipFile):
            problem = (
                f"{path}: the file looks truncated: it starts as a zip archive but its end "
                "(the central directory) is missing; nothing from it was written"
            )
        return [SourceFile(path, problem=problem)]
    files = []
    for member in sorted(names):
        if _ESCAPING.search(member):
            problem = (
                f"{path}!{member}: refused: the member's name is a path out of the archive "
                "(absolute, a drive letter or '..'); grunndata reads no member so named"
            )
            files.append(SourceFile(path, member, problem=problem))
        elif not member.startswith("__MACOSX/") and not re.split(r"[\\/]", member)[-1].startswith(
            "."
        ):
            files.append(SourceFile(path, member))
    return files


def expand(paths: Sequence[Path]) -> tuple[list[SourceFile], list[SourceFile]]:
    """The files named, as ``(given, found_in_directories)``: a zip gives its members, a
    directory every file below it (hidden ones left out), in name order. A path that does
    not exist is a usage error (``SourceError``) before anything is read."""
    require(paths)
    given: list[SourceFile] = []
    found: list[SourceFile] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if not any(part.startswith(".") for part in child.relative_to(path).parts):
                    found.extend(_files_in(child))
        else:
            given.extend(_files_in(path))
    return given, found


def require(paths: Sequence[Path]) -> None:
    """Every path is a file or a directory: else a usage error (``SourceError``)."""
    for path in paths:
        if not path.exists():
            raise SourceError(f"{path}: no such file or directory")
        if not (path.is_dir() or path.is_file()):
            raise SourceError(f"{path}: not a regular file or directory")
