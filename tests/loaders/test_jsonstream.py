"""The streaming JSON reader: same values as ``json.loads``, whatever the chunking; flat
memory however long the array."""

from __future__ import annotations

import io
import json
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grunndata.errors import SourceError
from grunndata.loaders import jsonstream

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(items=st.lists(JSON, max_size=8), chunk=st.integers(1, 40), indent=st.none() | st.just(2))
def test_an_array_reads_as_json_loads_reads_it(items, chunk, indent):
    data = json.dumps(items, indent=indent, ensure_ascii=False).encode()
    assert [v for _, v in jsonstream.json_values(io.BytesIO(data), "f", chunk=chunk)] == items


@given(
    items=st.lists(st.dictionaries(st.text(), JSON, max_size=4), min_size=1, max_size=6),
    chunk=st.integers(1, 40),
)
def test_json_lines_and_single_values(items, chunk):
    lines = "\n".join(json.dumps(item) for item in items) + "\n"
    found = jsonstream.json_values(io.BytesIO(lines.encode()), "f", chunk=chunk)
    assert [v for _, v in found] == items


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('[{"a": 1} {"a": 2}]', "expected ',' or ']' after record 1"),
        ('[{"a": 1},', "the file looks truncated: it ends where record 2 should be"),
        ('[{"a": 1}', "the file looks truncated: it ends after record 1, inside an array"),
        ('[{"a": 1},]', "record 2 is not valid JSON"),
        ('[{"a": 1} {"b": 2},]', "expected ',' or ']' after record 1"),
        ('{"a": 1}\n{"a": tr', "the file looks truncated: it ends inside record 2"),
        ('[{"a": tru}]', "record 1 is not valid JSON"),
        ('[{"a": 1}, {"a": 2', "the file looks truncated: it ends inside record 2"),
        ("", "the file is empty"),
        ("<html>", "not JSON (starts with '<'"),
        ('[{"a": 1}] x', "text after the top-level array"),
        ('{"a": "\xff"}', None),
    ],
)
def test_malformed_json_fails_naming_the_file(text, reason):
    data = text.encode("latin-1") if reason is None else text.encode()
    with pytest.raises(SourceError) as raised:
        list(jsonstream.json_values(io.BytesIO(data), "enheter.json"))
    assert raised.value.message.startswith("enheter.json: ")
    assert (reason or "not UTF-8") in raised.value.message


class _Endless(io.RawIOBase):
    """An array of ``n`` small objects, made as it is read."""

    def __init__(self, n: int) -> None:
        self._left = n
        self._pending = b"["

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:
        while len(self._pending) < len(buffer) and self._left:
            self._left -= 1
            self._pending += b'{"organisasjonsnummer": "310911410", "navn": "KORSVIK"}'
            self._pending += b"," if self._left else b"]"
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def test_memory_stays_flat_however_long_the_array():
    tracemalloc.start()
    count = sum(1 for _ in jsonstream.json_values(io.BufferedReader(_Endless(200_000)), "big"))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 200_000
    assert peak < 8 * jsonstream.CHUNK, f"peak {peak / 1e6:.1f} MB"


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
def test_records_cut_anywhere_by_a_chunk_boundary_are_read_whole(chunk, layout):
    ascii = layout == "ascii-lines"
    if layout == "array":
        text = json.dumps(RECORDS, ensure_ascii=False, indent=1)
    else:
        text = "\n".join(json.dumps(r, ensure_ascii=ascii) for r in RECORDS) + "\n"
    found = jsonstream.json_values(io.BytesIO(text.encode()), "f", chunk=chunk)
    assert [value for _, value in found] == RECORDS


def test_a_damaged_record_fails_without_reading_the_rest_of_the_file():
    good = json.dumps(RECORDS[1]) + "\n"
    stream = Reads(('{"identifikasjonsnummer": [}\n' + good * 10_000).encode())
    with pytest.raises(SourceError, match="record 1 is not valid JSON"):
        list(jsonstream.json_values(stream, "f", chunk=1024))
    assert stream.read_bytes <= 2 * 1024, "the damage is in the record: more text cannot mend it"


LIMIT = 1024


@given(
    items=st.lists(
        st.one_of(
            st.dictionaries(st.text(max_size=5), JSON, max_size=3),
            st.builds(lambda s: {"long": s}, st.text(min_size=LIMIT // 2, max_size=2 * LIMIT)),
            st.builds(
                lambda n: {"deep": [[{"k": '\\"]}'}] * n]}, st.integers(LIMIT // 32, LIMIT // 8)
            ),
        ),
        min_size=1,
        max_size=6,
    ),
    chunk=st.integers(1, 300),
    layout=st.sampled_from(["array", "lines"]),
)
def test_a_value_over_the_limit_is_rejected_and_the_rest_read(items, chunk, layout):
    """Values over the limit (long strings with escapes, brackets in strings) are skipped
    by their structure, cut anywhere by chunks; the others read as before."""
    texts = [json.dumps(item, ensure_ascii=False) for item in items]
    text = "[" + ", ".join(texts) + "]" if layout == "array" else "\n".join(texts)
    rejected: list[tuple[str, str]] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRUNNDATA_MAX_VALUE_BYTES", str(LIMIT))
        found = jsonstream.json_values(
            io.BytesIO(text.encode()), "f", chunk=chunk, reject=lambda *r: rejected.append(r)
        )
        assert list(found) == [(n, i) for n, (i, t) in enumerate(zip(items, texts, strict=True), 1)
                               if len(t) <= LIMIT]  # fmt: skip
    assert [w for w, _ in rejected] == [f"record {n}" for n, t in enumerate(texts, 1)
                                        if len(t) > LIMIT]  # fmt: skip
    assert all("over the limit of 1024 bytes" in reason for _, reason in rejected)


def test_a_value_over_the_limit_without_a_reject_fails_the_file(monkeypatch):
    monkeypatch.setenv("GRUNNDATA_MAX_VALUE_BYTES", str(LIMIT))
    data = json.dumps([{"a": 1}, {"b": "x" * 5000}]).encode()
    with pytest.raises(SourceError, match="f: record 2: the value is 5,009 characters long"):
        list(jsonstream.json_values(io.BytesIO(data), "f", chunk=100))


def test_a_file_ending_inside_a_value_over_the_limit_looks_truncated(monkeypatch):
    monkeypatch.setenv("GRUNNDATA_MAX_VALUE_BYTES", str(LIMIT))
    data = ('[{"a": 1}, {"b": "' + "x" * 5000).encode()
    with pytest.raises(SourceError, match="looks truncated: it ends inside record 2"):
        list(jsonstream.json_values(io.BytesIO(data), "f", chunk=100, reject=print))
