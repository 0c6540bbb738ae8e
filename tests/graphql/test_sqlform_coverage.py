"""The SQL forms against the resolvers, field by field, from the schema itself (issue 21 §1).

Every field of every type reachable from every root field is asked (``tests.sqlform_examples``)
of both paths on the test cast, with every scope and with none (and, where the SQL forms
answer, with every scope for the root's next arguments too, for other data): when the SQL
forms answer, it is the resolvers' answer (data, no error, the same persons logged with the
same field groups). Where they decline with every scope, the field is a gap, and the gaps must be
exactly those listed in ``sqlform_gaps.txt``: a field given a form shrinks the list (rewrite
it with ``REWRITE`` below), and a form that stops answering fails. The forms themselves may
name no type or field the schema lacks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLObjectType, get_named_type

from grunndata.db.database import Database
from grunndata.graphql.auth import ANONYMOUS
from grunndata.graphql.sql.forms import ByKey, Link, Nested, Paged, Related
from tests.conftest import ALL_SCOPES
from tests.sqlform_examples import Example, schema_examples
from tests.sqlforms import SCHEMA, BothPaths

GAPS = Path(__file__).with_name("sqlform_gaps.txt")
WRITE = "GRUNNDATA_WRITE_SQLFORM_GAPS"
REWRITE = (
    f"{WRITE}=1 .venv/bin/python -m pytest -p no:cacheprovider -k gaps_are_listed "
    "tests/graphql/test_sqlform_coverage.py"
)
HEADER = f"""# What the SQL forms leave to the resolvers: ``Type.field``, or ``Type *`` for every
# field of the type (each asked below the root field tests/sqlform_examples.py picks).
# Checked, line for line, by tests/graphql/test_sqlform_coverage.py; rewritten by
# {REWRITE}
"""
ANSWERS = SCHEMA.sql_answers
assert ANSWERS is not None
FORMS = ANSWERS.types

#: Each root field's arguments on the test cast (tests/data/cast/cast.md); a field below
#: the root is asked with the arguments of its example's number, in turn.
ROOT_ARGUMENTS: dict[str, list[dict[str, Any]]] = {
    "serverInfo": [{}],
    "person": [
        {"identifikasjonsnummer": "14834806046"},  # married, father, owner
        {"identifikasjonsnummer": "21867525758"},  # a name change, moves
        {"identifikasjonsnummer": "52858925126"},  # a former D-nummer
        {"identifikasjonsnummer": "06865829386"},  # dead
    ],
    "personer": [{"identifikasjonsnummer": ["14834806046", "21867525758"]}],
    "personsoek": [{"navn": "Arne Korsvik", "foedselsdato": "1948-03-14"}],
    "eiendom": [{"matrikkelnummer": "4204-97/90"}, {"matrikkelnummer": "4204-97/84"}],
    "eiendommerVedPunkt": [{"x": 8.0581, "y": 58.1565}],
    "eiendommer": [{"filter": {"kommunenummer": "4204", "gardsnummer": 97}, "first": 3}],
    "adresse": [{"adresseId": "219136687"}, {"adresseId": "219137287"}],
    "adresser": [{"sok": "Tyrihansveien 38"}, {"kommunenummer": "4204", "first": 3}],
    "adressevask": [{"tekst": "Tyrihansveien 38, 4638 Kristiansand"}],
    "naermesteAdresser": [{"x": 8.0581, "y": 58.1565, "first": 3}],
    "kommune": [{"kommunenummer": "4204"}],
    "enhet": [
        {"organisasjonsnummer": "310911410"},  # roles, underenheter
        {"organisasjonsnummer": "314400291"},  # an underenhet
        {"organisasjonsnummer": "312984164"},  # a unit holds a role
        {"organisasjonsnummer": "317848641"},  # deleted
        {"organisasjonsnummer": "310283827"},  # its innehaver's address is graded
    ],
    "enheter": [
        {"filter": {"kommunenummer": ["4204"]}, "first": 3},
        {"filter": {"naeringskode": ["43"]}, "first": 2, "after": "bzow"},
    ],
    "oppslagslogg": [{"identifikasjonsnummer": "14834806046"}],
    "mineOppslag": [{}],
    "hendelser": [{"first": 5}, {"after": "3", "first": 5, "entiteter": ["Person", "Enhet"]}],
    "sisteHendelse": [{}],
    "kontaktinformasjon": [
        {"identifikasjonsnummer": "14834806046"},
        {"identifikasjonsnummer": "06865829386"},  # dead: SLETTET
    ],
    "kontaktinformasjoner": [{"identifikasjonsnummer": ["14834806046", "02915116372"]}],
}


EXAMPLES = list(schema_examples(SCHEMA._schema, FORMS, ANSWERS.roots))


def query(example: Example, number: int) -> str:
    arguments = ROOT_ARGUMENTS[example.root]
    return example.query(SCHEMA._schema, FORMS, arguments[number % len(arguments)])


def gaps(declined: set[str]) -> list[str]:
    """The list's lines: ``Type *`` for a type whose every field declined, else
    ``Type.field`` for each declined field."""
    lines = []
    for type_name in dict.fromkeys(e.type_name for e in EXAMPLES):
        keys = [e.key for e in EXAMPLES if e.type_name == type_name]
        if all(key in declined for key in keys):
            lines.append(f"{type_name} *")
        else:
            lines.extend(key for key in keys if key in declined)
    return lines


def listed() -> list[str]:
    return [
        line for line in GAPS.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]  # fmt: skip


@pytest.fixture(scope="module")
def paths(cast_database: Database) -> Iterator[BothPaths]:
    p = BothPaths(cast_database)
    yield p
    p.close()


def same(fast: Any, resolved: Mapping[str, Any], what: str) -> bool:
    """Whether the SQL forms answered; when they did, it is the resolvers' answer."""
    if fast is None:
        return False
    data, persons = fast
    assert resolved["codes"] == [], f"{what}: the SQL forms answered what the resolvers refuse"
    assert data == resolved["data"], what
    assert persons == resolved["logged"], f"{what}: another lookup log"
    return True


