"""Streaming JSON values out of a file: records cut by chunk boundaries, and damage."""

from __future__ import annotations

import io
import json

import pytest

from grunndata.errors import SourceError
from grunndata.registers.folkeregister import jsonstream
from grunndata.registers.folkeregister.jsonstream import json_values

RECORDS = [
    {"a": True, "b": False, "c": None, "d": -12.5e3, "e": 'Å\u00e6\\n"', "f": [1, 22, 333]},
    {"g": "x" * 40, "h": {"i": [None, True, False, 0]}},
]


class Reads(io.BytesIO):
    """A stream that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.read_bytes += len(chunk)
        return chunk


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 11, 64])
@pytest.mark.parametrize("layout", ["array", "lines", "ascii-lines"])
def test_records_cut_anywhere_by_a_chunk_boundary_are_read_whole(monkeypatch, chunk, layout):
    monkeypatch.setattr(jsonstream, "CHUNK", chunk)
    ascii = layout == "ascii-lines"
    if layout == "array":
        text = json.dumps(RECORDS, ensure_ascii=False, indent=1)
    else:
        text = "\n".join(json.dumps(r, ensure_ascii=ascii) for r in RECORDS) + "\n"
    assert list(json_values(io.BytesIO(text.encode()), "f")) == RECORDS


def test_a_damaged_record_fails_without_reading_the_rest_of_the_file(monkeypatch):
    monkeypatch.setattr(jsonstream, "CHUNK", 1024)
    good = json.dumps(RECORDS[1]) + "\n"
    stream = Reads(('{"identifikasjonsnummer": [}\n' + good * 10_000).encode())
    with pytest.raises(SourceError, match="record 1 is not valid JSON"):
        list(json_values(stream, "f"))
    assert stream.read_bytes <= 2 * 1024, "the damage is in the record: more text cannot mend it"
