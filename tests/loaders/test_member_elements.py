"""Reading one member's array of a top-level object (a GeoJSON FeatureCollection's
features): any chunking reads the same; JSON that ``json.loads`` refuses is refused;
damage stops it early."""

from __future__ import annotations

import io
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grunndata.errors import SourceError
from grunndata.loaders.jsonstream import member_elements

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


class CountingBytes(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.read_bytes += len(data)
        return data


def features_of(text: str, chunk: int = 1 << 20) -> tuple[dict, list]:
    members, found = member_elements(io.BytesIO(text.encode()), "f", "features", chunk=chunk)
    return members, [value for _, value in found]


@given(st.lists(st.dictionaries(st.text(), values, max_size=3), max_size=5), st.integers(1, 64))
def test_any_chunking_reads_the_same_features(features, chunk):
    text = json.dumps({"type": "FeatureCollection", "crs": {"a": 1}, "features": features})
    members, found = features_of(text, chunk)
    assert found == features
    assert members["crs"] == {"a": 1}


def test_members_after_the_array_are_known_once_it_is_read():
    members, found = features_of('{"features": [1, 2], "type": "FeatureCollection"}')
    assert found == [1, 2] and members == {"features": True, "type": "FeatureCollection"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"features": [{"a": 1} {"b": 2}]}', "expected ',' or ']' after element 1"),
        ('{"features": [{"a": 1}, {"b": 2},]}', "element 3 is not valid JSON"),
        ('{"features": [{"a": 1},, {"b": 2}]}', "element 2 is not valid JSON"),
        ('{"type": "X" "features": []}', "expected ',' or '}' after 'type'"),
        ('{"type": "X", "features": [],}', "a member name is not valid JSON"),
        ('{"type" "X", "features": []}', "expected ':' after the member name 'type'"),
        ('{1: "X"}', "expected a member name"),
        ('{"features": []} {}', "text after the top-level object"),
        ('{"features": [{"a": 1}', "looks truncated: it ends after element 1, inside an array"),
        ('{"features": [{"a": 1}]', "looks truncated: it ends inside the top-level object"),
        ('{"features": [{"a": "x', "looks truncated: it ends inside element 1"),
        ('{"features": [{"a": tr', "looks truncated: it ends inside element 1"),
        ("", "the file is empty"),
    ],
)
def test_json_that_json_loads_refuses_is_refused(text, reason):
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    with pytest.raises(SourceError) as raised:
        features_of(text)
    assert raised.value.message.startswith("f: ") and reason in raised.value.message


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"features": {}}', "expected '[' at the start of 'features'"),
        ('[{"features": []}]', "expected '{' at the start"),
    ],
)
def test_json_of_another_shape_is_refused(text, reason):
    with pytest.raises(SourceError, match=re.escape(reason)):
        features_of(text)


def test_a_damaged_feature_fails_without_reading_the_rest_of_the_file():
    rest = ", ".join(['{"type": "Feature", "properties": {}}'] * 50_000)
    text = '{"type": "FeatureCollection", "features": [{"a": x}, ' + rest + "]}"
    stream = CountingBytes(text.encode())
    with pytest.raises(SourceError, match="element 1 is not valid JSON"):
        _members, found = member_elements(stream, "f", "features", chunk=4096)
        list(found)
    assert stream.read_bytes <= 2 * 4096
