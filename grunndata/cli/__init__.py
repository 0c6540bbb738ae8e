"""The ``grunndata`` command: one module per command group, all on ``base.app``.

Every expected failure (no PostgreSQL, no PostGIS, an unreachable database, a broken file)
ends in one clear message and a non-zero exit, never a traceback. Set ``GRUNNDATA_DEBUG=1``
to see the traceback of an unexpected error.
"""

# The commands register in import order, which is the order `--help` lists them in.
# isort: off
from grunndata.cli import serving, tokens, loading, loads, follow, adressevask, schema, db, fixtures
from grunndata.cli import revert
from grunndata.cli import export

# isort: on
from grunndata.cli.base import FIXTURES_DIR, app, formats, main

__all__ = [
    "FIXTURES_DIR",
    "adressevask",
    "app",
    "db",
    "export",
    "fixtures",
    "follow",
    "formats",
    "loading",
    "loads",
    "main",
    "revert",
    "schema",
    "serving",
    "tokens",
]
