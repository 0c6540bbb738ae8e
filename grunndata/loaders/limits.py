"""How long one record of a source file may be: the loaders' bound on memory.

A record is a line of a line-based format (CSV, JSON Lines) or one JSON value (an element
of a top-level array, a GeoJSON feature). A longer one is rejected with its location and
skipped without being held in memory; the rest of the file loads. Set in the environment
(bytes): ``GRUNNDATA_MAX_LINE_BYTES`` (default 16 MiB) and ``GRUNNDATA_MAX_VALUE_BYTES``
(default 64 MiB); see docs/configuration.md.
"""

from __future__ import annotations

import os

from grunndata.errors import SetupError

MAX_LINE = 16 << 20
MAX_VALUE = 64 << 20


def _setting(name: str, default: int) -> int:
    text = os.environ.get(f"GRUNNDATA_{name}", "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1024:
        raise SetupError(f"GRUNNDATA_{name} must be a whole number of bytes, at least 1024")
    return int(text)


def max_line() -> int:
    """The longest line a line-based reader takes, in bytes."""
    return _setting("MAX_LINE_BYTES", MAX_LINE)


def max_value() -> int:
    """The longest JSON value a JSON reader takes, in characters."""
    return _setting("MAX_VALUE_BYTES", MAX_VALUE)


def describe(size: int) -> str:
    """``16 MiB`` or ``2048 bytes``."""
    return f"{size >> 20} MiB" if size % (1 << 20) == 0 else f"{size} bytes"
