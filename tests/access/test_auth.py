"""Authentication (issue 7 §1): bearer JWTs against a JWKS, 401 for a token that cannot be
trusted, open data without one, and development tokens from ``grunndata token``."""

from __future__ import annotations

import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from typer.testing import CliRunner

from grunndata.cli import app as cli
from grunndata.config import SecuritySettings
from grunndata.graphql.auth import Authenticator, InvalidToken, dev_key, dev_key_path, mint_token
from grunndata.server import create_app
from tests.access.conftest import OPEN_PERSON, ask, codes
from tests.conftest import TEST_AUDIENCE, TEST_KEY, LiveServer, test_token

PERSON_QUERY = '{ person(identifikasjonsnummer: "%s") { navn { fornavn } } }'


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        ("Bearer not.a.jwt", "not valid"),
        ("Bearer " + "x" * 40, "not valid"),
        ("Basic dXNlcjpwdw==", "Bearer <token>"),
        ("Bearer", "Bearer <token>"),
    ],
)
def test_a_malformed_token_is_401_with_www_authenticate(server, authorization, reason):
    response = ask(server, "{ serverInfo { version } }", Authorization=authorization)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "INVALID_TOKEN"
    assert reason in error["message"]


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (lambda: test_token(ttl=60, now=time.time() - 3600), "expired"),
        (lambda: test_token(key=ec.generate_private_key(ec.SECP256R1())), "signature"),
        (lambda: test_token(audience="someone-else"), "audience"),
    ],
    ids=["expired", "wrongly-signed", "wrong-audience"],
)
def test_an_untrusted_token_is_401_and_nothing_is_answered(server, token, reason):
    response = ask(server, "{ serverInfo { version } }", token())
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    body = response.json()
    assert body["data"] is None
    assert reason in body["errors"][0]["message"]
    assert "Traceback" not in response.text


def test_a_token_from_another_issuer_is_refused(server, tmp_path):
    foreign = mint_token(
        TEST_KEY, scopes=["grunndata:tilsyn"], orgnr="318716897",
        issuer="https://elsewhere", audience=TEST_AUDIENCE, key_id="test",
    )  # fmt: skip
    response = ask(server, "{ serverInfo { version } }", foreign)
    assert response.status_code == 401
    assert "issuer" in response.json()["errors"][0]["message"]
    other = Authenticator.from_settings(SecuritySettings(), dev_key=dev_key_path(tmp_path))
    with pytest.raises(InvalidToken, match="no key with kid"):
        other.principal("Bearer " + test_token())
    nothing = Authenticator.from_settings(SecuritySettings())  # no JWKS: trusts no issuer
    with pytest.raises(InvalidToken, match="trusts no token issuer"):
        nothing.principal("Bearer " + test_token())


def test_clock_skew_is_tolerated_within_the_configured_leeway(server):
    just_expired = test_token(ttl=60, now=time.time() - 75)  # 15 s past, leeway 30 s
    assert ask(server, "{ serverInfo { version } }", just_expired).status_code == 200


def test_without_a_token_open_data_is_answered_and_person_data_is_unauthenticated(server):
    body = ask(server, '{ enhet(organisasjonsnummer: "310911410") { navn } '
                       'eiendom(matrikkelnummer: "4204-97/90") { hjemmelshavere { navn } } '
                       f'person(identifikasjonsnummer: "{OPEN_PERSON}") {{ navn {{ fornavn }} }} }}'
               ).json()  # fmt: skip
    assert body["data"]["enhet"] == {"navn": "KORSVIK BYGG AS"}
    assert {h["navn"] for h in body["data"]["eiendom"]["hjemmelshavere"]} == {
        "Arne Korsvik", "Berit Korsvik"
    }  # fmt: skip
    assert body["data"]["person"] is None
    assert codes(body) == {"person": "UNAUTHENTICATED"}


def test_without_a_token_a_known_and_an_unknown_person_answer_the_same(server):
    known = ask(server, PERSON_QUERY % OPEN_PERSON)
    unknown = ask(server, PERSON_QUERY % "01017012345")  # valid, not in the register
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()


