"""``/healthz`` and a lookup log in a database of its own (``GRUNNDATA_LOG_DATABASE_URL``):
every answer with a person waits for the log, so the log's database is part of health."""

from __future__ import annotations

import httpx

from grunndata.db import migrate
from grunndata.db.urls import with_params
from grunndata.server import create_app
from tests.conftest import LiveServer, scratch_name


def test_healthz_reports_a_separate_log_database(database):
    # Another URL of the same database: the log gets a pool (and a health check) of its own.
    log_url = with_params(database.app_url, application_name="grunndata-logg")
    with LiveServer(create_app(database.app_url, log_database_url=log_url)) as base:
        response = httpx.get(f"{base}/healthz", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["oppslagslogg"] == {"reachable": True, "schemaVersion": migrate.head_revision()}


def test_healthz_is_503_when_the_log_database_is_unreachable(database):
    log_url = with_params(database.app_url, dbname=scratch_name("nosuchlog"))
    app = create_app(database.app_url, log_database_url=log_url, pool_timeout=1)
    with LiveServer(app) as base:
        response = httpx.get(f"{base}/healthz", timeout=10)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"]["reachable"] is True
    assert body["oppslagslogg"] == {"reachable": False}


def test_healthz_has_no_log_part_when_the_log_is_in_the_main_database(database):
    with LiveServer(create_app(database.app_url, log_database_url=database.app_url)) as base:
        response = httpx.get(f"{base}/healthz", timeout=10)
    assert response.status_code == 200
    assert "oppslagslogg" not in response.json()
