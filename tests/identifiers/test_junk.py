"""Junk in, InvalidIdentifier out: no parser may raise anything else."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grunndata.identifiers import (
    InvalidIdentifier,
    fylke,
    parse_kommunenummer,
    parse_matrikkelnummer,
    parse_mva_nummer,
    parse_orgnr,
    parse_person_id,
)

PARSERS: list[Callable[[object], object]] = [
    parse_person_id,
    parse_orgnr,
    parse_mva_nummer,
    parse_matrikkelnummer,
    parse_kommunenummer,
    fylke,
]

# Characters that get past the first checks and reach the deeper ones.
_NEAR_MISS = "0123456789 -./NOMVAnomva\u00a0\t٣４²"

junk_text = st.one_of(
    st.text(),
    st.text(_NEAR_MISS, max_size=20),
    st.binary().map(lambda b: b.decode("latin-1")),
    st.binary().map(lambda b: b.decode("utf-8", errors="surrogateescape")),
    st.from_regex(r"[0-9]{1,5}[- ][0-9]{1,7}/[0-9]{1,6}(/[0-9]{1,6}){0,3}", fullmatch=True),
    st.text("0123456789", min_size=1, max_size=14),
)

junk_objects = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(),
    st.lists(st.text(), max_size=3),
)


@pytest.mark.parametrize("parse", PARSERS, ids=lambda p: p.__name__)
@given(text=junk_text)
def test_junk_text_raises_only_invalid_identifier(parse: Callable[[object], object], text: str):
    try:
        parse(text)
    except InvalidIdentifier as exc:
        assert exc.value is text
        assert exc.reason
        assert exc.reason in str(exc)


@pytest.mark.parametrize("parse", PARSERS, ids=lambda p: p.__name__)
@given(value=junk_objects)
def test_non_strings_raise_invalid_identifier(parse: Callable[[object], object], value: object):
    with pytest.raises(InvalidIdentifier, match="expected a string"):
        parse(value)