def test_dev_tokens_are_trusted_only_by_a_dev_auth_server(access_database, tmp_path):
    key_path = dev_key_path(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["token", "--scope", "folkeregister/offentligutenhjemmel matrikkel/hjemmel",
         "--scope", "tilsyn", "--orgnr", "318716897", "--ttl", "120"],
        env={"GRUNNDATA_DATA_DIR": str(tmp_path)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.count(".") == 2 and " " not in token
    assert key_path.exists() and (key_path.stat().st_mode & 0o077) == 0
    dev = Authenticator.from_settings(SecuritySettings(), dev_key=key_path)
    principal = dev.principal(f"Bearer {token}")
    assert principal.scopes == {"folkeregister/offentligutenhjemmel", "matrikkel/hjemmel", "tilsyn"}
    assert principal.orgnr == "318716897"
    with LiveServer(create_app(access_database.app_url, authenticator=dev), token=None) as base:
        assert ask(base, PERSON_QUERY % OPEN_PERSON, token).json() == {
            "data": {"person": {"navn": {"fornavn": "ARNE"}}}
        }
        assert ask(base, PERSON_QUERY % OPEN_PERSON, test_token()).status_code == 401
    with LiveServer(create_app(access_database.app_url), token=None) as base:
        assert ask(base, PERSON_QUERY % OPEN_PERSON, token).status_code == 401
    assert dev_key(key_path).public_key() is not None


def test_token_refuses_unknown_scopes_and_bad_orgnr(tmp_path):
    runner = CliRunner()
    env = {"GRUNNDATA_DATA_DIR": str(tmp_path)}
    bad_scope = runner.invoke(cli, ["token", "--scope", "folkeregister/alt", "--orgnr",
                                    "318716897"], env=env)  # fmt: skip
    assert bad_scope.exit_code != 0
    assert "unknown scope 'folkeregister/alt'" in str(bad_scope.exception)
    bad_orgnr = runner.invoke(cli, ["token", "--scope", "tilsyn", "--orgnr", "123"], env=env)
    assert bad_orgnr.exit_code != 0
    assert "123" in str(bad_orgnr.exception)


def test_the_pid_claim_makes_a_citizen(tmp_path):
    result = CliRunner().invoke(
        cli, ["token", "--scope", "", "--orgnr", "318716897", "--pid", OPEN_PERSON],
        env={"GRUNNDATA_DATA_DIR": str(tmp_path)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    dev = Authenticator.from_settings(SecuritySettings(), dev_key=dev_key_path(tmp_path))
    principal = dev.principal("Bearer " + result.stdout.strip().splitlines()[-1])
    assert (principal.pid, principal.scopes) == (OPEN_PERSON, frozenset())


def test_a_jwks_setting_without_audience_is_refused():
    from grunndata.errors import SetupError

    with pytest.raises(SetupError, match="GRUNNDATA_AUDIENCE"):
        Authenticator.from_settings(SecuritySettings(jwks="/nonexistent", audience=None))
    assert TEST_AUDIENCE  # the suite's own issuer does set one


def test_serving_a_person_query_without_token_over_http_names_the_scope(server):
    body = ask(server, PERSON_QUERY % OPEN_PERSON).json()
    assert "offentligutenhjemmel" in body["errors"][0]["message"]
    assert httpx.get(f"{server}/healthz").status_code == 200


def test_a_verified_token_is_remembered_until_it_expires(monkeypatch):
    """The signature is checked once per token; after its exp it is checked again."""
    import jwt

    from grunndata.config import Settings
    from grunndata.graphql import auth

    authenticator = Authenticator.from_settings(Settings.from_env().security)
    token = test_token(ttl=60)
    first = authenticator.verify(token)
    decoded = []
    real_decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: decoded.append(1) or real_decode(*a, **k))
    assert authenticator.verify(token) == first and decoded == []
    later = time.time() + 61
    monkeypatch.setattr(auth.time, "time", lambda: later)
    assert authenticator.verify(token) == first  # within the leeway, verified again
    assert decoded == [1]
