"""``python -m benchmarks.compare``: the command line (see the package's docstring)."""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

from benchmarks.common import scratch_database
from benchmarks.compare import __doc__ as DOC
from benchmarks.compare.data import load, samples
from benchmarks.compare.floor import floor
from benchmarks.compare.gateway import federated
from benchmarks.compare.instructions import callgrind, instructions, report_instructions
from benchmarks.compare.queries import QUERIES
from benchmarks.compare.report import load_average, report, report_gateway
from benchmarks.compare.runner import drive
from benchmarks.compare.servers import (
    BASELINE,
    GRUNNDATA,
    HERE,
    LOAD_CPU,
    SERVER_CPU,
    baseline_server,
    check_equal,
    grunndata_server,
    grunndata_side,
    postgraphile_server,
    postgraphile_side,
    trusted_token,
)
from grunndata.db.database import Database

DATABASE = "grunndata_benchmark_compare"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(DOC or "").splitlines()[0])
    parser.add_argument(
        "--persons",
        type=int,
        default=40_000,
        help="of the generated country (addresses, units and enheter follow)",
    )
    parser.add_argument("--runs", type=int, default=7, help="measured run pairs")
    parser.add_argument("--warmup-runs", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=10, help="length of one run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--queries", nargs="+", choices=list(QUERIES), default=list(QUERIES))
    parser.add_argument("--grunndata-port", type=int, default=8104)
    parser.add_argument("--postgraphile-port", type=int, default=8114,
                        help="also the baseline's port (--baseline)")  # fmt: skip
    parser.add_argument("--gateway-port", type=int, default=8124,
                        help="Hive Gateway's; its subgraphs take the next ports")  # fmt: skip
    parser.add_argument("--gateway-runs", type=int, default=3,
                        help="run pairs through the gateway against the single process "
                        "(0: skip the gateway)")  # fmt: skip
    parser.add_argument("--resolvers-only", action="store_true",
                        help="grunndata without its SQL forms")  # fmt: skip
    parser.add_argument("--baseline", nargs="?", const=BASELINE, metavar="REVISION",
                        help="compare with grunndata at this git revision (default "
                        f"{BASELINE}: before access control), served without a token, "
                        "instead of PostGraphile")  # fmt: skip
    parser.add_argument("--no-floor", action="store_true", help="skip the SQL floor")
    parser.add_argument("--instructions", type=int, metavar="REQUESTS",
                        help="instead of throughput: each server's instructions per request "
                        "under valgrind's callgrind, REQUESTS of each query sent one at a "
                        "time")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help=f"keep database {DATABASE}")
    parser.add_argument("--reuse", action="store_true",
                        help=f"use database {DATABASE} as a kept earlier run left it")  # fmt: skip
    return parser.parse_args()


def check_tools(args: argparse.Namespace) -> None:
    if args.instructions and not args.baseline:
        raise SystemExit("compare: --instructions compares grunndata with --baseline")
    tools = ("wrk", "taskset", "git") if args.baseline else ("wrk", "taskset", "node", "npm")
    if args.instructions:
        tools = ("taskset", "git", "valgrind", "callgrind_control")
    for tool in tools:
        if shutil.which(tool) is None:
            raise SystemExit(f"compare: needs {tool} on PATH")
    if args.baseline and subprocess.run(["git", "rev-parse", "--verify", "--quiet",
                                         f"{args.baseline}^{{commit}}"], cwd=HERE,
                                        capture_output=True).returncode != 0:  # fmt: skip
        raise SystemExit(f"compare: --baseline {args.baseline}: no such git revision here")
    if (args.keep or args.reuse) and not os.environ.get("GRUNNDATA_DATA_DIR"):
        raise SystemExit("compare: --keep and --reuse need GRUNNDATA_DATA_DIR (a cluster of "
                         "the benchmark's own, kept between runs)")  # fmt: skip


def main() -> None:
    args = arguments()
    check_tools(args)
    with private_cluster(), reused_or_scratch(args) as database, \
            tempfile.TemporaryDirectory() as tmp:  # fmt: skip
        folder = Path(tmp)
        keys = samples(database, 500, random.Random(6))
        auth, token = trusted_token(folder)
        headers = {"Authorization": f"Bearer {token}"}
        under = callgrind(folder) if args.instructions else ()
        ours = grunndata_side(GRUNNDATA, args.grunndata_port, headers)
        ours_started = grunndata_server(database, args.grunndata_port, under=under,
                                        resolvers_only=args.resolvers_only, auth=auth)  # fmt: skip
        if args.baseline:
            theirs = grunndata_side(f"at {args.baseline}", args.postgraphile_port)
            theirs_started = baseline_server(database, args.postgraphile_port, args.baseline,
                                             under=under)  # fmt: skip
        else:
            theirs = postgraphile_side(args.postgraphile_port)
            theirs_started = postgraphile_server(database, args.postgraphile_port)
        with ours_started as our_pid:
            ours = replace(ours, pids=(our_pid,))
            with theirs_started as their_pid:
                theirs = replace(theirs, pids=(their_pid,))
                if args.instructions:
                    counted = {server.name: instructions(server, keys, args.queries,
                                                         args.instructions, folder)
                               for server in (ours, theirs)}  # fmt: skip
                    report_instructions(counted, args.instructions, ours.name, theirs.name)
                    return
                for name in args.queries:
                    check_equal(ours, theirs, QUERIES[name], keys[name])
                print(f"answers equal for the sampled keys; wrk: {args.connections} "
                      f"connections, {args.seconds} s a run, {args.runs} run pairs, servers "
                      f"on CPU {SERVER_CPU}, wrk on CPU {LOAD_CPU}; {load_average()}")  # fmt: skip
                results = drive((ours, theirs), keys, args, folder, database, args.runs)
            gateway_results = None
            if args.gateway_runs and not args.baseline:
                with federated(database, args.gateway_port, auth, headers, folder) as gateway:
                    for name in args.queries:
                        check_equal(ours, gateway, QUERIES[name], keys[name])
                    print(f"the gateway's answers equal the single process's; {load_average()}")
                    gateway_results = drive((ours, gateway), keys, args, folder, database,
                                            args.gateway_runs)  # fmt: skip
        floors = {} if args.no_floor else floor(database, keys, args, folder)
        report(results, floors, ours.name, theirs.name)
        if gateway_results:
            report_gateway(gateway_results, ours.name, "Hive Gateway")


@contextmanager
def private_cluster() -> Iterator[None]:
    """A cluster of this run's own (``GRUNNDATA_DATA_DIR``: a temporary one unless given), so
    that no other work on the machine's clusters is in PostgreSQL's CPU figures."""
    if os.environ.get("GRUNNDATA_DATA_DIR"):
        yield
        return
    with ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="grunndata-compare-"))
        os.environ["GRUNNDATA_DATA_DIR"] = folder
        try:
            yield
        finally:
            del os.environ["GRUNNDATA_DATA_DIR"]


@contextmanager
def reused_or_scratch(args: argparse.Namespace) -> Iterator[Database]:
    if args.reuse:
        from grunndata.config import Settings
        from grunndata.db.database import bootstrap, embedded_cluster

        cluster = embedded_cluster(Settings.from_env())
        cluster.start()
        yield bootstrap(cluster.url(), DATABASE)
        return
    with scratch_database(DATABASE, keep=args.keep) as (database, _):
        print(f"loading a generated country of {args.persons:,} persons")
        load(database, args.persons)
        yield database


if __name__ == "__main__":
    main()
