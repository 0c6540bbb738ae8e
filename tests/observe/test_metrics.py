"""``/metrics``: what a request, a refusal, a lookup-log flush and the load journal show, in
Prometheus's text format as ``prometheus-client`` parses it; who may read it; bounded
labels; and the Grafana dashboard names only metrics that exist."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from grunndata.config import Settings
from grunndata.observe.metrics import OperationLabels
from grunndata.server import create_app
from tests.conftest import LiveServer

DASHBOARD = Path(__file__).parents[2] / "docs" / "grafana-dashboard.json"
PERSON = 'query Person { person(identifikasjonsnummer: "13869100069") { navn { fornavn } } }'
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count",
            "_created"), "summary": ("_sum", "_count", "_created"), "gauge": ("",)}  # fmt: skip


def scrape(base: str) -> dict[str, list]:
    """Sample name → [(labels, value)] (every family's names, even without samples)."""
    response = httpx.get(f"{base}/metrics", timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    found: dict[str, list] = {}
    for family in text_string_to_metric_families(response.text):
        for suffix in SUFFIXES.get(family.type, ("",)):
            found.setdefault(family.name + suffix, [])
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def value(found: dict[str, list], name: str, **labels: str) -> float:
    return sum(v for have, v in found.get(name, []) if labels.items() <= have.items())


def post(base: str, query: str, headers: dict | None = None, **variables: object) -> httpx.Response:
    body = {"query": query, "variables": variables}
    return httpx.post(f"{base}/graphql", json=body, headers=headers, timeout=30)


def metrics_status(app: object, client: str, headers: dict | None = None) -> int:
    """The status of ``GET /metrics`` from a client at address ``client``."""

    async def get() -> int:
        transport = httpx.ASGITransport(app, client=(client, 40000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://grunndata") as c:
            return (await c.get("/metrics", headers=headers)).status_code

    return asyncio.run(get())


@pytest.fixture(scope="module")
def served(demo_database):
    with LiveServer(create_app(demo_database.app_url)) as base:
        yield base


def test_requests_refusals_lookup_log_pools_and_loads_are_counted(served):
    before = scrape(served)
    assert post(served, PERSON).json()["data"]["person"]["navn"]["fornavn"] == "MAJA"
    assert "errors" not in post(served, "query Info { serverInfo { version } }").json()
    refused = post(served, "{ serverInfo { version } }", {"Authorization": "Bearer x.y.z"})
    assert refused.status_code == 401
    time.sleep(1.2)  # the pool gauges are sampled once a second
    after = scrape(served)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    total = "grunndata_graphql_requests_total"
    assert grew(total, operation="Person", path="sql", code="OK") == 1
    assert grew(total, operation="Info", path="resolvers", code="OK") == 1
    assert grew(total, operation="anonymous", path="refused", code="INVALID_TOKEN") == 1
    assert grew("grunndata_graphql_request_duration_seconds_count", operation="Person") == 1
    assert grew("grunndata_lookup_log_flushes_total", outcome="ok") >= 1
    assert grew("grunndata_lookup_log_persons_total") >= 1
    assert grew("grunndata_lookup_log_flush_duration_seconds_count") >= 1
    for pool in ("request", "lookup_log"):
        assert value(after, "grunndata_pool_connections", pool=pool, state="max") > 0
        assert ({"pool": pool, "state": "waiting"}, 0.0) in after["grunndata_pool_connections"]
    assert value(after, "grunndata_journal_up") == 1
    assert value(after, "grunndata_loads_total", kind="load", status="loaded") >= 3
    assert value(after, "grunndata_load_records_total", outcome="inserted") > 0
    assert value(after, "grunndata_load_duration_seconds_count", kind="load") >= 3


def test_rate_limit_refusals_are_counted(demo_database):
    security = replace(Settings.from_env().security, rate_limit_per_minute=1, rate_limit_burst=1)
    with LiveServer(create_app(demo_database.app_url, security=security)) as base:
        before = scrape(base)
        codes = [post(base, "{ serverInfo { version } }").status_code for _ in range(3)]
        after = scrape(base)
    assert codes == [200, 429, 429]
    for name, labels in [
        ("grunndata_rate_limited_total", {"route": "graphql"}),
        ("grunndata_graphql_requests_total", {"code": "RATE_LIMITED"}),
    ]:
        assert value(after, name, **labels) - value(before, name, **labels) == 2


def test_metrics_answer_loopback_clients_only(demo_database):
    app = create_app(demo_database.app_url)
    assert metrics_status(app, "192.0.2.7") == 404
    assert metrics_status(app, "127.0.0.1") == 200
    assert metrics_status(app, "::1") == 200
    assert metrics_status(app, "127.0.0.1", {"X-Forwarded-For": "192.0.2.7"}) == 404


def test_with_a_metrics_port_the_api_port_has_no_metrics(demo_database, monkeypatch):
    monkeypatch.setenv("GRUNNDATA_METRICS_PORT", "9464")
    app = create_app(demo_database.app_url)
    assert metrics_status(app, "127.0.0.1") == 404


def test_operation_labels_are_bounded():
    labels = OperationLabels(first=2)
    assert [labels.label(n) for n in ("A", "B", "C", "A", None, "")] == [
        "A", "B", "other", "A", "anonymous", "anonymous"]  # fmt: skip
    assert OperationLabels().label("Person13869100069") == "other"  # could be an identifier
    assert OperationLabels().label("x" * 65) == "other"
    persisted = OperationLabels.of(["query Kjent { serverInfo { version } }", "{ a }"])
    assert persisted.label("Kjent") == "Kjent"
    assert persisted.label("Ukjent") == "other"


def test_the_dashboard_names_only_metrics_that_exist(served):
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 10
    named = {n for e in exprs for n in re.findall(r"\bgrunndata_[a-z_]+", e)}
    exported = scrape(served)
    missing = sorted(named - exported.keys())
    assert not missing, f"panels name metrics /metrics does not export: {missing}"
