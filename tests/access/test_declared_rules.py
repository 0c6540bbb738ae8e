"""What a register can declare about access beyond single scopes: a field that needs one
of several scopes, and the lookup-log field group a field is logged under."""

from __future__ import annotations

import dataclasses

import pytest
from graphql import GraphQLString

from grunndata.graphql import access
from grunndata.graphql.access import Policy, refusal, rule_for
from grunndata.registers import REGISTERS
from grunndata.registers.base import AccessRules


@dataclasses.dataclass
class Principal:
    scopes: frozenset[str]
    authenticated: bool = True


@pytest.fixture
def declared(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = dataclasses.replace(
        REGISTERS[-1],
        name="nyttregister",
        access=AccessRules(
            scopes=("nytt/a", "nytt/b"),
            field_scopes={("Oppføring", "felt"): (frozenset({"nytt/a", "nytt/b"}),),
                          ("Oppføring", "begge"): ("nytt/a", "nytt/b")},
            field_groups={("Oppføring", "felt"): "nyttgruppe"},
        ),
    )  # fmt: skip
    policy = Policy.of((*REGISTERS, extra))
    monkeypatch.setattr(access, "policy", lambda: policy)


def test_a_field_that_needs_one_of_several_scopes_is_read_with_either(declared):
    rule = rule_for("Oppføring", "felt", GraphQLString)
    assert rule is not None and rule.requires == (frozenset({"nytt/a", "nytt/b"}),)
    for scopes in ({"nytt/a"}, {"nytt/b"}, {"nytt/a", "nytt/b"}):
        assert refusal(rule, Principal(frozenset(scopes)), "Oppføring.felt") is None
    refused = refusal(rule, Principal(frozenset({"annet"})), "Oppføring.felt")
    assert refused is not None and "nytt/a or nytt/b" in str(refused)
    assert refusal(rule, Principal(frozenset(), authenticated=False), "x") is not None


def test_scopes_given_one_by_one_are_each_needed(declared):
    rule = rule_for("Oppføring", "begge", GraphQLString)
    assert rule is not None
    assert refusal(rule, Principal(frozenset({"nytt/a"})), "Oppføring.begge") is not None
    assert refusal(rule, Principal(frozenset({"nytt/a", "nytt/b"})), "Oppføring.begge") is None


def test_a_declared_field_group_is_what_the_lookup_log_records(declared):
    rule = rule_for("Oppføring", "felt", GraphQLString)
    assert rule is not None and rule.group == "nyttgruppe"
    assert rule_for("Oppføring", "begge", GraphQLString).group is None  # type: ignore[union-attr]
