"""``grunndata serve`` as an operator runs it: one structured log line per request (never a
person's identifier, in variables or in a URL), plain text when asked, and several worker
processes on one port whose metrics one scrape sums."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import TEST_CONSUMER, test_token

GRUNNDATA = str(Path(sys.executable).parent / "grunndata")
FNR = "13869100069"
PERSON = "query Person($id: ID!) { person(identifikasjonsnummer: $id) { navn { fornavn } } }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(database, log: Path, *args: str, **env: str) -> Iterator[tuple[str, int]]:
    """``grunndata serve`` on a free port, its stdout and stderr in ``log``; stopped by
    SIGTERM (and killed if it has not stopped in 2 minutes). Startup is given 4 minutes:
    on a machine busy with other test runs a worker's imports alone have taken a minute."""
    port = free_port()
    environ = {**os.environ, "GRUNNDATA_DATABASE_URL": database.app_url, **env}
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [GRUNNDATA, "serve", "--port", str(port), "--no-migrate", *args],
            env=environ, stdout=stderr, stderr=stderr, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the server and its workers
            raise


def ask(base: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {test_token()}"}
    body = {"query": PERSON, "variables": {"id": FNR}}
    return httpx.post(f"{base}/graphql", json=body, headers=headers, timeout=30)


def test_one_json_line_per_request_without_person_identifiers(demo_database, tmp_path):
    log = tmp_path / "serve.log"
    with serving(demo_database, log) as (base, _):
        answer = ask(base)
        assert answer.json()["data"]["person"]["navn"]["fornavn"] == "MAJA"
        query = f'{{ person(identifikasjonsnummer: "{FNR}") {{ kjoenn }} }}'
        in_url = httpx.get(f"{base}/graphql", params={"query": query}, timeout=30)
        assert in_url.status_code == 400
    text = log.read_text()
    assert FNR not in text
    # every line is JSON, but the command's own banner (for the person starting it)
    lines = [json.loads(line) for line in text.splitlines() if not line.startswith("grunndata:")]
    requests = [line for line in lines if line["msg"] == "request"]
    person = next(r for r in requests if r["operation"] == "Person")
    assert person["request_id"] == answer.headers["x-request-id"]
    assert person["code"] == "OK" and person["status"] == 200 and person["answer"] == "sql"
    assert person["konsument"] == TEST_CONSUMER
    assert person["duration_ms"] > 0
    refused = next(r for r in requests if r["method"] == "GET")
    assert refused["code"] == "GET_NOT_OPEN_DATA" and refused["status"] == 400


def test_plain_text_logs_when_asked(demo_database, tmp_path):
    log = tmp_path / "serve.log"
    with serving(demo_database, log, GRUNNDATA_LOG_FORMAT="text") as (base, _):
        answer = ask(base)
    text = log.read_text()
    assert FNR not in text
    line = next(line for line in text.splitlines() if " request " in line)
    assert not line.startswith("{")
    assert f"request_id={answer.headers['x-request-id']}" in line
    assert "operation=Person" in line and "code=OK" in line


def test_several_workers_on_one_port_and_one_scrape_of_them_all(demo_database, tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    log = tmp_path / "serve.log"
    with serving(demo_database, log, "--workers", "2",
                 PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)) as (base, parent):  # fmt: skip
        for _ in range(20):
            assert ask(base).status_code == 200
        scraped = httpx.get(f"{base}/metrics", timeout=30).text
    counted = sum(
        float(line.rsplit(" ", 1)[1])
        for line in scraped.splitlines()
        if line.startswith("grunndata_graphql_requests_total{") and 'operation="Person"' in line
    )
    assert counted == 20
    # each process keeps its own files of values: two workers besides the parent
    pids = {p.stem.rsplit("_", 1)[1] for p in metrics_dir.glob("histogram_*.db")}
    assert len(pids - {str(parent)}) == 2, sorted(metrics_dir.iterdir())
