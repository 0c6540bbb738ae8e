"""Authorisation by scope (issue 7 §2): each scope sees exactly its fields; a hidden field is
null with FORBIDDEN at its path and the rest is answered."""

from __future__ import annotations

import pytest
from graphql import get_named_type

from grunndata.graphql.access import TILSYN
from grunndata.graphql.schema import build_schema
from grunndata.registers.enhetsregister.access import ROLLER
from grunndata.registers.folkeregister.access import ADRESSEBESKYTTELSE, IDENTITET, MED_HJEMMEL
from grunndata.registers.matrikkel.access import HJEMMEL
from tests.access.conftest import OPEN_PERSON, ask, codes
from tests.conftest import test_token

IDENTITY = "identifikasjonsnummer navn { fornavn etternavn } foedselsdato status doedsdato"
MORE = (
    "kjoenn sivilstand { sivilstand } statsborgerskap identifikatorer { identifikasjonsnummer } "
    "foreldre { identifikasjonsnummer } adressebeskyttelse historikk { navn { fornavn } }"
)
ADDRESS = "bostedsadresse { vegadresse { adressenavn } }"
PERSON = f'{{ person(identifikasjonsnummer: "{OPEN_PERSON}") {{ {IDENTITY} {MORE} {ADDRESS} }} }}'


@pytest.fixture
def person_as(server):
    def answer(*scopes: str, query: str = PERSON) -> tuple[dict, dict[str, str]]:
        token = test_token(*scopes) if scopes else test_token("tilsyn")  # a token, no person scope
        body = ask(server, query, token).json()
        return body["data"], codes(body)

    return answer


def test_a_token_without_a_person_scope_is_forbidden_the_person(person_as):
    data, errors = person_as()
    assert data == {"person": None}
    assert errors == {"person": "FORBIDDEN"}


def test_offentligutenhjemmel_sees_identity_only(person_as):
    data, errors = person_as(IDENTITET)
    person = data["person"]
    assert person["identifikasjonsnummer"] == OPEN_PERSON
    assert person["navn"] == {"fornavn": "ARNE", "etternavn": "KORSVIK"}
    assert person["foedselsdato"] == "1948-03-14"
    assert person["status"] == "bosatt"
    hidden = {"kjoenn", "sivilstand", "statsborgerskap", "identifikatorer", "foreldre",
              "adressebeskyttelse", "historikk", "bostedsadresse"}  # fmt: skip
    assert {k for k, v in person.items() if v is None} >= hidden
    assert errors == {f"person.{field}": "FORBIDDEN" for field in hidden}


def test_offentligmedhjemmel_sees_all_but_graded_addresses(person_as):
    data, errors = person_as(MED_HJEMMEL)
    assert errors == {}
    person = data["person"]
    assert person["kjoenn"] == "mann"
    assert person["bostedsadresse"]["vegadresse"]["adressenavn"] == "Tyrihansveien"
    assert person["adressebeskyttelse"] in (None, "ugradert")


def test_a_scope_of_another_register_sees_no_person(person_as):
    for scope in (ROLLER, HJEMMEL, TILSYN, ADRESSEBESKYTTELSE):
        data, errors = person_as(scope)
        assert (data, errors) == ({"person": None}, {"person": "FORBIDDEN"}), scope


ROLES = """{ enhet(organisasjonsnummer: "310911410") { roller { type { kode }
  innehaver { navn foedselsdato foedselsnummer person { identifikasjonsnummer } } } } }"""


def test_role_holders_show_name_and_birth_date_without_enhetsregister_roller(server):
    for token in (None, test_token(MED_HJEMMEL)):
        body = ask(server, ROLES, token).json()
        holders = [r["innehaver"] for r in body["data"]["enhet"]["roller"]]
        persons = [h for h in holders if h["foedselsdato"] is not None]
        assert persons and all(h["navn"] for h in persons)
        assert all(h["foedselsnummer"] is None and h["person"] is None for h in holders)
        expected = "UNAUTHENTICATED" if token is None else "FORBIDDEN"
        assert set(codes(body).values()) == {expected}
        assert {p.rsplit(".", 1)[-1] for p in codes(body)} == {"foedselsnummer", "person"}


def test_enhetsregister_roller_shows_identifiers_and_with_a_person_scope_the_person(server):
    body = ask(server, ROLES, test_token(ROLLER)).json()
    holders = [r["innehaver"] for r in body["data"]["enhet"]["roller"]]
    assert "14834806046" in {h["foedselsnummer"] for h in holders}
    assert set(codes(body).values()) == {"FORBIDDEN"}  # person needs a Folkeregisteret scope
    body = ask(server, ROLES, test_token(ROLLER, IDENTITET)).json()
    assert codes(body) == {}
    people = {h["person"]["identifikasjonsnummer"] for h in
              (r["innehaver"] for r in body["data"]["enhet"]["roller"]) if h["person"]}  # fmt: skip
    assert "14834806046" in people


OWNERS = """{ eiendom(matrikkelnummer: "4204-97/90") {
  hjemmelshavere { navn identifikasjonsnummer andel { teller nevner } } } }"""


def test_owners_show_names_only_without_matrikkel_hjemmel(server):
    for token in (None, test_token(MED_HJEMMEL, ROLLER)):
        body = ask(server, OWNERS, token).json()
        owners = body["data"]["eiendom"]["hjemmelshavere"]
        assert {o["navn"] for o in owners} == {"Arne Korsvik", "Berit Korsvik"}
        assert all(o["identifikasjonsnummer"] is None for o in owners)
        assert len(codes(body)) == 2
    body = ask(server, OWNERS, test_token(HJEMMEL)).json()
    assert codes(body) == {}
    assert {o["identifikasjonsnummer"] for o in body["data"]["eiendom"]["hjemmelshavere"]} == {
        "14834806046", "02915116372"
    }  # fmt: skip


def test_fields_a_scope_can_hide_are_nullable():
    """Every guarded field that can be refused is nullable, so a refusal never nulls its
    parent; only a person's identifier, which whoever sees the person may see, is not."""
    schema = build_schema()._schema
    from graphql import GraphQLNonNull, GraphQLObjectType

    from grunndata.graphql.access import rule_for

    refusable = []
    for type_name, named in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(named, GraphQLObjectType):
            continue
        for field_name, field in named.fields.items():
            rule = rule_for(type_name, field_name, get_named_type(field.type))
            if rule is not None and (rule.requires or rule.graded):
                refusable.append((type_name, field_name, field))
    assert len(refusable) > 20
    non_null = [
        f"{t}.{f}" for t, f, field in refusable
        if isinstance(field.type, GraphQLNonNull) and (t, f) != ("Person", "identifikasjonsnummer")
    ]  # fmt: skip
    assert non_null == []


def test_every_person_field_is_guarded_deny_by_default():
    schema = build_schema()._schema
    person = schema.type_map["Person"]
    unguarded = [
        name
        for name, field in person.fields.items()  # type: ignore[union-attr]
        if not getattr(field.resolve, "guarded", False)
    ]
    assert unguarded == []