def declined(paths: BothPaths) -> set[str]:
    """Ask every example both ways, with every scope and with none (the equality checked);
    the examples the SQL forms declined with every scope."""
    missed = set()
    for number, example in enumerate(EXAMPLES):
        text = query(example, number)
        fast, resolved = paths.ask(text, ALL_SCOPES)
        if not same(fast, resolved, f"{example.key}: {text}"):
            missed.add(example.key)
            continue  # declined for its selection: so it is without a token
        fast, resolved = paths.ask(text, ANONYMOUS)
        same(fast, resolved, f"{example.key}, no token: {text}")
        other = query(example, number + 1)  # the root's next arguments: other data
        if other != text:
            fast, resolved = paths.ask(other, ALL_SCOPES)
            assert same(fast, resolved, f"{example.key}: {other}"), f"declined {other}"
    return missed


def test_every_field_answers_as_the_resolvers_and_the_gaps_are_listed(paths):
    missed = declined(paths)
    answered = len(EXAMPLES) - len(missed)
    print(f"the SQL forms answered {answered} of {len(EXAMPLES)} generated examples")
    found, known = gaps(missed), listed()
    if os.environ.get(WRITE):
        GAPS.write_text(HEADER + "".join(f"{line}\n" for line in found), encoding="utf-8")
        known = listed()
    assert answered > 0, "the SQL forms answered nothing"
    assert found == known, (
        f"the fields the SQL forms decline are not those in {GAPS.name}:\n"
        f"  newly declined (a form broke?): {sorted(set(found) - set(known))}\n"
        f"  no longer declined (covered now): {sorted(set(known) - set(found))}\n"
        f"rewrite the list, if that is what you meant, with {REWRITE}"
    )


def test_every_schema_field_is_reached_by_an_example():
    """No field escapes the generated examples: every object type's every field below the
    root is asked from some root field, and every root field has its arguments."""
    schema = SCHEMA._schema
    reached = {(e.type_name, e.field) for e in EXAMPLES}
    every = {
        (t.name, f) for t in schema.type_map.values()
        if isinstance(t, GraphQLObjectType) and not t.name.startswith("__")
        and t not in (schema.query_type, schema.mutation_type, schema.subscription_type)
        for f in t.fields
    }  # fmt: skip
    assert every - reached == set()
    assert set(ROOT_ARGUMENTS) == set(schema.query_type.fields)  # type: ignore[union-attr]


def test_the_forms_name_only_what_the_schema_has():
    schema = SCHEMA._schema
    query_type = schema.query_type
    assert query_type is not None
    assert set(ANSWERS.roots) <= set(query_type.fields)
    for sql_type in FORMS.values():
        graphql_type = schema.get_type(sql_type.name)
        assert isinstance(graphql_type, GraphQLObjectType), sql_type.name
        for name, form in sql_type.fields.items():
            assert name in graphql_type.fields, f"{sql_type.name}.{name} is not in the schema"
            if isinstance(form, Nested | Related | ByKey | Link):
                named = get_named_type(graphql_type.fields[name].type)
                assert form.type_name == named.name, f"{sql_type.name}.{name}"
                assert form.type_name in FORMS, f"{sql_type.name}.{name}: no form"
            if isinstance(form, Paged):
                named = get_named_type(graphql_type.fields[name].type)
                assert named.name == f"{form.type_name}Connection", f"{sql_type.name}.{name}"
                assert form.type_name in FORMS, f"{sql_type.name}.{name}: no form"


def test_the_gap_list_names_a_type_whole_or_each_field():
    every = {e.key for e in EXAMPLES}
    assert {"ServerInfo *", "Person *"} <= set(gaps(every))
    one_answered = gaps(every - {"Person.navn"})
    assert "Person *" not in one_answered
    assert "Person.navn" not in one_answered
    assert "Person.kjoenn" in one_answered
