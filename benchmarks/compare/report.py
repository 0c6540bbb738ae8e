"""The tables: per query, both sides' req/s, the median of the run pairs' ratios with its
quartiles, CPU time per request (server and PostgreSQL), the SQL floor's, and which share of
grunndata's requests its SQL forms answered."""

from __future__ import annotations

import os
import statistics

from benchmarks.common import percentiles
from benchmarks.compare.floor import Floor
from benchmarks.compare.runner import Run

Results = dict[str, dict[str, list[Run]]]


def quartiles(ratios: list[float]) -> str:
    """The first and third quartile of the per-pair ratios (all of them, if under four)."""
    if len(ratios) < 4:
        return ", ".join(f"{r:.2f}" for r in sorted(ratios))
    low, _, high = statistics.quantiles(ratios, n=4)
    return f"{low:.2f}–{high:.2f}"


def _median(runs: list[Run], what: str) -> float:
    return statistics.median(getattr(r, what) for r in runs)


def _fast(runs: list[Run]) -> str:
    shares = [r.fast for r in runs if r.fast is not None]
    return f"{statistics.median(shares):.0%}" if shares else "-"


def _refused(runs: list[Run]) -> str:
    """Requests refused (non-2xx) over the runs, if any: not counted in req/s or CPU."""
    refused = sum(r.refused for r in runs)
    return f"  ({refused} refused)" if refused else ""


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} (uptime)"


def report(results: Results, floors: dict[str, Floor], ours: str, theirs: str) -> None:
    pairs_count = len(next(iter(results.values()))[ours]) if results else 0
    print(f"\n{ours} against {theirs}: medians over {pairs_count} alternating run pairs; "
          f"ratio = median of the pairs' {ours}/{theirs} req/s, Q1–Q3 its quartiles; CPU = "
          "server + PostgreSQL per request; /floor = CPU over the SQL floor's; SQL forms = "
          "share of grunndata's requests its fast path answered; " + load_average())  # fmt: skip
    print(
        f"{'query':<9}{'side':<14}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}{'ratio':>7}"
        f"{'Q1–Q3':>11}{'CPU ms':>8}{'server':>8}{'PG':>7}{'/floor':>8}{'SQL forms':>10}"
    )
    for name, by_side in results.items():
        ratios = _ratios(by_side[ours], by_side[theirs])
        found = floors.get(name)
        for side, runs in by_side.items():
            mine = side == ours
            middle = f"{statistics.median(ratios):7.2f}{quartiles(ratios):>11}" if mine else ""
            vs_floor = (f"{_median(runs, 'cpu_ms') / found.cpu_ms:8.2f}"
                        if found and found.cpu_ms else f"{'-':>8}")  # fmt: skip
            print(_line(name, side, runs, f"{middle:18}") + vs_floor
                  + (f"{_fast(runs):>10}" if mine else f"{'':10}") + _refused(runs))  # fmt: skip
        if found:
            rate = f"{found.requests_per_s:7.0f}" if found.requests_per_s else f"{'-':>7}"
            cpu_text = f"{found.cpu_ms:8.2f}" if found.cpu_ms else f"{'-':>8}"
            print(f"{name:<9}{'SQL floor':<14}{rate}{'':34}{cpu_text}   pgbench; serial "
                  f"{percentiles(found.latencies)}")  # fmt: skip


def _ratios(mine: list[Run], other: list[Run]) -> list[float]:
    """Each run pair's req/s ratio, ``mine`` over ``other``."""
    return [a.requests_per_s / b.requests_per_s for a, b in zip(mine, other, strict=True)]


def _line(name: str, side: str, runs: list[Run], middle: str) -> str:
    """A table row: the side's req/s and latencies, ``middle``, its CPU per request."""
    return (f"{name:<9}{side:<14}{_median(runs, 'requests_per_s'):7.0f}"
            f"{_median(runs, 'p50_ms'):8.2f}{_median(runs, 'p99_ms'):8.2f}{middle}"
            f"{_median(runs, 'cpu_ms'):8.2f}{_median(runs, 'server_cpu_ms'):8.2f}"
            f"{_median(runs, 'database_cpu_ms'):7.2f}")  # fmt: skip


def report_gateway(results: Results, single: str, gateway: str) -> None:
    """The gateway's overhead: the same queries through Hive Gateway and its subgraphs
    (every process on the servers' CPU) against the single process, run pairs alternating."""
    pairs_count = len(next(iter(results.values()))[single]) if results else 0
    print(
        f"\n{gateway} against {single}, {pairs_count} alternating run pairs: ratio = median "
        f"of the pairs' {gateway}/{single} req/s (overhead = 1 - ratio); CPU = every "
        "process of the side (gateway and subgraphs) + PostgreSQL per request; SQL forms = "
        "share of the subgraphs' requests their fast path answered; " + load_average()
    )
    print(f"{'query':<9}{'side':<14}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}{'ratio':>7}"
          f"{'Q1–Q3':>11}{'overhead':>9}{'CPU ms':>8}{'server':>8}{'PG':>7}"
          f"{'SQL forms':>10}")  # fmt: skip
    for name, by_side in results.items():
        ratios = _ratios(by_side[gateway], by_side[single])
        ratio = statistics.median(ratios)
        for side, runs in by_side.items():
            middle = (f"{ratio:7.2f}{quartiles(ratios):>11}{1 - ratio:9.0%}"
                      if side == gateway else "")  # fmt: skip
            print(_line(name, side, runs, f"{middle:27}") + f"{_fast(runs):>10}" + _refused(runs))
