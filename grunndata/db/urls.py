"""libpq URLs: building them (safely encoded) and showing them (without passwords)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from grunndata.errors import SetupError


def parse(url: str) -> dict[str, str]:
    """The libpq parameters of a URL or key=value string; a malformed one is a
    ``SetupError`` that says so (without echoing a password)."""
    try:
        return {k: str(v) for k, v in conninfo_to_dict(url).items()}
    except Exception:
        raise SetupError(
            "The database URL is not a valid libpq URL or connection string.",
            hint="Use postgresql://user:password@host:5432/dbname or "
            "postgresql:///dbname?host=/socket/dir",
        ) from None


def with_params(url: str, **params: str) -> str:
    """``url`` (a libpq URL or key=value string) as a ``postgresql://`` URL, with libpq
    parameters replaced (``user``, ``dbname``, ``password`` …).

    >>> with_params("postgresql:///grunndata?host=/var/lib/grunndata", user="grunndata_app")
    'postgresql://grunndata_app@/grunndata?host=%2Fvar%2Flib%2Fgrunndata'
    >>> with_params("postgresql://a:s%40cret@db:5433/x", dbname="y")
    'postgresql://a:s%40cret@db:5433/y'
    >>> with_params("host='/Users/me/Library/Application Support/grunndata' dbname=postgres")
    'postgresql:///postgres?host=%2FUsers%2Fme%2FLibrary%2FApplication%20Support%2Fgrunndata'
    """
    merged = parse(make_conninfo(url, **params))
    user = quote(merged.pop("user", ""), safe="")
    password = merged.pop("password", None)
    credentials = user + (f":{quote(password, safe='')}" if password is not None else "")
    host = merged.pop("host", "")
    dbname = quote(merged.pop("dbname", ""), safe="")
    netloc = f"{credentials}@" if credentials else ""
    if host and not host.startswith("/"):
        netloc += host
        if "port" in merged:
            netloc += f":{merged.pop('port')}"
    elif host:
        merged = {"host": host, **merged}
    query = urlencode(merged, quote_via=quote)  # libpq reads '+' literally, not as a space
    return f"postgresql://{netloc}/{dbname}" + (f"?{query}" if query else "")


def socket_url(socket_dir: str, *, user: str, dbname: str, port: int) -> str:
    """The URL of a server on a Unix socket in ``socket_dir`` (any characters allowed)."""
    return with_params(make_conninfo("", host=socket_dir, port=str(port)), user=user, dbname=dbname)


def describe(url: str) -> str:
    """A URL as it may be shown to a person: without its password."""
    params = parse(url)
    host = params.get("host", "localhost")
    port = params.get("port", "5432")
    return f"database {params.get('dbname', '?')!r} as {params.get('user', '?')!r} on {host}:{port}"
