"""``--instructions``: each server under valgrind's callgrind, its instructions per request
for requests sent one at a time (the same to a few per mille whatever else the machine does;
PostgreSQL's share is not counted)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx

from benchmarks.compare.queries import QUERIES
from benchmarks.compare.servers import Server

#: valgrind's callgrind, counting nothing until told (``callgrind_control -i on``).
CALLGRIND = ("valgrind", "--tool=callgrind", "--instr-atstart=no")


def callgrind(folder: Path) -> tuple[str, ...]:
    """The command line that runs a server under callgrind, its dumps in ``folder``."""
    return (*CALLGRIND, f"--callgrind-out-file={folder}/callgrind.%p")


def instructions(server: Server, keys: dict[str, list[str]], queries: list[str], count: int,
                 folder: Path) -> dict[str, float]:  # fmt: skip
    """Instructions the server (running under ``callgrind``) executes per request, for
    ``count`` requests of each query sent one at a time, after a warm-up of a fifth as many
    (caches, prepared statements) that is not counted."""
    per_request = {}
    with httpx.Client(timeout=600) as client:
        for name in queries:
            bodies = [server.body(QUERIES[name], k) for k in keys[name]]
            _send(client, server, bodies, max(count // 5, 1))
            (pid,) = server.pids
            control = ["callgrind_control", str(pid)]
            subprocess.run([*control, "-i", "on"], check=True, capture_output=True)
            _send(client, server, bodies, count)
            subprocess.run([*control, "-d"], check=True, capture_output=True)
            subprocess.run([*control, "-i", "off"], check=True, capture_output=True)
            # the latest dump, callgrind.<pid>.<part>; its "totals:" (a later part's
            # "summary:" is not its own count)
            dump = max(folder.glob(f"callgrind.{pid}.*"),
                       key=lambda f: int(f.suffix[1:]))  # fmt: skip
            totals = next(line for line in dump.read_text().splitlines()
                          if line.startswith("totals:"))  # fmt: skip
            per_request[name] = int(totals.split()[1]) / count
            dump.unlink()
    return per_request


def _send(client: httpx.Client, server: Server, bodies: list[dict[str, Any]], count: int) -> None:
    """``count`` requests, one at a time, cycling through ``bodies``; each must answer."""
    for i in range(count):
        answer = client.post(server.url, json=bodies[i % len(bodies)], headers=server.headers)
        if answer.status_code != 200 or "errors" in answer.json():
            raise RuntimeError(f"{server.name}: {answer.text[:300]}")


def report_instructions(counted: dict[str, dict[str, float]], count: int, ours: str,
                        theirs: str) -> None:  # fmt: skip
    print(f"\nserver instructions per request (callgrind; {count} requests of each query, one "
          "at a time); ratio = theirs/ours, as a throughput ratio")  # fmt: skip
    print(f"{'query':<10}{ours:>14}{theirs:>16}{'ratio':>8}")
    for name, mine in counted[ours].items():
        other = counted[theirs][name]
        print(f"{name:<10}{mine / 1e6:12.3f} M{other / 1e6:14.3f} M{other / mine:8.2f}")
