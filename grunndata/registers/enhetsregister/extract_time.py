"""Brønnøysund's files carry no extract time: it is given (``--extract-time``) or, else,
the file's modification time (a zip member: the archive's), and the journal records
which. A record from an older extract than the one stored for its unit is rejected
(``grunndata.loaders.extract_order``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from grunndata.errors import SourceError
from grunndata.loaders.formats import LoadContext

OSLO = ZoneInfo("Europe/Oslo")
GIVEN = "extract_time"
"""The key of ``--extract-time`` in ``LoadContext.given`` (ISO 8601; no offset: Oslo)."""


def parse_extract_time(value: str) -> datetime:
    """An ISO 8601 date or date-time; without an offset it is Norwegian local time."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise SourceError(
            f"--extract-time {value!r} is not an ISO 8601 date or date-time"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=OSLO)


def settle(context: LoadContext) -> datetime:
    """The file's extract time, set on ``context`` with where it comes from."""
    if context.extract_date is None:
        given = context.given.get(GIVEN)
        if given:
            context.extract_date, context.extract_kind = parse_extract_time(given), "given"
        else:
            modified = context.source.path.stat().st_mtime
            context.extract_date = datetime.fromtimestamp(modified, tz=OSLO)
            context.extract_kind = "modified"
    return context.extract_date
