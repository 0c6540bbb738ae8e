"""Pure rules of the gate and the limits, without a server."""

from __future__ import annotations

from graphql import parse
from hypothesis import given
from hypothesis import strategies as st

from grunndata.graphql.gate import RateLimiter
from grunndata.graphql.limits import LIST_ESTIMATE, measure
from grunndata.graphql.schema import build_schema

SCHEMA = build_schema()._schema


@given(
    per_minute=st.integers(1, 6000),
    burst=st.integers(1, 50),
    gaps=st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=300),
)
def test_a_consumer_never_gets_more_than_burst_plus_rate(per_minute, burst, gaps):
    limiter = RateLimiter(per_minute, burst)
    now, admitted = 1000.0, 0
    for gap in gaps:
        now += gap
        wait = limiter.wait("org:1", now)
        if wait == 0:
            admitted += 1
        else:
            assert wait <= 60 / per_minute + 1e-9  # never asked to wait longer than one token
    elapsed = now - 1000.0
    assert admitted <= burst + elapsed * per_minute / 60 + 1e-6


def test_consumers_have_buckets_of_their_own():
    limiter = RateLimiter(60, 1)
    assert limiter.wait("org:1", 0) == 0
    assert limiter.wait("org:1", 0) > 0
    assert limiter.wait("org:2", 0) == 0


def test_first_multiplies_what_is_below_and_connections_add_no_factor():
    one = measure(SCHEMA, parse("{ adresser(first: 1) { edges { node { adressetekst } } } }"))
    many = measure(SCHEMA, parse("{ adresser(first: 100) { edges { node { adressetekst } } } }"))
    assert (one.cost, many.cost) == (4, 301)
    assert many.largest_first == 100 and many.depth == 4


def test_a_list_without_first_counts_its_estimate_or_its_arguments():
    plain = measure(SCHEMA, parse('{ enhet(organisasjonsnummer: "1") { roller { fratraadt } } }'))
    assert plain.cost == 1 + 1 + LIST_ESTIMATE
    ids = '["1", "2", "3"]'
    listed = measure(SCHEMA, parse(f"{{ personer(identifikasjonsnummer: {ids}) {{ kjoenn }} }}"))
    assert listed.cost == 1 + 3


@given(st.integers(1, 20))
def test_depth_counts_nesting_through_fragments(steps):
    inner = "kjoenn"
    for _ in range(steps):
        inner = f"foreldre {{ {inner} }}"
    document = parse(
        f'fragment F on Person {{ {inner} }} {{ person(identifikasjonsnummer: "1") {{ ...F }} }}'
    )
    assert measure(SCHEMA, document).depth == steps + 2
