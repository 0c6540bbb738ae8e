"""The SQL forms' person marks are taken out of PostgreSQL's JSON text without parsing it
(``sql.marks.MARK_TEXT``): whatever the strings and jsonb values around them hold, exactly the
marks go, everything else stays as it was, and each mark is noted as the lookup log needs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

from grunndata.db.database import Database, connect
from grunndata.graphql.sql.marks import LOGGED, MARK, MARK_TEXT, NOT_LOGGED, Seen, mark_sql
from tests.conftest import examples

#: Pieces of text that look like marks or break naive scanning.
NASTY = [
    ', "__m" : "+t|adresse|01010112345"}', ', "__m" : "-f||"', '"__m" : ', "__m", "|", "+n|",
    '\\', '"', '\\"', '\\\\"', ', "', "}", "]", " : ", "\n", "Ø",
    "\u2028", "😀",
]  # fmt: skip
#: Any text PostgreSQL holds (no NUL, no lone surrogate).
CHARACTERS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
TEXT = st.lists(st.one_of(st.sampled_from(NASTY), st.text(CHARACTERS, max_size=6)), max_size=4).map(
    "".join
)
#: A caller's key: a GraphQL name, never starting with "__" (``sql.selection.response_fields``).
KEY = st.from_regex(r"[_A-Za-z][_0-9A-Za-z]{0,6}", fullmatch=True).filter(
    lambda k: not k.startswith("__")
)
JSONB = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | TEXT,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.one_of(TEXT, st.just(MARK)), inner, max_size=3)
    ),
    max_leaves=6,
)
GROUPS = st.lists(st.sampled_from(["adresse", "identitet", "personopplysninger"]), unique=True)


@dataclass(frozen=True)
class Mark:
    person: bool  # a person's own mark (else a row naming one)
    number: str | None
    graded: bool | None
    groups: str


@dataclass(frozen=True)
class Obj:
    pairs: dict[str, Any]
    mark: Mark | None


@dataclass(frozen=True)
class Arr:
    items: list[Any]
    aggregated: bool  # json_agg (PostgreSQL writes it otherwise than json_build_array)


@dataclass(frozen=True)
class Embedded:
    value: Any  # a jsonb value, as the Freg facts are


MARKS = st.builds(
    Mark, st.booleans(), st.none() | st.from_regex(r"[0-9]{1,11}", fullmatch=True),
    st.none() | st.booleans(), GROUPS.map(lambda names: ",".join(sorted(names))),
)  # fmt: skip
LEAF = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), TEXT, JSONB.map(Embedded))


def _values(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    objects = st.builds(Obj, st.dictionaries(KEY, children, min_size=1, max_size=4),
                        st.none() | MARKS)  # fmt: skip
    arrays = st.builds(Arr, st.lists(children, min_size=1, max_size=3), st.booleans())
    return objects | arrays


TREE = st.builds(
    Obj, st.dictionaries(KEY, st.recursive(LEAF, _values, max_leaves=12), min_size=1, max_size=4),
    st.none() | MARKS,
)  # fmt: skip


def sql(value: Any, params: list[Any]) -> str:
    """``value`` as PostgreSQL builds it in the SQL forms' statements."""
    if isinstance(value, Obj):
        pairs = []
        for key, item in value.pairs.items():
            params.append(key)
            pairs.append(f"%s::text, {sql(item, params)}")
        if value.mark is not None:
            m = value.mark
            params.append(MARK)
            logged = LOGGED if m.person or m.groups else NOT_LOGGED  # as _Compiler.marks
            number = "NULL" if m.number is None else "'" + m.number.replace("'", "''") + "'"
            graded = "NULL::boolean" if m.graded is None else str(m.graded).lower()
            # NULL graded: a probe that answered null reads as not asked, like None
            pairs.append(f"%s::text, {mark_sql(logged, number, graded, m.groups)}")
        return f"json_build_object({', '.join(pairs)})"
    if isinstance(value, Arr):
        items = [sql(item, params) for item in value.items]
        if value.aggregated:
            rows = ", ".join(f"({n}, to_json({item}))" for n, item in enumerate(items))
            return f"(SELECT json_agg(v.e ORDER BY v.n) FROM (VALUES {rows}) v(n, e))"
        return f"json_build_array({', '.join(items)})"
    if isinstance(value, Embedded):
        params.append(Jsonb(value.value))
        return "%s::jsonb"
    params.append(value)
    if value is None:
        return "%s::text"
    return {bool: "%s::boolean", int: "%s::bigint", str: "%s::text"}[type(value)]


