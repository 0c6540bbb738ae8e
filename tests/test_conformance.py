"""What every register must have and keep to, checked for each one in the registry (in the
spirit of a plugin conformance suite: a new register passes it or says what it lacks).
``docs/new-register.md`` uses it as its checklist. The gateway part (every entity resolves
by key) runs with the federation tests: ``tests/graphql/test_federation.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from graphql import GraphQLNonNull, GraphQLObjectType, get_named_type

from grunndata.graphql.access import policy, rule_for
from grunndata.graphql.federation.build import build_subgraph_schema
from grunndata.graphql.federation.keys import EntityKey, parse_representation
from grunndata.graphql.schema import build_schema
from grunndata.graphql.sql.forms import ByKey, Nested, Related
from grunndata.loaders.formats import detect
from grunndata.loaders.sources import SourceFile
from grunndata.registers import REGISTERS, Register

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = build_schema()._schema
ALL_FORMATS = [f for register in REGISTERS for f in register.formats]
BY_NAME = pytest.mark.parametrize("register", REGISTERS, ids=lambda r: r.name)


def samples_of(register: Register) -> dict[str, list[Path]]:
    """``tests/<register>/samples/<format name>/<file>``: real files of each format."""
    folder = ROOT / "tests" / register.name / "samples"
    return {d.name: sorted(d.iterdir()) for d in sorted(folder.iterdir()) if d.is_dir()}


def entity_samples(register: Register) -> dict[str, dict[str, object]]:
    """``tests/<register>/samples/entities.json``: a representation per entity key."""
    return json.loads((ROOT / "tests" / register.name / "samples" / "entities.json").read_text())


@BY_NAME
def test_a_register_has_its_tests_its_docs_page_and_its_fixture_data(register):
    tests = ROOT / "tests" / register.name
    assert (tests / "__init__.py").is_file() and list(tests.glob("test_*.py")), tests
    page = ROOT / "docs" / f"{register.name}.md"
    assert page.is_file(), f"docs/{register.name}.md"
    assert register.title in page.read_text().split("\n", 1)[0], "its title heads its page"
    for data in (ROOT / "fixtures" / register.name, ROOT / "tests/data/cast" / register.name):
        assert any(p.is_file() for p in data.iterdir()), f"{data}: fixture data"


@BY_NAME
def test_each_format_recognises_its_own_sample_and_refuses_the_others(register):
    assert register.formats, "a register loads at least one format"
    own = samples_of(register)
    assert sorted(own) == sorted(f.name for f in register.formats), "one sample per format"
    everyone = {name: paths for r in REGISTERS for name, paths in samples_of(r).items()}
    for source_format in register.formats:
        for name, paths in everyone.items():
            for path in paths:
                source = SourceFile(path)
                matched = source_format.matches(source.inner_name, source.head())
                assert matched == (name == source_format.name), (source_format.name, path)
    for name, paths in own.items():  # and detection over every register's formats agrees
        for path in paths:
            found = detect(SourceFile(path), ALL_FORMATS)
            assert found is not None and found.name == name, path


@BY_NAME
def test_every_sql_form_names_a_type_and_field_that_exist(register):
    query = SCHEMA.query_type
    assert query is not None
    for root in register.sql_roots:
        assert root in query.fields, f"Query.{root}"
    for sql_type in register.sql_types:
        graphql_type = SCHEMA.get_type(sql_type.name)
        assert isinstance(graphql_type, GraphQLObjectType), sql_type.name
        for field_name, form in sql_type.fields.items():
            assert field_name in graphql_type.fields, f"{sql_type.name}.{field_name}"
            if isinstance(form, Nested | Related | ByKey):
                target = get_named_type(graphql_type.fields[field_name].type)
                assert target.name == form.type_name, f"{sql_type.name}.{field_name}"


@BY_NAME
def test_every_guarded_field_is_nullable(register):
    """A refused field answers null (with its error): a non-null one would null its parent.
    Only the person's key is not: whoever may see the person may see it."""
    persons = policy().persons
    schema = build_subgraph_schema(register.name)._schema
    for type_name, named in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(named, GraphQLObjectType):
            continue
        for field_name, field in named.fields.items():
            rule = rule_for(type_name, field_name, get_named_type(field.type))
            if (type_name, field_name) == (persons.type_name, persons.key):
                continue
            if rule is not None and (rule.requires or rule.graded):
                assert not isinstance(field.type, GraphQLNonNull), f"{type_name}.{field_name}"


@BY_NAME
def test_every_entity_has_its_declared_keys_and_a_sample_of_each(register):
    declared = {keys.type_name for keys in register.entity_keys}
    assert {name.partition(":")[0] for name in register.entities} == declared
    samples = entity_samples(register)
    assert sorted(samples) == sorted(register.entities)
    for entity_name, representation in samples.items():
        key = EntityKey.of(entity_name)
        found, _ = parse_representation(representation, {key.type_name: [key]}, 0)
        assert found == key, entity_name
