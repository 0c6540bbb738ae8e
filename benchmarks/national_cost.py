"""What a load costs: the loader's wall time, CPU time and peak RSS (a child process run
with the normal CLI), and PostgreSQL's CPU time over the same span.

PostgreSQL's CPU is read from /proc: the postmaster's own and its waited-for children's
time (backends that have exited) plus every live child's. On a cluster that serves
others meanwhile that includes their work too: point ``GRUNNDATA_DATA_DIR`` at a
private directory for clean figures.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Cost:
    wall_s: float
    loader_cpu_s: float
    loader_rss_mb: float
    postgres_cpu_s: float

    def per_record_ms(self, records: int) -> float:
        """Loader and PostgreSQL CPU per record, in milliseconds."""
        return (self.loader_cpu_s + self.postgres_cpu_s) * 1000 / max(records, 1)


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # fields from the state on (field 3)


def postgres_cpu(pgdata: Path) -> float:
    """CPU seconds of the cluster in ``pgdata`` so far (postmaster and all its children)."""
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    own = _stat(postmaster)
    if own is None:
        return 0.0
    ticks = sum(int(own[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    for entry in Path("/proc").iterdir():
        fields = _stat(int(entry.name)) if entry.name.isdigit() else None
        if fields and int(fields[1]) == postmaster:  # its parent is the postmaster
            ticks += int(fields[11]) + int(fields[12])
    return ticks / _TICK


def run_loader(args: list[str], env: dict[str, str], pgdata: Path) -> tuple[Cost, str]:
    """Run ``grunndata`` with ``args``; its cost and its output. Fails on a non-zero exit."""
    postgres_before = postgres_cpu(pgdata)
    started = time.perf_counter()
    process = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {process.returncode}:\n{output}")
    cost = Cost(
        wall_s=wall,
        loader_cpu_s=usage.ru_utime + usage.ru_stime,
        loader_rss_mb=usage.ru_maxrss / 1024,
        postgres_cpu_s=postgres_cpu(pgdata) - postgres_before,
    )
    return cost, output
