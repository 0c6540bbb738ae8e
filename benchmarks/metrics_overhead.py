"""What the metrics and request logs cost a request: the serial latency of a person lookup
(answered by the SQL forms, its person logged) with ``GRUNNDATA_METRICS=1`` and ``=0``,
through a real uvicorn server on loopback, in alternating rounds so that the machine's
load falls on both alike. The request log line is written (to a discarded stream) in the
measured runs, as in production. First, the middleware's own CPU cost per request, in
process (``Observe`` around an app that answers a person lookup's bytes at once), which
a busy machine's noise does not hide.

    .venv/bin/python -m benchmarks.metrics_overhead --n 2000 --lookups 400 --rounds 4
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from benchmarks.common import percentiles, scratch_database
from benchmarks.compare.servers import trusted_token
from benchmarks.folkeregister import LOOKUP, generate
from grunndata.loaders.run import Mode, run
from grunndata.observe.logs import JsonFormatter
from grunndata.observe.metrics import OperationLabels
from grunndata.observe.middleware import Observe
from grunndata.registers.folkeregister import REGISTER
from grunndata.server import create_app

DATABASE = "grunndata_benchmark_metrics"


def serial(app_url: str, token: str, ids: list[str], metrics: bool) -> list[float]:
    os.environ["GRUNNDATA_METRICS"] = "1" if metrics else "0"
    config = uvicorn.Config(create_app(app_url), host="127.0.0.1", port=0, log_config=None,
                            access_log=False)  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    seconds: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                          headers=headers) as client:  # fmt: skip
            for number in ids:
                started = time.perf_counter()
                body = client.post("/graphql", json={"query": LOOKUP, "variables": {"id": number}})
                seconds.append(time.perf_counter() - started)
                assert body.json()["data"]["person"]["identifikasjonsnummer"] == number
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return seconds[len(seconds) // 10 :]  # without the warm-up


ANSWER = (b'{"data":{"person":{"identifikasjonsnummer":"13869100069","navn":{"fornavn":"MAJA",'
          b'"etternavn":"GUNDERSEN"},"status":"bosatt"}}}')  # fmt: skip


async def _answer(scope: Scope, receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})  # fmt: skip
    await send({"type": "http.response.body", "body": ANSWER})


def middleware_cost(count: int = 20_000) -> None:
    body = orjson.dumps({"query": LOOKUP, "variables": {"id": "13869100069"}})
    observed = Observe(_answer, graphql_path="/graphql", operations=OperationLabels())

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        return None

    async def timed(app: ASGIApp) -> float:
        started = time.process_time()  # this process's CPU: what the machine's load leaves out
        for _ in range(count):
            state = {"request_id": "r", "answer": "sql"}
            scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": [],
                     "query_string": b"", "state": state}  # fmt: skip
            await app(scope, receive, send)
        return (time.process_time() - started) / count

    bare = min(asyncio.run(timed(_answer)) for _ in range(3))
    with_it = min(asyncio.run(timed(observed)) for _ in range(3))
    print(f"Observe middleware, in process (CPU time): {(with_it - bare) * 1e6:.1f} µs per request "
          f"(bare app {bare * 1e6:.1f} µs, observed {with_it * 1e6:.1f} µs)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="persons to generate")
    parser.add_argument(
        "--lookups",
        type=int,
        default=400,
        help="per round and setting; 0: only the in-process figure",
    )
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    handler = logging.StreamHandler(io.StringIO())  # the log line is made, then dropped
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "psycopg.pool"):
        logging.getLogger(name).setLevel(logging.WARNING)
    middleware_cost()
    if args.lookups == 0:
        return
    with tempfile.TemporaryDirectory() as folder, scratch_database(DATABASE) as (database, _):
        env, token = trusted_token(Path(folder))
        os.environ.update(env)
        path = Path(folder) / "personer.jsonl"
        ids = generate(path, args.n)
        run([path], formats=REGISTER.formats, database=database, mode=Mode.LOAD)
        rng = random.Random(3)
        found: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(args.rounds):
            for metrics in (False, True):
                picks = [rng.choice(ids) for _ in range(args.lookups)]
                found[metrics] += serial(database.app_url, token, picks, metrics)
    print(f"load average {os.getloadavg()[0]:.1f}; {args.rounds} rounds of {args.lookups}")
    for metrics in (False, True):
        label = "with metrics and logs" if metrics else "without (GRUNNDATA_METRICS=0)"
        print(f"person lookup, serial, {label:30} {percentiles(found[metrics])}")
    extra = statistics.median(found[True]) - statistics.median(found[False])
    print(f"median difference: {extra * 1e6:+.0f} µs per request")


if __name__ == "__main__":
    main()
