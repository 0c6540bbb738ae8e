"""``grunndata token``: development tokens signed with the local key."""

from __future__ import annotations

from typing import Annotated

import typer

from grunndata.cli.base import app, err
from grunndata.config import Settings
from grunndata.errors import GrunndataError

#: The consumer the demo's token speaks for: a unit of the demo data (ANDERSEN BYGG DA).
DEMO_CONSUMER = "310000000"


def dev_token(
    settings: Settings, scopes: list[str], orgnr: str | None, pid: str | None, ttl: int
) -> str:
    from grunndata.graphql.auth import dev_key, dev_key_path, mint_token

    prefix = settings.security.scope_prefix
    full = [s if s.startswith(prefix) else f"{prefix}{s}" for s in scopes]
    key = dev_key(dev_key_path(settings.data_dir))
    return mint_token(key, scopes=full, orgnr=orgnr, pid=pid, ttl_s=ttl)


@app.command(
    epilog="Example:  grunndata token --scope 'folkeregister/offentligmedhjemmel "
    "matrikkel/hjemmel' --orgnr 310000000"
)
def token(
    scope: Annotated[
        list[str],
        typer.Option(
            help="Scopes, space-separated as in the token's scope claim; may be repeated. "
            "The prefix (GRUNNDATA_SCOPE_PREFIX, grunndata:) is added when missing."
        ),
    ],
    orgnr: Annotated[
        str, typer.Option(help="The consumer's organisasjonsnummer (consumer.ID 0192:<orgnr>).")
    ],
    pid: Annotated[
        str | None, typer.Option(help="A citizen's fødselsnummer (ID-porten's pid claim).")
    ] = None,
    ttl: Annotated[int, typer.Option(help="Seconds the token is valid.", min=1)] = 3600,
) -> None:
    """Print a development token, signed with the local development key, on its last line.

    Only a server started with `grunndata serve --dev-auth` (or `grunndata demo`) trusts it.
    """
    from grunndata.graphql.access import SCOPES
    from grunndata.identifiers import parse_orgnr, parse_person_id

    scopes = [s for value in scope for s in value.split()]
    prefix = Settings.from_env().security.scope_prefix
    unknown = [s for s in scopes if s.removeprefix(prefix) not in SCOPES]
    if unknown:
        raise GrunndataError(
            f"unknown scope {unknown[0]!r}: use {', '.join(SCOPES)} (prefix {prefix!r} optional)."
        )
    number = parse_orgnr(orgnr).value
    person = parse_person_id(pid).value if pid else None
    err.print(f"grunndata: token for {number}, scopes {' '.join(scopes) or '(none)'}, {ttl} s")
    print(dev_token(Settings.from_env(), scopes, number, person, ttl))
