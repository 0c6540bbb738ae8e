"""The teig file's streaming reader: any chunking reads the same; damage stops it early."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grunndata.registers.matrikkel.geojson_stream import read_collection

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


class CountingText(io.StringIO):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.read_chars = 0

    def read(self, size: int | None = -1) -> str:
        data = super().read(size)
        self.read_chars += len(data)
        return data


@given(st.lists(st.dictionaries(st.text(), values, max_size=3), max_size=5), st.integers(1, 64))
def test_any_chunking_reads_the_same_features(features, chunk):
    text = json.dumps({"type": "FeatureCollection", "crs": {"a": 1}, "features": features})
    members, found = read_collection(io.StringIO(text), chunk=chunk)
    assert list(found) == features
    assert members["crs"] == {"a": 1}


def test_a_damaged_feature_fails_without_reading_the_rest_of_the_file():
    rest = ", ".join(['{"type": "Feature", "properties": {}}'] * 50_000)
    stream = CountingText('{"type": "FeatureCollection", "features": [{"a": x}, ' + rest + "]}")
    with pytest.raises(ValueError, match="Expecting value"):
        _members, found = read_collection(stream, chunk=4096)
        list(found)
    assert stream.read_chars <= 2 * 4096