def unmarked(value: Any) -> Any:
    """``value`` as the caller must get it: marks gone."""
    if isinstance(value, Obj):
        return {key: unmarked(item) for key, item in value.pairs.items()}
    if isinstance(value, Arr):
        return [unmarked(item) for item in value.items]
    if isinstance(value, Embedded):
        return value.value
    return value


def marks(value: Any) -> Iterator[Mark]:
    if isinstance(value, Obj):
        if value.mark is not None:
            yield value.mark
        for item in value.pairs.values():
            yield from marks(item)
    elif isinstance(value, Arr):
        for item in value.items:
            yield from marks(item)


def logged(found: list[Mark]) -> dict[str, set[str]]:
    """What the lookup log records: each person's own mark; a row naming a person when it
    shows a guarded field group."""
    out: dict[str, set[str]] = {}
    for mark in found:
        names = set(mark.groups.split(",")) - {""}
        if mark.number and (mark.person or names):
            out.setdefault(mark.number, set()).update(names)
    return out


@pytest.fixture(scope="module")
def conn(database: Database) -> Iterator[psycopg.Connection[Any]]:
    with connect(database.app_url, autocommit=True) as connection:
        yield connection


def as_text(conn: psycopg.Connection[Any], tree: Obj) -> str:
    params: list[Any] = []
    query = f"SELECT ({sql(tree, params)})::text"
    row = conn.execute(query, params).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return str(row[0])


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=TREE)
def test_exactly_the_marks_are_taken_out_of_the_text(
    conn: psycopg.Connection[Any], tree: Obj
) -> None:
    text = as_text(conn, tree)
    found = list(marks(tree))
    assert len(MARK_TEXT.findall(text)) == len(found)  # every mark by the pattern alone
    seen = Seen()
    kept = seen.unmarked_text(text)
    assert orjson.loads(kept) == unmarked(tree)
    assert {number: set(groups) for number, groups in seen.found()} == logged(found)
    assert seen.graded == any(m.graded for m in found)
    # a mark without a graded flag: its identifier is asked after (``SqlAnswers.answer``)
    assert seen.unchecked == {m.number for m in found if m.graded is None and m.number is not None}


def test_a_mark_whose_identifier_json_escaped_is_found_and_decoded(
    conn: psycopg.Connection[Any],
) -> None:
    """An identifier with an escape is not matched by the fast pattern: the slower one
    finds it, and the mark still goes and is noted as written; a jsonb value's own "__m"
    key stays."""
    tree = Obj({"navn": "Å", "eier": Obj({"n": 1}, Mark(True, '12"3', True, "identitet"))},
               Mark(True, "0101", False, "adresse"))  # fmt: skip
    text = as_text(conn, tree)
    assert len(MARK_TEXT.findall(text)) == 1
    seen = Seen()
    assert orjson.loads(seen.unmarked_text(text)) == {"navn": "Å", "eier": {"n": 1}}
    assert dict(seen.found()) == {"0101": ["adresse"], '12"3': ["identitet"]}
    assert seen.graded
    tree = Obj({"eier": Obj({"n": 1}, Mark(False, "4\\5", None, ""))}, Mark(True, "06", None, ""))
    seen = Seen()
    assert orjson.loads(seen.unmarked_text(as_text(conn, tree))) == {"eier": {"n": 1}}
    assert seen.unchecked == {"06", "4\\5"} and not seen.graded
    fakta = {MARK: "+t|adresse|1", "n": "\\"}
    tree = Obj({"fakta": Embedded(fakta)}, Mark(True, '7"8', False, "identitet"))
    seen = Seen()
    assert orjson.loads(seen.unmarked_text(as_text(conn, tree))) == {"fakta": fakta}
    assert dict(seen.found()) == {'7"8': ["identitet"]} and not seen.graded
