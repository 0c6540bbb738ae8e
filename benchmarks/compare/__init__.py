"""grunndata against PostGraphile v5: throughput, latency and CPU of six queries, same data.

Loads a generated country (``grunndata fixtures generate --persons N``: persons, addresses,
units with owners, enheter with underenheter and roles, all referring to each other) into a
scratch database on a cluster of its own (``GRUNNDATA_DATA_DIR``; a temporary one unless
given), gives PostGraphile the views it needs (``benchmarks/postgraphile/views.sql``),
starts grunndata (one process, ``grunndata serve``) and PostGraphile
(``benchmarks/postgraphile/server.mjs``, installed with ``npm ci``), checks that both give
the same data for the same keys, then drives each query with wrk (same concurrency, same
duration, loopback). Both servers are pinned to CPU 0 with taskset, wrk to CPU 1; the
servers alternate run by run, and the ratio reported is the median of the per-pair ratios,
with its quartiles. Each run also reads the CPU time per request of the server and of
PostgreSQL, and from grunndata's ``/metrics`` which share of its requests the SQL forms
(the fast path) answered. Then the same queries run through Hive Gateway and one grunndata
subgraph per register (``federation/``), alternating with the single process: the
gateway's overhead. Finally it times the hand-written SQL of each query (one statement
building the whole answer: the floor), serially and with pgbench, with PostgreSQL's CPU
time per answer.

The six queries (``queries.py``; issue 21): ``person`` with address, ``eiendom`` with
geometry and owners, ``list``: 100 eiendommer with owners → persons, ``enhet`` with roller
(holders → person) and underenheter, ``enheter`` by kommune and næringskode (100 with
forretningsadresse), ``kjede``: person → roller → enhet → forretningsadresse →
adresseIMatrikkelen → eiendom.

Usage (from the repository root; needs wrk, taskset, Node 20 and npm):

    (cd benchmarks/postgraphile && npm ci)
    .venv/bin/python -m benchmarks.compare --persons 40000 --runs 7

grunndata trusts a key made by this run (``GRUNNDATA_JWKS``) and every grunndata request
carries a bearer token with the scopes the queries need (``servers.AUTH_SCOPES``), so
access control checks each request and the lookup log is written, as deployed (the rate
limit is off: one consumer sends all the load). PostGraphile has neither.

What access control costs: ``--baseline`` compares with grunndata as it was at a git
revision (default ``b9dbde2``, the last before access control; checked out into a
temporary git worktree and run with this interpreter and its packages) instead of
PostGraphile, on the same data, with the same queries, served without a token:

    GRUNNDATA_DATA_DIR=/tmp/compare .venv/bin/python -m benchmarks.compare --baseline \\
        --no-floor --gateway-runs 0 --queries person eiendom list

With ``--instructions N`` each server instead runs under valgrind's callgrind and is sent N
requests of each query one at a time; the figure is the server's instructions per request,
the same to a few per mille from run to run whatever else the machine does.
"""

from benchmarks.compare.queries import QUERIES

__all__ = ["QUERIES"]
