"""``grunndata db backup`` and ``restore``: a custom-format ``pg_dump`` of the database.

The dump is taken as the schema owner in one snapshot (``pg_dump`` reads everything in a
single repeatable-read transaction), while the server keeps answering. It holds the
schemas, the data, the functions and triggers (the lookup log's append-only guard) and
every grant to the app role. Restoring needs a database with no grunndata schema yet: the
roles, the database and its extensions are made first (``bootstrap``, or by the operator
for an external server), then ``pg_restore`` runs as the owner in one transaction, without
the extensions (already there, and not the owner's) and stops at the first error.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

from grunndata.db.binaries import PgBinaries
from grunndata.db.database import Database, connect
from grunndata.db.urls import describe
from grunndata.errors import GrunndataError

#: A line of ``pg_restore --list``: ``id; oids TYPE WORDS schema name owner``.
_ENTRY = re.compile(r"\d+; \d+ \d+ ((?:[A-Z]+ )+)(\S+) (.*)")


def backup(database: Database, path: Path, binaries: PgBinaries) -> int:
    """Write the dump to ``path`` (through a temporary file beside it, so a failed dump
    leaves no file that looks whole); its size in bytes."""
    path = path.absolute()
    if path.is_dir():
        raise GrunndataError(f"{path} is a directory: name the file the backup goes to.")
    partial = path.with_name(f".{path.name}.partial")
    result = _run(
        [binaries.tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}",
         f"--dbname={database.owner_url}"]
    )  # fmt: skip
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise GrunndataError(f"pg_dump of {describe(database.owner_url)} failed: {_reason(result)}")
    partial.replace(path)
    return path.stat().st_size


def restore(database: Database, path: Path, binaries: PgBinaries) -> None:
    """Restore the dump at ``path`` into ``database``, which must hold no grunndata
    schema yet; nothing is written when it fails."""
    if not path.is_file():
        raise GrunndataError(f"{path}: no such backup file.")
    with connect(database.owner_url) as conn:
        taken = conn.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'felles'"
        ).fetchone()
    if taken and taken[0]:
        raise GrunndataError(
            f"{describe(database.owner_url)} already holds a grunndata database: restore "
            "into an empty one (a new GRUNNDATA_DATA_DIR, or a new database)."
        )
    listing = _run([binaries.tool("pg_restore"), "--list", str(path)])
    if listing.returncode != 0:
        raise GrunndataError(f"{path} is not a grunndata backup: {_reason(listing)}")
    wanted = [line for line in listing.stdout.splitlines() if not _left_out(line)]
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as toc:
        toc.write("\n".join(wanted) + "\n")
    try:
        result = _run(
            [binaries.tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction",
             f"--use-list={toc.name}", f"--dbname={database.owner_url}", str(path)]
        )  # fmt: skip
    finally:
        os.unlink(toc.name)
    if result.returncode != 0:
        raise GrunndataError(
            f"restoring {path} into {describe(database.owner_url)} failed; nothing was "
            f"written: {_reason(result)}"
        )


def _left_out(line: str) -> bool:
    """Entries left to ``bootstrap``: the extensions (with their data in ``public``, such
    as PostGIS's ``spatial_ref_sys``) and the schema ``public`` every database has;
    grunndata keeps nothing of its own there."""
    entry = _ENTRY.match(line)
    if entry is None:
        return False
    kind, schema, rest = entry.groups()
    return (
        "EXTENSION" in kind
        or schema == "public"
        or rest.startswith(("EXTENSION ", "SCHEMA public"))
    )


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    try:
        return subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    except OSError as exc:
        raise GrunndataError(f"cannot run {argv[0]}: {exc.strerror}") from None


def _reason(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return " ".join(lines[-3:]) or f"exit {result.returncode}"
