"""The ``db`` fixture: a fresh database with the sample formats' ``testregister`` schema."""

from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict

from grunndata.db.database import Database, connect
from tests.loaders.sample_formats import SCHEMA_SQL


@pytest.fixture
def db(fresh_database: Database) -> Database:
    app = conninfo_to_dict(fresh_database.app_url)["user"]
    with connect(fresh_database.owner_url) as conn:
        conn.execute(SCHEMA_SQL.format(app=app))  # type: ignore[arg-type]
    return fresh_database
