"""The database: where it is, how it is made ready, and its schema.

- ``binaries``: the machine's PostgreSQL server binaries, and whether PostGIS is there.
- ``cluster``: the embedded cluster grunndata runs when no database URL is set.
- ``urls``: libpq URLs, built safely and shown without passwords.
- ``database``: which database to use; roles, database and extensions made ready.
- ``migrate`` and ``migrations/``: alembic migrations, applied under an advisory lock: the
  shared trunk, the ``felles`` branch, and through the registry each register's branch.
"""
